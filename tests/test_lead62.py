"""Session 62, the lead's fix: a failed plot draw is said once until a draw succeeds, also when
its message differs from one draw to the next."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")

from _napari_helpers import in_memory_scans, quick_survey  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_failing_plot_whose_message_changes_is_said_once(make_napari_viewer, qtbot, monkeypatch):
    """FigureView.drawing_failed says 'once until a draw succeeds' (each pixel under the mouse
    asks for a draw), but a failure was told again whenever its words differed: a message
    naming the pixel or a count gave one notification per draw."""
    from _napari_helpers import caught_notifications
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets import _plot
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    viewer = make_napari_viewer()
    (a,) = in_memory_scans(viewer, (0,))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is a)
    qtbot.waitUntil(lambda: dock.plot_is_current() and "mean" in dock.curves, timeout=20000)
    draws = iter(range(100))

    def broken(spec):
        raise ValueError(f"no room for the legend (draw {next(draws)})")

    monkeypatch.setattr(dock._plot, "render", broken)
    with caught_notifications() as seen:
        for elements in (["Fe"], ["Cu"], ["Zn"]):
            dock.set_checked_elements(elements)
            qtbot.waitUntil(lambda: not dock.canvas._asked, timeout=20000)
            _plot._relay()[1].submit(lambda: None).result()  # the drawing thread has failed it
            QApplication.processEvents()
    told = [str(n.message) for n in seen if "no room for the legend" in str(n.message)]
    assert len(told) == 1, told
