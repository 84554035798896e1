"""Docks, session 51 (fresh eyes): a dock opened with a layer of no scan selected shows the scan
on top, not the first; Find pigments is off until an image scan has regions."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    H,
    W,
    open_cube,
    stand_in_maps_job,
    wait_idle,
    write_painted_cube,
    write_spot,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_dock_opened_over_a_layer_of_no_scan_shows_the_scan_on_top(make_napari_viewer, tmp_path):
    """Open Sample > painting then > panel leaves "panel true colours" (no scan's) selected: a
    dock opened next showed "painting", the first scan, not the one just opened."""
    from xrf_napari.widgets._layers import CubeLayerCombo, layer_cube

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "first.h5"))
    second = open_cube(viewer, write_painted_cube(tmp_path / "second.h5", seed=1))
    viewer.add_image(np.zeros((H, W, 3), np.uint8), rgb=True, name="true colours")
    assert layer_cube(viewer.layers.selection.active) is None
    combo = CubeLayerCombo(viewer)
    assert combo.current_cube() is layer_cube(second[0])


def _pigments(viewer):
    from xrf_napari.widgets.pigments import PigmentsWidget

    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    return dock


def test_find_pigments_is_off_until_an_image_scan_has_regions(make_napari_viewer, tmp_path):
    """On an image scan with Regions "(draw or cluster regions first)" Find pigments was on, and
    a click only refused: it is off, its tooltip saying what to do, and on once regions exist;
    Find regions is not held back (it makes them)."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
    dock = _pigments(viewer)
    run = dock.job.run_button
    assert not run.isEnabled()
    assert "Labels layer" in run.toolTip() and f"({H} x {W})" in run.toolTip()
    assert dock.job.refusal == ""  # Find regions follows the refusal only
    labels = viewer.add_labels(np.ones((H, W), np.int32), name="my regions")  # drawn
    assert dock.labels_combo.current_layer() is labels
    assert run.isEnabled() and run.toolTip() == ""
    viewer.layers.remove(labels)
    assert not run.isEnabled()


def test_find_pigments_stays_on_for_a_spot_spectrum(make_napari_viewer, tmp_path):
    """A guard: a spot spectrum is one region, fitted whole with no Labels layer."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    dock = _pigments(viewer)
    assert dock.job.run_button.isEnabled(), dock.job.run_button.toolTip()


def test_candidate_paints_are_readable_in_a_docked_table(make_napari_viewer, qtbot, tmp_path):
    """At about 530 px of dock the Candidate paint box cut its text at its edge, the rest
    nowhere: the choice is elided in the middle (its probability kept) where it does not fit,
    whole in the box's tooltip, and the drop-down is as wide as its longest entry."""
    from test_widgets_walk27 import _pigments_on_stripes

    widget = _pigments_on_stripes(make_napari_viewer, qtbot, tmp_path, 530)
    qtbot.wait(50)
    for row in range(widget.table.rowCount()):
        combo = widget.table.cellWidget(row, 1)
        text = combo.currentText()
        assert text and text in combo.toolTip()
        widest = max(
            combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count())
        )
        assert combo.view().minimumWidth() >= widest
        shown = combo.shown_text()
        assert shown == text or "\u2026" in shown
    combo.resize(80, combo.height())
    start, end = combo.shown_text().split("\u2026")
    assert combo.currentText().startswith(start) and combo.currentText().endswith(end)


def test_recolour_alone_is_placed_wide_enough_for_its_form(make_napari_viewer, qtbot, tmp_path):
    """Opened alone at 1920 x 1080, Recolour was placed 410 px wide for a form of 438 px: it
    scrolled sideways, "(8\u00d7 slower" and the weights' "\u2026" buttons cut. The dock is widened
    to its form once napari has placed it."""
    from _dock_layout import SCREEN, hidden_part, settle

    viewer = make_napari_viewer(show=True)
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    viewer.window._qt_window.resize(*SCREEN)
    settle(1)
    dock, widget = viewer.window.add_plugin_dock_widget("xrf-napari", "Recolour")
    qtbot.waitUntil(lambda: widget._grouped, timeout=5000)
    settle()
    assert not widget.scroll.horizontalScrollBar().isVisible(), dock.width()
    buttons = [b for b in widget.body.findChildren(type(widget.job.run_button)) if b.text()]
    assert buttons and all(not hidden_part(b, dock) for b in buttons if b.isVisible())


def test_maps_bar_empties_with_the_line_when_every_map_is_deleted(
    make_napari_viewer, qtbot, monkeypatch
):
    """Every map of a scan deleted: the status line "2 map(s) added" cleared, but the bar stayed
    at 100 %, for no job; it empties with the line, shown and as kept for the scan."""
    from _spectra import CANONICAL_CAL

    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.cube import Cube
    from xrf_napari.layerkinds import CUBE_KEY

    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", ones)
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "uses_survey", False)  # no survey needed
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    viewer = make_napari_viewer()
    cubes = [Cube(np.ones((4, 3, 64), np.uint16), CANONICAL_CAL) for _ in range(2)]
    scans = [
        viewer.add_image(np.zeros((4, 3), np.float32), name=n, metadata={CUBE_KEY: c})
        for n, c in zip("ab", cubes)
    ]
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    maps = []
    for scan in scans:
        dock.cube_combo.set_layer(scan)
        dock.set_checked_elements(["Pb", "Fe"])
        assert dock.run() is not None, dock.job.status.text()
        wait_idle(qtbot, dock.job)
        assert "2 map(s) added" in dock.job.status.text()
        assert dock.job.progress.value() == dock.job.progress.maximum() > 0
        maps += dock.live_maps().values()
    for layer in maps:  # b's line shown, a's kept for it
        viewer.layers.remove(layer)
    assert dock.job.status.text() == "" and dock.job.progress.value() == 0
    dock.cube_combo.set_layer(scans[0])
    assert dock.job.status.text() == "" and dock.job.progress.value() == 0
