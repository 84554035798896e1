"""Cadmium from its L lines beside argon (session 32 probe): Cd L-alpha 3.13 keV lies within the
matching tolerance of Ar K-beta 3.19 keV, so wherever cadmium's L lines decide (Cd K-alpha 23.1
keV above a 0-20 keV axis, or a tube under 1.1 times its K edge) cadmium yellow and red were never
suggested: their L-alpha peak was taken for the air's. Argon's K-beta is a tenth of its K-alpha;
a peak there far stronger than that is not argon. Nothing else may gain a false Cd."""

import numpy as np
import pytest
from test_peaks30 import paint, suggest

from xrf_napari.detector import detector_fwhm_kev
from xrf_napari.elements import element_lines

#: An APS-like 0-20 keV axis (Cd K-alpha out of range) and the 0-41 keV one under a 25 kV tube.
AXIS_20 = dict(n_channels=1024, offset=0.0, gain=0.0195, anode="Rh", kv=50.0)
LOW_KV = dict(n_channels=2048, offset=0.0, gain=0.02, anode="Rh", kv=25.0)


def with_argon(e, y, profile, share, seed=7):
    """y plus Poisson counts of Ar K-alpha (share of y's counts) and K-beta at the table's rate."""
    lines = {ln.family: ln for ln in element_lines("Ar")}
    lam = np.zeros_like(y)
    for ln in (lines["Ka"], lines["Kb"]):
        area = share * y.sum() * ln.weight / lines["Ka"].weight
        s = float(detector_fwhm_kev(ln.energy, profile.fwhm_mn_ev)) / 2.3548
        lam += area * np.exp(-0.5 * ((e - ln.energy) / s) ** 2) / (s * np.sqrt(2 * np.pi))
    lam *= float(np.median(np.diff(e)))
    return y + np.random.default_rng(seed).poisson(lam)


@pytest.mark.parametrize("argon", [0.0, 0.003])
@pytest.mark.parametrize("grid", [AXIS_20, LOW_KV], ids=["0-20keV", "25kV"])
@pytest.mark.parametrize("pigment", ["Cadmium yellow", "Cadmium red"])
def test_cadmium_pigments_are_suggested_from_their_l_lines(pigment, grid, argon):
    e, y, profile = paint([(pigment, 1.0)], seed=0, **grid)
    got = suggest(e, with_argon(e, y, profile, argon), profile, kv=grid["kv"])
    assert "Cd" in got, got  # was never suggested: its L-alpha peak was given to argon


@pytest.mark.parametrize("argon", [0.0, 0.003, 0.03])
@pytest.mark.parametrize(
    "pigment", ["Chalk", "Gypsum", "Smalt", "Lead-tin yellow I", "Naples yellow", "Lead white"]
)
def test_no_false_cadmium_beside_argon(pigment, argon):
    """Argon alone, calcium and potassium paints, tin and antimony yellows: no Cd from a peak at
    Ar K-beta. Naples yellow shows a weak peak at 3.19 keV under a W tube (no argon in the model):
    nearer Ar K-beta than Cd L-alpha, with no Cd L-beta, it is no cadmium."""
    for grid in (AXIS_20, LOW_KV, {**AXIS_20, "anode": "W", "kv": 25.0}):
        e, y, profile = paint([(pigment, 1.0)], seed=0, **grid)
        got = suggest(e, with_argon(e, y, profile, argon), profile, kv=grid["kv"])
        assert "Cd" not in got, (grid, got)
