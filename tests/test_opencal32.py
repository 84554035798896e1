"""A large file without an energy calibration opens at once (session 32): its automatic
calibration's pass (2.8 s for a 488 MiB Bruker .rpl/.raw under load) ran inside napari's reader,
on the GUI thread. Now the cube opens on a channel axis with a placeholder sum, a worker makes the
pass, and its delivery puts the calibrated Cube in both layers, turns the slider to keV, tells the
user, and the docks that showed the uncalibrated Cube follow the calibrated one."""

import threading

import numpy as np
import pytest
from _napari_helpers import (
    OTHER_PIGMENTS,
    caught_notifications,
    open_cube,
    painted_counts,
    wait_idle,
    write_painted_cube,
)

import xrf_napari._reader as reader
from xrf_napari.io import read_cube
from xrf_napari.widgets._layers import layer_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


PENDING_KEY = "xrf_sum_pending"


def _write_ripple(folder, name: str, counts) -> str:
    """A Bruker-style .rpl/.raw pair with no calibration keys."""
    h, w, n = counts.shape
    counts.astype("<u2").tofile(folder / f"{name}.raw")
    rpl = folder / f"{name}.rpl"
    rpl.write_text(
        f"width {w}\nheight {h}\ndepth {n}\noffset 0\ndata-length 2\ndata-type unsigned\n"
        "byte-order little-endian\nrecord-by vector\n",
        encoding="utf-8",
    )
    return str(rpl)


def _painted_uncalibrated(folder) -> str:
    return _write_ripple(folder, "painted", painted_counts()[0])


def _layers(viewer):
    stack = next(ly for ly in viewer.layers if ly.ndim == 3)
    total = next(ly for ly in viewer.layers if ly.metadata.get("kind") == "sum")
    return stack, total


def test_a_large_uncalibrated_cube_opens_at_once_and_its_calibration_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    path = _painted_uncalibrated(tmp_path)
    gated_pass.set()
    expected = read_cube(path)  # the synchronous calibration, for comparison
    assert expected.calibration.source == "auto"
    small = make_napari_viewer()  # today's synchronous open of a small cube
    open_cube(small, path)
    sync_stack, sync_total = _layers(small)
    gated_pass.clear()
    gated_pass.calls.clear()

    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # this small cube counts as large
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        open_cube(viewer, path)
        stack, total = _layers(viewer)
        # opened while the pass waits: channel axis, placeholder, both layers waiting
        assert stack.axis_labels[0] == "channel" and stack.scale[0] == 1.0
        old = layer_cube(stack)
        assert old.calibration.source == "none" and layer_cube(total) is old
        assert stack.metadata[PENDING_KEY] == total.metadata[PENDING_KEY]
        assert total.name.endswith("(computing\u2026)") and not np.any(total.data)
        qtbot.waitUntil(lambda: bool(gated_pass.calls), timeout=5000)
        assert gated_pass.calls[0] is not threading.main_thread()
        assert seen == []
        viewer.dims.set_current_step(0, 200)  # the slider on channel 200

        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    cube = layer_cube(stack)
    assert cube is not old and layer_cube(total) is cube
    assert cube.calibration == expected.calibration and cube.path == old.path
    assert cube.metadata["auto_calibration"] == expected.metadata["auto_calibration"]
    assert stack.metadata["calibration"] == expected.calibration.to_dict()
    np.testing.assert_allclose(stack.metadata["energy"], expected.energy)
    assert stack.axis_labels == sync_stack.axis_labels == ("energy", "y", "x")
    assert stack.units == sync_stack.units
    np.testing.assert_allclose(stack.scale, sync_stack.scale)
    np.testing.assert_allclose(stack.translate, sync_stack.translate)
    assert stack.contrast_limits == sync_stack.contrast_limits
    assert stack.world_to_data(viewer.dims.point)[0] == pytest.approx(200, abs=0.5)  # kept
    assert total.name == "painted sum" and PENDING_KEY not in total.metadata
    np.testing.assert_allclose(total.data, painted_counts()[0].sum(axis=2))
    assert total.contrast_limits == sync_total.contrast_limits
    (note,) = seen
    assert str(tmp_path / "painted.rpl") in note.message and "Rh" in note.message
    assert "keV" in note.message


