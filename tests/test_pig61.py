"""Session 61, pigment fit: lead bent by vermilion is no lead priming (issue #14)."""

import numpy as np
import pytest
from test_pigment_fit import CANON, MO, _stripes

import xrf_napari.analysis.pigment_fit as pf
from xrf_napari.cube import cube_from_array
from xrf_napari.synth.dataset import synthesize
from xrf_napari.synth.recipes import Recipe

GYPSUM = (["Gypsum"], [1.0])  # no paint: the bare gypsum ground


def _ground(cube, labels) -> list[int]:
    profile, notes = pf.instrument_for(cube)
    return pf.region_inputs(cube, labels, profile, notes).ground


@pytest.mark.parametrize("seed", [1, 8])
def test_vermilion_bending_its_own_lead_is_no_priming(seed):
    """Vermilion + lead white beside a bare gypsum ground (no priming on either seed): mercury's L3
    edge, between lead's L-alpha and L-beta, bends the paint's own lead lines, which lead white's
    pure columns cannot follow and the priming's (seen through covers) could, so the paint's
    region "showed its lead as a priming's" (17-22 times the threshold) and the scan was read
    primed, the stripe as vermilion alone. The test now offers lead white inside a vermilion
    paint too."""
    cube, labels = _stripes([(["Vermilion", "Lead white"], [0.4, 0.6]), GYPSUM], [16, 16], seed, 32)
    assert _ground(cube, labels) == [0, 1]


def test_vermilion_over_a_priming_is_still_primed():
    """Vermilion + lead white beside vermilion + realgar over a lead priming (seed 2): the bent
    lead columns do not explain the priming's lead away."""
    rng = np.random.default_rng(2)
    labels = np.repeat(np.repeat(np.arange(2), 16)[None, :], 32, 0).astype(np.int32)
    recipes = [(["Vermilion", "Lead white"], [0.5, 0.5]), (["Realgar"], [1.0])]
    recs = [Recipe(p, f, [0, 0, 0], [0, 0, 0], 0.0) for p, f in recipes]
    syn = synthesize(np.zeros((32, 32, 3), np.uint8), rng, MO, labels=labels, recipes=recs)
    assert any("priming" in g["name"] for g in syn.metadata["ground"])
    cube = cube_from_array(syn.counts, CANON, **dict(syn.metadata, name="primed"))
    assert _ground(cube, labels + 1) == [0, 1, pf.PRIMING]
