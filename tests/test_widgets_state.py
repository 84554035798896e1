"""State that belongs to one scan or one job: a scan's results never act on another scan's
layers, its curves come back with it, and its jobs (the element survey included) end with the
scan or the dock that runs them."""

import numpy as np
import pytest
from _napari_helpers import (
    OTHER_PIGMENTS,
    open_cube,
    tiny_weights,
    wait_idle,
    write_painted_cube,
)

from xrf_napari.widgets.maps import ElementMapsWidget
from xrf_napari.widgets.recolour import RecolourWidget


def _dock(viewer, cls):
    widget = cls(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def test_a_scan_never_takes_over_another_scans_maps(make_napari_viewer, qtbot, tmp_path):
    """Scan A is mapped and renamed by the user; scan B, opened from a file of A's old name,
    gets map layers of its own: A's keep their values and stay shown, and Save maps on A
    writes A's numbers (B's maps used to be written into A's layers)."""
    import tifffile

    viewer = make_napari_viewer()
    for sub in ("before", "after"):
        (tmp_path / sub).mkdir()
    a_layers = open_cube(viewer, write_painted_cube(tmp_path / "before" / "scan.h5"))
    maps = _dock(viewer, ElementMapsWidget)

    def fe_map():
        wait_idle(qtbot, maps.job)  # the survey
        maps.set_checked_elements(["Fe"])
        assert maps.run() is not None
        wait_idle(qtbot, maps.job)
        assert maps.job.last_error is None, maps.job.last_error
        return maps.map_layers["Fe"]

    fe_a = fe_map()
    values_a = np.array(fe_a.data)
    for ly in a_layers:
        ly.name = ly.name.replace("scan", "before cleaning")
    b_layers = open_cube(
        viewer, write_painted_cube(tmp_path / "after" / "scan.h5", pigments=OTHER_PIGMENTS)
    )
    maps.cube_combo.set_layer(b_layers[-1])
    fe_b = fe_map()
    assert fe_b is not fe_a and fe_a in viewer.layers and fe_a.visible
    np.testing.assert_array_equal(fe_a.data, values_a)
    assert fe_b.name != fe_a.name  # napari keeps layer names unique
    assert fe_map() is fe_b  # B's own layer is updated in place on a re-run
    maps.cube_combo.set_layer(a_layers[-1])
    saved = tifffile.imread(maps.save(tmp_path / "out")[0])
    np.testing.assert_allclose(saved, values_a)


def test_recolour_controls_act_on_the_chosen_scans_layer(make_napari_viewer, qtbot, tmp_path):
    """Opacity and Show used to move the last recoloured scan's layer whatever scan the dock
    showed, and a re-run reset the user's zoom."""
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    dve, uvit = tiny_weights(tmp_path)
    widget = _dock(viewer, RecolourWidget)
    widget.weights_edit.setText(str(uvit))
    widget.embedder_edit.setText(str(dve))
    widget.device.setCurrentText("cpu")

    def recolour(layer):
        widget.cube_combo.set_layer(layer)
        assert widget.run() is not None
        wait_idle(qtbot, widget.job, timeout=120000)
        assert widget.job.last_error is None, widget.job.last_error
        return widget.result_layer

    layer_a = recolour(first)
    beside = tuple(layer_a.translate)
    widget.cube_combo.set_layer(second)  # nothing recoloured yet
    assert widget.result_layer is None and not widget.opacity.isEnabled()
    widget.placement.setCurrentIndex(1)  # "Over the scan": nothing of A's moves
    assert tuple(layer_a.translate) == beside and layer_a.opacity == 1.0
    widget.placement.setCurrentIndex(0)
    layer_b = recolour(second)
    assert layer_b is not layer_a and widget.opacity.isEnabled()

    widget.cube_combo.set_layer(first)
    assert widget.result_layer is layer_a
    widget.opacity.setValue(40)
    assert layer_a.opacity == pytest.approx(0.4) and layer_b.opacity == 1.0
    layer_a.opacity = 0.7  # napari's own control of the chosen scan's layer
    assert widget.opacity.value() == 70
    layer_b.opacity = 0.2  # another scan's layer: the slider stays on A's
    assert widget.opacity.value() == 70
    widget.cube_combo.set_layer(second)
    assert widget.opacity.value() == 20

    viewer.camera.zoom *= 3  # the user zooms in on a detail; a re-run keeps the view
    zoom, center = viewer.camera.zoom, tuple(viewer.camera.center)
    assert recolour(second) is layer_b
    assert viewer.camera.zoom == pytest.approx(zoom)
    assert tuple(viewer.camera.center) == pytest.approx(center)
