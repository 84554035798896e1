"""The five docks as napari's Plugins menu opens them on a 1920 x 1080 screen (Spectrum above, the
four job docks as tabs of one place below it), and whether a control is shown whole there or
clipped by a scroll area's fold (issue 17 item 1)."""

from _napari_helpers import open_cube, wait_idle
from qtpy.QtCore import QPoint, QRect
from qtpy.QtWidgets import QApplication

DOCKS = ("Spectrum", "Elemental maps", "Embed & cluster", "Recolour", "Pigments")
SCREEN = (1920, 1080)


def settle(n=5):
    for _ in range(n):
        QApplication.processEvents()


def hidden_part(widget, top) -> str:
    """'' when `widget` is shown whole inside `top`, else which ancestor clips it (the scroll
    area's viewport: it is below the fold) and by how much."""
    rect = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        shown = (
            top.rect() if parent is top else QRect(parent.mapTo(top, QPoint(0, 0)), parent.size())
        )
        if not shown.contains(rect):
            return f"{type(parent).__name__} {shown.getCoords()} clips {rect.getCoords()}"
        if parent is top:
            return ""
        parent = parent.parentWidget()
    return "not inside the dock"


def five_docks(viewer, path, qtbot) -> dict:
    """{name: (QDockWidget, widget)}: the five docks as the Plugins menu opens them, napari's
    window at 1920 x 1080, once each dock is idle."""
    open_cube(viewer, path)
    window = viewer.window._qt_window
    window.resize(*SCREEN)
    settle(1)
    docks = {}
    for name in DOCKS:
        docks[name] = viewer.window.add_plugin_dock_widget("xrf-napari", name)
        settle()
    for _, widget in docks.values():
        wait_idle(qtbot, widget.job)
    assert window.height() <= SCREEN[1]
    return docks


def front(dock):
    """Bring a tabbed dock to the front; it must be docked (sharing the column with Spectrum)."""
    dock.raise_()
    settle()
    assert dock.height() < 500


def assert_in_view(dock, widgets, when):
    for w in widgets:
        text = w.text() if hasattr(w, "text") else type(w).__name__
        assert w.isVisible() and hidden_part(w, dock) == "", (when, text, hidden_part(w, dock))
