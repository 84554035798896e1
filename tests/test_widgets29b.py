"""Issue 17 item 1 in the docked layout of 1920 x 1080 with all five docks open (the tab of each
job dock is about 430 px tall, its scrolling body about 400 px): Elemental maps' Save maps... sat
at 501-527 px below a 429 px fold before any run, Pigments' Export report... at 618-644 px, and
Embed & cluster's Save at 433-459 px after a run whose notes said the scan was pooled and unlike
the training data. Their Run rows and Save buttons are pinned below the body now (pin_below), and
a run scrolls the body to what it added (the notes, the table)."""

import numpy as np
import pytest
from _dock_layout import assert_in_view, five_docks, front, hidden_part, settle
from _napari_helpers import (
    painted_counts,
    tiny_weights,
    wait_idle,
    write_painted_cube,
)
from _spectra import CANONICAL_CAL


def test_maps_run_row_and_save_in_view_at_1080p(make_napari_viewer, tmp_path, qtbot):
    """Save maps... was below the fold of the docked tab before any run (501-527 px in a view
    ending at 429 px), under the element table that keeps six rows in view."""
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, write_painted_cube(tmp_path / "painted.h5"), qtbot)
    dock, maps = docks["Elemental maps"]
    front(dock)
    panel = maps.job
    buttons = (panel.run_button, panel.cancel_button, panel.status, maps.save_button)
    assert_in_view(dock, buttons, "before a run")
    row = maps.table.verticalHeader().defaultSectionSize()
    assert maps.table.height() >= 6 * row  # the table still shows six elements
    maps.set_checked_elements(["Pb", "Hg", "Fe", "Cu", "Ca", "S"])
    assert maps.run() is not None
    assert_in_view(dock, (panel.cancel_button, panel.progress), "while it runs")
    wait_idle(qtbot, panel, 60000)
    assert panel.last_error is None, panel.last_error
    settle()
    assert maps.save_button.isEnabled()
    assert_in_view(dock, buttons, "after a run")
    assert maps.notes_label.text()  # S fitted beside Hg and Pb M: scrolled into view
    qtbot.waitUntil(lambda: hidden_part(maps.notes_label, dock) == "", timeout=2000)
    assert_in_view(dock, (maps.notes_label,), "after a run")


def test_pigments_action_row_in_view_and_the_table_after_a_fit(make_napari_viewer, tmp_path, qtbot):
    """Find pigments was at the fold and Export report... below it (618-644 px in a view ending
    at 429 px); the table may scroll in the body, and a fit brings it into view."""
    pytest.importorskip("xraylib")
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, write_painted_cube(tmp_path / "painted.h5"), qtbot)
    dock, pig = docks["Pigments"]
    viewer.add_labels(painted_counts()[1], name="regions")
    front(dock)
    panel = pig.job
    buttons = (panel.run_button, panel.status, pig.suggested_button, pig.export_button)
    assert_in_view(dock, buttons, "before a fit")
    pig.labels_combo.set_layer(viewer.layers["regions"])
    pig.device.setCurrentText("cpu")
    assert pig.run() is not None
    wait_idle(qtbot, panel, 300000)
    assert panel.last_error is None, panel.last_error
    settle()
    assert pig.table.rowCount() == 4 and pig.export_button.isEnabled()
    assert_in_view(dock, buttons, "after a fit")
    # the fit's line and the table are scrolled into view above the pinned row
    qtbot.waitUntil(lambda: hidden_part(pig.table, dock) == "", timeout=2000)
    assert_in_view(dock, (pig.info, pig.table), "after a fit")


def test_embed_run_and_save_in_view_after_a_run_with_notes(make_napari_viewer, tmp_path, qtbot):
    """A run on a scan with few counts per pixel (pooled) and an instrument unlike the training
    data: the summary and the warning took eleven lines and pushed Save below the fold (433-459
    px in a view ending at 429 px)."""
    from xrf_napari.io.project_h5 import write_cube

    counts = (painted_counts()[0] // 100).astype(np.uint16)  # about 70 counts per pixel
    path = tmp_path / "faint.h5"
    profile = {"anode": "Mo", "fwhm_mn_ev": 250.0}  # neither is in the training data
    write_cube(path, counts, CANONICAL_CAL, metadata={"name": "faint", "profile": profile})
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, path, qtbot)
    dock, embed = docks["Embed & cluster"]
    front(dock)
    panel = embed.job
    buttons = (panel.run_button, panel.status, embed.save_button)
    assert_in_view(dock, buttons, "before a run")
    embed.weights_edit.setText(str(tiny_weights(tmp_path)[0]))
    embed.device.setCurrentText("cpu")
    embed.k_spin.setValue(12)
    assert embed.run() is not None
    wait_idle(qtbot, panel, 60000)
    assert panel.last_error is None, panel.last_error
    settle()
    notes = (embed.summary, embed.ood_label)
    assert "pooled" in embed.summary.text() and "tube anode Mo" in embed.ood_label.text()
    line = embed.summary.fontMetrics().lineSpacing()
    assert sum(n.height() for n in notes) >= 8 * line  # the notes that pushed Save down
    assert embed.save_button.isEnabled()
    assert_in_view(dock, buttons, "after a run")
    qtbot.waitUntil(lambda: hidden_part(embed.ood_label, dock) == "", timeout=2000)
    assert_in_view(dock, notes, "after a run")  # scrolled to them, not under the fold
