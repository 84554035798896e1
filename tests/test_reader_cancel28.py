"""A big scan's background sum pass stops when nothing waits for it any more (left open by
session 27): closing the sum layer, or the scan, while a 4 GB file was being read let the pass
read it to the end, holding the disk and a core for nothing."""

import threading
import time

import numpy as np
import pytest
from _napari_helpers import caught_notifications, open_cube, write_painted_cube
from qtpy.QtCore import QThreadPool

import xrf_napari._reader as reader
from xrf_napari.cube import Cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


PENDING_KEY = "xrf_sum_pending"


def _slow_blocks(monkeypatch, hold=None):
    """Cube.iter_blocks one row at a time, 50 ms each; given `hold` (a threading.Event), the rows
    after the first are read only once it is set. Returns the list of rows read."""
    read = []
    real = Cube.iter_blocks

    def slow(self, block_bytes=None):
        for sl, block in real(self, self.shape[1] * self.shape[2] * self.dtype.itemsize):
            if hold is not None and read:
                hold.wait(30)
            read.append(sl.start)
            time.sleep(0.05)
            yield sl, block

    monkeypatch.setattr(Cube, "iter_blocks", slow)
    return read


def test_closing_the_sum_layer_stops_its_pass(make_napari_viewer, tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    # the pass holds after its first row until the layer is gone: at load 10-14 it read 7 rows
    # of 50 ms before the remove below, and the test failed though the pass stopped
    removed = threading.Event()
    read = _slow_blocks(monkeypatch, hold=removed)
    viewer = make_napari_viewer()
    before = len(viewer.layers.events.removed.callbacks)
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))  # 24 rows
    (total,) = [ly for ly in viewer.layers if ly.metadata.get("kind") == "sum"]
    cube = total.metadata["xrf_cube"]
    assert PENDING_KEY in total.metadata
    qtbot.waitUntil(lambda: len(read) >= 1, timeout=10000)  # the pass is under way
    with caught_notifications() as seen:
        viewer.layers.remove(total)
        removed.set()
        # the pass has ended once no worker runs (await_workers would quit it: not a test)
        pool = QThreadPool.globalInstance()
        qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=9000)
        qtbot.wait(50)
    assert len(read) < 6, read  # stopped at its next block, not after all 24
    assert not cube.has_sum_image  # a partial pass leaves no sum behind
    assert seen == []  # stopping is not a failure
    assert [ly.name for ly in viewer.layers] == ["painted"]
    callbacks = viewer.layers.events.removed.callbacks
    # its watcher is gone; the energy readout's stays with the cube (_energy_readout)
    readout = [cb for cb in callbacks if "watch_energy" in getattr(cb, "__qualname__", "")]
    assert len(readout) == 1 and len(callbacks) - 1 == before


def test_closing_only_the_stack_lets_the_sum_finish(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    read = _slow_blocks(monkeypatch)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    (total,) = [ly for ly in viewer.layers if ly.metadata.get("kind") == "sum"]
    stack = next(ly for ly in viewer.layers if ly is not total)
    qtbot.waitUntil(lambda: len(read) >= 1, timeout=10000)
    viewer.layers.remove(stack)  # the sum layer still waits for its pass
    qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=20000)
    assert len(read) == 24 and total.name == "painted sum"
    assert np.any(total.data)
