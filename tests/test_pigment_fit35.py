"""Session 35: a pigment holding a kept pigment's elements and more is enumerated (issue 14).

The screening's all-pigment fit gives chromium to viridian and lead to lead white, so chrome
yellow (Pb + Cr), the X-ray twin of viridian + lead white, was never tried in a lead-white tint
of it: held-out paintings named such regions "Lead white + Viridian"."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize
from xrf_napari.synth.recipes import Recipe

#: The held-out instrument family at a fast scan's counts.
MO = InstrumentProfile(anode="Mo", kv=40.0, fwhm_mn_ev=170.0, counts_per_pixel=100.0)


def test_a_pigment_holding_a_kept_pigments_elements_and_more_is_enumerated():
    lib = pf.component_library(MO)
    i = lib.index
    assert i("Chrome yellow") in pf._within_shown(lib, [i("Viridian"), i("Lead white")])
    # only such compounds: emerald green + lead white must not bring realgar (As alone) or
    # azurite (Cu alone), which soaked up model error on the pigment panels when tried
    within = pf._within_shown(lib, [i("Emerald green"), i("Lead white")])
    assert i("Realgar") not in within and i("Azurite") not in within
    assert i("Chrome yellow") not in within  # no Cr shown


@pytest.mark.parametrize("seed", [4, 5])
def test_chrome_yellow_in_lead_white_is_a_candidate(seed):
    """12 % chrome yellow in lead white over chalk (seeds 4 and 5 draw no lead priming) at 100
    counts per pixel: the parent's top 3 held no chrome yellow (lead white + viridian, red lead +
    viridian, lead white + red lead + viridian)."""
    size, rng = 48, np.random.default_rng(seed)
    labels = np.repeat(np.repeat([0, 1], 24)[None, :], size, 0).astype(np.int32)
    recipes = [
        Recipe(["Chrome yellow", "Lead white"], [0.12, 0.88], [0, 0, 0], [0, 0, 0], 0.0),
        Recipe(["Cobalt blue", "Zinc white"], [0.3, 0.7], [0, 0, 0], [0, 0, 0], 0.0),
    ]
    syn = synthesize(
        np.zeros((size, size, 3), np.uint8), rng, MO, labels=labels, recipes=recipes, blur_px=2.0
    )
    assert not any("priming" in g["name"] for g in syn.metadata["ground"])
    cube = cube_from_array(syn.counts, Calibration.canonical(), **dict(syn.metadata, name="s"))
    res = pf.fit_regions(cube, labels + 1).regions[0]
    top3 = [c.pigments for c in res.candidates[:3]]
    assert any("Chrome yellow" in p for p in top3), top3
