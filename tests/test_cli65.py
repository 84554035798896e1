"""Session 65, helper cli65: the failed refit of a saved calibration recorded with it (a project
.h5 keeps it), and the CLI's remaining items."""

import json

import numpy as np
from test_revB64 import _saved_default


def _resaved(tmp_path):
    """The saved Rh calibration opened with --anode Mo (no peaks: the fit for Mo fails, the saved
    one is kept), saved again as napari's writer saves a cube layer."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube_streamed

    cube = read_cube(_saved_default(tmp_path), anode="Mo")
    out = tmp_path / "again.h5"
    write_cube_streamed(out, cube, metadata=_file_metadata(cube))
    return out


def test_a_failed_refit_is_saved_with_the_calibration(tmp_path):
    """The tube whose fit failed was told only by the note's words (io.REFIT_KEPT), which a save
    moves under source_notes; `auto_calibration` now records it (REFIT_FAILED_KEY), in the file
    too, and the reopened project's tooltip says that fit failed, advising no --anode. Fails on
    the parent: the file holds no such record."""
    import h5py

    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    out = _resaved(tmp_path)
    with h5py.File(out, "r") as f:
        saved = json.loads(f.attrs["metadata"])["auto_calibration"]
    assert saved["refit_failed_for"] == "Mo" and saved["anode"] == "Rh"
    _, tip = calibration_origin(read_cube(out))
    assert "a fit for the Mo tube given failed, so open the file with a calibration" in tip, tip
    assert "open the file with its anode" not in tip, tip


def test_the_tooltip_does_not_call_another_tubes_failed_fit_the_one_given(tmp_path):
    """That project opened with --anode Cu and --no-auto-calibration (no fit tried): the tooltip
    read "kept, as a fit for the" in the saved note and said "a fit for the Cu tube given
    failed" (the Mo one had). Fails on the parent: those words."""
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    cube = read_cube(_resaved(tmp_path), anode="Cu", auto_calibrate=False)
    _, tip = calibration_origin(cube)
    assert "Cu tube given failed" not in tip, tip
    assert "open the file with its anode (command line --anode" in tip, tip


def test_info_advises_no_anode_after_its_fit_failed(tmp_path, capsys):
    """`info saved.h5 --anode Mo` whose fit for Mo failed said "tube assumed: Rh (the file names
    none: Rh by default; --anode (read_cube's anode=) for another tube)" right after --anode;
    the reopened project said so too. Fails on the parent: that advice."""
    from xrf_napari.cli.main import main

    out = _resaved(tmp_path)
    for extra in ([], ["--anode", "Mo"]):
        assert main(["info", str(out), *extra]) in (0, None)
        line = next(s for s in capsys.readouterr().out.splitlines() if "tube assumed" in s)
        assert "for another tube" not in line and "a fit for the Mo tube given failed" in line


def test_a_project_saved_before_the_record_still_reads(tmp_path):
    """A project saved before REFIT_FAILED_KEY (the note alone says the fit for Mo failed, under
    source_notes, as the parent's napari writer saved it) opens, and its tooltip reads the note
    as before; opened with --anode Cu, the note's Mo is not taken for Cu. Fails on the parent:
    the note's words were looked for without their tube ("a fit for the Cu tube given failed")."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    counts = np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16)
    note = "x.h5: its saved automatic calibration assumed a Rh tube; kept, as a fit for the Mo "
    meta = {
        "auto_calibration": {"anode": "Rh", "matched": ["Fe Ka ch 120"], "residual_ev_rms": 9.0},
        "anode_given": "Mo",
        "source_notes": {"file": "x.h5", "calibration_note": note + "given failed (no peaks)"},
    }
    path = tmp_path / "old.h5"
    write_cube(path, counts, Calibration(0.0, 0.05, source="auto"), metadata=meta)
    cube = read_cube(path)
    assert cube.calibration.source == "auto" and cube.calibration.gain == 0.05
    _, tip = calibration_origin(cube)
    assert "a fit for the Mo tube given failed, so open the file with a calibration" in tip, tip
    _, tip = calibration_origin(read_cube(path, anode="Cu", auto_calibrate=False))
    assert "failed, so" not in tip and "open the file with its anode" in tip, tip


def test_a_config_keys_other_case_is_named_but_still_refused():
    """A training config's unknown keys were matched to the known ones case and all (difflib):
    "LR" and "model.LATENT_DIM" got no hint; argtypes.meant_choice's rule (case ignored), as every
    refusal of a choice, names "lr". Keys stay case-sensitive, as JSON's: "LR" is still refused.
    Fails on the parent: no hint."""
    import copy

    import pytest

    from xrf_napari.training.common import check_config
    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG

    defaults = copy.deepcopy(DEFAULT_TRAIN_CONFIG)
    model = defaults["model"]
    user = {"LR": 0.1, "stepz": 2, "model": {"LATENT_DIM": 3}}
    with pytest.raises(ValueError) as err:
        check_config(user, defaults, model, "c.json")
    said = str(err.value)
    assert "unknown keys ['LR', 'stepz', 'model.LATENT_DIM']" in said, said
    assert "'LR': did you mean 'lr'?" in said and "'stepz': did you mean 'steps'?" in said
    assert "'model.LATENT_DIM': did you mean 'model.latent_dim'?" in said, said
