"""Session 60, pigment fit: a neighbour's blurred lead is no lead priming (issue #14)."""

import pytest
from test_pig59 import CHALK
from test_pigment_fit import _stripes

import xrf_napari.analysis.pigment_fit as pf
from xrf_napari.physics.pigments import get_pigment


@pytest.mark.parametrize("seed", [1, 16, 33])
def test_a_neighbours_blurred_lead_is_no_priming(seed):
    """Yellow lake in lead white beside a bare chalk ground (chalk, no priming, on each seed): the
    bare strip's mean spectrum carries a little of its neighbour's lead (2 px soft boundary), which
    passed the priming test (lead in every region). The scan was read as primed, the bare strip
    coloured as the priming's lead white and, on seed 33, the paint read red lead + verdigris.
    The test now lets each region's neighbours' spectra (`neighbour_leak`) take their share first,
    as every candidate's fit does."""
    recipes = [(["Yellow lake", "Lead white"], [0.5, 0.5]), CHALK]
    cube, labels = _stripes(recipes, [16, 16], seed=seed, size=32)
    rep = pf.fit_regions(cube, labels)
    assert rep.ground == ["gypsum or chalk ground"]
    paint, bare = rep.regions
    assert "Lead white" in paint.best.pigments and "Red lead" not in paint.best.pigments
    assert bare.best.pigments == [] and bare.best.rgb == get_pigment("Chalk").rgb
