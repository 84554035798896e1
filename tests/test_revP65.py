"""Session 65 review of pig65's L-line naming (#14): a line apart from its family's mean."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import _lines

#: a tungsten residual at its lines' own energies and weights: L-alpha, L-beta1, L-beta2
W_L = [(8.398, 2000.0), (9.672, 1400.0), (9.961, 250.0)]


def _names(got) -> list:
    return [str(ln).rsplit(" ", 2)[0] for ln in got]


def test_tungstens_l_gamma1_at_its_own_energy_is_not_named_selenium():
    """Fails on the parent ("Se Ka 11.28 keV"): a line apart from its family's mean named only a
    peak no other line named, so W L-gamma1 (11.285 keV, 0.14 of W L-alpha here) beside W
    L-alpha and L-beta was named Se K-alpha (11.21, 0.08 keV off) with no Se K-beta and no
    selenium. It names a peak it is nearer than any other line; a selenium peak beside the same
    tungsten lines stays "Se Ka", as on the parent (4fad82ec's tin case alike)."""
    w = _lines(set(), [(3.69, 3e4)], W_L + [(11.285, 280.0)])
    assert _names(w) == ["W La", "W Lb", "W Lg"], w
    se = _lines(set(), [(3.69, 3e4)], W_L + [(11.208, 400.0)])
    assert _names(se) == ["W La", "W Lb", "Se Ka"], se
