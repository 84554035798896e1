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


def _uranium_yellow_sum(anode, kv=45.0):
    """A canonical sum spectrum (expected counts, 1.7e6) of 20 um uranium yellow (Na2U2O7) in oil
    over chalk under `anode`'s tube (forward model, default geometry, 150 eV)."""
    from xrf_napari.energy import Calibration, to_canonical_matrix
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import LINSEED_OIL, ground_layer, mixed_layer
    from xrf_napari.physics.spectrum import SpectrumModel

    m = SpectrumModel(InstrumentProfile(anode=anode, kv=kv, fwhm_mn_ev=150.0))
    paint = mixed_layer("uranium yellow", [("Na2U2O7", 5.6, 1.0)], LINSEED_OIL, 0.4, 20.0)
    det = m.detect(m.fine([paint, ground_layer("chalk")]))
    y = det * 1.7e6 / det.sum()
    c = m.profile.calibration
    return y @ to_canonical_matrix(Calibration(c.offset, c.gain), y.size)


@pytest.mark.parametrize("anode", ["W", "Cu"])
def test_uranium_yellow_under_a_tube_without_k_scatter_names_no_mo_tube(anode):
    """Uranium's L-beta3 (17.45 keV) lies on Mo K-alpha (17.44) and its L-beta2,6 (16.4-16.6) in
    Mo's Compton band: every generated uranium-yellow scan under a W, Cu or Cr tube (144 of 144,
    two seeds) was read as a Mo tube. Its lines are now taken out by its L-alpha (PAINT_SPILL)."""
    from xrf_napari.analysis import tube_guess

    assert tube_guess.guess_anode(_uranium_yellow_sum(anode)[None]) is None
