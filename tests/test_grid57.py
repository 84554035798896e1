"""Session 57, pigment hypotheses: the component library's cache keys and the ground choice's
dispersion."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile


def test_one_library_per_instrument_whatever_the_scans_name_and_count_level():
    """Fails on the parent: the library's profile (the key of its cache and of the fine-grid
    spectra's) kept the scan's name and counts per pixel, which change no column (photons per
    photon), so every scan of one instrument built a library of its own (about 1 s each)."""
    a = InstrumentProfile(anode="Mo", kv=40.0, fwhm_mn_ev=160.0, counts_per_pixel=1000.0)
    b = replace(a, name="panel 2", counts_per_pixel=7797.2)
    assert pf._model_profile(a) == pf._model_profile(b)
    assert pf._fine_key(pf._model_profile(a)) == pf._fine_key(pf._model_profile(b))
    # what does change a column still tells two instruments apart
    assert pf._model_profile(a) != pf._model_profile(replace(a, fwhm_mn_ev=150.0))
    assert pf._fine_key(pf._model_profile(a)) != pf._fine_key(pf._model_profile(replace(a, kv=35)))


def test_the_ground_choice_counts_the_columns_of_the_fit_it_scales_by(monkeypatch):
    """Fails on the parent: iter_choose_ground's dispersion (chi-square per degree of freedom of
    the richest fit) counted the paint columns and 12, whatever the ground, scatter and sum-peak
    columns were (2 x 3 grounds, 7 or 8 scatter columns and one sum-peak column: 14, or 17 with a
    priming). It counts the columns of the fit whose chi-square it divides."""
    rng = np.random.default_rng(3)
    n = 512
    pigments = [SimpleNamespace(elements=els) for els in (("Pb",), ("Hg", "S"), ("Cu",))]
    lib = SimpleNamespace(
        fittable=np.ones(3, bool),
        pigments=pigments,
        paint=rng.uniform(0.0, 1.0, (3, 2, n)),
        ground=rng.uniform(0.0, 1.0, (3, 3, n)),
        scatter=rng.uniform(0.0, 1.0, (7, n)),
        bends_lead=np.zeros(3, bool),  # no lead-bending pigment: three fits a region
    )
    spectra = rng.poisson(200.0, (2, n)).astype(float)
    fits, scales = [], []
    real_fit, real_dispersion = pf._fit, pf._dispersion

    def fit(cols, y, w):
        out = real_fit(cols, y, w)
        fits.append((out[1], len(cols)))
        return out

    def dispersion(chi2, n_data, p):
        scales.append((chi2, p))
        return real_dispersion(chi2, n_data, p)

    monkeypatch.setattr(pf, "_fit", fit)
    monkeypatch.setattr(pf, "_dispersion", dispersion)
    gen = pf.iter_choose_ground(lib, spectra, np.ones(2, bool))
    with pytest.raises(StopIteration):
        while True:
            next(gen)
    assert scales
    for k, (chi2, p) in enumerate(scales):
        lead = fits[3 * k + 1 : 3 * k + 3]  # the fits with lead: paint and ground, or a priming
        assert (chi2, p) == min(lead), (scales, fits)
    # 6 paint columns + 2 x 3 grounds + 7 scatter + 1 sum peaks; 4 + 3 x 3 + 7 + 1 with a priming
    assert {p for _, p in scales} <= {20, 21}
