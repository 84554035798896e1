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
