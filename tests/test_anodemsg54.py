"""Review revA54 of the tube given to read_cube (b7a00beb and after): napari's calibration notice,
a given tube the scatter lines contradict, a tube naming no element in the suggestion, and
`info --anode`'s metadata (session 54)."""

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


def test_napari_calibration_notice_names_the_symbol_and_advice_napari_can_follow(monkeypatch):
    """Fails on the parent: napari's notice said "assuming a rh tube" (the raw saved value) and
    "--anode (read_cube's anode=) for another tube", which a napari user cannot give."""
    from xrf_napari import _reader

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda text, **_: told.append(text))
    auto = {"residual_ev_rms": 3.0, "matched": ["Fe Ka ch 667.9"], "anode": "rh"}
    cal = Calibration(-0.008, 0.0096, source="auto")
    cube = cube_from_array(np.ones((2, 2, 512), np.float32), cal, auto_calibration=auto)
    _reader._tell_calibration(cube, [])
    text = told[0]
    assert "assuming a Rh tube (the file names none: Rh by default;" in text, text
    assert "If the tube was not Rh," in text, text
    assert "--anode" not in text and "read_cube" not in text, text
    assert "Instrument row's tube box" in text, text


def test_a_given_tube_the_scatter_lines_contradict_is_said_once():
    """Fails on the parent: a Mo-tube scan given anode Rh (read_cube's anode=, recorded as the
    scan's tube) lost "the tube looks like Mo (from its scattered lines ...)": check_scan guessed
    no tube once one was named."""
    from test_anode47 import _scan

    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.detector import GIVEN_ANODE_KEY

    cube = cube_from_array(_scan("Mo", 35.0), Calibration.canonical())
    cube.metadata[GIVEN_ANODE_KEY] = "Rh"
    report = check_scan(cube)
    text = report.message()
    assert report.warn, text
    assert text.count("the tube looks like Mo (from its scattered lines), not the Rh named") == 1
    assert report.anode == "Rh" and report.anode_seen is None  # the named tube kept in use


def test_a_tube_naming_no_element_is_named_as_the_tube_by_the_suggestion():
    """Fails on the parent: suggest_for_cube said only "unknown element symbol 'Xx'" where
    plan_for_cube said "the cube's tube anode 'Xx' is not an element symbol ..."."""
    from xrf_napari.analysis.maps import plan_for_cube
    from xrf_napari.analysis.peaks import suggest_for_cube

    counts = np.ones((2, 2, 512), np.float32)
    cube = cube_from_array(counts, Calibration.canonical(), anode="Xx")
    with pytest.raises(ValueError) as suggest:
        suggest_for_cube(cube)
    with pytest.raises(ValueError) as plan:
        plan_for_cube(cube, ["Fe"])
    assert str(suggest.value) == str(plan.value)
    assert "the cube's tube anode 'Xx' is not an element symbol" in str(suggest.value)
    with pytest.raises(ValueError, match="given tube anode 'Yy'"):
        suggest_for_cube(cube_from_array(counts, Calibration.canonical()), anode="Yy")


def _h5(path, **metadata):
    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((2, 2, 512), np.uint16)
    return str(write_cube(path, counts, Calibration.canonical(), metadata=metadata))


def test_info_shows_a_given_tube_as_given_not_as_the_files(tmp_path, capsys):
    """Fails on the parent: `info X --anode Mo` listed "anode_given: Mo" under metadata as if the
    file held it, and said nothing where the file names another tube (the given one unused)."""
    import json

    from xrf_napari.cli.main import main

    bare = _h5(tmp_path / "bare.h5")
    assert main(["info", bare, "--anode", "Mo", "--no-auto-calibration"]) == 0
    out = capsys.readouterr().out
    assert "  tube given Mo (--anode)\n" in out, out
    assert "anode_given" not in out, out
    named = _h5(tmp_path / "named.h5", anode="W")
    assert main(["info", named, "--anode", "Mo"]) == 0
    out = capsys.readouterr().out
    assert "tube given Mo (--anode; not used: the file names the tube W)" in out, out
    assert main(["info", named, "--anode", "Mo", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["tube_given"] == {"anode": "Mo", "used": False, "file_anode": "W"}
    assert "anode_given" not in said["metadata"]
