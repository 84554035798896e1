"""Elemental maps, session 61 review: L-beta and L-gamma window maps (lines of several L
subshells) measured on forward-model spectra."""

import numpy as np
import pytest
from test_maps61 import _forward

from xrf_napari.analysis import maps as M


def test_l_gamma_window_holds_its_strongest_line():
    """Pb L-gamma's window was set at its lines' mean by radiative rates, 14.98 keV, between
    L-gamma1 (L2-N4, 14.77 keV, four fifths of its counts) and L-gamma2,3 (15.10, 15.22 keV):
    L-gamma1 lay under the lower side window and lead white's Pb L-gamma map read -0.41 of its
    counts (forward model, 125 eV). The window is set on L-gamma1."""
    for symbol, lg1 in (("Pb", 14.765), ("Hg", 13.830), ("Ba", 5.531)):
        (plan,) = M.plan_maps([symbol], (1.0, 40.0), present={symbol}, lines={symbol: "Lg"})
        assert plan.line.family == "Lg"
        assert plan.peak[0] < lg1 < plan.peak[1]
        assert abs(0.5 * (plan.peak[0] + plan.peak[1]) - lg1) < 0.01


def test_pb_l_beta_window_counts_its_l_beta3_and_4():
    """Pb is mapped by L-beta beside arsenic. Its window was scaled to one Gaussian at the
    family's mean, but Pb L-beta4 and 3 (12.31, 12.79 keV, 13 % of the family) lie under its side
    windows: lead white read 0.79-0.82 of its L-beta counts (forward model, 30-50 kV). Each
    transition of the family is counted by its intensity now: 1.01-1.04."""
    cube, y, truth = _forward([("Lead white", 1.0)], fwhm=125.0)
    plans, w = M.plan_for_cube(cube, ["Pb", "As"], present=["Ca"], spectrum=y, kv=50.0)
    assert plans[0].line.family == "Lb" and plans[0].method == "window"
    assert float(y @ w[:, 0]) / truth[("Pb", "Lb")] == pytest.approx(1.0, abs=0.05)


def test_l_gamma_maps_read_their_counts():
    """Pb and Hg L-gamma chosen in the Line column read lead white -0.41, vermilion -0.36 of
    their L-gamma counts (the window between the lines, one Gaussian at their mean); 1.01, 1.02
    now (forward model, 50 kV, 125 eV). Where the element's other lines beside L-gamma leave its
    window reading no more than its side windows (Cd), the map is refused naming the cause."""
    for mix, symbol in (([("Lead white", 1.0)], "Pb"), ([("Vermilion", 1.0)], "Hg")):
        cube, y, truth = _forward(mix, fwhm=125.0)
        plans, w = M.plan_for_cube(cube, [symbol], spectrum=y, kv=50.0, lines={symbol: "Lg"})
        assert float(y @ w[:, 0]) / truth[(symbol, "Lg")] == pytest.approx(1.0, abs=0.05)
    with pytest.raises(ValueError, match="reads no more of Cd's lines than its side windows"):
        M.plan_for_cube(cube, ["Cd"], kv=50.0, lines={"Cd": "Lg"})


@pytest.mark.parametrize("symbol", ["Ba", "Sb", "Sn"])
def test_own_lines_are_per_unit_of_the_whole_family(symbol):
    """_own_lines scaled the element's other lines under a window to the part of its family
    within the windows' reach: of Sb L-gamma (4.35-4.60 keV) L-gamma1 alone, and Sb's L-beta
    lines there were counted 2.3 times. On xraylib's lines (those the templates hold, 125 eV) Sb
    L-gamma read 3.62 of its counts, Ba 1.05, and Sn's map was refused; 1.00 now."""
    from _spectra import CANONICAL_CAL, template_spectrum

    from xrf_napari.cube import cube_from_array

    y = template_spectrum(symbol, 1e5, fwhm_mn_ev=125.0, family="Lg") + 10.0
    cube = cube_from_array(y[None, None].astype(np.float32), CANONICAL_CAL)
    plans, w = M.plan_for_cube(cube, [symbol], fwhm_ev=125.0, lines={symbol: "Lg"})
    assert float(y @ w[:, 0]) / 1e5 == pytest.approx(1.0, abs=0.01)


def test_strontium_beside_mercury_under_a_low_kv_tube_is_mapped_by_l_alpha():
    """Beside Hg, Sr was mapped by K-beta (K_BETA_INSTEAD, 886a97df) whatever the tube: under
    15 kV (Sr K edge 16.1 keV) its K-beta map read nothing but other counts, its note saying so,
    where without Hg Sr is mapped by L-alpha. It is mapped by L-alpha there too now."""
    for kv, family in ((15.0, "La"), (50.0, "Kb")):
        (sr, _) = M.plan_maps(["Sr", "Hg"], (0.5, 41.0), present={"Ca"}, kv=kv)
        assert sr.line.family == family
