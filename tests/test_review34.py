"""Session 34's review of session 33 (audit34): what its changes broke or left."""

import numpy as np
import pytest
from _synth_spectra import synthetic_cube

from xrf_napari.analysis.peaks import find_spectrum_peaks, suggest_elements


@pytest.mark.parametrize("fwhm", [np.array(140.0), np.float64(140.0), 140])
def test_a_detector_width_given_as_a_numpy_number_suggests_as_a_float_does(fwhm):
    """b4de9f2's caches took the width as their key: np.array(140.0) raised 'unhashable type'."""
    e = 0.02 * np.arange(1024)
    s = synthetic_cube(0.0, 0.02, 1024, shape=(1, 1))[0, 0]
    want = suggest_elements(e, s, fwhm_mn_ev=140.0)
    got = suggest_elements(e, s, fwhm_mn_ev=fwhm)
    assert list(want) and list(got) == list(want)
    assert find_spectrum_peaks(e, s, fwhm_mn_ev=fwhm) == find_spectrum_peaks(e, s, fwhm_mn_ev=140.0)
