"""Session 67, a conservator's walk-through of the docs and docks (helper user67)."""

import pytest
from qtpy.QtCore import Qt


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _tabbed_out_of(table, qtbot) -> bool:
    """Whether Tab, pressed in the box of the table's last row, reaches a control after the
    table, as for a user working the dock from the keyboard."""
    from _napari_helpers import show_active
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    window = show_active(qtbot, table)
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


def test_tab_goes_from_the_pigments_table_through_each_region_s_candidate_box(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Keyboard-only use, after a fit: the table's candidate boxes are made with the table's
    rows, after the dock's buttons, so Tab (the table no longer Tabs from cell to cell) reached
    them only after every other control of the napari window. Tab from the table now goes
    through each region's box in row order, then on to Find pigments."""
    from _napari_helpers import (
        open_cube,
        painted_counts,
        show_active,
        wait_idle,
        write_painted_cube,
    )
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication
    from test_gui51 import _two_paints_per_region  # a stand-in fit: two candidates a region

    from xrf_napari.analysis import pigment_fit
    from xrf_napari.widgets.pigments import PigmentsWidget

    monkeypatch.setattr(pigment_fit, "iter_fit_regions", _two_paints_per_region)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    regions = viewer.add_labels(painted_counts()[1].astype("int32"), name="regions")
    dock = PigmentsWidget(viewer)
    dock.use_uvit.setChecked(False)
    dock.labels_combo.set_layer(regions)
    show_active(qtbot, dock)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    table = dock.table
    table.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(table.hasFocus)
    reached = []
    for _ in range(table.rowCount() + 1):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    dock.hide()
    boxes = [table.cellWidget(row, 1) for row in range(table.rowCount())]
    assert len(boxes) > 1
    assert reached == [*boxes, dock.job.run_button]
