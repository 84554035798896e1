"""io.isolate's warm worker (the HDF5 first look, io.hdf5.first_look): kept across changes to the
environment that do not bear on its work. Shares test_iso60's worker where it can (its start is
about 1 s)."""

import os
import threading
import time

import pytest
from test_iso60 import _in_worker, _warm

from xrf_napari.io import isolate

pytestmark = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


def test_the_worker_is_kept_when_napari_or_a_library_sets_a_variable(monkeypatch):
    """`import napari` sets SPARSE_AUTO_DENSIFY, qtpy QT_API, scikit-learn (the Embed widget)
    KMP_DUPLICATE_LIB_OK: each threw the warm worker away (its key held all of os.environ), so
    the next HDF5 file waited 1-2 s for another (repro_env2: 0.86-1.03 s, now 0.02 s). A
    variable of libhdf5's or h5py's still starts a new worker, which sees it. Fails on the
    parent: a new worker after the first of them."""
    worker = _warm()
    for name, value in [
        ("SPARSE_AUTO_DENSIFY", "0"),  # another value: napari, imported, set it to 1
        ("QT_API", "pyqt5"),
        ("KMP_DUPLICATE_LIB_OK", "True"),
    ]:
        monkeypatch.setenv(name, value)
        assert _in_worker(os.getpid) == worker.proc.pid, f"{name} threw the worker away"
    monkeypatch.setenv("HDF5_USE_FILE_LOCKING", "FALSE")
    assert _in_worker(os.getenv, "HDF5_USE_FILE_LOCKING") == "FALSE"
    assert isolate._WORKER is not worker


def test_a_worker_that_crashes_in_its_imports_is_not_told_as_a_corrupt_file(tmp_path, monkeypatch):
    """The worker prestarted for napari's first HDF5 file crashes importing h5py (a broken
    build: SIGSEGV there): the look was refused as "crashed (killed by signal SIGSEGV); the
    file is probably corrupt", though it had not been sent. Now it is a start that failed, "a
    problem of the installation, not of the file" (NoChild: first_look reads the file without
    its look). Fails on the parent: the crash blamed the file."""
    source = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    _prestart_module(tmp_path, monkeypatch, "broken_h5py_build", source)
    with pytest.raises(isolate.NoChild) as err:
        _in_worker(os.getpid)
    said = str(err.value)
    assert "it crashed as it started, killed by signal SIGSEGV" in said, said
    assert "not of the file" in said and "corrupt" not in said


def test_a_worker_whose_imports_never_end_is_not_told_as_the_file_s_timeout(tmp_path, monkeypatch):
    """The prestarted worker's import of h5py never ends (a package on a network drive gone
    away): the look waited out its time and refused the file as "did not finish within N s"
    (first_look: "the file is probably damaged"). Now the worker is said to have taken no
    request, and it is stopped. Fails on 2168360a's parent (886a97df): the file's timeout."""
    worker = _prestart_module(
        tmp_path, monkeypatch, "stuck_h5py_import", "import time\ntime.sleep(60)\n"
    )
    with pytest.raises(isolate.CubeReadError) as err:
        _in_worker(os.getpid, timeout=0.5)
    assert "took no request within 0.5 s" in str(err.value), str(err.value)
    assert worker.proc.returncode is not None, "the stuck worker was left running"


def test_a_reader_process_killed_from_outside_does_not_blame_the_file():
    """The process reading a file killed from outside as it read (the system's out-of-memory
    SIGKILL, a user's kill): refused as "crashed (killed by signal SIGKILL); the file is
    probably corrupt". Now it says the process was stopped from outside, no sign of a damaged
    file, open it again. A crash (SIGABRT, SIGSEGV) still blames the file (test_iso59). Fails
    on the parent: "probably corrupt"."""
    import signal

    with pytest.raises(isolate.CubeReadError) as err:
        isolate.call_in_child(signal.raise_signal, (signal.SIGKILL,), "scan.h5", "the look", 30)
    said = str(err.value)
    assert "killed by signal SIGKILL before it answered, from outside" in said, said
    assert "open it again" in said and "corrupt" not in said


def _prestart_module(tmp_path, monkeypatch, name: str, source: str) -> isolate._Worker:
    """The worker prestarted to import a module `name` of `source` (in tmp_path) in place of
    what the look needs (h5py): one that crashes, never ends or takes its time."""
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    isolate.prestart(name)
    return isolate._WORKER


def _prestart_slow(tmp_path, monkeypatch, seconds: float) -> isolate._Worker:
    """The worker prestarted, its import of what the look needs taking `seconds`."""
    return _prestart_module(
        tmp_path, monkeypatch, "slow_h5py_import", f"import time\ntime.sleep({seconds})\n"
    )


def _first_look_holding_the_worker(got: dict, timeout: float = 30) -> threading.Thread:
    """Thread A's look, started and holding the worker (waiting for its start)."""

    def look_a():
        try:
            got["a"] = _in_worker(os.getpid, timeout=timeout)
        except isolate.CubeReadError as exc:
            got["a"] = str(exc)

    a = threading.Thread(target=look_a)
    a.start()
    deadline = time.monotonic() + 10
    while not isolate._WORKER_LOCK.locked():
        assert time.monotonic() < deadline, "A's look never took the worker"
        time.sleep(0.005)
    return a


def test_a_look_asked_while_the_worker_starts_waits_for_it(tmp_path, monkeypatch):
    """napari claims a file (the worker prestarted) and its look waits for the worker's start,
    holding it; another thread's look asked meanwhile started an interpreter of its own beside
    it (repro_busy: 2 files 2.0-2.3 s, 4 files 3.8-4.3 s, one start each). It now waits for
    that start and is answered by the same worker (1.1-1.2 s, 0.9-1.2 s). Fails on the parent:
    B answered by a child of its own."""
    worker = _prestart_slow(tmp_path, monkeypatch, 0.8)
    got = {}
    a = _first_look_holding_the_worker(got)
    assert not worker.started
    b = _in_worker(os.getpid)
    a.join(10)
    assert got["a"] == b == worker.proc.pid


def test_a_look_waits_for_a_start_that_never_ends_a_bounded_time(tmp_path, monkeypatch):
    """The worker's start never ends (its import of h5py stuck): a look asked while another
    waits for it takes a child of its own after START_WAIT_S, not after the first look's
    limit."""
    monkeypatch.setattr(isolate, "START_WAIT_S", 0.3, raising=False)
    worker = _prestart_slow(tmp_path, monkeypatch, 60)
    got = {}
    a = _first_look_holding_the_worker(got, timeout=1.5)
    began = time.monotonic()
    b = _in_worker(os.getpid)
    assert b not in (worker.proc.pid, os.getpid()), "B was not answered by a child"
    assert time.monotonic() - began < 5
    a.join(20)
    assert "took no request within 1.5 s" in got["a"], got
