"""Review of session 55's analysis and widgets changes (helper revX2)."""

import numpy as np

from xrf_napari.analysis import maps as M


def test_each_neighbours_column_is_made_once_per_weight_matrix(monkeypatch):
    """_less_neighbours (7d16730a) made an absent neighbour's own map column again for every map
    its escape peaks reach: ten light-element maps with chalk, baryte and zinc present built
    Ca's fitted column 3 times and Ba's twice (10 fits for 7 elements). The same W, each once."""
    edges = np.linspace(0.0, 40.96, 4097)
    present = {"Ca", "Zn", "Fe", "Pb", "Hg", "Cu", "Sr", "Ba", "Ti", "Cd", "Se", "Sn"}
    symbols = ["P", "Co", "Si", "S", "Cl", "K", "Mn", "Ni", "Ga", "Ge"]
    plans = M.plan_maps(symbols, (0.0, 40.96), fwhm_mn_ev=140.0, present=present)
    made = []
    fit, window = M._fit_column, M._window_column
    monkeypatch.setattr(
        M, "_fit_column", lambda p, *a, **k: made.append(p.symbol) or fit(p, *a, **k)
    )
    monkeypatch.setattr(M, "_window_column", lambda p, *a: made.append(p.symbol) or window(p, *a))
    w = M.weight_matrix(plans, edges, fwhm_mn_ev=140.0, present=present)
    assert sorted(made) == sorted(set(made))
    assert {"Ca", "Ba"} <= set(made)  # their escape peaks taken out, from their own columns
    assert w.shape == (len(edges) - 1, len(plans))
