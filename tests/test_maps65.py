"""Elemental maps, session 65: a line chosen in the Line column is mapped as auto maps that line
(fitted beside its neighbours where FIT_GROUPS fits it), not by its window (forward model)."""

import numpy as np
from test_maps61 import _forward

from xrf_napari.analysis import maps as M


def _plan(forward, symbols, kv, lines=None):
    """(the first symbol's plan, its column) of a _forward pixel, planned as the dock plans it."""
    cube, y, _ = forward
    plans, w = M.plan_for_cube(
        cube, symbols, present=set(symbols) | {"Ca"}, spectrum=y, kv=kv, lines=lines
    )
    return plans[0], w[:, 0].astype(np.float64)


def test_s_k_alpha_chosen_is_fitted_as_auto_under_a_mo_tube():
    """S K-alpha chosen (the Line column, lines={"S": "Ka"}) was mapped by its window, which reads
    the Mo tube's L-alpha 14 eV away: S-free lead white read +358 % of vermilion's S under 45 kV,
    where the same line left to auto (fitted) reads -52 % (/work/runs65/maps65/pick.py)."""
    syms = ["S", "Hg", "Pb"]
    lead = _forward([("Lead white", 1.0)], kv=45.0, anode="Mo", fwhm=150.0)
    auto, w_auto = _plan(lead, syms, 45.0)
    plan, w = _plan(lead, syms, 45.0, {"S": "Ka"})
    assert (plan.method, auto.method) == ("fit", "fit")
    np.testing.assert_array_equal(w, w_auto)
    truth = _forward([("Vermilion", 1.0)], kv=45.0, anode="Mo", fwhm=150.0)[2]
    assert abs(lead[1] @ w) < 0.6 * truth[("S", "Ka")]  # +3.58 by the window


def test_pb_m_alpha_chosen_is_fitted_beside_s():
    """Pb M-alpha chosen under a 45 kV Rh tube (auto takes Pb L-alpha) was a window 40 eV from S
    K-alpha: orpiment (As2S3, no lead) read +88 % of lead white's Pb M-alpha counts, lead white
    0.978 of its own; fitted beside S and Hg, +0.5 % and 1.001 (/work/runs65/maps65/pick.py)."""
    syms, lines = ["Pb", "S", "Hg"], {"Pb": "Ma"}
    lead = _forward([("Lead white", 1.0)], kv=45.0, anode="Rh", fwhm=150.0)
    plan, w = _plan(lead, syms, 45.0, lines)
    assert plan.line.family == "Ma" and plan.method == "fit"
    truth = lead[2][("Pb", "Ma")]
    assert abs(lead[1] @ w / truth - 1.0) < 0.02
    orpiment = _forward([("Orpiment", 1.0)], kv=45.0, anode="Rh", fwhm=150.0)
    assert abs(orpiment[1] @ _plan(orpiment, syms, 45.0, lines)[1]) < 0.03 * truth


def test_hg_l_alpha_under_a_w_tube_is_fitted_beside_its_scatter():
    """Hg L-alpha (9.99 keV) lies 18 eV above a W tube's scattered L-beta2 (9.96): by its window
    lead white read Hg +2.3 % of vermilion's under 45 kV, lead white with 10 % vermilion 1.18 of
    its Hg; fitted beside W (and Pb L-alpha), -0.02 % and 0.99 (/work/runs65/maps65/hgw.py)."""
    syms = ["Hg", "Pb", "Zn", "S"]
    mix = _forward([("Lead white", 0.9), ("Vermilion", 0.1)], kv=45.0, anode="W", fwhm=150.0)
    plan, w = _plan(mix, syms, 45.0)
    assert plan.method == "fit" and "fitted together with W" in plan.note
    truth = mix[2][("Hg", "La")]
    assert abs(mix[1] @ w / truth - 1.0) < 0.03  # 1.18 by the window
    lead = _forward([("Lead white", 1.0)], kv=45.0, anode="W", fwhm=150.0)
    assert abs(lead[1] @ _plan(lead, syms, 45.0)[1]) < 0.02 * truth  # +12 % by the window
