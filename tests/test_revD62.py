"""Session 62's review of the docks (helper revD62): a layer a dock keeps by a weak reference is
the layer behind napari's public-only proxy, not the proxy (docked from the Plugins menu)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")

from _napari_helpers import H, W, in_memory_scans, quick_survey, wait_idle  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_regions_found_while_another_scan_was_shown_are_chosen_from_the_plugins_menu(
    make_napari_viewer, qtbot, monkeypatch
):
    """Find regions ending while another scan is shown keeps its regions layer for the scan
    (remember_weakly), chosen as it is shown again. Docked from the Plugins menu, the layer was
    the PublicOnlyProxy viewer.add_labels returned, whose weak reference was dead at once: back
    on the scan, the Regions box stayed on the layer chosen before ("mine"), not the new one."""
    from xrf_napari.widgets._layers import layer_cube

    quick_survey(monkeypatch, {"scan0": ["Fe", "Pb"], "scan1": ["Fe", "Pb"]})
    viewer = make_napari_viewer()
    a, b = in_memory_scans(viewer, (0, 1))
    photo = np.zeros((H, W, 3), np.float32)
    photo[: H // 2] = (0.9, 0.9, 0.85)
    photo[H // 2 :] = (0.7, 0.1, 0.1)
    viewer.add_image(photo, rgb=True, name="photo")
    viewer.add_labels(np.ones((H, W), np.int32), name="mine")
    _, dock = viewer.window.add_plugin_dock_widget("xrf-napari", "Pigments")
    assert type(dock.viewer).__name__ == "PublicOnlyProxy"  # what the test is about
    layer_of = {id(layer_cube(ly)): ly for ly in viewer.layers if layer_cube(ly) is not None}
    dock.cube_combo.set_layer(layer_of[id(a)])
    dock.photo_combo.set_layer(viewer.layers["photo"])
    dock.labels_combo.set_layer(viewer.layers["mine"])
    dock.k_spin.setValue(2)
    assert dock.find_regions() is not None
    dock.cube_combo.set_layer(layer_of[id(b)])  # another scan shown as the regions land
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None, dock.job.last_error
    dock.cube_combo.set_layer(layer_of[id(a)])
    chosen = dock.labels_combo.current_layer()
    assert chosen is not None and chosen.name.startswith("regions (lines + photograph)"), (
        None if chosen is None else chosen.name
    )
