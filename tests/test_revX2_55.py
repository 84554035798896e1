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
    monkeypatch.setattr(
        M, "_window_column", lambda p, *a, **k: made.append(p.symbol) or window(p, *a, **k)
    )
    w = M.weight_matrix(plans, edges, fwhm_mn_ev=140.0, present=present)
    assert sorted(made) == sorted(set(made))
    assert {"Ca", "Ba"} <= set(made)  # their escape peaks taken out, from their own columns
    assert w.shape == (len(edges) - 1, len(plans))


def test_a_scan_shown_again_after_twenty_others_keeps_its_width_read(monkeypatch):
    """The Elemental maps dock names the width read from a scan's peaks (27fc43ff) by asking
    fwhm_from_spectrum in the GUI thread as the scan is shown, the survey having read it in its
    worker. Only 8 answers were kept: the first of nine scans surveyed, shown again, was read
    anew in the GUI thread (30-45 ms of peak fits on the real APS scan, up to 110 on two busy
    cores). A session's scans are all kept now."""
    read = []
    monkeypatch.setattr(M, "_FWHM_READ", {})
    monkeypatch.setattr(M, "_read_fwhm", lambda y, e: read.append(float(y[0])) or 150.0)
    edges = np.linspace(0.0, 1.6, 17)
    scans = [np.full(16, float(i)) for i in range(20)]
    for spectrum in scans:  # each survey's reading, in its worker
        assert M.fwhm_from_spectrum(spectrum, edges) == 150.0
    assert read == [float(i) for i in range(20)]
    for spectrum in scans:  # each scan shown again: the box asks, in the GUI thread
        assert M.fwhm_from_spectrum(spectrum, edges) == 150.0
    assert len(read) == 20  # none read again
