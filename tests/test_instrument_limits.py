"""Instrument profiles stay physical: reachable resolutions, valid geometry and pile-up
(physics audit, docs/physics.md "Instrument profiles")."""

import warnings

import numpy as np
import pytest

from xrf_napari.physics import detector
from xrf_napari.physics.instrument import FAMILIES, InstrumentProfile, random_profile

FANO_LIMIT = 119.8  # eV at Mn K-alpha for F = 0.114, eps = 3.85 eV


def test_a_resolution_below_the_fano_limit_is_refused_not_clamped():
    assert detector.fano_limit_ev() == pytest.approx(FANO_LIMIT, abs=0.05)
    assert detector.fano_limit_ev(0.10, 3.65) < detector.fano_limit_ev()
    for fwhm in (100.0, 110.0, 119.0):
        with pytest.raises(ValueError, match="Fano limit"):
            InstrumentProfile(fwhm_mn_ev=fwhm)
        with pytest.raises(ValueError, match="Fano limit"):
            detector.noise_from_fwhm(fwhm)
    # the limit itself (zero electronic noise) and anything above it are fine
    p = InstrumentProfile(fwhm_mn_ev=detector.fano_limit_ev())
    assert detector.noise_from_fwhm(p.fwhm_mn_ev) == pytest.approx(0.0, abs=1e-3)
    assert InstrumentProfile(fwhm_mn_ev=121.0).fano_limit_ev == pytest.approx(FANO_LIMIT, abs=0.05)
    # a detector with a smaller Fano factor may be sharper
    assert InstrumentProfile(fwhm_mn_ev=115.0, fano=0.10).fwhm_mn_ev == 115.0


def test_metadata_of_old_cubes_reads_back_at_the_resolution_they_were_simulated_at():
    """Cubes generated before the check record 100-119.8 eV; their spectra are at the limit."""
    old = dict(InstrumentProfile().to_dict(), fwhm_mn_ev=105.0)
    with pytest.warns(UserWarning, match="Fano limit"):
        p = InstrumentProfile.from_dict(old)
    assert p.fwhm_mn_ev == pytest.approx(FANO_LIMIT, abs=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert InstrumentProfile.from_dict(InstrumentProfile().to_dict()) == InstrumentProfile()
    with pytest.raises(ValueError):  # never accepted, not mapped either
        InstrumentProfile.from_dict(dict(old, fwhm_mn_ev=50.0))


def test_every_family_draws_reachable_resolutions_and_heldout2_stays_out_of_training():
    rng = np.random.default_rng(13)
    drawn = {f: [random_profile(rng, f) for _ in range(400)] for f in FAMILIES}
    for family, profiles in drawn.items():
        low = min(p.fwhm_mn_ev - p.fano_limit_ev for p in profiles)
        assert low >= 0, family  # construction would raise anyway; the draws never ask for it
    train_top = max(p.fwhm_mn_ev for p in drawn["train"])
    wide_top = max(p.fwhm_mn_ev for p in drawn["wide"])
    assert train_top <= 165.0 and wide_top <= 200.0
    h2 = np.array([p.fwhm_mn_ev for p in drawn["heldout2"]])
    assert h2.min() >= 170.0 and h2.max() <= 220.0  # outside 'train' (120-165 eV)
    assert 0.4 < (h2 > wide_top).mean() < 0.6  # half of them outside 'wide' too
    assert min(p.fwhm_mn_ev for p in drawn["wide"]) >= 120.0


def test_simulated_width_is_the_requested_one_near_the_limit():
    e = detector.fine_energy()
    i = int(np.argmin(abs(e - detector.MN_KA)))
    for fwhm in (121.0, 125.0):
        resp = detector.response_matrix(0.0, 0.002, 8192, fwhm, escape=False, tail=False)
        ex = np.zeros(len(e))
        ex[i] = 1.0
        y = resp(ex)
        x = 0.002 * np.arange(8192)
        mean = (x * y).sum() / y.sum()
        sd = np.sqrt(((x - mean) ** 2 * y).sum() / y.sum())
        # the fine bin (20 eV) adds its width^2/12 to the variance
        width = 2.3548 * np.sqrt(sd**2 - 0.020**2 / 12) * 1e3
        assert width == pytest.approx(fwhm, abs=1.0)


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"incidence_deg": 0.0}, "incidence"),
        ({"incidence_deg": -5.0}, "incidence"),
        ({"incidence_deg": 95.0}, "incidence"),
        ({"takeoff_deg": 0.0}, "take-off"),
        ({"takeoff_deg": 120.0}, "take-off"),
        ({"pileup": 0.5}, "pile-up"),
        ({"pileup": 0.6}, "pile-up"),
        ({"pileup": -0.01}, "pile-up"),
        ({"fano": 0.0}, "Fano factor"),
    ],
)
def test_profiles_refuse_geometry_and_pileup_that_break_the_model(bad, match):
    with pytest.raises(ValueError, match=match):
        InstrumentProfile(**bad)


def test_edge_values_that_are_valid_still_work():
    InstrumentProfile(incidence_deg=90.0, takeoff_deg=90.0, pileup=0.0)
    InstrumentProfile(incidence_deg=5.0, takeoff_deg=5.0, pileup=0.49)
