"""The docks' Datacube pick-lists follow the user (walk audit 27, finding 9): a scan just opened is
chosen, and selecting a scan's layer in the layer list chooses it; a result layer that napari
selects as it adds it does not pull the docks back to its scan."""

import numpy as np
import pytest
from _napari_helpers import OTHER_PIGMENTS, open_cube, wait_idle, write_painted_cube

from xrf_napari.widgets._layers import layer_cube, upsert_layer
from xrf_napari.widgets.embed import EmbedClusterWidget
from xrf_napari.widgets.maps import ElementMapsWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _docks(viewer, qtbot):
    docks = [EmbedClusterWidget(viewer), ElementMapsWidget(viewer)]
    for w in docks:
        viewer.window.add_dock_widget(w)
    for w in docks:
        wait_idle(qtbot, w.job)
    return docks


def test_a_scan_opened_later_is_chosen_by_every_dock(make_napari_viewer, tmp_path, qtbot):
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "first.h5"))
    docks = _docks(viewer, qtbot)
    assert all(w.current_cube() is layer_cube(first[0]) for w in docks)
    second = open_cube(viewer, write_painted_cube(tmp_path / "second.h5", pigments=OTHER_PIGMENTS))
    for w in docks:
        wait_idle(qtbot, w.job)
        assert w.current_cube() is layer_cube(second[0])
        assert w.current_layer().ndim == 2  # its sum image, as the pick-list prefers
    assert docks[1].cube_combo.currentText() == "second"


def test_selecting_a_scan_layer_chooses_that_scan(make_napari_viewer, tmp_path, qtbot):
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "first.h5"))
    open_cube(viewer, write_painted_cube(tmp_path / "second.h5", pigments=OTHER_PIGMENTS))
    docks = _docks(viewer, qtbot)
    stack = next(ly for ly in first if ly.ndim == 3)
    viewer.layers.selection.active = stack  # its stack: the pick-list shows its sum
    for w in docks:
        assert w.current_cube() is layer_cube(stack)
        assert w.current_layer().ndim == 2


def test_a_result_layer_added_for_another_scan_does_not_switch_docks(
    make_napari_viewer, tmp_path, qtbot
):
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "first.h5"))
    second = open_cube(viewer, write_painted_cube(tmp_path / "second.h5", pigments=OTHER_PIGMENTS))
    docks = _docks(viewer, qtbot)
    cube = layer_cube(first[0])
    result = upsert_layer(
        viewer, "clusters [first]", np.ones(cube.shape[:2], np.uint8), "labels", cube=cube
    )
    viewer.layers.selection.active = result
    for w in docks:
        assert w.current_cube() is layer_cube(second[0])
