"""Session 59, pigment fit: the scatter of a thick bare ground (issue #14)."""

import pytest
from test_pigment_fit import _stripes

import xrf_napari.analysis.pigment_fit as pf
from xrf_napari.physics.pigments import get_pigment

CHALK = (["Chalk"], [1.0])  # no paint: the bare chalk ground


@pytest.mark.parametrize(
    "recipes, widths, size",
    [
        # parent: "Cerulean blue + Smalt" (its Co and the thick ground's scatter)
        ([(["Smalt"], [1.0]), CHALK], [16, 16], 32),
        # parent: "Egyptian blue + Red lead" for the lake in lead white
        ([(["Yellow lake", "Lead white"], [0.5, 0.5]), CHALK], [16, 16], 32),
        # parent: the bare strip read as "Emerald green" (its neighbour's Cu and As)
        (
            [(["Red ochre", "Scheele's green", "Titanium white"], [0.3, 0.3, 0.4]), CHALK],
            [16, 8],
            24,
        ),
    ],
)
def test_paint_beside_a_bare_chalk_ground_400_um_thick(recipes, widths, size):
    """Seed 13 draws a chalk ground 343 um thick, no priming (grounds are 100-400 um; the shared
    scatter stacks sit on 200 um, and the support's column can only add scatter): the scatter
    left over was taken by a pigment. With a binder film over a 400 um chalk ground as a shared
    scatter pair (`ComponentLibrary.thick_scatter`), each stripe reads its own paint, and the
    bare one reads bare, in chalk's colour."""
    cube, labels = _stripes(recipes, widths, seed=13, size=size)
    rep = pf.fit_regions(cube, labels)
    assert rep.ground == ["gypsum or chalk ground"]
    for res, (names, _) in zip(rep.regions, recipes):
        want = set(names) - {"Chalk"}
        assert set(res.best.pigments) == want, (res.label, res.best.label)
    assert rep.regions[-1].best.rgb == get_pigment("Chalk").rgb
