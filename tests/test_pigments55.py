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


def test_a_line_is_measured_against_the_residuals_noise_not_the_fits_dispersion():
    """Fails on the parent: a line the fit leaves was a note only above 6 sqrt(phi) sigma, phi
    the region's chi-square per degree of freedom. A continuum the forward model misses by tens
    of per cent over a few keV (the real Bruker .spx: phi 47) makes phi large, though the
    residual's noise from channel to channel stays the counting noise: gold's L lines at 10
    sigma were never named, and without the threshold's sqrt(phi) the missed continuum itself
    was a peak. The residual's slow trend is now taken out, and a peak is measured against the
    residual's own noise: the gold is named, the continuum is not, nor is noise."""
    from test_pigments52 import PROFILE

    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.energy import canonical_energy

    e = canonical_energy()

    def peak(at):
        return np.exp(-0.5 * ((e - at) / 0.068) ** 2)

    model = 3e4 * np.exp(-0.5 * ((e - 12.0) / 5.0) ** 2) + 1e3 + 2e5 * peak(6.40) + 3e4 * peak(7.06)
    off = model * (1.0 + 0.6 * np.exp(-0.5 * ((e - 9.0) / 1.5) ** 2))  # what the model misses
    sd = np.sqrt(off + (pf.MODEL_ERROR * off) ** 2)
    gold = 10.0 * (
        sd[np.abs(e - 9.71).argmin()] * peak(9.71)
        + 0.8 * sd[np.abs(e - 11.44).argmin()] * peak(11.44)
    )
    rng = np.random.default_rng(0)
    fe = frozenset({"Fe"})
    for lines in (0.0, 1.0):
        y = rng.poisson(off + lines * gold).astype(float)
        w = pf._weights(y)
        assert (((y - model) * w) ** 2).sum() / e.size > 15.0  # a dispersion as a real scan's
        names = [
            n.rsplit(" ", 2)[0] for n in pf._unexplained(y, model, w, e, PROFILE, explained=fe)
        ]
        assert names == (["Au La", "Au Lb"] if lines else []), names
    # noise alone, about a model that is right: nothing
    for seed in range(5):
        y = np.random.default_rng(seed).poisson(model).astype(float)
        assert pf._unexplained(y, model, pf._weights(y), e, PROFILE, explained=fe) == []
