"""Guards for the element suggestion's 'nearer a stronger element's line' rule (708d014) and the
weak L-l / L-eta lines (e5b1727): an element whose main peak coincides with a stronger element's
line is still suggested when another of its lines is its own, in the conservator's usual pairs:
arsenic beside lead (As K-alpha 10.53 keV on Pb L-alpha 10.54, As K-beta 11.73 the tell; orpiment,
realgar, emerald green with lead white or red lead), sulfur of vermilion beside lead white, tin of
lead-tin yellow over chalk (Sn L-beta 3.71 on Ca K-alpha 3.69). All pass on e5b1727^ too; a
rule that drops an element when *any* of its peaks lies nearer another's line loses the arsenic.
Spectra from the forward model (physics.spectrum), one Poisson draw each, as test_elements41."""

import numpy as np
import pytest

from xrf_napari.analysis.peaks import suggest_elements


@pytest.fixture(scope="module")
def profiles():
    from test_elements41 import w_tube_profile

    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.spectrum import SpectrumModel

    w = w_tube_profile()
    m6 = bruker_m6()
    return {"W35": (w, SpectrumModel(w)), "M6": (m6, SpectrumModel(m6))}


def _suggested(profiles, name, paints, seed=0):
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment

    prof, model = profiles[name]
    layer = paint_layer([(get_pigment(p), f) for p, f in paints])
    native = model.spectrum([layer, ground_layer("chalk")]).native
    spec = np.random.default_rng(seed).poisson(native / native.sum() * 1.3e6).astype(float)
    e = prof.offset + prof.gain * np.arange(prof.n_channels)
    kw = {"anode": prof.anode, "fwhm_mn_ev": prof.fwhm_mn_ev, "kv": prof.kv}
    return set(suggest_elements(e, spec, **kw))


@pytest.mark.parametrize("profile", ["W35", "M6"])
@pytest.mark.parametrize(
    "paints",
    [
        [("Lead white", 0.5), ("Orpiment", 0.5)],
        [("Lead white", 0.8), ("Emerald green", 0.2)],
        [("Red lead", 0.95), ("Orpiment", 0.05)],
        [("Lead white", 0.8), ("Realgar", 0.2)],
    ],
)
def test_arsenic_beside_lead_is_still_suggested(profiles, profile, paints):
    found = _suggested(profiles, profile, paints)
    assert {"As", "Pb"} <= found, found


@pytest.mark.parametrize("profile", ["W35", "M6"])
def test_sulfur_of_vermilion_beside_lead_white_is_still_suggested(profiles, profile):
    found = _suggested(profiles, profile, [("Lead white", 0.5), ("Vermilion", 0.5)])
    assert {"Hg", "Pb", "S"} <= found, found


@pytest.mark.parametrize("pigment", ["Lead-tin yellow I", "Lead-tin yellow II"])
def test_tin_over_chalk_is_still_suggested(profiles, pigment):
    found = _suggested(profiles, "W35", [(pigment, 0.5), ("Chalk", 0.5)])
    assert {"Pb", "Sn", "Ca"} <= found, found
