"""Pigment fit, session 57: the ground seen through the candidate's own paint."""

import numpy as np

import xrf_napari.analysis.pigment_fit as pf


def test_the_ground_is_seen_through_the_candidates_own_paint():
    """Cadmium yellow over a chalk ground, 1.5 million counts, as the generator makes it (main
    table): cadmium's L edges (3.5-4.0 keV) take the ground's Ca K lines far more than its Sr K
    lines (14 keV), a bending none of the library's three covers (a binder film, a lead paint,
    an earth) has, and the fit of the right paint left Sr K-alpha 20 sigma a channel above its
    model (chi-square 2,900 over 512 channels). The refinement now also fits each ground as seen
    through the candidate's own paint (`_ground_under_paint`): Sr and Ca K within the noise."""
    from test_pigments52 import PROFILE

    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(PROFILE)
    paint = paint_layer([(get_pigment("Cadmium yellow"), 1.0)], 30.0, 0.35)
    y = model.canonical(model.detect(model.fine([paint, ground_layer("chalk"), support_layer()])))
    y = np.random.default_rng(3).poisson(y / y.sum() * 1.5e6).astype(float)
    e = canonical_energy()
    cands, _ = pf.rank_region(pf.component_library(PROFILE), y, [0, 1], e)
    best = cands[0]
    assert best.pigments == ["Cadmium yellow"], cands[:3]
    sigma = (y - best.model) * pf._weights(y)
    lines = (abs(e - 14.16) < 0.15) | (abs(e - 3.69) < 0.1) | (abs(e - 4.01) < 0.1)  # Sr, Ca K
    assert np.abs(sigma[lines]).max() < 4.0, np.round(sigma[lines], 1)


def test_a_layer_seen_through_a_cover_is_its_own_lines_alone():
    """`_under_each` computes only the lower layer's lines, no longer both stacks' spectra and
    their difference (the refinement's own-paint grounds took half of `fit_regions`' time): the
    same columns, the cover's lines nowhere in them."""
    from test_pigments52 import PROFILE

    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment

    lib = pf.component_library(PROFILE)
    top = paint_layer([(get_pigment("Vermilion"), 0.5), (get_pigment("Lead white"), 0.5)], 20, 0.4)
    under = ground_layer("gypsum")

    def fluo(stack):  # the stack's fluorescence alone (its scatter aside), detected
        m = lib.model
        return m.canonical(m.detect(m.fine(stack, parts=True)[1]["fluorescence"]))

    want = fluo([top, under]) - fluo([top])
    got = pf._under_each(lib.model, [top], [under])[0]
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12 * want.max())
    assert got.max() > 0
