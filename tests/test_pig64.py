"""Session 64, pigment hypotheses (#14): what a candidate's unexplained lines name."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import _lines

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
