"""Review of session 41's command-line changes (11bcd73/c2c4205 tube origin, e418ca0 split),
one test per fix, on the small real APS scan or a manifest written here: no cube is generated."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_a_given_anode_is_not_called_the_default_by_pigments_or_napari(real_data, monkeypatch):
    """The APS scan (no calibration, no anode) opened with --anode Mo (read_cube's anode="Mo"):
    `info` said "tube assumed: Mo (given with --anode)", but Pigments' note and napari's notice
    of the same cube said "assuming the Mo anode's lines ... (the file names none: Rh by
    default; --anode ... for another tube)", which they could not tell from the default. The
    origin is now read from the anode the calibration recorded: all say it was given."""
    from xrf_napari import _reader
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.cli.info_cmd import calibration_tube
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    cube = read_cube(real_data / "aps_xrfmaps_2xfm_0011.h5", anode="Mo")
    assert cube.calibration.source == "auto"
    note = calibration_notes(cube, InstrumentProfile(anode="Mo"))[0]
    assert "assuming the Mo anode's lines" in note
    assert "Rh by default" not in note and "given with --anode" in note
    told = []
    monkeypatch.setattr(_reader, "_notify", lambda text, **kw: told.append(text))
    _reader._tell_calibration(cube, [])
    assert "assuming a Mo tube (given when the scan was read" in told[0]  # test_anodemsg54
    # info, which knows its --anode, and the others now say the same
    assert calibration_tube(cube, "Mo")["origin"] in note
    assert calibration_tube(cube)["origin"] == calibration_tube(cube, "Mo")["origin"]


def test_a_default_rh_calibration_still_says_it_is_the_default():
    """The guard beside the fix: Rh assumed for a file naming no anode stays 'by default'."""
    from xrf_napari.detector import calibration_anode_origin

    meta = {"auto_calibration": {"anode": "Rh"}}
    assert calibration_anode_origin(meta).startswith("the file names none: Rh by default")
    assert calibration_anode_origin(dict(meta, anode="W")) == "the anode the file names"


def _pigment_usage():
    spec = importlib.util.spec_from_file_location(
        "pigment_usage", ROOT / "scripts" / "pigment_usage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pigment_usage_still_counts_a_procedural_training_set(tmp_path):
    """scripts/pigment_usage.py counts training sets only (manifest split 'train'). Since e418ca0
    a set generated without --images records split null (before: the --split given), so a
    procedural training set made with --split train was refused as "split None, not 'train'"
    (test_draw_recipes36 failed so). It is counted again; pigment panels, made for evaluation
    and recorded 'test' by training.md's example before, are refused, and a set from --images
    still needs split 'train'."""
    head = {"split": None, "images_dir": None, "kind": "paintings", "cubes": []}
    (tmp_path / "manifest.json").write_text(json.dumps(head), encoding="utf-8")
    script = _pigment_usage()
    assert script.count(tmp_path)["cubes"] == 0  # no cube files: counted, nothing in it
    (tmp_path / "manifest.json").write_text(json.dumps(dict(head, kind="panels")), "utf-8")
    with pytest.raises(SystemExit, match="pigment panels"):
        script.count(tmp_path)
    head = dict(head, split="test", images_dir="paintings")
    (tmp_path / "manifest.json").write_text(json.dumps(head), encoding="utf-8")
    with pytest.raises(SystemExit, match="split 'test', not 'train'"):
        script.count(tmp_path)