def test_a_refused_calibration_is_told_and_the_axis_stays_channels(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    noise = np.random.default_rng(0).poisson(3, size=(12, 10, 256))
    path = _write_ripple(tmp_path, "noise", noise)
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        open_cube(viewer, path)
        stack, total = _layers(viewer)
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert stack.axis_labels[0] == "channel"
    assert stack.metadata["auto_calibration"].startswith("failed:")
    assert layer_cube(stack).calibration.source == "none"
    assert total.name == "noise sum" and np.any(total.data)
    (note,) = seen
    assert "noise.rpl" in note.message and "failed" in note.message
    assert "channel numbers" in note.message


def test_the_calibration_goes_on_when_only_the_sum_layer_is_closed(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    open_cube(viewer, _painted_uncalibrated(tmp_path))
    stack, total = _layers(viewer)
    assert stack.axis_labels[0] == "channel" and PENDING_KEY in stack.metadata  # waiting
    viewer.layers.remove(total)
    qtbot.wait(50)
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert layer_cube(stack).calibration.source == "auto"
    assert stack.axis_labels[0] == "energy"


def _dock_then_uncalibrated(make_napari_viewer, tmp_path, monkeypatch, dock_class, path=None):
    """(viewer, dock, stack layer): a dock open, then `path` (default: the painted scan) without
    calibration opened as a large one (its calibration left to the pass)."""
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    dock = dock_class(viewer)
    viewer.window.add_dock_widget(dock)
    open_cube(viewer, path or _painted_uncalibrated(tmp_path))
    return viewer, dock, _layers(viewer)[0]


def test_a_dock_open_before_the_calibration_follows_it(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget
    )
    old = layer_cube(stack)
    assert dock.current_cube() is old
    assert "fitting one from the scan's peaks" in dock.calibration_label.text()
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    cube = layer_cube(stack)
    assert dock.current_cube() is cube and dock._cube is cube
    assert "calibration: auto" in dock.calibration_label.text()
    assert dock._x_label.startswith("Energy")
    wait_idle(qtbot, dock.job)
    qtbot.waitUntil(lambda: "Fe" in dock.suggested_label.text(), timeout=20000)


def test_a_dock_on_another_scan_stays_there_when_the_calibration_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, ElementMapsWidget
    )
    assert PENDING_KEY in stack.metadata  # its calibration waits for the pass
    gated_pass.set()  # the second scan's own sum pass is not held either
    other = open_cube(viewer, write_painted_cube(tmp_path / "other.h5", pigments=OTHER_PIGMENTS))
    assert dock.current_cube() is layer_cube(other[0])
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert layer_cube(stack).calibration.source == "auto"
    assert dock.current_cube() is layer_cube(other[0])
    viewer.add_image(np.zeros((4, 4)), name="unrelated")  # a later refresh does not jump either
    assert dock.current_cube() is layer_cube(other[0])
    assert dock.cube_combo.count() == 2


def test_small_cubes_and_scripts_are_calibrated_on_open(make_napari_viewer, tmp_path):
    """Below ASYNC_SUM_BYTES, or without a viewer, the calibration is made in the open itself."""
    path = _painted_uncalibrated(tmp_path)
    stack, total = reader.read_layers(path)  # no viewer: a script
    assert stack[1]["axis_labels"][0] == "energy" and PENDING_KEY not in total[1]["metadata"]
    assert stack[1]["metadata"]["xrf_cube"].calibration.source == "auto"
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    stack, total = _layers(viewer)
    assert stack.axis_labels[0] == "energy" and PENDING_KEY not in stack.metadata
    assert layer_cube(stack).calibration.source == "auto" and total.name == "painted sum"
