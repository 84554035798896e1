"""Session 59 review of the pigment fit: the colour of a bare region beside the thick ground's
scatter pair (4486f02f)."""

from test_pigment_fit import _stripes

import xrf_napari.analysis.pigment_fit as pf
from xrf_napari.physics.pigments import get_pigment


def test_chalk_paint_over_a_gypsum_ground_shows_chalk():
    """Seed 33 draws a gypsum ground 372 um thick, no priming; both stripes are chalk paint, no
    pigment lines. 4486f02f coloured a bare region by the ground the fit could least do without,
    and gypsum's S lines have no other column: the left stripe read gypsum (dE00 16.9 from
    chalk), its twin on the right chalk. Read as before the thick ground's pair, both are chalk."""
    chalk = (["Chalk"], [1.0])
    cube, labels = _stripes([chalk, chalk], [12, 12], seed=33, size=24)
    rep = pf.fit_regions(cube, labels)
    assert rep.ground == ["gypsum or chalk ground"]
    for res in rep.regions:
        assert res.best.pigments == [], (res.label, res.best.label)
        assert res.best.rgb == get_pigment("Chalk").rgb, res.label
