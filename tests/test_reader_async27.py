"""Opening a large cube does not freeze napari: the reader returns the sum layer at once as a
placeholder and a worker thread fills it in (on the GUI thread) when its pass ends. Small cubes,
scripts without a viewer and readers run off the GUI thread keep the synchronous sum."""

import threading
import time

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    gated_method,
    open_cube,
    painted_counts,
    write_painted_cube,
)

import xrf_napari._reader as reader
from xrf_napari.cube import Cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


PENDING = "painted sum (computing\u2026)"
PENDING_KEY = "xrf_sum_pending"  # the sum layer's metadata: token of the pass still running


def _expected_sum():
    counts, _ = painted_counts()
    return counts.sum(axis=2, dtype=np.float64)


@pytest.fixture
def gated_sum(monkeypatch):
    """Cube.sum_image waits for the returned Event, so a test sees the layers while the sum is
    still being computed."""
    with gated_method(monkeypatch, Cube, "sum_image") as gate:
        yield gate


@pytest.fixture
def deliveries(monkeypatch):
    """The threads _deliver_sum ran on, one entry per delivered result."""
    seen = []
    real = getattr(reader, "_deliver_sum", None)

    def spy(*args):
        seen.append(threading.current_thread())
        return real(*args)

    monkeypatch.setattr(reader, "_deliver_sum", spy, raising=False)
    return seen


def _sum_layer(viewer):
    (layer,) = [ly for ly in viewer.layers if ly.metadata.get("kind") == "sum"]
    return layer


def test_small_cube_opens_with_its_sum(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    layer = _sum_layer(viewer)
    assert layer.name == "painted sum"
    assert PENDING_KEY not in layer.metadata
    total = _expected_sum()
    np.testing.assert_allclose(layer.data, total)
    limits = [np.percentile(total, 1), np.percentile(total, 99.5)]
    np.testing.assert_allclose(layer.contrast_limits, limits)
    assert layer.contrast_limits[1] > layer.contrast_limits[0] > 0


def test_large_cube_opens_at_once_and_its_sum_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_sum, deliveries
):
    path = write_painted_cube(tmp_path / "painted.h5")
    small = make_napari_viewer()  # today's synchronous open, for comparison
    gated_sum.set()
    open_cube(small, path)
    sync = _sum_layer(small)
    gated_sum.clear()
    gated_sum.calls.clear()

    # this small cube counts as large (raising=False: the old reader had no threshold)
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0, raising=False)
    viewer = make_napari_viewer()
    t0 = time.perf_counter()
    open_cube(viewer, path)
    opened_in = time.perf_counter() - t0
    layer = _sum_layer(viewer)
    # the open returned while the sum pass waits: placeholder, pending name and token
    assert layer.name == PENDING
    assert not gated_sum.is_set() and opened_in < 8
    cube = layer.metadata["xrf_cube"]
    assert [ly.metadata["xrf_cube"] for ly in viewer.layers] == [cube, cube]
    token = layer.metadata[PENDING_KEY]
    assert isinstance(token, str) and len(token) >= 16
    assert layer.data.shape == sync.data.shape and not np.any(layer.data)
    qtbot.waitUntil(lambda: bool(gated_sum.calls), timeout=5000)
    assert gated_sum.calls[0] is not threading.main_thread()  # the pass runs off the GUI thread

    gated_sum.set()
    qtbot.waitUntil(lambda: layer.name == "painted sum", timeout=10000)
    np.testing.assert_array_equal(layer.data, sync.data)
    np.testing.assert_allclose(layer.data, _expected_sum())
    assert layer.contrast_limits == sync.contrast_limits
    assert layer.contrast_limits_range == sync.contrast_limits_range
    assert PENDING_KEY not in layer.metadata
    assert deliveries == [threading.main_thread()]  # the layer was changed on the GUI thread
    assert sync.name == "painted sum" and len(small.layers) == 2  # the other viewer untouched


def test_a_renamed_pending_layer_keeps_its_name(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_sum, deliveries
):
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0, raising=False)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    layer = _sum_layer(viewer)
    layer.name = "overview"
    gated_sum.set()
    qtbot.waitUntil(lambda: bool(deliveries), timeout=10000)
    assert layer.name == "overview"
    np.testing.assert_allclose(layer.data, _expected_sum())


def test_sum_layer_deleted_before_its_sum_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_sum, deliveries
):
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0, raising=False)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    before = len(viewer.layers.events.removed.callbacks)
    viewer.layers.remove(_sum_layer(viewer))
    with caught_notifications() as seen:
        gated_sum.set()
        # the pass stops unread (session 28) and delivers nothing; its watcher goes with it
        qtbot.waitUntil(lambda: len(viewer.layers.events.removed.callbacks) < before, timeout=10000)
        qtbot.wait(50)
    assert deliveries == []
    assert seen == []
    assert [ly.name for ly in viewer.layers] == ["painted"]
    assert not any(PENDING_KEY in ly.metadata for ly in viewer.layers)


def test_a_failed_sum_is_a_notification_naming_the_file(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, deliveries
):
    def broken(self, *args, **kwargs):
        raise OSError("Input/output error reading block 3")

    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0, raising=False)
    monkeypatch.setattr(Cube, "sum_image", broken)
    path = write_painted_cube(tmp_path / "painted.h5")
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        open_cube(viewer, path)  # does not raise: the pass has not run yet
        qtbot.waitUntil(lambda: bool(deliveries and seen), timeout=10000)
    (note,) = seen
    assert str(path) in note.message and "Input/output error" in note.message
    assert "sum image" in note.message
    layer = _sum_layer(viewer)
    assert layer.name == "painted sum (failed)" and not np.any(layer.data)
    assert PENDING_KEY not in layer.metadata
    assert len(viewer.layers) == 2  # the cube itself stays open


def test_without_a_viewer_the_sum_is_computed_where_it_is_asked(
    make_napari_viewer, tmp_path, monkeypatch
):
    """read_layers from a script (no viewer), or off the GUI thread: the real sum, at once."""
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0, raising=False)
    path = write_painted_cube(tmp_path / "painted.h5")
    _, (total, meta, _) = reader.read_layers(str(path))  # the viewers of earlier tests are closed
    assert meta["name"] == "painted sum" and PENDING_KEY not in meta["metadata"]
    np.testing.assert_allclose(total, _expected_sum())

    make_napari_viewer()  # a viewer is open, but the reader runs in another thread
    out = {}
    worker = threading.Thread(target=lambda: out.update(layers=reader.read_layers(str(path))))
    worker.start()
    worker.join(30)
    _, (total, meta, _) = out["layers"]
    assert meta["name"] == "painted sum" and PENDING_KEY not in meta["metadata"]
    np.testing.assert_allclose(total, _expected_sum())
