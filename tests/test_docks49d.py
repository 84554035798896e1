"""The docks, session 49 (fourth pass): a status line's sentence about a result's layers goes
with the layers of its own scan, not with the same words said of another scan's layers; Pigments'
Find regions is off where Run is, on a scan the dock refuses."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


ADDED = "map(s) added"


def test_maps_status_goes_with_its_own_scans_maps(make_napari_viewer, qtbot, tmp_path):
    """Two scans given as many maps both said "3 map(s) added (net line counts per pixel).":
    deleting every map of scan A left A's line saying it, also once A was chosen again, since
    scan B's maps kept those words alive. Each scan's line now follows its own maps."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    _, a_sum = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    _, b_sum = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    maps = {}
    for scan in (a_sum, b_sum):
        dock.cube_combo.set_layer(scan)
        wait_idle(qtbot, dock.job)
        dock.set_checked_elements(["Pb", "As", "Hg"])
        assert dock.run() is not None
        wait_idle(qtbot, dock.job)
        assert dock.job.last_error is None, dock.job.last_error
        assert ADDED in dock.job.status.text()
        maps[scan.name] = list(dock.live_maps().values())
    assert len(maps[a_sum.name]) == len(maps[b_sum.name]) == 3
    dock.cube_combo.set_layer(a_sum)
    assert ADDED in dock.job.status.text()  # A's kept line
    for layer in maps[a_sum.name]:
        viewer.layers.remove(layer)
    assert ADDED not in dock.job.status.text(), dock.job.status.text()
    dock.cube_combo.set_layer(b_sum)
    assert ADDED in dock.job.status.text(), dock.job.status.text()  # B's maps are all there
    dock.cube_combo.set_layer(a_sum)
    assert ADDED not in dock.job.status.text(), dock.job.status.text()
    # and B's line goes with B's maps, deleted while A is shown
    for layer in maps[b_sum.name]:
        viewer.layers.remove(layer)
    dock.cube_combo.set_layer(b_sum)
    assert ADDED not in dock.job.status.text(), dock.job.status.text()


def test_find_regions_is_off_on_a_scan_pigments_refuses(make_napari_viewer, tmp_path):
    """Find regions stayed on, a photograph chosen, over a scan Pigments refuses (no energy
    calibration) while Run was off there: a click only said the refusal again. It follows
    Run's refusal, its tooltip saying why, and is on again on a scan that can be fitted."""
    from _napari_helpers import pigments_dock_with_photo
    from test_widgets_audit24 import _flat_uncalibrated_scan

    viewer = make_napari_viewer()
    _, painted = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    flat = open_cube(viewer, _flat_uncalibrated_scan(tmp_path))[-1]
    widget = pigments_dock_with_photo(viewer)
    widget.cube_combo.set_layer(painted)  # the photograph is painted's (it opens on flat, on top)
    widget.photo_combo.set_layer(viewer.layers["photo"])
    widget.cube_combo.set_layer(flat)
    widget.photo_combo.set_layer(viewer.add_image(np.zeros((16, 16, 3), np.uint8), rgb=True))
    assert widget.photo_combo.current_layer() is not None
    assert not widget.job.run_button.isEnabled()
    assert not widget.regions_button.isEnabled()
    assert "no energy calibration" in widget.regions_button.toolTip()
    widget.cube_combo.set_layer(painted)
    assert widget.job.refusal == ""  # Run waits for regions there, which Find regions makes
    assert widget.regions_button.isEnabled()
    assert "no energy calibration" not in widget.regions_button.toolTip()
