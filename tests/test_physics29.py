"""Session 29 physics audit: pile-up on a batch of spectra, and the instrument profile's
thickness / path / cut-off checks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from xrf_napari.physics.detector import pileup
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.physics.spectrum import SpectrumModel
from xrf_napari.physics.xsec import deposit


def _pileup_model() -> SpectrumModel:
    prof = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=145.0, n_channels=1024, gain=0.04)
    return SpectrumModel(replace(prof, pileup=0.004))


def test_detect_piles_up_each_row_of_a_batch_on_its_own():
    """detect((n, N_FINE)) with pile-up on raised a broadcast ValueError; each row is its own
    spectrum, so it must equal detect of that row alone (pile-up is a self-convolution:
    piling up the batch's sum would put Fe + S sum peaks into every row)."""
    model = _pileup_model()
    f = deposit([6.40, 7.06, 10.55], [1.0e6, 0.13e6, 0.5e6])
    g = deposit([2.308, 8.05], [2.0e6, 1.0e6])
    batch = model.detect(np.stack([f, 2 * f, g]))
    one_f = model.detect(f)
    assert batch.shape == (3, model.profile.n_channels)
    np.testing.assert_allclose(batch[0], one_f, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(batch[1], 2 * one_f, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(batch[2], model.detect(g), rtol=1e-10, atol=1e-9)
    # pile-up is on: a Fe K-alpha + Fe K-alpha sum peak at 12.8 keV in row 0, none in row 2
    e = model.profile.energy
    at = int(np.argmin(np.abs(e - 12.80)))
    assert batch[0, at] > 100 * batch[2, at]


def test_pileup_function_keeps_the_batch_shape():
    f = deposit([6.40, 10.55], [1.0, 0.5])
    g = deposit([2.308], [3.0])
    stack = np.stack([[f, g], [g, f]])  # (2, 2, N_FINE)
    out = pileup(stack, 0.01)
    assert out.shape == stack.shape
    np.testing.assert_allclose(out[0, 1], pileup(g, 0.01))
    np.testing.assert_allclose(out[1, 1], pileup(f, 0.01))
    np.testing.assert_allclose(out.sum(axis=-1), stack.sum(axis=-1) * (1 - 0.01))


@pytest.mark.parametrize(
    "field, value",
    [
        ("si_um", -450.0),
        ("si_um", 0.0),
        ("det_be_um", -25.0),
        ("tube_be_um", -1.0),
        ("path_cm", -0.5),
        ("optic_cutoff_kev", 0.0),
        ("optic_cutoff_kev", -14.0),
        ("si_um", float("nan")),
    ],
)
def test_profile_rejects_unphysical_thicknesses_paths_and_cutoff(field, value):
    with pytest.raises(ValueError, match=field) as err:
        InstrumentProfile(**{field: value})
    assert repr(value) in str(err.value)
    # the cube-metadata path goes through the same check
    with pytest.raises(ValueError, match=field):
        InstrumentProfile.from_dict(dict(InstrumentProfile().to_dict(), **{field: value}))


def test_profile_accepts_no_windows_and_no_gas_path():
    """Zero is physical for the windows and the path (a windowless detector in vacuum); the
    efficiency stays finite and within [0, 1]."""
    p = InstrumentProfile(tube_be_um=0.0, det_be_um=0.0, path_cm=0.0, atmosphere="vacuum")
    eff = SpectrumModel(p).eff
    assert np.all(np.isfinite(eff)) and eff.min() >= 0 and eff.max() <= 1
