"""Session 64 review of the pigment candidates' line cap (f634f49c): which six residual lines a
candidate lists where there are more."""

from __future__ import annotations

import pytest

pytest.importorskip("xraylib")

from test_pigB63 import _lines

#: the ground's Ca K-alpha in the model
GROUND = [(3.69, 3e4)]


def test_the_strongest_lone_lines_are_not_dropped_for_second_lines():
    """Fails on the parent (K Ka and Si Ka left out): on a held-out smalt region (cube_00011.h5,
    region 1) the candidate "no X-ray-visible pigment" listed Co Ka, its escape, As Ka, As Kb,
    Ni Ka and Ni Kb and left out potassium's and silicon's K-alpha, the residual's two most
    significant peaks and smalt's glass, as the cap kept the lines of elements naming two peaks
    first. The UNEXPLAINED_FIRST (3) most significant lines are now listed whatever else names an
    element, and the other places go to the elements naming the most peaks (As Kb, Cu Kb)."""
    peaks = [(3.31, 9000.0), (1.74, 8000.0), (6.93, 7000.0), (10.54, 6000.0), (7.65, 5000.0)]
    got = _lines(set(), GROUND, [*peaks, (11.73, 4000.0), (8.04, 3500.0), (8.91, 3000.0)])
    names = [(ln.element, ln.family) for ln in got]
    assert len(names) == 6 and ("K", "Ka") in names and ("Si", "Ka") in names, names
    assert {el for el, _ in names} == {"K", "Si", "Co", "As", "Cu"}, names
