"""Session 67, a conservator's walk-through of the docs and docks (helper user67)."""

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _tabbed_out_of(table, qtbot) -> bool:
    """Whether Tab, pressed in the box of the table's last row, reaches a control after the
    table, as for a user working the dock from the keyboard."""
    from qtpy.QtCore import Qt
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    window = table.window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    last = table.cellWidget(table.rowCount() - 1, 1)
    last.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(last.hasFocus)
    QTest.keyClick(last, Qt.Key.Key_Tab)
    focus = QApplication.focusWidget()
    window.hide()
    return focus is not None and focus is not table and not table.isAncestorOf(focus)


def test_tab_leaves_the_maps_and_pigments_tables_for_their_buttons(make_napari_viewer, qtbot):
    """Keyboard-only use: Tab in the Elemental maps panel's element table went from cell to
    cell and from each row's line box back into the table, round its rows for ever (400
    presses never reached *Make maps*), and so did the Pigments table with its candidate boxes
    (*Find pigments* and *Export report…* unreachable after a fit). Tab now leaves each table
    after its rows' boxes; the arrow keys move between rows."""
    from qtpy.QtWidgets import QComboBox, QTableWidgetItem

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    maps = ElementMapsWidget(viewer)
    assert _tabbed_out_of(maps.table, qtbot)
    pigments = PigmentsWidget(viewer)
    table = pigments.table
    table.setRowCount(2)  # two fitted regions, each with its candidate box as a fit leaves it
    for row in range(2):
        table.setItem(row, 0, QTableWidgetItem(str(row + 1)))
        table.setCellWidget(row, 1, QComboBox())
    assert _tabbed_out_of(table, qtbot)
