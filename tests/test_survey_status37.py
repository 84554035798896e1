"""The element survey's end is said as such, not as the dock's own "Done."."""

import pytest

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_finished_survey_says_it_surveyed_not_done(make_napari_viewer, tmp_path, qtbot):
    """Opening a scan with Elemental maps docked ran its element survey in the dock's job panel,
    which then said "Done." though no map had been made (session 36's notes)."""
    from _napari_helpers import open_cube, wait_idle, write_painted_cube

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    layer = open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))[0]
    dock.cube_combo.set_layer(layer)
    cube = layer_cube(layer)
    qtbot.waitUntil(lambda: SURVEYS.get(cube) is not None, timeout=30000)
    wait_idle(qtbot, dock.job)
    n = len(SURVEYS.get(cube)[1])
    said = dock.job.status.text()
    assert said == f"Scan surveyed: {n} element{'s' * (n != 1)} suggested.", said
    assert not [ly for ly in viewer.layers if "map" in ly.name.lower()]
