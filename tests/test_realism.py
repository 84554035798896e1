"""Realism against a real Bruker M6 Jetstream spectrum (Rh tube, 50 kV): scatter peak positions
and detector peak widths of the simulated spectrum under the M6 profile match the measurement."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.physics.instrument import bruker_m6  # noqa: E402
from xrf_napari.physics.realism import fit_peak, m6_like_stack, read_spx  # noqa: E402
from xrf_napari.physics.spectrum import SpectrumModel  # noqa: E402

SPX = "bruker_m6_jetstream_file_example.spx"


@pytest.fixture(scope="module")
def spectra(real_data):
    counts, offset, gain = read_spx(real_data / SPX)
    prof = bruker_m6()
    assert (prof.offset, prof.gain) == pytest.approx((offset, gain), abs=1e-5)
    assert len(counts) == prof.n_channels
    sim = SpectrumModel(prof).spectrum(m6_like_stack()).native
    return offset + gain * np.arange(len(counts)), counts, sim


@pytest.mark.parametrize(
    "name, lo, hi", [("Rh K-alpha Rayleigh", 19.9, 20.45), ("Rh K-alpha Compton", 18.1, 19.4)]
)
def test_scatter_peak_positions_match_within_20_ev(spectra, name, lo, hi):
    e, real, sim = spectra
    e_real = fit_peak(e, real, lo, hi)[0]
    e_sim = fit_peak(e, sim, lo, hi)[0]
    assert abs(e_sim - e_real) < 0.020, f"{name}: simulated {e_sim:.4f} keV, real {e_real:.4f} keV"


def test_fe_ka_width_matches_within_15_percent(spectra):
    e, real, sim = spectra
    w_real = fit_peak(e, real, 6.1, 6.75)[1]
    w_sim = fit_peak(e, sim, 6.1, 6.75)[1]
    assert abs(w_sim / w_real - 1) < 0.15, (
        f"Fe K-alpha FWHM simulated {w_sim * 1e3:.0f} eV, real {w_real * 1e3:.0f} eV"
    )


def test_ca_ka_width_matches_the_high_statistics_peak(spectra):
    """Ca K-alpha has 30,000 counts in its maximum channel: a tight check of the resolution
    model."""
    e, real, sim = spectra
    w_real = fit_peak(e, real, 3.45, 3.9)[1]
    w_sim = fit_peak(e, sim, 3.45, 3.9)[1]
    assert abs(w_sim / w_real - 1) < 0.03
