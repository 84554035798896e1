"""Session 67, helper cal67: generated scans with all their channels (or their first ones cut)
that the automatic calibration read wrong without a refusal: a winner matching fewer peaks than
a distinct rival as close to lines, and a line taken for the zero peak."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

VIRIDIAN = (["Viridian", "Chalk"], [0.6, 0.4])


def _fit(data):
    """calibrate_spectra assuming Rh on a scan's sum and max-pixel spectra."""
    from xrf_napari.analysis.autocal import calibrate_spectra

    d = data.reshape(-1, data.shape[-1]).astype(np.float64)
    return calibrate_spectra([d.sum(0), d.max(0)], anode="Rh")


def test_a_fit_matching_fewer_peaks_than_a_distinct_rival_is_refused():
    """A Cu tube at 35 kV on viridian and chalk (revK65's Cu_s6_k35_c2000_g75-75_n_24, all 512
    channels): assuming Rh it fitted 13.2 keV off on 5 lines (Ca K-alpha, Fe K-alpha, Pb L-alpha,
    Br K-alpha, Rh K-alpha) at 8 eV rms, while the right axis, a distinct hypothesis scoring less
    through the Rh and Fe/Pb priors, puts 7 peaks on lines no less closely. Now refused, naming
    that rival. Fails on the parent: it returned the axis 13.2 keV off."""
    from test_revK65 import _scan

    from xrf_napari.analysis.autocal import AutoCalibrationError

    data, _ = _scan("Cu", 35.0, 75.0, 75.0, 2000.0, VIRIDIAN, 24)
    with pytest.raises(AutoCalibrationError, match=r"puts more peaks on lines \(7 against 5\)"):
        _fit(data)


def test_a_line_taken_for_the_zero_peak_is_refused(tmp_path):
    """A Cu tube at 17 kV on cadmium orange and lead white with its first 12 channels cut
    (revU66's Cu_s1_k17_c4000_g50-50_crop12_73: the axis starts at 1.6 keV, above the offsets
    searched): assuming Rh it fitted 7.6 keV off taking Pb M-alpha (2.35 keV) for the zero peak,
    145 eV wide where the other peaks show 85 eV of detector noise; a zero peak is that noise
    alone. read_cube now leaves it on channel numbers, saying why. Fails on the parent: an axis
    7.6 keV off."""
    from test_revK65 import _scan

    from xrf_napari.io import auto_calibration_failure, read_cube

    recipe = (["Cadmium orange", "Lead white"], [0.4, 0.6])
    data, axis = _scan("Cu", 17.0, 50.0, 50.0, 4000.0, recipe, 73, crop=12)
    path = tmp_path / "scan.npy"
    np.save(path, data)
    cube = read_cube(path)
    assert cube.calibration.source == "none"
    assert "for the zero peak, wider than the detector's noise" in auto_calibration_failure(
        cube.metadata
    )


def test_a_narrow_zero_peak_still_calibrates():
    """A guard: a zero peak at the detector's noise width (the real M6 .spx's and PyMca .mca's:
    75-81 eV beside 74-85 eV of noise the other peaks show) is still matched, and the spectrum
    calibrated right."""
    from test_uncal66 import _made

    from xrf_napari.analysis.autocal import calibrate_spectra

    lines = ((0.0, 4000), (3.69, 3000), (6.40, 20000), (7.06, 3000), (8.04, 6000), (10.55, 9000))
    lines += ((12.61, 7000), (14.76, 1200))
    got = calibrate_spectra([_made(lines, n=1024, offset=-0.5, gain=0.02, end=30.0)], anode="Rh")
    assert "zero peak" in [m.label for m in got.matched_peaks]
    e = got.calibration.energy(1024)
    assert np.abs(e - (-0.5 + 0.02 * np.arange(1024))).max() < 0.03


def test_a_scan_refused_assuming_rh_has_its_peaks_found_once(tmp_path, monkeypatch):
    """read_cube of a scan naming no tube whose fit assuming Rh is refused asks the fits assuming
    Mo and Ag (anode_agreed_calibration), which found the sum and max-pixel spectra's peaks again
    (12-19 ms of CPU a generated scan); now the peaks found for the first fit are passed on.
    Fails on the parent: 4 peak searches, not 2."""
    from test_uncal66 import REALGAR, _made

    from xrf_napari.analysis import autocal
    from xrf_napari.io import auto_calibration_failure, read_cube

    rng = np.random.default_rng(1)
    cube = np.stack([rng.poisson(_made(REALGAR) / 4.0) for _ in range(4)]).reshape(2, 2, -1)
    path = tmp_path / "realgar.npy"
    np.save(path, cube.astype(np.float32))
    calls = []
    find = autocal.find_spectrum_peaks
    monkeypatch.setattr(
        autocal, "find_spectrum_peaks", lambda *a, **k: calls.append(1) or find(*a, **k)
    )
    got = read_cube(path)
    assert auto_calibration_failure(got.metadata) is not None  # refused assuming Rh, Mo and Ag
    assert len(calls) == 2  # the sum's and the max pixel's, once
