"""Review of io.isolate's warm worker started ahead of its first look (prestart, bfd160c6)."""

import os
import signal
import time

import pytest
from test_iso60 import _in_worker

from xrf_napari.io import isolate

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


@pytest.mark.parametrize("started", [True, False], ids=["idle", "starting"])
def test_a_prestarted_worker_that_ended_as_its_first_look_came_is_replaced(monkeypatch, started):
    """A worker prestarted when napari claimed an HDF5 file, not yet asked (its look cached, or
    the read never came), ends on its idle timer (10 min) or is killed by the system just as a
    look is asked: the look was refused as "crashed (killed by signal SIGKILL); the file is
    probably corrupt" (idle), or "could not be started ... a problem of the installation"
    (killed while starting), since a worker that had taken no call counted as started for that
    look. It is replaced and the look answered, as one that ended between two looks is."""
    isolate._close_worker()
    isolate.prestart()
    worker = isolate._WORKER
    if started:
        worker._receive(worker._started, time.monotonic() + 30)  # its start done: idle
    os.kill(worker.proc.pid, signal.SIGKILL)
    worker.proc.wait(10)
    monkeypatch.setattr(worker.proc, "poll", lambda: None)  # it ended just after that check
    assert _in_worker(os.getpid) == isolate._WORKER.proc.pid != worker.proc.pid
