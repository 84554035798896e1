"""Session 68, helper postW68: a reading of the session's diff by file group (the Spectrum dock's
Calibrate from two peaks..., the readers and writers, the save rules) as napari runs it."""

import threading

import pytest
from _napari_helpers import held_job, open_cube, wait_idle, write_painted_cube

pytest.importorskip("xraylib")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_calibrating_refuses_a_job_of_a_dock_opened_from_the_plugins_menu(
    make_napari_viewer, qtbot, tmp_path
):
    """napari hands each plugin dock its own proxy of the viewer, so running_on's `dock.viewer
    is viewer` held only for docks made with the viewer itself (the tests'): from the Plugins
    menu, OK in Calibrate from two peaks still stopped Find regions running on the scan
    ("Stopped: the scan a.h5 was closed."). Fails on the parent: DID NOT RAISE."""
    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    _, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
    _, embed = viewer.window.add_plugin_dock_widget("xrf-napari", "Embed & cluster")
    assert spectrum.viewer is not embed.viewer  # napari's proxies: one per dock
    cube = embed.current_cube()
    gate = threading.Event()
    try:
        assert embed.start_job(held_job(gate), cube=cube, on_result=print, name="Find regions")
        with pytest.raises(ValueError, match="Find regions is running on a, and a new calibration"):
            spectrum.calibrate_from_peaks(100, "Ca Ka", 300, "Pb La", cube=cube)
        assert embed.job.is_running and "was closed" not in embed.job.status.text()
        assert all(layer_cube(ly) in (cube, None) for ly in viewer.layers)
    finally:
        gate.set()
    wait_idle(qtbot, embed.job)
