"""io.isolate (the HDF5 first look's worker, the .bcf decoder's child): a call's time limit bounds
its wait for the warm worker's start, an exit without an answer is not told as a crash, and a
child whose imports crash (a broken h5py build) is told as the installation's fault on the command
line too. Shares test_iso60's worker where it can (its start is about 1 s)."""

import os
import signal
import time
import warnings

import pytest
from test_iso61 import _first_look_holding_the_worker, _prestart_slow

from xrf_napari.io import CubeReadError, isolate

poll_only = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)


@poll_only
def test_a_call_waiting_for_the_worker_s_start_keeps_its_own_time_limit(tmp_path, monkeypatch):
    """A call made while another waits for the warm worker's start waited for that start up to
    START_WAIT_S (5 s), then for the first look 0.25 s, and only then took a child of its own
    with its whole limit: a call of limit 1 s on work that never ends was refused after 6.0 s
    (/work/runs62/worker62/repro.py item1). Its wait now takes half its limit at most and its
    child the rest: refused after 1.0 s. Fails on the parent: 6 s."""
    worker = _prestart_slow(tmp_path, monkeypatch, 60)  # a start that never ends
    got = {}
    a = _first_look_holding_the_worker(got, timeout=30)
    began = time.monotonic()
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(time.sleep, (60,), "b.h5", "the look", 1, reuse=True)
    took = time.monotonic() - began
    os.kill(worker.proc.pid, signal.SIGABRT)  # A's wait ends: a start that crashed
    a.join(20)
    assert "the look did not finish within 1 s" in str(err.value), str(err.value)
    assert took < 1 + 1.5, f"a call of limit 1 s took {took:.2f} s"
    assert "it crashed as it started" in got["a"], got


@pytest.mark.parametrize(
    "reuse", [False, pytest.param(True, marks=poll_only)], ids=["child", "worker"]
)
@pytest.mark.parametrize("code", [0, 3])
def test_a_child_that_exits_without_answering_is_not_told_as_a_crash(reuse, code):
    """A child that ends with an exit status before it answers (a compiled library that calls
    exit(); our code answers any Python error) was told "crashed (exit status 3); the file is
    probably corrupt": nothing crashed, and nothing tells the file's fault from the
    installation's. It now says it ended, with its status. Fails on the parent: 'crashed'."""
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(os._exit, (code,), "scan.h5", "the look", 30, reuse=reuse)
    said = str(err.value)
    assert f"it ended (exit status {code}) before it answered" in said, said
    assert "crashed" not in said and "corrupt" not in said


def test_a_child_left_running_without_an_answer_is_said_so():
    """A warm worker whose answer broke off and that did not end when stopped (stuck in I/O on a
    drive gone away) has no exit status: the refusal raised TypeError ('<' between None and
    int) in place of saying so. Fails on the parent: TypeError."""
    stopped = CubeReadError("scan.h5", "stopped")
    with pytest.raises(CubeReadError, match="did not end when it was stopped"):
        isolate._result(b"", None, "scan.h5", "the look", stopped, 0.0)


