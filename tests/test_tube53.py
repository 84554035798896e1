"""The automatic energy calibration of a scan naming no tube reads the anode its scatter lines
show (autocal.scatter_recalibrated), so the Spectrum dock and the Pigments fit name one tube
(session 53)."""

import pytest
from test_tube48 import BASE, _native

from xrf_napari.cube import cube_from_array


@pytest.mark.parametrize("anode", ["Mo", "Rh"])
def test_a_scan_naming_no_tube_is_calibrated_for_the_tube_its_scatter_shows(anode):
    """Fails on the parent for Mo (the calibration assumed Rh, the default, though the spectra so
    calibrated show Mo's scattered K lines); Rh stays the default's calibration, its lines counted
    as seen since session 63 (test_tube63: "Rh by default" of a Rh tube's scan). The
    offset and gain are those the default's lines gave (no worse against the generator's)."""
    from xrf_napari.analysis.autocal import auto_calibrate
    from xrf_napari.detector import calibration_anode, calibration_anode_seen
    from xrf_napari.io import auto_calibrated

    counts = _native(anode, 35.0 if anode == "Mo" else 40.0)
    cube = auto_calibrated(cube_from_array(counts))
    assert cube.calibration.source == "auto"
    assert calibration_anode(cube.metadata) == anode
    assert calibration_anode_seen(cube.metadata)
    before = auto_calibrate(cube_from_array(counts), anode="Rh").calibration
    for got, was, true in zip(
        (cube.calibration.offset, cube.calibration.gain),
        (before.offset, before.gain),
        (BASE.offset, BASE.gain),
    ):
        assert abs(got - true) <= abs(was - true) + 1e-9, (got, was, true)


def test_the_spectrum_dock_names_the_mo_tube_of_the_real_mca(real_data):
    """The real PyMCA .mca (a Mo tube, no tube named): the Spectrum dock said "auto, assuming a
    Rh tube" while the Pigments fit read Mo from the scatter lines (tube_guess.scan_anode) and
    noted a contradiction. Fails on the parent: 'auto, assuming a Rh tube'."""
    from xrf_napari.analysis.tube_guess import scan_anode
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    cube = read_cube(real_data / "pymca_XRFSpectrum.mca")
    label, tip = calibration_origin(cube)
    assert label == "auto, for a Mo tube read from its scatter lines", label
    assert "read from the scan's scattered tube lines" in tip, tip
    assert scan_anode(cube, cube.to_canonical().reshape(-1, 512)) == (
        "Mo",
        "estimated from the spectra (scatter lines)",
    )
