"""Session 67, elemental maps: lines chosen in the Line column on a neighbour's line, and
nickel under a Cu tube, whose scattered K-alpha's Compton peak lies beside Ni K-alpha."""

import numpy as np
import pytest
from test_maps61 import _forward

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


def _read(names, symbol, lines=None, kv=45.0, anode=None, present=()):
    """(plan, each paint's map of `symbol`, their truths) for one-pixel forward-model paints."""
    paints = [_forward([(n, 1.0)], kv=kv, anode=anode) for n in names]
    x = np.array([[y for _, y, _ in paints]], dtype=np.float32)
    profile = {"fwhm_mn_ev": 140.0, **({"anode": anode} if anode else {})}
    cube = cube_from_array(x, paints[0][0].calibration, profile=profile)
    (plan,), w = M.plan_for_cube(
        cube, [symbol], present=present, lines=lines, spectrum=x[0].sum(0), kv=kv
    )
    return plan, x[0].astype(np.float64) @ w[:, 0].astype(np.float64), [t for *_, t in paints]


@pytest.mark.parametrize(
    ("symbol", "family", "own", "free", "rival", "scale"),
    [
        ("Fe", "Kb", "Yellow ochre", "Cobalt blue", "Co", 1.05),
        ("Se", "Kb", "Cadmium red", "Lead white", "Pb", 1.15),
        ("Hg", "Lb", "Vermilion", "Orpiment", "As", 1.0),
        ("Ba", "Lb", "Lithopone", "Titanium white", "Ti", 1.0),
    ],
)
def test_a_chosen_line_on_a_neighbours_line_is_fitted(symbol, family, own, free, rival, scale):
    """Fe K-beta on Co K-alpha, Se K-beta on Pb L-beta, Hg L-beta on As K-beta, Ba L-beta on Ti
    K-beta: chosen in the Line column, their windows read the neighbour's paint at 28-490 % of
    the element's own paint (forward model, Rh 45 kV, 140 eV: cobalt blue 375 % of ochre's Fe,
    lead white 182 % of cadmium red's Se, orpiment 28 % of vermilion's Hg, titanium white 96 % of
    lithopone's Ba). Fitted beside the neighbour: under 5 %; the own paint within 5 % of
    `scale` times its counts (Fe and Se K-beta read off their K-alpha through the template's
    share: 1.08 and 1.16 here)."""
    plan, v, truth = _read([own, free], symbol, {symbol: family}, present=[symbol, rival, "Ca"])
    assert plan.method == "fit" and f"fitted together with {rival}" in plan.note
    assert v[0] / truth[0][(symbol, family)] == pytest.approx(scale, abs=0.05)
    assert abs(v[1]) < 0.05 * v[0]


def test_nickel_under_a_cu_tube_is_fitted_beside_the_tubes_compton_peak():
    """A Cu tube's K-alpha (8.05 keV) scatters to 7.82-7.92 keV (150-90 deg), Doppler-broadened
    between Ni K-alpha (7.48) and K-beta (8.26), where the Ni fit (beside Co and Cu) had no
    template for it: ultramarine (no nickel) read Ni at about -80 % of smalt's (2 % NiO) map and
    smalt 0.65 of its Ni (forward model, Cu 40 kV, 140 eV). With the tube's Compton peak fitted
    too (TUBE_COMPTON): within 3 % and 8 %."""
    present = ["Co", "Ni", "Cu", "Fe", "K", "Si", "Ca", "Al"]
    plan, v, truth = _read(["Smalt", "Synthetic ultramarine"], "Ni", anode="Cu", present=present)
    assert plan.method == "fit"
    assert v[0] / truth[0][("Ni", "Ka")] == pytest.approx(1.0, abs=0.08)
    assert abs(v[1]) < 0.03 * v[0]


def test_bismuth_under_a_w_tube_says_the_tubes_compton_peak_lies_on_it():
    """W L-gamma1 (11.29 keV) scattered at 150-90 deg lands at 10.84-11.04 keV, on Bi L-alpha:
    light paints with no bismuth read Bi at +10 to +15 % of smalt's at 150 deg, -2 to -7 % at 90
    (forward model; a Compton template at one angle moved the error with the angle), and the Bi
    map said nothing of it. Its note says so under a W tube, not under a Rh tube."""
    from xrf_napari.io.calibration import Calibration

    cal = Calibration(offset=0.0, gain=0.01)
    for anode, said in (("W", True), ("Rh", False)):
        cube = cube_from_array(np.ones((1, 1, 4096), np.float32), cal, profile={"anode": anode})
        (plan,), _ = M.plan_for_cube(cube, ["Bi"], present=["Pb"], kv=40.0)
        assert ("W L\u03b31 (11.29 keV) lands after Compton scatter" in plan.note) is said
