"""Review of smallA65 (ec18d5e3): the Pigments calibration note after --no-auto-calibration, and
in the Pigments panel, where it advised --anode, a command-line option."""

import numpy as np


def _saved_default_spot(tmp_path):
    """A 2 x 2 project .h5 (a spot scan: fitted whole, no regions to find) whose saved automatic
    calibration assumed the default Rh (test_revB64's, smaller)."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(50, (2, 2, 256)).astype(np.uint16)
    auto = {"anode": "Rh", "matched": ["Fe Ka ch 120"], "residual_ev_rms": 9.0}
    path = tmp_path / "saved.h5"
    write_cube(
        path, counts, Calibration(0.0, 0.05, source="auto"), metadata={"auto_calibration": auto}
    )
    return path


def test_pigments_with_no_auto_calibration_does_not_advise_anode_again(tmp_path, capsys):
    """`pigments saved.h5 --anode Cu --no-auto-calibration` keeps the saved Rh calibration
    unchecked; its notes advised "--anode for another tube" and "--anode on the command line does
    both", which the user had just given (info said, since ec18d5e3, to leave the option out).
    Fails on the parent: that advice."""
    from xrf_napari.cli.main import main

    path, out = _saved_default_spot(tmp_path), tmp_path / "out"
    argv = ["pigments", str(path), "-o", str(out), "--anode", "Cu", "--fwhm", "140"]
    assert main([*argv, "--no-auto-calibration", "--no-progress"]) == 0
    err = capsys.readouterr().err
    cal = next(line for line in err.splitlines() if "energy calibration: automatic" in line)
    assert "kept unchecked: leave out --no-auto-calibration" in cal, cal
    said = next(line for line in err.splitlines() if "contradiction:" in line)
    assert "leave out --no-auto-calibration and --anode fits it again" in said, said
    assert "does both" not in said and "--anode for another tube" not in err, err


def test_the_pigments_panel_note_names_its_tube_box_not_anode(tmp_path):
    """The Pigments panel's fit (its job, _pigments_job) noted "Rh by default; --anode for
    another tube" inside napari, which has no --anode. Fails on the parent: those words."""
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end
    from xrf_napari.widgets.pigments import _pigments_job

    cube = read_cube(_saved_default_spot(tmp_path))
    labels = np.ones(cube.shape[:2], np.int32)
    job = _pigments_job(cube, labels, False, "cpu", None, None, None, {"fwhm_mn_ev": 140.0})
    report = run_to_end(job, on_stage=lambda _: None)[0]
    cal = next(n for n in report.notes if n.startswith("energy calibration: automatic"))
    assert "(the file names none: Rh by default; the Tube box sets another tube" in cal, cal
    assert "--anode" not in cal, cal
