"""The warm worker of io.isolate (call_in_child's `reuse`, which io.hdf5.first_look asks for):
every HDF5 file's first look started a new interpreter and imported numpy and h5py there, about
0.45 s of CPU and 1-2 s at the load of a busy machine, for a look of 0.01 s. The looks now go to
one interpreter kept between them; one that runs past its time or crashes is killed and replaced,
and a call made while it serves another thread's gets a child of its own. Each test fails on the
parent: call_in_child took no `reuse`."""

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from xrf_napari.io import CubeReadError, hdf5, isolate  # noqa: E402

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


def _in_worker(func, *args, timeout: float = 30):
    return isolate.call_in_child(func, args, "scan.h5", "the look", timeout, reuse=True)


def test_a_second_look_reuses_the_worker(tmp_path):
    """Two files' first looks, and a call after them, run in the one worker (its pid), not in
    the test's process; closing the worker's stdin (as at exit, _close_worker) ends it."""
    from xrf_napari.io import hdf5_looked

    paths = []
    for name in ("a.h5", "b.h5"):
        with h5py.File(tmp_path / name, "w") as f:
            f["datacube"] = np.ones((2, 3, 64), np.uint16)
        paths.append(tmp_path / name)
    hdf5_looked.LOOKED.clear()
    assert hdf5.first_look(paths[0]) is not None
    worker = isolate._WORKER
    assert worker is not None and worker.calls >= 1
    calls = worker.calls
    assert hdf5.first_look(paths[1]) is not None
    assert isolate._WORKER is worker and worker.calls == calls + 1
    pid = _in_worker(os.getpid)
    assert pid == worker.proc.pid != os.getpid()
    isolate._close_worker()
    assert isolate._WORKER is None
    # it ended on its own as its stdin closed, with the status of its idle end
    assert worker.proc.returncode == isolate.WORKER_IDLE_EXIT


@pytest.mark.parametrize(
    ("func", "args", "said"),
    [
        (time.sleep, (60,), "the look did not finish within 0.5 s: stopped"),
        (os.abort, (), "the look crashed (killed by signal SIGABRT)"),
    ],
    ids=["hangs", "crashes"],
)
def test_a_look_that_hangs_or_crashes_ends_its_worker_and_the_next_gets_a_new_one(func, args, said):
    """The worker stuck on a file (libhdf5 looping) is killed at the time limit, one that
    crashes is reported as the one-shot child was: the file is refused either way, the worker
    is gone, and the next look is answered by a new one."""
    first = _in_worker(os.getpid)
    old = isolate._WORKER
    with pytest.raises(CubeReadError, match="the look ") as err:
        _in_worker(func, *args, timeout=0.5 if func is time.sleep else 30)
    assert said in str(err.value), str(err.value)
    assert old.proc.returncode is not None, "the failed worker still runs"
    second = _in_worker(os.getpid)
    assert second != first and second == isolate._WORKER.proc.pid


def test_a_look_while_the_worker_is_busy_is_not_kept_waiting(tmp_path):
    """Thread A's look holds the worker (it reads a FIFO that nothing writes yet); a look asked
    meanwhile runs in a child of its own and finishes while A's is still under way; then A's
    finishes too, in the worker."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _in_worker(os.getpid)  # warm
    worker = isolate._WORKER
    got = {}

    def look_a():
        got["a"] = _in_worker(Path.read_bytes, fifo)

    a = threading.Thread(target=look_a, daemon=True)
    a.start()
    deadline = time.monotonic() + 20
    while True:  # the worker has opened the FIFO: A's look is in it
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            assert time.monotonic() < deadline, "A's look never reached the worker"
            time.sleep(0.01)
    try:
        b = threading.Thread(target=lambda: got.setdefault("b", _in_worker(os.getpid)))
        b.start()
        b.join(20)
        assert not b.is_alive(), "B's look waited behind A's"
        assert got["b"] not in (worker.proc.pid, os.getpid())
        assert "a" not in got
    finally:
        os.write(fd, b"done")
        os.close(fd)
        a.join(20)
    assert got["a"] == b"done"
    assert isolate._WORKER is worker and _in_worker(os.getpid) == worker.proc.pid
