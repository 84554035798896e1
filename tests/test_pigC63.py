"""Session 63, pigment hypotheses (#14): a residual peak is named as a misfit of the candidate's
own line only after a line strong enough to leave a lobe (pigment_fit.MISFIT_LINE_SHARE)."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import _lines

#: smalt's elements, and its As L-alpha, L-beta, Si K-alpha and Co K-alpha in the model
SMALT = {"Co", "K", "Si", "As", "O"}
SMALT_LINES = [(1.282, 3e4), (1.351, 2e4), (1.74, 2e4), (6.93, 4e4)]


def test_a_peak_is_not_a_misfit_of_a_weak_line_of_the_candidates_element():
    """Fails on the parent ("As Lg misfit 1.48 keV"): smalt holds arsenic, and a peak at aluminium
    K-alpha's energy (1.49 keV) with a trough above it was named as one lobe of As L-gamma
    (1.52 keV), a line 3 % of As L-alpha that leaves no lobe of its own (10 candidates of the
    held-out set). A line under a tenth of its series' main line names no misfit: the peak is
    Al K-alpha. A K-beta (13 % of iron's K-alpha) still names its lobe."""
    got = _lines(SMALT, SMALT_LINES, [(1.486, 2000.0), (1.60, -1500.0)])
    assert [(ln.element, ln.family, ln.misfit) for ln in got] == [("Al", "Ka", False)], [
        str(ln) for ln in got
    ]
    kb = _lines({"Fe"}, [(6.40, 4e4), (7.06, 5e3)], [(7.03, 1500.0), (7.13, -1200.0)])
    assert [(ln.element, ln.family, ln.misfit) for ln in kb] == [("Fe", "Kb", True)], [
        str(ln) for ln in kb
    ]
