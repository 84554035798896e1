"""Pigment fit speed, session 58: a ground's lines seen through a candidate's paint, with the
part of them that the paint does not change (the ground's depth terms) cached per ground and
instrument (bench_pigments' warm fit had grown x 1.29 with 916cf6a7's grounds under own paint)."""

from dataclasses import replace

import numpy as np

import xrf_napari.analysis.pigment_fit as pf


def _paint(*names_fractions, um=20.0):
    from xrf_napari.physics.layers import paint_layer
    from xrf_napari.physics.pigments import get_pigment

    return paint_layer([(get_pigment(n), f) for n, f in names_fractions], um, 0.4)


def test_a_layer_under_covers_from_its_own_part_is_primary_fluorescence_to_the_bit():
    """`lines_under(own_lines(layer), above)` (the layer's depth terms computed once, the covers
    entering only through the beam's way in and the lines' way out) gives the lines that
    primary_fluorescence gives for the layer at the bottom of the whole stack, to the bit, under
    one cover and two; and one OwnLines serves every cover."""
    from test_pigments52 import PROFILE

    from xrf_napari.physics.layers import (
        ground_layer,
        lines_under,
        own_lines,
        primary_fluorescence,
    )
    from xrf_napari.physics.spectrum import excitation

    exc = excitation(PROFILE)
    a, b = PROFILE.incidence_deg, PROFILE.takeoff_deg
    ground = ground_layer("gypsum")
    own = own_lines(ground, exc, a, b)
    covers = (
        [_paint(("Cadmium yellow", 1.0))],
        [_paint(("Vermilion", 0.5), ("Lead white", 0.5)), _paint(("Smalt", 1.0), um=10.0)],
    )
    for above in covers:
        want = primary_fluorescence([*above, ground], exc, a, b, from_layer=len(above))
        got = lines_under(own, above, exc)
        assert got.elements == want.elements and got.lines == want.lines
        np.testing.assert_array_equal(got.energies, want.energies)
        np.testing.assert_array_equal(got.intensities, want.intensities)
        assert got.total("Ca") > 0
    alone = primary_fluorescence([ground], exc, a, b)
    np.testing.assert_array_equal(lines_under(own, [], exc).intensities, alone.intensities)


def _lower_alone(model, top, layer) -> np.ndarray:
    """The uncached spectrum of `layer`'s lines under `top`: primary_fluorescence of the
    two-layer stack from its lower layer, deposited and detected one row at a time."""
    from xrf_napari.physics.layers import primary_fluorescence
    from xrf_napari.physics.xsec import deposit

    p = model.profile
    ln = primary_fluorescence([top, layer], model.excitation, p.incidence_deg, p.takeoff_deg, 1)
    return model.canonical(model.detect(deposit(ln.energies, ln.intensities)))


def test_the_grounds_under_a_paint_are_the_uncached_spectra_and_the_cache_is_keyed_and_bounded():
    """`_under_each` (cached part, spectra detected as a batch) equals the uncached computation
    (the two-layer stack's spectrum from its lower layer, primary_fluorescence from_layer=1) to
    the bit, for each ground layer the library holds and two covers; `_own_lines` holds one
    entry per layer and tube (another resolution shares them: the excitation does not depend on
    it; another tube does not), and is bounded."""
    from test_pigments52 import PROFILE

    from xrf_napari.physics.layers import ground_layer, priming_layer
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(PROFILE)
    pf._own_lines.cache_clear()
    tops = [_paint(("Cadmium yellow", 1.0)), _paint(("Azurite", 0.6), ("Lead white", 0.4))]
    layers = [ground_layer("gypsum", 200.0), ground_layer("chalk", 200.0), priming_layer(30.0)]
    got = pf._under_each(model, tops, layers)
    want = [_lower_alone(model, t, g) for t in tops for g in layers]
    np.testing.assert_array_equal(got, np.array(want))
    assert (got.max(axis=1) > 0).all()
    info = pf._own_lines.cache_info()
    assert info.currsize == len(layers) and info.misses == len(layers), info
    assert info.maxsize is not None and info.maxsize >= 3 * len(layers)

    sharper = SpectrumModel(replace(PROFILE, fwhm_mn_ev=130.0))
    for t in tops:
        np.testing.assert_array_equal(
            pf._under_each(sharper, [t], layers[:1])[0], _lower_alone(sharper, t, layers[0])
        )
    assert pf._own_lines.cache_info().misses == len(layers)  # the same tube's entries
    other = pf._fine_key(replace(PROFILE, anode="Mo"))
    assert pf._own_lines(other, layers[0]) is not pf._own_lines(pf._fine_key(PROFILE), layers[0])
    assert pf._own_lines.cache_info().currsize == len(layers) + 1
