"""Session 66, elemental maps: notes of a chosen line the tube cannot excite, and the maps a
conservator meets on coarse channels and beside the tube's lines."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.io.calibration import Calibration


def _flat_cube(anode: str):
    """A one-pixel 0-40.96 keV cube (10 eV channels) naming its tube."""
    cal = Calibration(offset=0.0, gain=0.01)
    return cube_from_array(np.ones((1, 1, 4096), np.float32), cal, profile={"anode": anode})


def test_a_chosen_hg_l_gamma_under_a_w_tube_proposes_l_alpha_fitted_beside_w():
    """Under a 14 kV W tube Hg L-gamma (L2 edge 14.21 keV) is not excited; its note proposes Hg
    L-alpha, which the maps fit beside the tube's W (FIT_GROUPS), and says so (it said only
    "choose it", as if a window read it beside W L-beta2 18 eV away). The tube's lines are not
    named as overlaps: a Cd K-alpha chosen under a 20 kV Rh tube proposes Cd L-alpha plainly."""
    plans, _ = M.plan_for_cube(_flat_cube("W"), ["Hg"], kv=14.0, lines={"Hg": "Lg"})
    assert "Hg L\u03b1 is excited: choose it (" in plans[0].note
    assert plans[0].note.endswith("which maps Hg by it fitted beside W")
    chosen, _ = M.plan_for_cube(_flat_cube("W"), ["Hg"], kv=14.0, lines={"Hg": "La"})
    assert chosen[0].method == "fit" and "fitted together with W" in chosen[0].note
    plans, _ = M.plan_for_cube(_flat_cube("Rh"), ["Cd"], kv=20.0, lines={"Cd": "Ka"})
    assert plans[0].note.endswith("Cd L\u03b1 is excited: choose it (" + M.LINE_CHOICE + ")")


def test_nickel_beside_cobalt_k_beta_is_fitted():
    """Ni K-alpha (7.48 keV) lies 1.2 FWHM below Co K-beta (7.65): by its window, cobalt blue
    with no nickel read Ni at about 40 % of smalt's (2 % NiO) map and smalt 1.11 of its Ni
    (forward model, Rh 45 kV, 140 eV). Fitted beside Co (and Cu's K-alpha flank), as Co K-alpha
    beside Fe K-beta: both within 5 %, and emerald green (copper, no nickel) too."""
    from test_maps61 import _forward

    paints = [_forward([(n, 1.0)], kv=45.0) for n in ("Smalt", "Cobalt blue", "Emerald green")]
    x = np.array([[y for _, y, _ in paints]], dtype=np.float32)
    cube = cube_from_array(x, paints[0][0].calibration, profile={"fwhm_mn_ev": 140.0})
    present = ["Co", "Ni", "Cu", "Fe", "As", "Bi", "K", "Si", "Ca"]
    (plan,), w = M.plan_for_cube(cube, ["Ni"], present=present, spectrum=x[0].sum(0), kv=45.0)
    assert plan.method == "fit" and "fitted together with Co and Cu" in plan.note
    v = x[0].astype(np.float64) @ w[:, 0].astype(np.float64)
    assert v[0] / paints[0][2][("Ni", "Ka")] == pytest.approx(1.0, abs=0.05)
    assert abs(v[1]) < 0.05 * v[0] and abs(v[2]) < 0.05 * v[0]


def test_bismuth_beside_lead_l_alpha_is_fitted():
    """Bi L-alpha (10.84 keV) lies 1.6 FWHM above Pb L-alpha and As K-alpha (10.55, 10.53): by its
    window lead white read Bi at about 60 % of smalt's (2 % Bi2O3) map, lead white with smalt
    several times its Bi (forward model, Rh 45 kV, 140 eV). Fitted beside Pb, As and Hg (reaching
    Hg L-alpha, which pins mercury's template): each within 5 % of smalt's, vermilion within 8 %."""
    from test_maps61 import _forward

    names = ("Smalt", "Lead white", "Vermilion")
    paints = [_forward([(n, 1.0)], kv=45.0) for n in names]
    mix = _forward([("Smalt", 0.5), ("Lead white", 0.5)], kv=45.0)
    x = np.array([[y for _, y, _ in paints] + [mix[1]]], dtype=np.float32)
    cube = cube_from_array(x, paints[0][0].calibration, profile={"fwhm_mn_ev": 140.0})
    present = ["Bi", "Pb", "As", "Hg", "S", "Co", "Ni", "K", "Si", "Ca"]
    (plan,), w = M.plan_for_cube(cube, ["Bi"], present=present, spectrum=x[0].sum(0), kv=45.0)
    assert plan.method == "fit" and "fitted together with Pb and As and Hg" in plan.note
    v = x[0].astype(np.float64) @ w[:, 0].astype(np.float64)
    assert v[0] / paints[0][2][("Bi", "La")] == pytest.approx(1.0, abs=0.05)
    assert v[3] / mix[2][("Bi", "La")] == pytest.approx(1.0, abs=0.08)
    assert abs(v[1]) < 0.05 * v[0] and abs(v[2]) < 0.08 * v[0]


def test_a_chosen_k_beta_on_a_neighbours_line_is_fitted():
    """K K-beta (3.59 keV), chosen in the Line column, lies 100 eV below Ca K-alpha, and Ti
    K-beta (4.93) on Ba L-beta1 (4.83): by their windows bone black read K at several times
    smalt's K K-beta (smalt itself below zero) and lithopone Ti at about a fifth of titanium
    white's (forward model, Rh 45 kV, 140 eV, 23 paints). Fitted as their K-alpha lines are:
    each element's paint within 10 % of its truth, the other paint within 5 % of its map."""
    from test_maps61 import _forward

    cases = (("K", ("Smalt", "Bone black")), ("Ti", ("Titanium white", "Lithopone")))
    for symbol, names in cases:
        paints = [_forward([(n, 1.0)], kv=45.0) for n in names]
        x = np.array([[y for _, y, _ in paints]], dtype=np.float32)
        cube = cube_from_array(x, paints[0][0].calibration, profile={"fwhm_mn_ev": 140.0})
        present = ["K", "Ca", "P", "Si", "Co", "Ti", "Ba", "Zn", "S"]
        (plan,), w = M.plan_for_cube(
            cube, [symbol], present=present, lines={symbol: "Kb"}, spectrum=x[0].sum(0), kv=45.0
        )
        assert plan.method == "fit", plan.note
        v = x[0].astype(np.float64) @ w[:, 0].astype(np.float64)
        assert v[0] / paints[0][2][(symbol, "Kb")] == pytest.approx(1.0, abs=0.1)
        assert abs(v[1]) < 0.05 * v[0]
