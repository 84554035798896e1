"""The docks, session 49 (fourth pass): a status line's sentence about a result's layers goes
with the layers of its own scan, not with the same words said of another scan's layers."""

from __future__ import annotations

from _napari_helpers import open_cube, wait_idle, write_painted_cube

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
