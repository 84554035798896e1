"""Review of the docks' session-54 commits (revW54): the reader's warnings told as napari
notifications (d560a4f8) leave napari's warning hook in place when a napari worker thread
starts or ends while a file is read."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from _napari_helpers import caught_notifications
from test_io_ripple import write_ripple


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _trailing_bytes_rpl(folder):
    """A small ripple scan whose .raw has 3 bytes more than its header says (a reader
    warning)."""
    folder.mkdir(exist_ok=True)
    arr = np.random.default_rng(0).integers(0, 500, size=(5, 4, 64)).astype(np.uint16)
    rpl = write_ripple(folder, arr)
    with open(rpl.with_suffix(".raw"), "ab") as fh:
        fh.write(b"\1\2\3")
    return rpl


@pytest.mark.parametrize("order", ["ends during the read", "starts during the read"])
def test_a_worker_starting_or_ending_while_a_file_is_read_leaves_napari_s_warnings_hook(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, order
):
    """d560a4f8 read every file under warnings.catch_warnings(record=True), which swaps the
    process's warnings state; every napari worker (a dock's job, the sum pass) runs under its
    own catch_warnings, in its thread. A worker that ended while a file was read had napari's
    hook replaced, once the read ended, by that worker's relay for the rest of the session; one
    that started during the read put back, as it ended, the read's list: every later warning
    went there, unseen (no notification, no line in the terminal). The reader's warning is
    still told once, and still reaches pytest.warns."""
    from napari.qt.threading import create_worker
    from napari.utils.notifications import notification_manager

    import xrf_napari._reader as reader

    rpl = _trailing_bytes_rpl(tmp_path)
    viewer = make_napari_viewer()
    real_layers = reader.cube_layers
    gate, started = threading.Event(), threading.Event()

    def held():
        started.set()
        assert gate.wait(30)

    worker = create_worker(held, _start_thread=False)

    def layers(cube):  # the worker starts, or ends, while the file is read
        if order == "ends during the read":
            gate.set()
            qtbot.waitUntil(lambda: not worker.is_running, timeout=10000)
        else:
            worker.start()
            assert started.wait(10)
        return real_layers(cube)

    monkeypatch.setattr(reader, "cube_layers", layers)
    after = f"a warning once the worker that {order} is done"
    with notification_manager, caught_notifications() as seen:  # napari.run's hook
        if order == "ends during the read":
            worker.start()
            assert started.wait(10)
        viewer.open(str(rpl), plugin="xrf-napari")
        gate.set()
        qtbot.waitUntil(lambda: not worker.is_running, timeout=10000)
        warnings.warn(after, UserWarning, stacklevel=1)
        monkeypatch.setattr(reader, "cube_layers", real_layers)
        other = _trailing_bytes_rpl(tmp_path / "other")  # another file read since: told once
        viewer.open(str(other), plugin="xrf-napari")
    told = [n.message for n in seen]
    for path in (rpl, other):
        said = [m for m in told if f"{path.with_suffix('.raw')}: header says" in m]
        assert len(said) == 1, told
    assert after in told, told
    viewer.layers.clear()
    with pytest.warns(UserWarning, match="3 trailing bytes"), caught_notifications() as seen:
        viewer.open(str(rpl), plugin="xrf-napari")  # no hook: told by the reader, and passed on
    assert len([n for n in seen if "3 trailing bytes are ignored" in n.message]) == 1


def test_a_share_short_of_the_whole_scan_is_not_100_percent(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """70529e5a made a region of a few painted pixels "under 1%", not "0%"; its mirror stayed:
    every pixel but one erased read "1 region, as edited on the layer ... 100% of the scan is in
    no region." beside the region left, and a region painted over all but one pixel "1: 100%"
    beside "2: under 1%"."""
    from _napari_helpers import H, W, stand_in_embed_dock, wait_idle

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    layer = embed.labels_layer
    rest = np.ones((H, W), bool)
    rest[H - 1, W - 1] = False
    layer.data_setitem(np.nonzero(rest), 1)  # region 2 keeps one pixel
    said = embed.summary.text()
    assert "Area per region: 1: over 99%, 2: under 1%" in said, said
    layer.data_setitem(np.nonzero(rest), 0)  # all erased but that pixel
    said = embed.summary.text()
    assert said.endswith("over 99% of the scan is in no region."), said
    assert "100%" not in said, said
