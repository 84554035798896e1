"""Session 66, reviewer revU66 of uncal66's automatic-calibration refusals (abc869b6, 74d1e3ae)."""

import numpy as np
import pytest

pytest.importorskip("xraylib")


def test_lead_white_under_a_heavy_layer_keeps_its_axis():
    """A guard: lead white whose Pb L-alpha a heavy overlayer absorbs to 0.15 of its L-beta (on
    paintings L-alpha/L-beta drops below 1, never to nothing) is still a clear peak, so
    _l_beta_alone does not take Pb L-beta for a chance match: a Rh tube at 40 kV, 40 eV/channel,
    Pb M-alpha, Ca and Fe K, Pb L-alpha/beta/gamma, Rh K-alpha and its Compton band."""
    from test_uncal66 import _made

    from xrf_napari.analysis.autocal import calibrate_spectra

    lines = [(1.74, 2000), (2.35, 30000), (3.69, 8000), (6.40, 12000), (7.06, 1800)]
    lines += [(10.55, 9000), (12.61, 60000), (14.76, 9000), (19.6, 9000), (20.2, 6000)]
    y = _made(lines, n=1024, offset=0.0, gain=0.04, end=40.0)
    result = calibrate_spectra([y], anode="Rh")
    cal, ch = result.calibration, np.arange(y.size)
    assert np.abs(cal.offset + cal.gain * ch - 0.04 * ch).max() < 0.06
    assert "Pb Lβ" in [p.label for p in result.matched_peaks]