def _broken_h5py(tmp_path, monkeypatch) -> None:
    """An h5py first on sys.path (which a child takes) that crashes as it is imported, as a
    broken build does; this process's h5py is imported already and unharmed."""
    pytest.importorskip("h5py")
    (tmp_path / "broken" / "h5py").mkdir(parents=True)
    source = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    (tmp_path / "broken" / "h5py" / "__init__.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "broken"))


@pytest.mark.parametrize("reuse", [False, pytest.param(True, marks=poll_only)])
def test_a_child_that_crashes_in_what_it_preloads_blames_the_installation(
    tmp_path, monkeypatch, reuse
):
    """call_in_child's `preload` (the one-shot child's too): a child whose import of h5py
    crashes is a start that failed, not a crash on the file. Fails on the parent: no preload."""
    _broken_h5py(tmp_path, monkeypatch)
    with pytest.raises(isolate.NoChild) as err:
        isolate.call_in_child(
            os.getpid, (), "scan.h5", "the look", 30, reuse=reuse, preload=("h5py",)
        )
    said = str(err.value)
    assert "it crashed as it started, killed by signal SIGSEGV" in said, said
    assert "not of the file" in said and "corrupt" not in said


def test_the_command_line_s_first_look_blames_the_installation_when_h5py_crashes(
    tmp_path, monkeypatch, capsys
):
    """`xrf-napari info scan.h5` (no napari: no prestart) where h5py crashes as the look's child
    imports it (a broken build): refused as "the HDF5 library reading the file's structure ...
    crashed (killed by signal SIGSEGV); the file is probably corrupt" (repro5.py), where napari
    said it was the installation (2168360). The look imports h5py before it takes the file now:
    a warning says it is the installation's fault, and the file is read without its look (here
    by this process's sound h5py). Fails on the parent: exit status 1, the file blamed."""
    import h5py
    import numpy as np

    from xrf_napari.cli.main import main

    scan = tmp_path / "scan.h5"
    with h5py.File(scan, "w") as f:
        f["data"] = np.ones((3, 4, 64), np.uint16)
    _broken_h5py(tmp_path, monkeypatch)
    isolate._close_worker()
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        code = main(["info", str(scan)])
    said = "\n".join(str(w.message) for w in warned) + capsys.readouterr().err
    assert code == 0, said
    assert "a problem of the installation, not of the file" in said, said
    assert "killed by signal SIGSEGV" in said and "corrupt" not in said, said


def test_a_bcf_decoder_that_crashes_as_it_is_imported_blames_the_installation(
    tmp_path, monkeypatch
):
    """rosettasciio's compiled .bcf decoder crashing as it is imported (a broken build) was
    told as "decoding the .bcf (rosettasciio) crashed (killed by signal SIGSEGV); the file is
    probably corrupt": the child imports it before it takes the file now, and says it is the
    installation's fault. Fails on the parent: the file blamed."""
    from xrf_napari.io.bruker import read_bcf

    (tmp_path / "fake" / "rsciio").mkdir(parents=True)
    (tmp_path / "fake" / "rsciio" / "__init__.py").write_text("", encoding="utf-8")
    source = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    (tmp_path / "fake" / "rsciio" / "bruker.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "fake"))
    bcf = tmp_path / "map.bcf"
    bcf.write_bytes(b"AAMVHFSS" + bytes(600))
    with pytest.raises(isolate.NoChild) as err:
        read_bcf(bcf)
    said = str(err.value)
    assert "it crashed as it started, killed by signal SIGSEGV" in said, said
    assert "not of the file" in said and "corrupt" not in said


@pytest.mark.parametrize(
    "reuse", [False, pytest.param(True, marks=poll_only)], ids=["child", "worker"]
)
def test_a_child_killed_from_outside_as_it_starts_does_not_blame_the_installation(
    tmp_path, monkeypatch, reuse
):
    """A child killed from outside (the system's out-of-memory SIGKILL) while it imports what
    the work needs was told as "could not be started (it crashed as it started, killed by
    signal SIGKILL ...): a problem of the installation" (repro6.py). It is said as such a kill
    is while it reads: stopped from outside, no sign of a damaged file. Fails on the parent."""
    (tmp_path / "killed_at_start.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(
            os.getpid, (), "scan.h5", "the look", 30, reuse=reuse, preload=("killed_at_start",)
        )
    said = str(err.value)
    assert not isinstance(err.value, isolate.NoChild), said
    assert "killed by signal SIGKILL before it answered, from outside" in said, said
    assert "installation" not in said and "corrupt" not in said


@pytest.mark.skipif(not hasattr(signal, "SIGRTMIN"), reason="no real-time signals")
@pytest.mark.parametrize(
    "reuse", [False, pytest.param(True, marks=poll_only)], ids=["child", "worker"]
)
def test_a_child_ended_by_a_signal_python_does_not_name_is_still_a_read_error(reuse):
    """A child ended by a real-time signal (one signal.Signals has no member for): ValueError
    ("40 is not a valid Signals") escaped the reader in place of its CubeReadError (repro6.py).
    It is named by its number. Fails on the parent: ValueError."""
    number = signal.SIGRTMIN + 6
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(
            signal.raise_signal, (number,), "scan.h5", "the look", 30, reuse=reuse
        )
    assert f"killed by signal {number} before it answered, from outside" in str(err.value)
