"""io.isolate's warm worker (the HDF5 first look, io.hdf5.first_look) when it goes wrong between
or during looks: a worker that takes no request, one whose answer is garbled, one that crashes on
a file after serving others, one the system killed between looks. The tests share one worker
where they can (its start is about 1 s)."""

import os
import signal
import sys
import threading

import pytest

from xrf_napari.io import CubeReadError, isolate

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


def _in_worker(func, *args, timeout: float = 30):
    return isolate.call_in_child(func, args, "scan.h5", "the look", timeout, reuse=True)


def _warm() -> isolate._Worker:
    """The warm worker, started (and answering) where there was none."""
    assert _in_worker(os.getpid) == isolate._WORKER.proc.pid
    return isolate._WORKER


@pytest.fixture
def starts(monkeypatch):
    """The workers started while the test runs."""
    started = []
    real = isolate._Worker

    class Counted(real):
        def __init__(self, *args):
            super().__init__(*args)
            started.append(self)

    monkeypatch.setattr(isolate, "_Worker", Counted)
    return started


def test_a_request_a_stopped_worker_never_takes_fails_within_the_time_limit():
    """A worker that reads nothing (stopped here; stuck in C code between looks) while a request
    larger than its pipe is written to it: the write blocked the caller for good (_send had no
    deadline; napari froze where it was its GUI thread). Now the call fails within its time,
    saying the worker took no request, not that the file is damaged, and that worker is
    killed; the next call gets a new one."""
    worker = _warm()
    got = {}

    def ask():
        try:
            got["answer"] = _in_worker(len, b"x" * 2**20, timeout=0.5)
        except CubeReadError as exc:
            got["error"] = str(exc)

    os.kill(worker.proc.pid, signal.SIGSTOP)
    try:
        caller = threading.Thread(target=ask, daemon=True)
        caller.start()
        caller.join(10)
        assert not caller.is_alive(), "the call still waits on the stopped worker"
    finally:
        if worker.proc.poll() is None:  # the parent's: let the blocked write end
            os.kill(worker.proc.pid, signal.SIGKILL)
        caller.join(10)
    assert "took no request within 0.5 s" in got.get("error", ""), got
    assert "probably damaged" not in got["error"]
    assert worker.proc.returncode is not None, "the stuck worker was left running"
    assert _warm() is not worker


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reopens a pipe by /proc")
@pytest.mark.parametrize(
    ("stray", "said"),
    [
        (b"garbled!", "its answer began with a length of"),
        ((4096).to_bytes(8, "big"), "its answer stopped 0.2 s short of its length"),
    ],
    ids=["length-too-large", "length-past-its-answer"],
)
def test_a_garbled_answer_fails_at_once_saying_so(monkeypatch, stray, said):
    """Bytes that are not an answer on the worker's answer pipe (a stray write there): a length
    prefix garbled into something huge, or one larger than what follows it, had the caller wait
    out the look's whole time limit and then refuse the file as probably damaged. Now it fails
    at once (the second: once nothing more came for ANSWER_STALL_S), saying the answer was
    garbled, and the worker, out of step, is killed; the next call gets a new one."""
    monkeypatch.setattr(isolate, "ANSWER_STALL_S", 0.2, raising=False)  # the parent had none
    worker = _warm()
    fd = os.open(f"/proc/self/fd/{worker.proc.stdout.fileno()}", os.O_WRONLY)
    try:
        os.write(fd, stray)
    finally:
        os.close(fd)
    with pytest.raises(CubeReadError, match="garbled") as err:
        _in_worker(os.getpid, timeout=3)
    assert said in str(err.value), str(err.value)
    assert worker.proc.returncode is not None, "the out-of-step worker was left running"
    assert _warm() is not worker


def test_a_file_that_crashes_a_used_worker_crashes_once(starts):
    """A file that crashes libhdf5 in a worker that had served earlier looks was tried again in
    a second worker (the retry meant for a worker that had ended idle), which crashed too: a
    second interpreter start and crash (and core dump) for the same file. Now the crash is
    told at once, naming the file once; the next look starts a new worker."""
    worker = _warm()
    with pytest.raises(CubeReadError) as err:
        _in_worker(os.abort)
    said = str(err.value)
    assert "the look crashed (killed by signal SIGABRT)" in said, said
    assert said.count("scan.h5") == 1, said
    assert starts == [], "the crashing file was tried again in a new worker"
    assert worker.proc.returncode == -signal.SIGABRT
    assert _warm() is starts[0]


@pytest.mark.parametrize("seen", [True, False], ids=["seen-dead", "found-at-the-call"])
def test_a_worker_killed_between_looks_is_replaced_and_the_look_answered(monkeypatch, seen):
    """The system kills the idle worker (the OOM killer's SIGKILL) between two looks: the next
    look is answered by a new worker, whether its end was seen before the call or the call
    found it (its pipe broken)."""
    worker = _warm()
    os.kill(worker.proc.pid, signal.SIGKILL)
    if seen:
        worker.proc.wait(10)
    else:
        monkeypatch.setattr(worker.proc, "poll", lambda: None)  # as before its end was reaped
    assert _in_worker(os.getpid) == isolate._WORKER.proc.pid != worker.proc.pid
    worker.proc.wait(10)
    assert worker.proc.returncode == -signal.SIGKILL


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/maps")
def test_prestart_starts_the_worker_with_h5py_loaded_for_the_first_look(starts):
    """The first HDF5 file of a napari session waited for the worker's start and its import of
    h5py (1.0-3.8 s at load, on the GUI thread). prestart starts it without waiting for it,
    h5py imported there before any look asks; the first look then goes to that worker. Nothing
    is started while the worker is busy."""
    isolate._close_worker()
    isolate.prestart("h5py", "xrf_napari.io.hdf5")
    assert len(starts) == 1 and isolate._WORKER is starts[0]
    assert starts[0].pending == b"", "what it needs to start was not sent at once"
    pid = _in_worker(os.getpid)
    assert pid == starts[0].proc.pid and len(starts) == 1
    with open(f"/proc/{pid}/maps", encoding="utf-8") as maps:
        assert "h5py" in maps.read(), "h5py was not imported at the worker's start"
    with isolate._WORKER_LOCK:  # busy
        isolate._close_worker()
        isolate.prestart("h5py", "xrf_napari.io.hdf5")
    assert len(starts) == 1


def test_napari_s_reader_prestarts_the_worker_for_an_hdf5_file_alone(tmp_path, monkeypatch):
    """napari's claim of an HDF5 file (by suffix, or by content under another name) starts the
    worker of its first look while the reader imports what the read needs; a file of another
    format starts none."""
    from xrf_napari._reader import napari_get_reader

    asked = []
    monkeypatch.setattr(isolate, "prestart", lambda *modules: asked.append(modules))
    h5py = pytest.importorskip("h5py")
    for name in ("scan.h5", "scan.dat"):
        with h5py.File(tmp_path / name, "w") as f:
            f["datacube"] = [[[1, 2]]]
    (tmp_path / "spot.mca").write_text("<<DATA>>\n1\n2\n<<END>>\n", encoding="utf-8")
    for name in ("scan.h5", "scan.dat", "spot.mca"):
        napari_get_reader(str(tmp_path / name))
    assert asked == [("h5py", "xrf_napari.io.hdf5")] * 2
