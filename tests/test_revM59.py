"""Elemental maps, review of session 59: an element asked for that the scan does not show."""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


def _chalk_with_potassium():
    """4 x 4 px of chalk (Ca), half of them with K, Poisson counts; the detector's peaks a little
    wider (150 eV at Mn K-alpha) than the file says (140 eV), as real peaks with their tails are
    wider than the fit's Gaussians."""
    kw = {"fwhm_mn_ev": 150.0, "escape": True}
    ca = template_spectrum("Ca", 2e4, **kw)
    rows = np.array([ca, ca + template_spectrum("K", 1e3, **kw)]) + 5.0
    data = np.random.default_rng(0).poisson(np.repeat(rows, 8, axis=0)).astype(np.float32)
    cube = cube_from_array(
        data.reshape(4, 4, -1), CANONICAL_CAL, profile={"fwhm_mn_ev": 140.0, "anode": "Rh"}
    )
    return cube, data


def test_element_asked_for_but_absent_leaves_the_other_maps_alone():
    """Cd and Sn ticked to check whether they are there (the scan has neither) counted present in
    the FIT_GROUPS fits of Ca and K (3.1-4.0 keV): the real APS scan's Ca map read 6,561 counts
    against 16,653, the real M6 spectrum's K -1,880 against 1,356; here K read -13 %. Judged as
    an absent neighbour is (its line read in the scan's sum and tiles), they count present
    nowhere: Ca's and K's maps are those made without them, Cd's and Sn's still made, saying
    so. K ticked though not suggested, and shown by the scan, still counts present."""
    cube, data = _chalk_with_potassium()
    kw = {"spectrum": data.sum(axis=0, dtype=np.float64), "tiles": data}
    alone, w0 = M.plan_for_cube(cube, ["Ca", "K"], present=["Ca", "K"], **kw)
    plans, w = M.plan_for_cube(cube, ["Ca", "K", "Cd", "Sn"], present=["Ca", "K"], **kw)
    assert [p.symbol for p in plans] == ["Ca", "K", "Cd", "Sn"]
    np.testing.assert_allclose(w[:, :2], w0, rtol=0, atol=1e-6)
    assert [p.note for p in plans[:2]] == [p.note for p in alone]
    for p in plans[2:]:
        assert f"{p.symbol} not counted present in the other maps: neither" in p.note
    k_shown, w1 = M.plan_for_cube(cube, ["Ca", "K"], present=["Ca"], **kw)
    np.testing.assert_allclose(w1, w0, rtol=0, atol=1e-6)
    assert "not counted present" not in k_shown[1].note


def test_quicklook_counts_the_elements_asked_for_present_only_where_shown(monkeypatch):
    """quicklook (choose_maps) counted every element asked for present, whatever the scan showed;
    it hands plan_for_cube the suggested ones (peaks.Suggestions.seen), as the Elemental maps
    dock does, and plan_for_cube judges the others."""
    from xrf_napari.analysis import peaks
    from xrf_napari.cli.quicklook_cmd import choose_maps

    monkeypatch.setattr(peaks, "suggest_for_cube", lambda *a, **kw: peaks.Suggestions(["Ca"]))
    cube, _ = _chalk_with_potassium()
    _, _, plans, maps = choose_maps(cube, elements=["Ca", "Cd", "Sn"])
    _, _, _, maps0 = choose_maps(cube, elements=["Ca"])
    np.testing.assert_allclose(maps["Ca"], maps0["Ca"], rtol=1e-5)
    assert "Sn not counted present" in plans[2].note


@pytest.mark.parametrize(
    "symbol, kv, label",
    [
        ("Zn", 10.5, "Zn K\u03b1"),  # K edge 9.66 keV: excited, if barely
        ("Cu", 9.5, "Cu K\u03b1"),
        ("Cd", 28.0, "Cd L\u03b1"),  # 7262bf9a's case, unchanged
        ("Se", 12.0, "Se L\u03b1"),  # K edge 12.66 keV: not excited at all
    ],
)
def test_light_element_barely_excited_keeps_its_k_alpha(symbol, kv, label):
    """7262bf9a maps a K line whose edge lies above kV / 1.1 by L-alpha: zinc white under a 10.5
    kV tube (Zn K edge 9.66 keV) was mapped by Zn L-alpha (1.01 keV), 319 counts against its
    K-alpha's 200,510 (forward model, Rh, air), the note saying its K lines were not usefully
    excited. An L-alpha under 1.5 keV is used only where the K lines are not excited at all."""
    ((line, note),) = M.choose_lines([symbol], {symbol}, 0.0, 41.0, kv=kv).values()
    assert line.label == label
    assert ("used:" in note) is (label != f"{symbol} K\u03b1")
