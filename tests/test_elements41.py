"""Element suggestions (analysis.peaks.suggest_elements, the Spectrum dock's "Suggested", the maps'
ticks, quicklook) against lines of the tube and of stronger elements: a W tube's L-l (7.39 keV)
was read as nickel's K-alpha (7.48), its K-beta hidden in W L-alpha, in 9 of 25 one-pigment
spectra at 35 kV; mercury's L-l (8.72) as zinc's K-alpha (8.64) beside vermilion; titanium
white's K lines as barium's L lines (benchmarks/bench_element_suggestion.py). Spectra from the
forward model (physics.spectrum), one Poisson draw each."""

import numpy as np
import pytest

from xrf_napari.analysis.peaks import suggest_elements


def w_tube_profile():
    """An air scanner with a W tube at 35 kV, 175 eV, 1024 channels (the benchmark's 2nd family)."""
    from xrf_napari.physics.instrument import InstrumentProfile

    return InstrumentProfile(
        anode="W", kv=35.0, fwhm_mn_ev=175.0, n_channels=1024, offset=-0.1, gain=0.0391,
        atmosphere="air", optic="collimator",
    )  # fmt: skip


@pytest.fixture(scope="module")
def w_tube():
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = w_tube_profile()
    return prof, SpectrumModel(prof)


def _suggested(w_tube, paints, counts=1.3e6, seed=0, anode="W"):
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment

    prof, model = w_tube
    layer = paint_layer([(get_pigment(name), f) for name, f in paints])
    native = model.spectrum([layer, ground_layer("chalk")]).native
    spec = np.random.default_rng(seed).poisson(native / native.sum() * counts).astype(float)
    e = prof.offset + prof.gain * np.arange(prof.n_channels)
    return suggest_elements(e, spec, anode=anode, fwhm_mn_ev=prof.fwhm_mn_ev, kv=prof.kv)


@pytest.mark.parametrize("pigment", ["Lead white", "Naples yellow", "Blanc fixe"])
def test_a_w_tubes_l_l_line_is_no_nickel(w_tube, pigment):
    found = _suggested(w_tube, [(pigment, 1.0)])
    assert "Ni" not in found, found
    assert "W" not in found  # the tube's own element, as before


def test_mercurys_l_l_line_is_no_zinc(w_tube):
    found = _suggested(w_tube, [("Vermilion", 1.0)])
    assert "Hg" in found
    assert not {"Zn", "Ni"} & set(found), found


@pytest.mark.parametrize("share", [0.05, 0.2])
def test_zinc_white_in_vermilion_is_still_found(w_tube, share):
    found = _suggested(w_tube, [("Vermilion", 1 - share), ("Zinc white", share)])
    assert {"Hg", "Zn"} <= set(found), found
    assert "Ni" not in found


@pytest.fixture(scope="module")
def m6():
    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = bruker_m6()
    return prof, SpectrumModel(prof)


def test_titanium_white_alone_suggests_no_barium(m6, w_tube):
    """Ba L-alpha (4.47 keV) and L-beta (4.83) on Ti K-alpha (4.51) and K-beta (4.93): both of
    barium's peaks lie nearer titanium's lines, which is stronger (Ti white gave Ba on every
    instrument: 75 of 600 pigment-pair spectra on the M6)."""
    for tube in (m6, w_tube):
        found = _suggested(tube, [("Titanium white", 1.0)], anode=tube[0].anode)
        assert "Ti" in found and "Ba" not in found, found


@pytest.mark.parametrize("share", [0.5, 0.9])
def test_barium_white_with_titanium_white_keeps_barium(m6, share):
    found = _suggested(m6, [("Titanium white", 1 - share), ("Blanc fixe", share)], anode="Rh")
    assert "Ba" in found, found
