"""Elemental maps (session 63): the fits take the line shares of the scan's tube."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.elements import FAMILY_OF_TRANSITION
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.physics.layers import ground_layer, paint_layer
from xrf_napari.physics.pigments import get_pigment
from xrf_napari.physics.spectrum import SpectrumModel
from xrf_napari.physics.xsec import fine_energy


def _pixels(kv: float, mixes, anode: str = "Rh", fwhm: float = 140.0):
    """A 1 x n cube of forward-model pixels (20 um paint over chalk, 1e6 counts each, no noise)
    with the tube in its profile, and each pixel's true detected counts per (element, family)."""
    model = SpectrumModel(InstrumentProfile(fwhm_mn_ev=fwhm, kv=kv, anode=anode))
    rows, truths = [], []
    for mix in mixes:
        stack = [paint_layer([(get_pigment(n), v) for n, v in mix], 20.0), ground_layer("chalk")]
        fine, parts = model.fine(stack, parts=True)
        det = model.detect(fine)
        k = 1e6 / det.sum()
        ln = parts["lines"]
        area = np.interp(ln.energies, fine_energy(), model.eff) * ln.intensities * k
        truth: dict = {}
        for el, t, a in zip(ln.elements, ln.lines, area):
            key = (el, FAMILY_OF_TRANSITION.get(t, t[0]))
            truth[key] = truth.get(key, 0.0) + a
        rows.append(det * k)
        truths.append(truth)
    data = np.array([rows], np.float32)
    profile = {"fwhm_mn_ev": fwhm, "anode": anode, "kv": kv}
    return cube_from_array(data, model.profile.calibration, profile=profile), data[0], truths


def test_m_alpha_fit_takes_the_tubes_line_shares():
    """Under 12 kV (no Pb or Hg L line excited) Pb, Hg and S are fitted by their M-alpha and
    K-alpha lines; the templates took their M lines' shares at 20 keV (L vacancies cascading into
    M), so lead white read 1.03 of its Pb M-alpha counts, and line_shifts moved S's K lines
    -4.5 eV, so that orpiment alone read Pb at 7.9 % of lead white's."""
    cube, y, truths = _pixels(12.0, [[("Lead white", 1.0)], [("Orpiment", 1.0)]])
    symbols = ["Pb", "Hg", "S", "As"]
    plans, w = M.plan_for_cube(cube, symbols, present=set(symbols) | {"Ca"}, spectrum=y.sum(0))
    assert (plans[0].line.family, plans[0].method) == ("Ma", "fit")
    assert "table energies" not in plans[2].note  # no S shift read from the templates' shares
    pb = y.astype(np.float64) @ w[:, 0].astype(np.float64)
    lead = truths[0][("Pb", "Ma")]
    assert pb[0] / lead == pytest.approx(1.0, abs=0.01)
    assert abs(pb[1]) / lead < 0.01


@pytest.mark.parametrize(
    ("mix", "symbols", "kv", "lines", "tol"),
    [
        ([("Vermilion", 1.0)], ["Hg"], 15.0, {"Hg": "Lb"}, 0.075),
        ([("Lead white", 1.0)], ["Pb", "As", "S"], 12.0, None, 0.01),
    ],
)
def test_line_shares_under_the_files_anode(mix, symbols, kv, lines, tol):
    """The maps' line shares took a Rh tube's spectrum whatever anode the file names: under a W
    tube (its L edges 10.2-12.1 keV shape the beam near Hg's and Pb's edges) vermilion's Hg
    L-beta window read 1.12 of its counts under 15 kV, lead white's Pb M-alpha fit under 12 kV
    0.977. With W's spectrum: 1.06 and 1.00."""
    cube, y, truths = _pixels(kv, [mix], anode="W")
    plans, w = M.plan_for_cube(
        cube, symbols, present=set(symbols) | {"Ca"}, spectrum=y[0], lines=lines
    )
    p = plans[0]
    got = float(y[0] @ w[:, 0].astype(np.float64)) / truths[0][(p.symbol, p.line.family)]
    assert got == pytest.approx(1.0, abs=tol)


@pytest.mark.parametrize(
    ("mix", "symbols", "kv", "edge"),
    [
        ([("Vermilion", 1.0)], ["Hg", "S", "Pb"], 12.8, "12.28 keV (L3 edge)"),
        ([("Lead white", 1.0)], ["Pb", "As", "S"], 13.8, "13.04 keV (L3 edge)"),
    ],
)
def test_m_alpha_fit_where_the_l_lines_are_barely_excited(mix, symbols, kv, edge):
    """Just above Hg's (Pb's) L3 edge the tube excites their L lines barely: vermilion's Hg
    L-alpha under 12.5-13 kV held 0.7-6 % of its M-alpha counts, its map's noise on a
    10,000-count pixel 97 and 14 % (Pb L-beta under 13.5-14 kV: 87 and 31 %), against the
    M-alpha fit's 2.5 % (2.1 %). Below the edge times K_OVERVOLTAGE they are mapped by M-alpha,
    fitted beside S, as below the edge."""
    cube, y, truths = _pixels(kv, [mix])
    plans, w = M.plan_for_cube(cube, symbols, present=set(symbols) | {"Ca"}, spectrum=y[0])
    p = plans[0]
    assert (p.line.family, p.method) == ("Ma", "fit")
    assert f"L lines need {edge} to excite, above what the tube's {kv:g} kV excites usefully" in (
        p.note
    )
    got = float(y[0] @ w[:, 0].astype(np.float64)) / truths[0][(p.symbol, "Ma")]
    assert got == pytest.approx(1.0, abs=0.03)


def test_the_docked_dock_is_at_least_its_form(make_napari_viewer, qtbot):
    """Docked and narrowed as far as it went, the Elemental maps dock took its minimum width from
    its pinned Run and composite rows alone (473 px here): a form wider than those (its suggestion
    line held at 520 px: 666 px) scrolled sideways by 195 px, its controls cut at the dock's edge.
    It is at least its form, scroll bar and frame now, as the other docks."""
    from qtpy.QtCore import Qt
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    widget = ElementMapsWidget(viewer)
    widget.suggested_label.setMinimumWidth(520)
    dock = viewer.window.add_dock_widget(widget)
    window = viewer.window._qt_window
    window.resize(1400, 800)
    window.show()
    QApplication.processEvents()
    window.resizeDocks([dock], [1], Qt.Orientation.Horizontal)  # as narrow as it lets itself be
    QApplication.processEvents()
    form = widget.body.minimumSizeHint().width()
    assert widget.scroll.horizontalScrollBar().maximum() == 0, (form, dock.width())
    assert widget.scroll.viewport().width() >= form
