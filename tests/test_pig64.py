"""Session 64, pigment hypotheses (#14): what a candidate's unexplained lines name."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import FWHM_EV, _lines, _spectrum

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.physics.instrument import InstrumentProfile

#: smalt's elements, and its As L-alpha, L-beta, Si K-alpha and Co K-alpha in the model
SMALT = {"Co", "K", "Si", "As", "O"}
SMALT_LINES = [(1.282, 3e4), (1.351, 2e4), (1.74, 2e4), (6.93, 4e4)]


def test_a_weak_l_gamma_names_no_peak_another_line_names():
    """Fails on the parent ("As Lg misfit 1.52 keV"; "As Lg 1.52 keV" beside an As L-alpha left
    over): held-out smalt and vermilion candidates named a peak at 1.48-1.52 keV after arsenic's
    L-gamma, 3 % of As L-alpha. A line under a tenth of its series' main line (MISFIT_LINE_SHARE)
    is weak, as lead's L-l: it names only a peak no other line names, and only as weak beside its
    main line (MINOR_LINE_SLACK). Here aluminium's K-alpha (1.487 keV) names it."""
    held = _lines(SMALT, SMALT_LINES, [(1.52, 2000.0)])
    assert [(ln.element, ln.family) for ln in held] == [("Al", "Ka")], [str(ln) for ln in held]
    shown = _lines({"Co", "K", "Si"}, SMALT_LINES[2:], [(1.282, 8000.0), (1.52, 2000.0)])
    assert [(ln.element, ln.family) for ln in shown] == [("As", "La"), ("Al", "Ka")], [
        str(ln) for ln in shown
    ]


def test_the_line_cap_keeps_the_lines_of_elements_that_name_several_peaks():
    """Fails on the parent (Co Kb left out, Cu Ka listed): of the residual's lines only
    UNEXPLAINED_SHOWN (6) are listed, and the cap took them in significance order alone, so a
    peak named anew changed which others were listed (the smalt swatch's candidates on the Cr
    seed-2 panel lost "As Ka misfit 10.53 keV" to "Bi Ma 2.48 keV", a peak the ground's S K-beta
    had named). Where there are more, the lines of the elements that name the most peaks are kept
    (a line of an element that names one peak alone is the weakest evidence), and those kept are
    listed most significant first."""
    peaks = [(6.93, 9000.0), (6.40, 7000.0), (8.04, 6000.0), (8.64, 5500.0), (4.51, 5000.0)]
    got = _lines(set(), [(3.69, 3e4)], [*peaks, (11.22, 3000.0), (7.65, 1500.0)])
    names = [(ln.element, ln.family) for ln in got]
    assert len(names) == 6 and ("Co", "Kb") in names and ("Co", "Ka") in names, names
    assert names.index(("Co", "Kb")) == 5, names  # the least significant, listed last


def test_an_escape_of_the_tube_anodes_line_is_no_misfit_of_the_candidate():
    """Fails on the parent ("Cu Ka escape misfit 6.28 keV"): under a Cu tube the anode's lines
    are named only by their Si escape peaks, and a candidate holding copper read the escape of
    Cu K-alpha, the tube's scattered line as much as the paint's, as its own line fitted off. It
    is "Cu Ka escape 6.28 keV" whether the candidate holds copper or not."""
    prof = InstrumentProfile(anode="Cu", kv=30.0, fwhm_mn_ev=FWHM_EV)
    e, y, model = _spectrum([(8.04, 4e5), (8.90, 6e4)], [(6.30, 1500.0)])
    for held in ({"Cu"}, {"Pb"}):
        got = pf._residual_lines(y, model, pf._weights(y), e, prof, frozenset(held))
        assert [(ln.element, ln.family, ln.misfit) for ln in got] == [("Cu", "Ka escape", False)], [
            str(ln) for ln in got
        ]
