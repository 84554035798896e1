"""Review of the session-63 maps commits: arsenic beside lead under a tube below lead's L3 edge."""

import numpy as np
import pytest
from test_maps63 import _pixels

from xrf_napari.analysis import maps as M


@pytest.mark.parametrize("kv", [12.0, 12.5])
def test_as_beside_pb_by_k_alpha_where_the_tube_excites_no_pb_l_line(kv):
    """Beside lead, arsenic was mapped by K-beta ("As Kα coincides with Pb Lα") whatever the
    tube, yet below Pb's L3 edge (13.04 keV) no Pb L-alpha lies on As K-alpha, and As K-beta
    (11.73 keV) holds a seventh of its counts at the end of the tube's spectrum: under 12 kV it
    read emerald green 0.34 of its counts, lead white with emerald green -2.7 (forward model).
    It is mapped by K-alpha there, within 2 % of its counts, lead white reading no arsenic."""
    mixes = [[("Emerald green", 1.0)], [("Lead white", 0.7), ("Emerald green", 0.3)]]
    cube, y, truths = _pixels(kv, [*mixes, [("Lead white", 1.0)]])
    symbols = ["Pb", "As", "Cu"]
    plans, w = M.plan_for_cube(cube, symbols, present=set(symbols) | {"Ca"}, spectrum=y.sum(0))
    p = plans[1]
    assert p.line.family == "Ka"
    assert "coincides with Pb" not in p.note
    got = y.astype(np.float64) @ w[:, 1].astype(np.float64)
    for i in range(len(mixes)):
        assert got[i] / truths[i][("As", "Ka")] == pytest.approx(1.0, abs=0.02)
    assert abs(got[2]) < 0.005 * truths[0][("As", "Ka")]


def test_as_beside_pb_stays_k_beta_where_pb_l_alpha_is_excited():
    """A guard: above Pb's L3 edge (13.5 kV) lead white's Pb L-alpha would read in an As K-alpha
    window (+5 % of emerald green's), so arsenic stays K-beta, fitted beside lead's L lines."""
    cube, y, _ = _pixels(13.5, [[("Emerald green", 1.0)]])
    plans, _ = M.plan_for_cube(cube, ["Pb", "As"], present={"Pb", "As", "Ca", "Cu"}, spectrum=y[0])
    assert plans[1].line.family == "Kb"
    assert "As Kα coincides with Pb Lα" in plans[1].note


@pytest.mark.parametrize(("kv", "named"), [(12.0, False), (20.0, True), (None, True)])
def test_the_notes_name_only_the_lines_the_tube_excites(kv, named):
    """Under 12 kV (below Pb's L3 edge) the As K-alpha map's note said "overlaps Pb Lα", a line
    the tube does not excite: the notes name only the lines it does (all where no kV is known)."""
    present = {"Pb", "As", "Ca"}
    (p,) = M.plan_maps(
        ["As"], (0.5, 20.0), fwhm_mn_ev=140.0, present=present, lines={"As": "Ka"}, kv=kv
    )
    assert ("overlaps Pb Lα" in p.note) is named, p.note
