"""Session 55, pigment hypotheses: the calibration note of a saved scan, and the lines a fit
leaves unexplained."""

from __future__ import annotations

import numpy as np

from xrf_napari.physics.instrument import InstrumentProfile


def test_a_saved_automatic_calibration_is_not_called_the_files_lack_of_one(tmp_path):
    """Fails on the parent: a project .h5 saved from a scan calibrated automatically holds that
    calibration (source "auto"), and the pigment fit's note read "energy calibration: automatic
    (the file has none)" of it. It now says the file holds it, fitted when the scan was first
    read (with why, where the first read said); a value of the key saved in a file's metadata is
    not taken for it."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((2, 2, 512), np.float32)
    auto = {"anode": "Rh", "residual_ev_rms": 7.0, "matched": ["Ca Ka ch 40.0"]}
    cal = Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="auto")
    saved = read_cube(
        write_cube(tmp_path / "a.h5", counts, cal, metadata={"auto_calibration": auto})
    )
    note = calibration_notes(saved, InstrumentProfile(anode="Rh"))[0]
    assert "the file has none" not in note, note
    assert note.startswith(
        "energy calibration: automatic (saved in the file, fitted when the scan was first read), "
        "assuming the Rh anode's lines"
    ), note
    first = "scan.spx: the file's energy calibration is implausible (gain 1 keV/channel): ignored"
    meta = {"auto_calibration": auto, "calibration_note": first}
    why = read_cube(write_cube(tmp_path / "b.h5", counts, cal, metadata=meta))
    assert f"first read: {first})" in calibration_notes(why, InstrumentProfile(anode="Rh"))[0]
    # the file's own calibration, saved with a stale key: not an automatic one, no note
    from xrf_napari.io import AUTO_SAVED_KEY

    own = Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="file")
    meta = {"auto_calibration": auto, AUTO_SAVED_KEY: True}
    cube = read_cube(
        write_cube(tmp_path / "c.h5", counts, own, metadata=meta), auto_calibrate=False
    )
    assert AUTO_SAVED_KEY not in cube.metadata
    assert calibration_notes(cube, InstrumentProfile(anode="Rh")) == []
    # one made now (cube_from_array of an automatic calibration: no file to hold it) keeps its words
    from xrf_napari.cube import cube_from_array

    made = cube_from_array(counts, cal, auto_calibration=auto)
    assert "automatic (the file has none)" in calibration_notes(made, InstrumentProfile())[0]
