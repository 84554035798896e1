"""Session 64, helper tube64: where a scan's tube comes from, told the same by every message and
dock (detector.tube_source for the calibration's anode, detector.known_anode for the scan's)."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def mo_scan(tmp_path_factory):
    """A Mo tube's scan (45 kV) saved as .npy: no tube, no kV, no calibration named; read_cube
    reads Mo off its scatter lines (as tests/test_tubeB63.py's)."""
    from test_pigment_fit import RECIPES, _cube

    from xrf_napari.detector import ANODE_FROM_SCATTER, tube_source
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(anode="Mo", kv=45.0, fwhm_mn_ev=150.0, counts_per_pixel=3000.0)
    made, _ = _cube(RECIPES[:3], size=24, seed=1, profile=prof)
    path = tmp_path_factory.mktemp("tube64") / "mo.npy"
    np.save(path, np.asarray(made.data))
    cube = read_cube(path)
    assert tube_source(cube.metadata) == ANODE_FROM_SCATTER
    return cube


def test_a_saved_default_calibration_opened_with_another_tube_is_not_called_given(tmp_path, capsys):
    """A project .h5 whose automatic calibration assumed the default Rh, opened again with
    --anode Mo: the saved calibration is kept, and `info` said "tube assumed: Rh (given with
    --anode ...)", the Spectrum dock "assuming a Rh tube (given when the scan was read)", though
    Mo was given and Rh was the default (/work/runs64/tube64/default_given.py). Fails on the
    parent: "given"."""
    from xrf_napari.cli.main import main
    from xrf_napari.detector import calibration_anode_origin, known_anode
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16)
    auto = {"anode": "Rh", "matched": ["Fe Ka ch 120"], "residual_ev_rms": 9.0}
    path = tmp_path / "saved.h5"
    write_cube(
        path, counts, Calibration(0.0, 0.05, source="auto"), metadata={"auto_calibration": auto}
    )
    cube = read_cube(path, anode="Mo")
    assert cube.calibration.source == "auto" and known_anode(cube.metadata) == "Mo"
    default = "the file names none: Rh by default"
    assert calibration_anode_origin(cube.metadata, napari=True) == default
    assert calibration_anode_origin(cube.metadata, "Mo").startswith(default)
    assert main(["info", str(path), "--anode", "Mo"]) == 0
    out = capsys.readouterr().out
    assert f"tube assumed: Rh ({default}" in out, out
    assert "tube given Mo (--anode)" in out, out
    # the default's own symbol given, or a tube given for a scan no calibration assumed one of
    assert calibration_anode_origin(cube.metadata, "Rh").startswith("given with --anode")


def test_the_docks_notes_take_the_tube_read_off_the_scatter(mo_scan):
    """Recolour's and Embed's notes were made for detector.named_anode's tube (scan_tube): none,
    for a scan whose calibration read Mo off its scatter lines, which info, quicklook and
    Pigments call Mo; the notes then guessed their own from the sampled pixels. They now take
    known_anode's, as those do, and say it as seen, not named: check_scan with no tube chosen
    (the docks pass their Tube box's choice alone, widgets._common.tube_chosen). Fails on the
    parent: scan_tube None."""
    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.detector import known_anode
    from xrf_napari.widgets._common import scan_tube

    assert scan_tube(mo_scan) == known_anode(mo_scan.metadata) == "Mo"
    report = check_scan(mo_scan)
    assert report.anode == report.anode_seen == "Mo"  # made_for, as the dock's scan_tube now
    text = report.message()
    assert "the tube looks like Mo (from its scattered lines" in text, text
    assert "tube anode Mo" not in text, text  # not as if named


def test_a_tube_chosen_over_the_one_read_is_named(mo_scan):
    """A guard: a tube chosen (the Tube box, --anode) over the one the calibration read off the
    scatter lines is the named one, and the spectra's Mo contradicts it once."""
    from xrf_napari.analysis.ood import check_scan

    report = check_scan(mo_scan, anode="Rh")
    assert report.anode == "Rh" and report.anode_seen is None
    text = report.message()
    assert text.count("the tube looks like Mo (from its scattered lines), not the Rh named") == 1
