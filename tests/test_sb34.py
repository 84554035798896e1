"""Antimony beside calcium with a broad detector (audit35, finding 1).

Sb L-alpha (3.60 keV) merges with Ca K-alpha (3.69) at 175 eV, and Sb, judged by its L lines, is
seen through that one peak. The L-line rule (L_APEX_FWHM) took the peak for calcium's unless its
apex sat 0.1 FWHM towards Sb: 15 % Naples yellow pulls it 0.07-0.105, and lost its Sb. Lead-tin
yellow's Sn L-beta1 (3.66 keV) pulls it the same way without antimony: a cut of 0.07 for every
peak would give it Sb.
"""

import pytest
from test_peaks30 import paint, suggest

AXES = {
    "0-41": {"n_channels": 2048, "offset": 0.0, "gain": 0.02},
    "26.6": {"n_channels": 512, "offset": 1.025, "gain": 0.05},
}


def _suggest(pigments, kv, axis, seed=0):
    e, y, profile = paint(pigments, seed=seed, anode="Rh", kv=kv, fwhm_mn_ev=175.0, **AXES[axis])
    return set(suggest(e, y, profile, kv=kv))


@pytest.mark.parametrize(("kv", "axis"), [(15.0, "26.6"), (12.0, "0-41")])
def test_a_little_naples_yellow_over_chalk_gives_antimony(kv, axis):
    """15 % Naples yellow in titanium white over a chalk ground: no other line explains the pull."""
    got = _suggest([("Naples yellow", 0.15), ("Titanium white", 0.85)], kv, axis)
    assert {"Sb", "Ca"} <= got, sorted(got)


@pytest.mark.parametrize("seed", [0, 1])
def test_lead_tin_yellow_over_chalk_gives_no_antimony(seed):
    """Lead-tin yellow over a chalk ground: Sn L-beta1 3.66 keV pulls Ca K-alpha's apex towards Sb
    L-alpha (0.05-0.1 FWHM), and tin's line, not antimony, explains it."""
    got = _suggest([("Lead-tin yellow I", 1.0)], 20.0, "26.6", seed=seed)
    assert {"Sn", "Ca"} <= got and "Sb" not in got, sorted(got)
