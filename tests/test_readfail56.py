"""A scan whose file a pass failed reading (io.read_failed): every dock whose Run reads the file
says so, naming the file, with Run off."""

import pytest

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_the_docks_refuse_a_scan_whose_file_failed_reading_saying_so(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """An uncalibrated scan whose calibration pass met a NaN block: Pigments said "no energy
    calibration ... open the file with one", and Elemental maps, Recolour and Embed & cluster
    kept Run on (a click ran on channel numbers or read the broken file again)."""
    from _napari_helpers import caught_notifications, wait_idle
    from test_hub34 import _nan_past_the_opening_sample
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.io import read_failed
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    path = _nan_past_the_opening_sample(tmp_path)
    with caught_notifications():
        viewer, maps, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, ElementMapsWidget, path
        )
        docks = [maps]
        for cls in (PigmentsWidget, RecolourWidget):  # open as the pass reads the file
            docks.append(cls(viewer))
            viewer.window.add_dock_widget(docks[-1])
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        docks.append(EmbedClusterWidget(viewer))  # opened after it failed
        viewer.window.add_dock_widget(docks[-1])
        for dock in docks:
            wait_idle(qtbot, dock.job)
    cube = layer_cube(stack)
    assert read_failed(cube)
    for dock in docks:
        assert dock.current_cube() is cube
        line, tip = dock.job.status.text(), dock.job.run_button.toolTip()
        assert "reading the file failed" in line and "nanny.rpl" in line, (type(dock), line)
        assert "energy calibration" not in line, line
        assert not dock.job.run_button.isEnabled() and tip == dock.scan_refusal(cube), tip
