"""Review of io.isolate's warm worker (065f7ede, call_in_child's `reuse`, which every HDF5 file's
first look asks for): it takes the working folder once, at its start, and a child forked while a
thread writes to it must not hang. Each test fails on 065f7ede; the last, a zarr store whose
refusal never came (cb7f16ab), fails on its parent."""

import fcntl
import os
import signal
import struct
import termios
import threading
import time

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from xrf_napari.io import hdf5, isolate  # noqa: E402

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


def test_a_relative_path_after_a_chdir_is_looked_at_in_the_new_folder(tmp_path, monkeypatch):
    """Two folders each hold a scan.h5 of another layout: looked at by the relative name after a
    chdir into each, the second's look read the first folder's file (the worker's folder was the
    one it started in), so its layout ('maps/a') was handed to the read of the other file, which
    failed in "KeyError: Unable to synchronously open object (component not found)"."""
    from xrf_napari.io import hdf5_looked

    for sub, name in (("one", "maps/a"), ("two", "other/b")):
        (tmp_path / sub).mkdir()
        with h5py.File(tmp_path / sub / "scan.h5", "w") as f:
            f[name] = np.ones((2, 3, 64), np.uint16)
    hdf5_looked.LOOKED.clear()
    found = []
    for sub in ("one", "two"):
        monkeypatch.chdir(tmp_path / sub)
        found.append(hdf5.HANDED.get(hdf5.first_look("scan.h5")))
    assert found == [("discovered", "maps/a"), ("discovered", "other/b")]
    assert hdf5.read("scan.h5").metadata["dataset"] == "/other/b"


def _in_pipe(fd: int) -> int:
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def test_a_child_forked_while_a_thread_writes_to_the_worker_does_not_hang():
    """A thread's request is being written to the worker (a stopped worker, so the write blocks
    on the full pipe) when another thread forks: the child's fork hook (_forget_worker) closed
    its copy of the buffered pipe, whose lock that thread held at the fork, and hung for ever
    (so would a Popen with a preexec_fn, before its exec); now it ends at once."""
    isolate.call_in_child(os.getpid, (), "x.h5", "the look", 30, reuse=True)  # warm
    worker = isolate._WORKER
    got = {}

    def ask():
        got["n"] = isolate.call_in_child(len, (b"x" * 2**20,), "x.h5", "the look", 30, reuse=True)

    os.kill(worker.proc.pid, signal.SIGSTOP)
    asking = threading.Thread(target=ask, daemon=True)
    try:
        asking.start()
        deadline = time.monotonic() + 10
        while _in_pipe(worker.proc.stdin.fileno()) < 2**16:  # the pipe is full: it writes on
            assert time.monotonic() < deadline, "the request never filled the pipe"
            time.sleep(0.01)
        pid = os.fork()
        if pid == 0:  # the child: the fork hook has run
            os._exit(0)
        deadline = time.monotonic() + 5
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("the forked child hung in its fork hook")
            time.sleep(0.01)
    finally:
        os.kill(worker.proc.pid, signal.SIGCONT)
        asking.join(30)
    assert got["n"] == 2**20
    assert isolate._WORKER is worker  # the parent's worker serves on


def test_a_zarr_store_declaring_trillions_of_chunks_is_refused_at_once(tmp_path):
    """A store declaring (10**6,) * 3 in 64-chunks (3.8e12 of them, one written), as
    test_fuzz_readers' zarr seeds draw: cb7f16ab asked zarr how many chunks were written, and zarr
    tests every chunk of the grid, so the refusal never came (the fuzz test ran for minutes, zarr's
    thread spinning). Now it is refused at once, as before cb7f16ab."""
    zarr = pytest.importorskip("zarr")
    from xrf_napari.io import CubeReadError, read_cube

    g = zarr.open_group(str(tmp_path / "s.zarr"), mode="w")
    g.create_array("counts", shape=(10**6,) * 3, chunks=(64,) * 3, dtype="u2")[0, 0, :64] = 1
    got = {}

    def read():
        try:
            read_cube(tmp_path / "s.zarr")
        except CubeReadError as exc:
            got["error"] = str(exc)

    reading = threading.Thread(target=read, daemon=True)
    reading.start()
    reading.join(20)
    assert not reading.is_alive(), "the refusal did not come within 20 s"
    assert "the store holds only" in got["error"], got
