"""The reused napari viewer (tests/conftest.py: make_reused_napari_viewer) is checked between
tests, not assumed clean: a callback a test leaves on the viewer's events is named, and the
plugin's docks with their jobs and layers are taken out without leaving any."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import clean_viewer, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_the_check_names_a_callback_a_test_left_connected(
    make_napari_viewer, _reused_napari_viewer, qtbot
):
    viewer = make_napari_viewer()
    reused = _reused_napari_viewer

    def left_behind(event):
        pass

    viewer.add_image(np.zeros((4, 4), np.float32), name="x")
    viewer.layers.events.inserted.connect(left_behind)
    try:
        leaks = clean_viewer(viewer, qtbot, reused.baseline, reused.parts)
    finally:
        viewer.layers.events.inserted.disconnect(left_behind)
    where = "test_testtime57.test_the_check_names_a_callback_a_test_left_connected"
    assert leaks == [
        f"callbacks of viewer.layers.events.inserted: left ['{where}.<locals>.left_behind']"
    ]
    assert not viewer.layers and clean_viewer(viewer, qtbot, reused.baseline, reused.parts) == []


def test_docks_jobs_and_layers_are_taken_out_leaving_nothing(
    make_napari_viewer, _reused_napari_viewer, qtbot, tmp_path
):
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    reused = _reused_napari_viewer
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    docks = [SpectrumWidget(viewer), ElementMapsWidget(viewer)]
    for dock in docks:
        viewer.window.add_dock_widget(dock)
    undocked = SpectrumWidget(viewer)  # a dock the test never docked follows the viewer too
    for dock in [*docks, undocked]:
        wait_idle(qtbot, dock.job)  # the scan's reading and survey
    viewer.dims.ndisplay = 3
    assert undocked.cube_combo.current_cube() is not None
    assert clean_viewer(viewer, qtbot, reused.baseline, reused.parts) == []
    assert viewer.dims.ndisplay == 2 and not viewer.window._wrapped_dock_widgets


def test_a_status_a_test_sets_is_left_for_the_next_test_to_see(make_napari_viewer):
    """The first of a pair: the next test must not find this status (conftest resets it)."""
    viewer = make_napari_viewer()
    viewer.status = "left by test_a_status_a_test_sets"
    assert viewer.status == "left by test_a_status_a_test_sets"


def test_the_next_test_finds_the_first_status(make_napari_viewer, _reused_napari_viewer):
    viewer = make_napari_viewer()
    assert viewer.status == _reused_napari_viewer.status != "left by test_a_status_a_test_sets"
