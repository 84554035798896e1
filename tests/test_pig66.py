"""Session 66, pigment candidates' listed lines (#14): a peak a present element's line explains
is not named after another element's line."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import FWHM_EV, _lines, _spectrum

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile


def _names(got) -> list:
    return [str(ln).rsplit(" ", 2)[0] for ln in got]


def test_a_peak_beside_held_lead_is_not_named_bismuth():
    """Fails on the parent ("Bi Ma 2.42 keV"): a held-out red-lead, ultramarine and lithopone
    region's Naples yellow candidates (Mo tube, 37 kV, 172 eV) left a peak at 2.43 keV beside their
    fitted Pb M-alpha (2.35; lead's M-beta, 2.44, no family holds), and it was named bismuth's
    M-alpha (2.42), nearest, with no Bi L-alpha at 10.83 keV though the tube excites bismuth's L
    lines far above its M lines. An M line whose L-alpha, excited, neither shows nor is held comes
    after other names, as an L line lacking its K-alpha did: "Pb Ma misfit". Bismuth with its L
    lines still reads Bi."""
    prof = InstrumentProfile(anode="Mo", kv=37.3, fwhm_mn_ev=172.0)
    held = frozenset({"Pb", "Sb", "Zn", "Ba", "S"})

    def lines(extra):
        e, y, model = _spectrum([(2.347, 2e3), (3.69, 3e4)], extra)
        return pf._residual_lines(y, model, pf._weights(y), e, prof, held, frozenset({"Ca", "S"}))

    pb = lines([(2.43, 1500.0)])
    assert [(ln.element, ln.family, ln.misfit) for ln in pb] == [("Pb", "Ma", True)], pb
    bi = lines([(2.42, 1500.0), (10.84, 3000.0), (13.02, 2500.0)])
    assert {"Bi Ma", "Bi La"} <= set(_names(bi)), bi


def test_bariums_l_gamma2_3_is_not_named_manganese():
    """Fails on the parent ("Mn Ka 5.83 keV"): a lithopone swatch's zinc-white candidate listed
    barium's L-alpha, L-beta and L-gamma1 and named its L-gamma2,3 peak (5.80-5.81 keV, 0.12 keV
    from the L-gamma family's mean, 5.69) manganese's K-alpha (5.90). Lines 0.11 keV or more from
    their family's mean name peaks now (L_SPLIT_KEV); a manganese peak where no barium shows
    stays "Mn Ka"."""
    ba = [(4.47, 3000.0), (4.83, 2500.0), (5.53, 600.0)]
    got = _lines({"Zn"}, [(3.69, 3e4), (8.64, 3e4)], ba + [(5.81, 500.0)])
    assert _names(got) == ["Ba La", "Ba Lb", "Ba Lg", "Ba Lg"], got
    mn = _lines({"Zn"}, [(3.69, 3e4), (8.64, 3e4)], [(5.90, 800.0)])
    assert _names(mn) == ["Mn Ka"], mn


def _cr_tube(extra):
    """Residual lines under a Cr tube (30 kV): the model holds the tube's scattered Cr K-alpha and
    K-beta, the data add `extra` peaks."""
    prof = InstrumentProfile(anode="Cr", kv=30.0, fwhm_mn_ev=FWHM_EV)
    e, y, model = _spectrum([(5.41, 6e4), (5.95, 8e3), (3.69, 3e4)], extra)
    return pf._residual_lines(
        y, model, pf._weights(y), e, prof, frozenset(), frozenset({"Ca", "S", "Sr"})
    )


def test_a_cr_tubes_own_k_beta_is_not_named_manganese():
    """Fails on the parent ("Mn Ka 5.97 keV"): under a Cr tube a viridian region's candidates
    lacking chromium left its Cr K-alpha and K-beta in the residual; K-alpha, in the tube's own
    band, was set aside, but K-beta (5.95 keV) was named manganese's K-alpha (5.90). Where the
    anode's K-alpha is left at least as high as K-beta's share of it allows (MINOR_LINE_SLACK),
    a peak at the anode's K-beta is the anode's. A raw umber's Mn K-alpha under the same tube,
    with no chromium left, still reads "Mn Ka"."""
    assert _cr_tube([(5.41, 2e4), (5.95, 2e3)]) == []
    umber = _cr_tube([(5.90, 2000.0), (6.49, 300.0)])
    assert "Mn Ka" in _names(umber), umber
