"""Barium on a 40 keV axis (analysis audit 29, finding 2): the K lines of an element whose K edge a
40-50 kV tube hardly excites (Ba: 37.4 keV) decided its suggestion whenever the axis reached them,
so blanc fixe and lithopone on a Bruker-M6-like axis never suggested Ba (nor did the Ti/Ba fit of
the maps follow). Its L lines decide now, as its map uses them (elements.main_line)."""

import numpy as np
import pytest

from xrf_napari.analysis.peaks import suggest_elements
from xrf_napari.elements import MAX_K_EDGE_KEV, k_edge


def _spectrum(pigment: str, total: float = 1e7):
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(InstrumentProfile(anode="Rh", kv=40.0))
    stack = [paint_layer([(get_pigment(pigment), 1.0)], thickness_um=20.0), ground_layer("chalk")]
    y = model.detect(model.fine(stack))
    y = np.random.default_rng(0).poisson(y / y.sum() * total).astype(float)
    return model.profile, y


@pytest.mark.parametrize("pigment", ["Blanc fixe", "Lithopone"])
def test_barium_is_suggested_when_the_axis_reaches_its_k_lines(pigment):
    profile, y = _spectrum(pigment)
    assert profile.energy[-1] > 36.6  # Ba K-alpha and K-beta are on the axis
    assert k_edge("Ba") > MAX_K_EDGE_KEV
    found = suggest_elements(profile.energy, y, anode=profile.anode, fwhm_mn_ev=profile.fwhm_mn_ev)
    assert "Ba" in found, found


def test_an_element_the_tube_excites_is_still_judged_by_its_k_lines():
    """Cadmium (K edge 26.7 keV) keeps its K pair: found in cadmium yellow, not in chalk."""
    profile, y = _spectrum("Cadmium yellow")
    kw = {"anode": profile.anode, "fwhm_mn_ev": profile.fwhm_mn_ev}
    assert "Cd" in suggest_elements(profile.energy, y, **kw)
    profile, y = _spectrum("Chalk")
    assert "Cd" not in suggest_elements(profile.energy, y, **kw)
