"""Arsenic beside lead and mercury (analysis.peaks, session 47).

As K-alpha (10.53 keV) and Pb L-alpha (10.54) lie 9 eV apart, As K-beta (11.73) under Hg L-beta
(11.82): in lead white with vermilion the apex decided, and a few cells' spectrum gave As, a false
orpiment or emerald green. Cubes drawn from the forward model (physics.spectrum.SpectrumModel),
Poisson counts, suggested as the Elements panel does (iter_survey(groups=True)).
"""

from __future__ import annotations

import pytest
from _synth_spectra import suggested_mix

W35 = {"anode": "W", "kv": 35.0, "fwhm_mn_ev": 175.0, "n_channels": 1024, "gain": 0.0391}


def _suggest(mix: dict[str, float], counts: float, seed: int):
    """Suggestions for a 16 x 16 cube of `mix` over chalk under W 35 kV, `counts` a pixel."""
    return suggested_mix(W35, -0.1, mix, counts, seed)


@pytest.mark.parametrize("seed", range(6))
def test_lead_white_with_vermilion_is_no_arsenic(seed):
    """Five of these six cubes gave As: its K-alpha on Pb L-alpha, its K-beta under Hg L-beta.
    Now none does without the warning that As may be only lead's lines (four drop it)."""
    found = _suggest({"Vermilion": 0.5, "Lead white": 0.5}, 100, seed)
    assert "As" not in found or "As may be only Pb's" in found.warning, (
        list(found),
        found.warning,
    )
    assert {"Hg", "Pb"} <= set(found)


@pytest.mark.parametrize(
    ("mix", "counts"),
    [
        ({"Lead white": 0.85, "Orpiment": 0.15}, 1000),
        ({"Vermilion": 0.45, "Lead white": 0.45, "Orpiment": 0.1}, 1000),
    ],
)
def test_true_arsenic_beside_lead_stays(mix, counts):
    """A guard: orpiment's As K-beta of its own, or its share of the joint fit, keeps it."""
    found = _suggest(mix, counts, 0)
    assert "As" in found, (list(found), found.warning)


def test_arsenic_the_fit_cannot_tell_from_lead_is_flagged():
    """3 % of orpiment in vermilion with lead white, 270 counts a pixel: the fit gives As more
    than the matrix gives lead's L-alpha, yet not at 5 sigma. As stays, and the warning says it
    may be only lead's lines (from a group of cells, whose warning the sum's did not carry)."""
    found = _suggest({"Vermilion": 0.485, "Lead white": 0.485, "Orpiment": 0.03}, 270, 0)
    assert "As" in found, (list(found), found.warning)
    assert "As K-alpha (10.53 keV) lies on Pb's L lines" in found.warning, found.warning
    assert "As may be only Pb's" in found.warning


@pytest.mark.parametrize("seed", range(2))
def test_orpiment_beside_vermilion_and_lead_white_keeps_arsenic(seed):
    """A fifth of orpiment, 3,000 counts a pixel: As K-alpha's apex sat nearer Pb L-alpha, its
    K-beta under Hg L-beta, and As was dropped; the fit gives it its own share."""
    found = _suggest({"Vermilion": 0.4, "Lead white": 0.4, "Orpiment": 0.2}, 3000, seed)
    assert "As" in found, (list(found), found.warning)
    assert "As may be only" not in found.warning
