"""Work on a user's file that may crash or never end, run in a child process with a time limit:
rosettasciio's compiled .bcf decoder has segfaulted on corrupt files, and libhdf5 loops for ever on
some damaged HDF5 files. C code cannot be stopped in-process, and a segfault there would take
napari down.

The child is a fresh interpreter (`python -c`), not multiprocessing's spawn: spawn runs the
parent's main script again in the child (as `__mp_main__`), so a user's script without an
`if __name__ == "__main__":` guard ran its own work a second time there, and its read_cube, asking
for a child of its own during that start-up, failed; under napari each child imported napari's
launcher too."""

from __future__ import annotations

from ..errors import CubeReadError

#: The child: takes the parent's sys.path (pickled on stdin) before it imports anything of ours,
#: then _child_main. Run with -P: `-c` puts the working folder first on sys.path, so a user's
#: struct.py or re.py there replaced the standard module pickle imports, and the child failed.
_CHILD_CODE = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from xrf_napari.io.isolate import _child_main; _child_main()"
)


#: What a child writes first once our code runs there: an answer without it comes from no child
#: of ours (sys.executable is no Python that imports xrf_napari: an application embedding one);
#: what comes before it is the interpreter's start-up printing (a sitecustomize, a .pth, an
#: import), before our code pointed fd 1 away from the answer: left out of the answer.
STARTED = b"xrf-napari child\n"


class NoChild(CubeReadError):
    """The separate process could not be started, or it is not a Python that runs our code: a
    fault of the installation, not of the file (it had read 'crashed (exit status 1); the file
    is probably corrupt', or a bare 'No such file or directory' naming the interpreter)."""

    def __init__(self, path, what: str, why: str):
        import sys

        self.what, self.why = what, why
        super().__init__(
            path,
            f"{what} needs a separate Python process, which could not be started ({why}; "
            f"interpreter {sys.executable or 'unknown'}): a problem of the installation, not "
            "of the file",
        )

    def __reduce__(self):
        return type(self), (self.path, self.what, self.why)


#: Seconds past its time limit after which a child stops itself, should its parent have died
#: without stopping it (napari force-quit while it waited on a damaged file; `kill -9`): the
#: child looped on for good at full CPU. POSIX only (SIGALRM, whose default action ends the
#: process even inside C code); the parent stops it first.
CHILD_GRACE_S = 5


def call_in_child(func, args: tuple, path, what: str, timeout: float, late: str | None = None):
    """func(*args) in a child interpreter; its (picklable) result, or CubeReadError when it
    raises, crashes (segfault, abort), is killed, or runs past `timeout` seconds (`late`: that
    error's problem, else '`what` did not finish within N s: stopped'). `func` must be importable
    by module and name (the child imports it; the parent's sys.path goes with it)."""
    import pickle
    import signal
    import subprocess
    import sys

    request = pickle.dumps(list(sys.path)) + pickle.dumps((func, args, timeout + CHILD_GRACE_S))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-c", _CHILD_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise NoChild(path, what, exc.strerror or str(exc)) from None
    stopped = CubeReadError(path, late or f"{what} did not finish within {timeout:g} s: stopped")
    try:
        answer, _ = proc.communicate(request, timeout=timeout)
    except subprocess.TimeoutExpired:
        left = _kill(proc)  # known stuck: no grace period (it cost every timeout 2 s more)
        if left:
            raise CubeReadError(path, f"{stopped.problem}. {left}") from None
        raise stopped from None
    except BaseException:  # Ctrl-C while waiting: no child left behind
        _kill(proc)
        raise
    code = proc.returncode
    _before, started, answer = answer.partition(STARTED)  # before: what start-up printed
    if not started:  # our code never ran there: no Python, or not ours
        raise NoChild(path, what, f"it ended at once, exit status {code}")
    try:
        status, payload = pickle.loads(answer)
    except Exception:  # no whole answer: it died first  # noqa: BLE001
        if code == -getattr(signal, "SIGALRM", code + 1):  # it stopped itself (CHILD_GRACE_S)
            raise stopped from None
        how = (
            f"killed by signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        )
        raise CubeReadError(
            path,
            f"{what} crashed ({how}); the file is probably corrupt. Only the separate "
            "process that read it crashed",
        ) from None
    if status == "error":
        if isinstance(payload, CubeReadError):
            raise payload
        raise CubeReadError(path, f"{what} failed ({payload})")
    return payload


#: Longest wait for a killed child to end: one stuck in uninterruptible I/O (a file on a network
#: drive gone away) ends only when that I/O does, and the caller may be napari's GUI thread.
KILL_WAIT_S = 5


def _kill(proc) -> str | None:
    """Kill the child and wait for it up to KILL_WAIT_S: None once it has ended, else a sentence
    saying it was left running (an unbounded wait had blocked the caller for as long)."""
    import subprocess

    proc.kill()
    try:
        proc.communicate(timeout=KILL_WAIT_S)
    except subprocess.TimeoutExpired:
        return (
            f"That process (pid {proc.pid}) had not ended {KILL_WAIT_S} s after being killed "
            "(probably waiting on the file's drive) and was left running"
        )
    return None


def _child_main() -> None:
    """Child side: (func, args, the seconds after which it stops itself) pickled on stdin;
    ("ok" | "error", payload) pickled to the descriptor that was fd 1, with fd 1 itself pointed
    at stderr, so that a library's print cannot corrupt the answer."""
    import os
    import pickle
    import sys

    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    answer.write(STARTED)
    answer.flush()  # before anything that may crash
    try:
        func, args, limit = pickle.load(sys.stdin.buffer)
        _stop_after(limit)
        result = ("ok", func(*args))
    except CubeReadError as exc:
        result = ("error", exc)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as text
        result = ("error", f"{type(exc).__name__}: {str(exc)[:300]}")
    try:
        data = pickle.dumps(result)
    except Exception as exc:  # an unpicklable result
        data = pickle.dumps(
            ("error", f"result could not be returned ({type(exc).__name__}: {exc})")
        )
    answer.write(data)
    answer.close()


def _stop_after(seconds: float) -> None:
    """End this process after `seconds` where the system can (POSIX: SIGALRM's default action,
    which needs no Python code to run, so it ends a loop inside libhdf5 too)."""
    import signal

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)
