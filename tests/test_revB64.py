"""Session 64, reviewer revB64 of tubeB64's commits: --anode's refit of a saved calibration and
the tube read under a file's calibration (metadata "anode_seen")."""

import numpy as np


def _saved_default(tmp_path):
    """A project .h5 of random counts (no peaks: no fit succeeds) whose saved automatic
    calibration assumed the default Rh."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16)
    auto = {"anode": "Rh", "matched": ["Fe Ka ch 120"], "residual_ev_rms": 9.0}
    path = tmp_path / "saved.h5"
    write_cube(
        path, counts, Calibration(0.0, 0.05, source="auto"), metadata={"auto_calibration": auto}
    )
    return path


def test_the_tooltip_after_a_failed_refit_does_not_advise_the_anode_again(tmp_path):
    """A saved Rh calibration opened with --anode Mo whose new fit failed keeps the saved one
    (75600afe); the Spectrum dock's tooltip still said "open the file with its anode (command line
    --anode ...)", which the user had just done. Fails on the parent: that advice."""
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    cube = read_cube(_saved_default(tmp_path), anode="Mo")
    assert cube.calibration.source == "auto"
    _, tip = calibration_origin(cube)
    assert "open the file with its anode" not in tip, tip
    assert "a fit for the Mo tube given failed, so open the file with a calibration" in tip, tip
    assert "kept, as a fit for the Mo given failed" in tip  # the note's reason, below
    _, tip = calibration_origin(read_cube(tmp_path / "saved.h5"))  # none given: the advice
    assert "open the file with its anode (command line --anode" in tip, tip


def test_a_tube_given_equal_to_the_saved_ones_does_not_refit(tmp_path, monkeypatch):
    """A guard: --anode naming the tube the saved calibration assumed (in any spelling) fits
    nothing again (a whole pass over the file, for the same result)."""
    import xrf_napari.io as io

    path = _saved_default(tmp_path)
    calls = []
    monkeypatch.setattr(io, "_auto_calibrate", lambda *a, **k: calls.append(a) or a[0])
    for given in ("Rh", "rhodium", 45):
        assert io.read_cube(path, anode=given).calibration.gain == 0.05
    assert calls == []


def test_a_saved_tube_read_is_read_again_not_taken_from_the_file(tmp_path):
    """A guard: "anode_seen" saved in a project .h5 (the scan read under its sidecar's
    calibration) is looked for again when the file is opened, never taken as the file's word:
    a value the spectra do not show is dropped, and a tube given leaves none."""
    from xrf_napari.detector import SEEN_ANODE_KEY, known_anode, named_anode, tube_source
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16)
    path = tmp_path / "forged.h5"
    write_cube(path, counts, Calibration(0.0, 0.05, source="file"), metadata={SEEN_ANODE_KEY: "W"})
    cube = read_cube(path)
    assert SEEN_ANODE_KEY not in cube.metadata and known_anode(cube.metadata) is None
    assert named_anode(cube.metadata) is None and tube_source(cube.metadata) == ""
    assert SEEN_ANODE_KEY not in read_cube(path, anode="Mo").metadata


def test_napari_saves_no_tube_read_into_the_project_file(tmp_path):
    """napari's writer wrote "anode_seen" (the tube read_cube read off the scatter lines under a
    file's calibration, set again at every read) into the project .h5 as the file's metadata,
    where HDF5 viewers and older releases' `info` list it as the file's word; it leaves it out as
    it leaves out AUTO_SAVED_KEY. Fails on the parent: the key is written."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.detector import SEEN_ANODE_KEY
    from xrf_napari.energy import Calibration
    from xrf_napari.io import Cube

    counts = np.ones((4, 4, 64), np.uint16)
    cube = Cube(counts, Calibration(0.0, 0.05, source="file"), metadata={SEEN_ANODE_KEY: "Mo"})
    cube.metadata["operator"] = "A. B."
    saved = _file_metadata(cube)
    assert SEEN_ANODE_KEY not in saved and saved["operator"] == "A. B."


def test_a_rh_tubes_scan_with_silver_is_not_read_as_an_ag_tube():
    """A Rh tube's scan of a painting holding silver (leaf, a silver pigment): Rh K-alpha's own
    spill fills Ag's Compton band (contrast 0.2-0.32 on generated Rh scans) and the paint's Ag
    K-alpha shows, so Rh and Ag were both shown: "cannot tell", the calibration Rh by default.
    5beb6300 dropped Rh as within Ag's band and named Ag (20 of 45 such generated sums,
    /work/runs64/revB64/silver_eval.py): a wrong tube, whose lines the maps then take for the
    tube's. Fails on the parent: "Ag". An Ag tube's scan is still read as Ag."""
    from test_pigment_fit import RECIPES, _cube

    from xrf_napari.analysis.tube_guess import guess_anode
    from xrf_napari.energy import Calibration
    from xrf_napari.physics.instrument import InstrumentProfile

    cal = Calibration.canonical()
    e = cal.offset + cal.gain * np.arange(512)
    sums = {}
    for anode in ("Rh", "Ag"):
        prof = InstrumentProfile(anode=anode, kv=45.0, fwhm_mn_ev=150.0, counts_per_pixel=3000.0)
        made, _ = _cube(RECIPES[:3], size=24, seed=2, profile=prof)
        assert made.calibration == cal and made.n_channels == 512
        sums[anode] = np.asarray(made.data, dtype=np.float64).reshape(-1, 512).sum(0)
    assert guess_anode(sums["Rh"][None]) == "Rh" and guess_anode(sums["Ag"][None]) == "Ag"
    silver = 0.05 * sums["Rh"].max() * np.exp(-0.5 * ((e - 22.16) / 0.12) ** 2)  # Ag K-alpha
    assert guess_anode((sums["Rh"] + silver)[None]) is None
    assert guess_anode((sums["Ag"] + silver)[None]) == "Ag"


def test_the_tooltip_says_no_fit_failed_where_none_was_tried(tmp_path):
    """The same saved Rh calibration opened with --anode Mo and --no-auto-calibration: no fit
    for Mo is tried, and the tooltip said "a fit for the Mo tube given failed" (1c695a12). Fails
    on the parent: those words; now the --anode advice as for a file opened with no tube."""
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    cube = read_cube(_saved_default(tmp_path), anode="Mo", auto_calibrate=False)
    assert cube.calibration.source == "auto"
    _, tip = calibration_origin(cube)
    assert "failed" not in tip and "open the file with its anode (command line --anode" in tip
