"""Antimony read on calcium's peak where tin's L-beta1 lies between them (session 35).

Sb L-alpha (3.60 keV), Sn L-beta1 (3.66) and Ca K-alpha (3.69) merge at 175 eV. Lead-tin yellow
over chalk at 10-15 kV pulled the peak's apex 0.11-0.13 FWHM off Ca K-alpha, past the cut that
keeps an L-line element on another's K-alpha, and antimony was suggested; on a 0-20 keV axis
(Sb's K lines beyond it) that rule was not even asked. Two lines blend into a peak between them:
an apex short of Sn L-beta1 is tin and calcium.
"""

import pytest
from test_peaks30 import paint, suggest

AXES = {
    "0-41": {"n_channels": 2048, "offset": 0.0, "gain": 0.02},
    "0-20": {"n_channels": 1024, "offset": 0.0, "gain": 0.0195},
    "26.6": {"n_channels": 512, "offset": 1.025, "gain": 0.05},
}


def _suggest(pigments, kv, axis, seed=0):
    e, y, profile = paint(pigments, seed=seed, anode="Rh", kv=kv, fwhm_mn_ev=175.0, **AXES[axis])
    return set(suggest(e, y, profile, kv=kv))


@pytest.mark.parametrize(
    ("pigment", "kv", "axis"),
    [
        ("Lead-tin yellow I", 12.0, "0-41"),
        ("Lead-tin yellow II", 10.0, "26.6"),
        ("Lead-tin yellow I", 12.0, "0-20"),
    ],
)
def test_lead_tin_yellow_over_chalk_at_low_kv_gives_no_antimony(pigment, kv, axis):
    got = _suggest([(pigment, 1.0)], kv, axis)
    assert {"Sn", "Ca"} <= got and "Sb" not in got, sorted(got)


def test_naples_yellow_in_lead_tin_yellow_keeps_its_antimony():
    """A fifth of Naples yellow pulls the apex past Sn L-beta1: tin cannot put it there."""
    got = _suggest([("Lead-tin yellow I", 0.8), ("Naples yellow", 0.2)], 15.0, "26.6")
    assert {"Sb", "Sn", "Ca"} <= got, sorted(got)


def test_a_line_dropped_by_the_rule_explains_nothing():
    """Br L-alpha (1.48 keV), itself dropped on Al K-alpha (1.49), lies between Al and Se L-alpha
    (1.38): cadmium red's selenium stays."""
    got = _suggest([("Cadmium red", 0.15), ("Titanium white", 0.85)], 12.0, "0-41")
    assert "Se" in got and "Br" not in got, sorted(got)


@pytest.mark.parametrize(
    ("pigment", "element"),
    [("Naples yellow", "Sb"), ("Lead-tin yellow I", "Sn"), ("Cadmium yellow", "Cd")],
)
def test_the_short_axis_still_finds_l_line_elements(pigment, element):
    """K lines beyond a 0-20 keV axis: the L lines, now under the same rule, still decide."""
    assert element in _suggest([(pigment, 1.0)], 15.0, "0-20")
