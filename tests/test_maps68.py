"""Session 68, elemental maps: Cd K-beta chosen beside antimony."""

import pytest
from test_maps67 import _read

from xrf_napari.analysis import maps as M


def test_cd_k_beta_chosen_beside_antimony_is_fitted_where_the_tube_excites_sb_k():
    """Cd K-beta1 (26.10 keV) lies 15 eV from Sb K-alpha2 (26.11): chosen in the Line column,
    its window read Naples yellow (lead antimonate, no cadmium) at 50 % of cadmium yellow's Cd
    K-beta (forward model, Rh 45 kV, 140 eV). Fitted beside Sb: under 5 %. Under 30 kV, below
    Sb's K edge (30.49 keV), Sb K-alpha is not there and the map stays a window whose note
    names no channels too coarse to fit it apart from Sb."""
    lines, present = {"Cd": "Kb"}, ["Cd", "Sb", "Pb", "S", "Ca"]
    plan, v, truth = _read(["Cadmium yellow", "Naples yellow"], "Cd", lines, present=present)
    assert plan.method == "fit" and "fitted together with Sb" in plan.note
    assert v[0] / truth[0][("Cd", "Kb")] == pytest.approx(1.0, abs=0.03)
    assert abs(v[1]) < 0.05 * v[0]
    (low,) = M.plan_maps(["Cd"], (0.0, 41.0), present=set(present), lines=lines, kv=30.0)
    assert low.method == "window" and "Sb" not in low.note
