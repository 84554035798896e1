"""Arsenic beside lead and mercury (analysis.peaks, session 47).

As K-alpha (10.53 keV) and Pb L-alpha (10.54) lie 9 eV apart, As K-beta (11.73) under Hg L-beta
(11.82): in lead white with vermilion the apex decided, and a few cells' spectrum gave As, a false
orpiment or emerald green. Cubes drawn from the forward model (physics.spectrum.SpectrumModel),
Poisson counts, suggested as the Elements panel does (iter_survey(groups=True)).
"""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.analysis.peaks import suggest_for_cube
from xrf_napari.analysis.spectra import iter_survey
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.physics.layers import ground_layer, paint_layer
from xrf_napari.physics.pigments import get_pigment
from xrf_napari.physics.spectrum import SpectrumModel
from xrf_napari.progress import run_to_end

W35 = {"anode": "W", "kv": 35.0, "fwhm_mn_ev": 175.0, "n_channels": 1024, "gain": 0.0391}


def _suggest(mix: dict[str, float], counts: float, seed: int):
    """Suggestions for a 16 x 16 cube of `mix` over chalk, `counts` a pixel, with its tiles and
    groups of cells."""
    prof = InstrumentProfile(offset=-0.1, atmosphere="air", **W35)
    paint = paint_layer([(get_pigment(p), f) for p, f in mix.items()])
    native = SpectrumModel(prof).spectrum([paint, ground_layer("chalk")]).native
    lam = native / native.sum() * counts
    rng = np.random.default_rng(seed)
    data = rng.poisson(np.broadcast_to(lam, (16, 16, lam.size))).astype(np.uint16)
    cube = Cube(
        data,
        Calibration(prof.offset, prof.gain, source="file"),
        metadata={"profile": {**prof.__dict__}},
    )
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    return suggest_for_cube(cube, mean * 256, spectra)


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
