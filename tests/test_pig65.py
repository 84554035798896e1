"""Session 65, pigment hypotheses (#14): what a candidate's unexplained lines name."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import FWHM_EV, _lines, _spectrum

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile

#: lithopone's lines in the model: S K-alpha, Ba L-alpha, Zn K-alpha
LITHOPONE_LINES = [(2.307, 2e4), (4.47, 2e4), (8.64, 3e4)]


def test_a_held_elements_k_beta_names_a_peak_beside_other_lines():
    """Fails on the parent ("Bi Ma 2.48 keV"): a weak line (under a tenth of its series' main
    line) named only a peak no other line named, so a peak at sulfur's K-beta (2.46 keV, 6 % of
    S K-alpha), where the fit holds sulfur, read bismuth's M-alpha (2.42 keV): a held-out
    red-lead region's candidate lacking lead, over gypsum, with no bismuth in the painting. The
    K-beta of an element the fit holds names it beside other lines, still as weak beside K-alpha:
    the ground's is not listed, the candidate's own is a "misfit"; a peak far above it stays Bi."""
    assert _lines(set(), LITHOPONE_LINES, [(2.47, 1500.0)]) == []  # the gypsum ground's S K-beta
    prof = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=FWHM_EV)
    e, y, model = _spectrum(LITHOPONE_LINES, [(2.47, 1500.0)])
    own = pf._residual_lines(y, model, pf._weights(y), e, prof, frozenset({"Zn", "Ba", "S"}))
    assert [(ln.element, ln.family, ln.misfit) for ln in own] == [("S", "Kb", True)], own
    strong = _lines(set(), LITHOPONE_LINES, [(2.47, 6000.0)])  # 0.3 of S K-alpha's counts
    assert [(ln.element, ln.family) for ln in strong] == [("Bi", "Ma")], strong


def test_bariums_l_gamma1_names_its_peak_beside_ba_l_alpha_and_l_beta():
    """Fails on the parent ("unidentified peak at 5.53 keV"): an L-gamma family named peaks by its
    L-gamma1 line only where that stood 0.205 keV or more from the family's mean (Au, Hg, Pb,
    Bi), and candidates lacking a lithopone's barium left its L-gamma1 (5.53 keV, 0.155 keV from
    the mean) unnamed beside "Ba La" and "Ba Lb" (main-table panels' lithopone swatches)."""
    got = _lines(set(), [(3.69, 3e4)], [(4.47, 3000.0), (4.83, 2500.0), (5.53, 700.0)])
    assert [str(ln).rsplit(" ", 2)[0] for ln in got] == ["Ba La", "Ba Lb", "Ba Lg"], got


def test_a_tungsten_l_gamma1_names_no_peak_without_w_l_beta():
    """A guard: with the threshold at 0.145 keV (0.11 since session 66) tungsten's L-gamma1
    (11.29 keV, 0.08 keV from Se K-alpha) names peaks too, but only where W L-beta shows or is
    held besides W L-alpha: a residual at W L-alpha alone (a Cu paint's excess between Cu
    K-alpha and K-beta) lent tungsten the support that took a selenium line in session 56. Where
    it is nearer the peak than any other line naming it (Se K-alpha, 11.21 keV), W L-gamma1
    names it."""
    alone = _lines(set(), [(3.69, 3e4)], [(8.40, 2000.0), (11.27, 1000.0)])
    assert [str(ln).rsplit(" ", 2)[0] for ln in alone] == ["W La", "Se Ka"], alone
    beside = _lines(set(), [(3.69, 3e4)], [(8.40, 2000.0), (9.67, 1500.0), (11.33, 1000.0)])
    assert [str(ln).rsplit(" ", 2)[0] for ln in beside] == ["W La", "W Lb", "W Lg"], beside


def test_bariums_l_beta2_names_its_peak_and_tins_no_antimony_line():
    """Fails on the parent ("unidentified peak at 5.18 keV"): barium's L-beta2 (5.16 keV, 0.27 keV
    from its L-beta family's mean) named nothing beside "Ba La" and "Ba Lb" (lithopone and
    cadmium-red swatches' candidates lacking barium). Such a line apart from its family's mean
    names only a peak no other line names, nor a misfit lobe: tin's L-beta2 (3.905 keV) would
    take antimony's L-beta (3.89) from a lead-tin yellow candidate over a Naples yellow."""
    got = _lines(set(), [(3.69, 3e4)], [(4.47, 3000.0), (4.83, 2500.0), (5.157, 600.0)])
    assert [str(ln).rsplit(" ", 2)[0] for ln in got] == ["Ba La", "Ba Lb", "Ba Lb"], got
    tin = _lines(
        {"Sn", "Pb", "Si"},
        [(3.44, 3e4), (3.66, 1.5e4)],
        [(3.60, 3000.0), (3.88, 2000.0), (3.80, -900.0)],
    )
    assert ("Sb", "Lb") in [(ln.element, ln.family) for ln in tin], tin
