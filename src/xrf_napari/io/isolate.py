"""Work on a user's file that may crash or never end, run in a child process with a time limit:
rosettasciio's compiled .bcf decoder has segfaulted on corrupt files, and libhdf5 loops for ever on
some damaged HDF5 files. C code cannot be stopped in-process, and a segfault there would take
napari down.

The child is a fresh interpreter (`python -c`), not multiprocessing's spawn: spawn runs the
parent's main script again in the child (as `__mp_main__`), so a user's script without an
`if __name__ == "__main__":` guard ran its own work a second time there, and its read_cube, asking
for a child of its own during that start-up, failed; under napari each child imported napari's
launcher too.

A caller that makes many short calls (io.hdf5.first_look, one per HDF5 file opened) asks for
`reuse`: its calls go to one warm worker, an interpreter kept between them (_Worker), since
starting one and importing numpy and h5py there was nearly all of a look's cost (0.45 s of CPU,
1.3-1.9 s at a load of 10 on 2 cores; the look itself 0.01 s). A worker that runs past its time
or crashes is killed and replaced; a call made while it serves another thread's goes to a fresh
child of its own at once, so no call waits behind another file's hang; one made while it starts
waits for that start (_after_start)."""

from __future__ import annotations

import threading
from typing import NoReturn

from ..errors import CubeReadError

#: The child: takes the parent's sys.path (pickled on stdin) before it imports anything of ours,
#: then _child_main. Run with -P: `-c` puts the working folder first on sys.path, so a user's
#: struct.py or re.py there replaced the standard module pickle imports, and the child failed.
_CHILD_CODE = (
    "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); "
    "from xrf_napari.io.isolate import _child_main; _child_main()"
)
#: The warm worker (call_in_child's `reuse`): the same start, then _worker_main.
_WORKER_CODE = _CHILD_CODE.replace("_child_main", "_worker_main")


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


def call_in_child(
    func,
    args: tuple,
    path,
    what: str,
    timeout: float,
    late: str | None = None,
    reuse: bool = False,
    preload: tuple = (),
):
    """func(*args) in a child interpreter; its (picklable) result, or CubeReadError when it
    raises, crashes (segfault, abort), is killed, or runs past `timeout` seconds (`late`: that
    error's problem, else '`what` did not finish within N s: stopped'), a limit on the whole
    call, a wait for the warm worker's start included. `func` must be importable by module and
    name (the child imports it; the parent's sys.path goes with it). `reuse`: in this process's
    warm worker where it is free (_in_worker), for work that leaves nothing behind in the
    interpreter (a file opened is closed again). `preload`: the modules the work needs (h5py),
    imported before the child says it started, so that one that crashes there (a broken build)
    is told as the installation's fault (NoChild), not as a crash on the file."""
    import pickle
    import subprocess
    import sys
    import time

    deadline = time.monotonic() + timeout
    stopped = CubeReadError(path, late or f"{what} did not finish within {timeout:g} s: stopped")
    if reuse:
        served, result = _in_worker(func, args, path, what, timeout, deadline, stopped, preload)
        if served:
            return result
    limit = max(deadline - time.monotonic(), 0)
    work = (func, args, limit + CHILD_GRACE_S)
    request = b"".join(pickle.dumps(part) for part in (list(sys.path), tuple(preload), work))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-P", "-c", _CHILD_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        raise NoChild(path, what, exc.strerror or str(exc)) from None
    try:
        answer, _ = proc.communicate(request, timeout=limit)
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
    if not started:  # our code never ran there (no Python, or not ours), or its imports crashed
        _not_started(code, path, what)
    return _result(answer, code, path, what, stopped, deadline)


def _result(answer, code, path, what: str, stopped: CubeReadError, deadline: float):
    """The result a child's answer (pickled, or unpickled already) holds, or the CubeReadError
    it, or the child's exit status `code` where the answer is not whole (it died first), says:
    a crash (_CRASH_SIGNALS) blames the file; a signal from outside does not; an exit status (a
    compiled library that called exit(), or os._exit: our code answers any Python error) had
    read "crashed (exit status 1); the file is probably corrupt", though nothing crashed and
    nothing tells the file's fault from the installation's; None: it was left running. A
    SIGALRM is the child's own stop (_stop_after) only once the call's `deadline`
    (time.monotonic) has passed: before it, another program's, which had read "did not finish
    within 30 s" a moment after the call began."""
    import pickle
    import signal
    import time

    try:
        status, payload = pickle.loads(answer) if isinstance(answer, bytes) else answer
    except Exception:  # no whole answer: it died first  # noqa: BLE001
        if code is None:
            raise CubeReadError(
                path,
                f"{what} failed: the separate process that read it stopped answering and did not "
                "end when it was stopped (left running, probably waiting on the file's drive)",
            ) from None
        if code >= 0:
            raise CubeReadError(
                path,
                f"{what} failed: the separate process that read it ended (exit status {code}) "
                "before it answered, without an error or a crash: code it ran ended it (a "
                "compiled library can, on an error it does not recover from), which does not "
                "tell whether the file or the installation is at fault",
            ) from None
        if code == -getattr(signal, "SIGALRM", code + 1) and time.monotonic() >= deadline:
            raise stopped from None  # it stopped itself (CHILD_GRACE_S past the deadline)
        how = f"killed by signal {_signal(code)}"
        if not _crashed(code):  # stopped from outside, not a crash
            raise CubeReadError(
                path,
                f"{what} was stopped: the separate process that read it was {how} before it "
                f"answered, {_FROM_OUTSIDE}, which is no sign of a damaged file: open it again. "
                "Should that happen each time, reading it asks for more memory than there is (a "
                "damaged file can)",
            ) from None
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


#: Who ends a reading child by a signal other than a crash's.
_FROM_OUTSIDE = "from outside (by the system when memory ran short, or by another program)"

#: Longest wait for a killed child to end: one stuck in uninterruptible I/O (a file on a network
#: drive gone away) ends only when that I/O does, and the caller may be napari's GUI thread.
KILL_WAIT_S = 5


def _kill(proc) -> str | None:
    """Kill the child and wait for it up to KILL_WAIT_S: None once it has ended, else a sentence
    saying it was left running (an unbounded wait had blocked the caller for as long). Its
    pipes are closed here, not through communicate(): a warm worker's stdin is already closed
    when _Worker.close kills it, and communicate() flushed it ("I/O operation on closed file")."""
    import contextlib
    import subprocess

    proc.kill()
    try:
        proc.wait(timeout=KILL_WAIT_S)
    except subprocess.TimeoutExpired:
        return (
            f"That process (pid {proc.pid}) had not ended {KILL_WAIT_S} s after being killed "
            "(probably waiting on the file's drive) and was left running"
        )
    finally:
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError, ValueError):
                    pipe.close()
    return None


def _child_main() -> None:
    """Child side: what _start reads, then (func, args, the seconds after which it stops
    itself) pickled on stdin; ("ok" | "error", payload) pickled to the descriptor that was fd
    1, with fd 1 itself pointed at stderr, so that a library's print cannot corrupt the
    answer."""
    import sys

    answer = _start(sys.stdin.buffer)
    answer.write(_serve(sys.stdin.buffer)[1])
    answer.close()


def _start(requests):
    """The descriptor that was fd 1, for the answers, with fd 1 itself pointed at stderr (a
    library's print cannot corrupt them), once the modules the parent sends first (pickled,
    call_in_child's `preload`) are imported; STARTED written to it, flushed, only then, so that
    a child that crashes in those imports (a broken h5py build) is told as a start that failed,
    not as a crash on the file ("the file is probably corrupt")."""
    import contextlib
    import importlib
    import os
    import pickle

    preload = pickle.load(requests)  # before STARTED: a warm worker's parent sends nothing more
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    for name in preload:
        with contextlib.suppress(Exception):  # its call says what is wrong
            importlib.import_module(name)
    answer.write(STARTED)
    answer.flush()
    return answer


def _serve(requests) -> tuple[bool, bytes]:
    """One request, (func, args, the seconds after which this process stops itself), read from
    `requests` and run: (whether it went well, ("ok" | "error", payload) pickled)."""
    import pickle

    try:
        func, args, limit = pickle.load(requests)
        _stop_after(limit)
        result = ("ok", func(*args))
    except CubeReadError as exc:
        result = ("error", exc)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent as text
        result = ("error", f"{type(exc).__name__}: {str(exc)[:300]}")
    _stop_after(0)
    try:
        return result[0] == "ok", pickle.dumps(result)
    except Exception as exc:  # an unpicklable result
        return False, pickle.dumps(
            ("error", f"result could not be returned ({type(exc).__name__}: {exc})")
        )


#: Seconds a warm worker waits for its next request before it ends itself (its parent starts
#: another at the next call): an idle interpreter with numpy and h5py holds some 60 MB.
WORKER_IDLE_S = 600
#: The exit status of a warm worker that ends between requests (EX_TEMPFAIL): a call that finds
#: it ended so was never taken, and is asked again in a new one (_ended_idle). Its idle end had
#: been status 0, as a compiled library's exit(0) during a call's work is, which was asked
#: again too: the work done twice.
WORKER_IDLE_EXIT = 75


def _worker_main() -> None:
    """Child side of the warm worker (_Worker): its start as _child_main's, then requests as
    _child_main's, one after another, each answer written as its length (8 bytes, big-endian)
    and its pickle. Ends, status WORKER_IDLE_EXIT, when stdin closes (its parent closed it, or
    died), after WORKER_IDLE_S without a request, or after a request that did not go well
    (what it read next could be out of step)."""
    import select
    import sys

    requests = sys.stdin.buffer
    answer = _start(requests)
    while select.select([requests], [], [], WORKER_IDLE_S)[0] and requests.peek(1):
        ok, data = _serve(requests)
        answer.write(len(data).to_bytes(8, "big") + data)
        answer.flush()
        if not ok:
            break
    sys.exit(WORKER_IDLE_EXIT)


def _stop_after(seconds: float) -> None:
    """End this process after `seconds` where the system can (POSIX: SIGALRM's default action,
    which needs no Python code to run, so it ends a loop inside libhdf5 too)."""
    import signal

    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.setitimer(signal.ITIMER_REAL, seconds)  # 0: no limit (a warm worker between calls)


#: Longest pause within a warm worker's answer once it has begun: the worker writes each whole,
#: so one that stops short (a length prefix garbled by a stray write) had kept the caller waiting
#: out the look's whole time limit, then blamed the file.
ANSWER_STALL_S = 5
#: Largest answer a warm worker's length prefix may announce (a look's is a few kB): anything
#: larger is a garbled prefix.
MAX_ANSWER_BYTES = 1 << 31


class _Garbled(Exception):
    """A warm worker's answer that is not one (its length or its pickle garbled)."""


class _Untaken(Exception):
    """A warm worker that took no request within the call's time (stopped, or stuck)."""


#: How a process that crashed ends: a warm worker that ended so while a call was in it crashed
#: on that call's file, which is not tried again in another (it had crashed twice).
_CRASH_SIGNALS = ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGFPE", "SIGILL", "SIGSYS", "SIGTRAP")


class _Worker:
    """A child interpreter kept between calls (_worker_main): requests pickled on its stdin,
    answers after STARTED on its stdout, each its length and its pickle. `key`: what it was
    started with (_warm_worker); `calls`: the requests it has been sent; `started`: whether its
    STARTED has been read, which a prestarted one's first call does at once (till then it may
    have started long ago: _after_start asks only while a call holds it). It imports `preload`
    (prestart's, or its first call's) as it starts."""

    def __init__(self, key: tuple, preload: tuple = ()):
        import os
        import pickle
        import subprocess
        import sys

        self.key, self.calls, self.started = key, 0, False
        self.received = bytearray()  # read from its stdout, not yet an answer
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-c", _WORKER_CODE],
            bufsize=0,  # lock-free pipes: a child forked mid-write closes them (_forget_worker)
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # sent with the first request (or at once: prestart)
        self.pending = pickle.dumps(list(sys.path)) + pickle.dumps(tuple(preload))
        # its stdin written only as far as it takes (_send): a write to a worker that reads
        # nothing (stopped, stuck) had blocked the caller past any time limit
        os.set_blocking(self.proc.stdin.fileno(), False)

    def ask(self, request: bytes, deadline: float) -> bytes:
        """The answer (a pickle) to `request`; TimeoutError past `deadline` (time.monotonic),
        _Untaken where by then it took no request, _Garbled where what came is no answer,
        EOFError or OSError where the worker ended without one. One message at a time goes to
        it, the next once it has answered (its start: STARTED), so that what its buffered
        stdin reads ahead is never the next one, which its wait on the pipe would not see."""
        self.calls += 1
        if not self.started:
            self.send_pending(deadline)
            try:
                self._receive(self._started, deadline)
            except TimeoutError:  # its start (the imports) never ended: not the file's
                raise _Untaken from None
        self._send(request, deadline)
        return self._receive(self._answer, deadline)

    def send_pending(self, deadline: float) -> None:
        """What it needs to start (sys.path, the modules to import) sent, where not yet."""
        if self.pending:
            self._send(self.pending, deadline)
            self.pending = b""

    def _send(self, message: bytes, deadline: float) -> None:
        """`message` written to its stdin; _Untaken past `deadline` (time.monotonic)."""
        import math
        import os
        import select
        import time

        fd = self.proc.stdin.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        view = memoryview(message)
        while view:  # the pipe takes what it has room for
            left = deadline - time.monotonic()
            if left <= 0 or not poll.poll(math.ceil(left * 1000)):
                raise _Untaken
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:  # another writer filled the room: wait again
                pass

    def _receive(self, take, deadline: float):
        """What take() finds in what has been received, reading on until it finds something."""
        import math
        import os
        import select
        import time

        fd = self.proc.stdout.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLIN)
        while not (got := take()):
            left = deadline - time.monotonic()
            # an answer begun is written whole at once: one that stops short is not ours
            stall = ANSWER_STALL_S if self.started and self.received else left
            if left <= 0 or not poll.poll(math.ceil(min(left, stall) * 1000)):
                if 0 < stall < left:
                    raise _Garbled(f"its answer stopped {stall:g} s short of its length")
                raise TimeoutError
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise EOFError
            self.received += chunk
        return got

    def _started(self) -> bool:
        """Whether STARTED has come; what the interpreter's start-up printed before it is left
        out (call_in_child)."""
        at = self.received.find(STARTED)
        if at >= 0:
            self.started = True
            del self.received[: at + len(STARTED)]
        return self.started

    def _answer(self) -> bytes | None:
        """The first whole answer received (taken out), else None."""
        if len(self.received) < 8:
            return None
        size = 8 + int.from_bytes(self.received[:8], "big")
        if size > MAX_ANSWER_BYTES:
            raise _Garbled(f"its answer began with a length of {size - 8:,} bytes")
        if len(self.received) < size:
            return None
        answer = bytes(self.received[8:size])
        del self.received[:size]
        return answer

    def close(self) -> None:
        """Close its stdin, on which it ends (at once when idle); killed if it has not ended a
        second later (it was busy)."""
        import contextlib
        import subprocess

        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            _kill(self.proc)
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdout.close()


#: This process's warm worker (None: none started, or the last one ended), and the lock that
#: the call using it holds: a call that finds it taken starts a child of its own at once (a
#: wait for it, 6a69f8cb, is gone: test_mutation_audit27's scan-no-longer-chosen test timed out
#: with it, 6ac345bc).
_WORKER: _Worker | None = None
_WORKER_LOCK = threading.Lock()
#: Longest a call waits for the warm worker while another thread's call waits for its start
#: (_after_start): about what a child of its own takes to start (1.0-3.8 s at load 10).
START_WAIT_S = 5.0
#: Longest that call then waits for the look the worker serves first (10-31 ms; a file that
#: hangs it must not keep it).
LOOK_WAIT_S = 0.25
#: Whether _at_exit_and_fork has run (at the first worker's start).
_HOOKED = False
#: The variables of the environment that bear on a worker's work, by the start of their names:
#: libhdf5's (HDF5_USE_FILE_LOCKING, HDF5_PLUGIN_PATH, the HDF5_*_PREFIX folders, which
#: fileutil reads too) and h5py's. A change to one starts a new worker, which takes the
#: environment anew; any other is left out: the key held all of os.environ, so `import napari`
#: (SPARSE_AUTO_DENSIFY), qtpy (QT_API) or scikit-learn (KMP_*), imported after a worker
#: started, threw it away, and the next look waited 1-2 s for another. The interpreter and
#: sys.path, not PYTHONPATH, say what it imports (the key holds them).
_ENV_KEPT = ("HDF5", "H5PY")


def _in_worker(
    func, args: tuple, path, what: str, timeout: float, deadline: float, stopped, preload: tuple
) -> tuple[bool, object]:
    """(True, func(*args) run in the warm worker by `deadline` (time.monotonic)), or (False,
    None) where there is no warm worker here (no select.poll: Windows) or it serves another
    thread's call (no call waits behind another file's hang), or this process's working folder
    is gone (the one-shot child shares it). Errors as call_in_child's."""
    import os
    import select

    if not hasattr(select, "poll"):
        return False, None
    try:
        # the worker took the working folder at its start only: after an os.chdir, a relative
        # path (or a link's) named another folder's file, whose layout was then handed
        folder = os.getcwd()
    except OSError:
        return False, None
    # a wait for the worker's start takes half the call's time at most: its child has the rest
    wait = min(START_WAIT_S, timeout / 2)
    if not _WORKER_LOCK.acquire(blocking=False) and not _after_start(wait):
        return False, None
    try:
        work = (_in_folder, (folder, func, args))
        return True, _ask_worker(*work, path, what, timeout, deadline, stopped, preload)
    finally:
        _WORKER_LOCK.release()


def _after_start(wait: float) -> bool:
    """Whether the worker's lock was taken after waiting for the worker's start: a call that
    finds it taken while the warm worker starts (prestarted as napari claimed a file, whose
    first look holds it) waits for that start, up to `wait` s, then for the first look in it up
    to LOOK_WAIT_S, rather than start an interpreter of its own beside the worker's: two files'
    looks took 1.7-2.2 s, four 3.4-3.7 s, each paying a start on the same 2 cores. A call that
    finds the worker started and busy takes a child at once (False). The caller's time limit
    runs meanwhile (_in_worker waits up to half of it): the wait came on top of it, a look of
    limit T refused after up to T + 5.25 s."""
    import time

    worker = _WORKER
    if worker is not None and worker.started:
        return False
    now = time.monotonic()
    end, over = now + wait, None  # over: since when its start is seen over
    while now < end:
        worker = _WORKER
        if worker is not None and worker.started:
            over = over or now
            if now - over >= LOOK_WAIT_S:
                break
        else:  # starting (None: the call holding the lock starts one)
            over = None
        if _WORKER_LOCK.acquire(timeout=min(0.02, end - now)):
            return True
        now = time.monotonic()
    return False


def _ask_worker(
    func, args: tuple, path, what: str, timeout: float, deadline: float, stopped, preload: tuple
):
    """func(*args) in the warm worker (one started where there is none, or where the one there
    was started with another interpreter, sys.path or environment; it imports `preload` as it
    starts), which is killed and dropped when it runs past `deadline` (time.monotonic: the
    call's `timeout` s from its start) and dropped when it ends or fails. A worker started
    before this call (for earlier calls, or by prestart) that ended without answering (on its
    own, idle, as the call came; killed by the system; or harmed by an earlier file) is
    replaced and the call asked once more, within the same time, unless it crashed
    (_CRASH_SIGNALS: on this call's file) or ended with an exit status other than its idle end's
    (_ended_idle). A worker that takes no request in that time, or answers garbled, is killed
    and dropped, and the call fails saying so, not blaming the file."""
    import pickle
    import time

    global _WORKER
    request = pickle.dumps((func, args, deadline - time.monotonic() + CHILD_GRACE_S))
    while True:
        before = _WORKER
        worker = _warm_worker(path, what, preload)
        # not `worker.calls > 0`: a prestarted worker has taken none, and one that ended idle
        # (or was killed) as its first look came was told as a crash on that look's file
        reused = worker is before
        try:
            answer = worker.ask(request, deadline)
            status = _unpickled(answer)
        except (_Garbled, _Untaken) as exc:
            _WORKER = None
            left = _kill(worker.proc)
            if isinstance(exc, _Untaken):
                why = f"took no request within {timeout:g} s (stopped, or stuck)"
            else:
                why = f"answered garbled data ({exc})"
            raise CubeReadError(
                path,
                f"{what} failed: the separate process that runs it {why}; it was stopped "
                f"and the next try starts another{f'. {left}' if left else ''}",
            ) from None
        except TimeoutError:
            _WORKER = None
            left = _kill(worker.proc)  # known stuck: no grace period
            if left:
                raise CubeReadError(path, f"{stopped.problem}. {left}") from None
            raise stopped from None
        except (EOFError, OSError):  # it ended without answering
            _WORKER = None
            worker.close()
            if reused and _ended_idle(worker.proc.returncode):
                continue  # (a prestarted one killed before its start was done, too)
            if not worker.started:  # no Python, not ours, or it crashed in its imports
                _not_started(worker.proc.returncode, path, what)
            return _result(b"", worker.proc.returncode, path, what, stopped, deadline)
        except BaseException:  # Ctrl-C while waiting: no worker left in the middle of a call
            _WORKER = None
            _kill(worker.proc)
            raise
        try:
            return _result(status, 0, path, what, stopped, deadline)
        except BaseException:  # it ends after a call that failed: dropped
            _WORKER = None
            worker.close()
            raise


def _unpickled(answer: bytes) -> tuple:
    """A warm worker's answer, ("ok" | "error", payload), unpickled; _Garbled where it is not."""
    import pickle

    try:
        status = pickle.loads(answer)
    except Exception as exc:  # noqa: BLE001 - garbled bytes raise anything
        raise _Garbled(f"not a whole answer: {type(exc).__name__}") from None
    if not (isinstance(status, tuple) and len(status) == 2):
        raise _Garbled("not a whole answer")
    return status


def _not_started(code, path, what: str) -> NoReturn:
    """Raises why a child that never wrote STARTED ended, from its exit status `code`: NoChild
    (no Python, not ours, or it crashed in its imports), or, ended from outside by a signal (the
    system's out-of-memory SIGKILL as it imported numpy and h5py; SIGALRM too, its own timer is
    set with the work only), that it was stopped before it took the file: _result's words had it
    "read" the file, too big for memory each time ("a damaged file can"), or, for SIGALRM, run
    out its time ("did not finish within 30 s", after 0.4 s; the file "probably damaged")."""
    if code is not None and code < 0 and not _crashed(code):
        raise CubeReadError(
            path,
            f"{what} was stopped: the separate process for it was killed by signal "
            f"{_signal(code)} before it answered, {_FROM_OUTSIDE}, as it started, before it "
            "took the file: no sign of a damaged file; open it again",
        )
    if code is not None and code < 0:
        raise NoChild(path, what, f"it crashed as it started, killed by signal {_signal(code)}")
    raise NoChild(path, what, f"it ended at once, exit status {code}")


def _signal(code: int) -> str:
    """The name of the signal that ended a process of exit status `code` (negative), or its
    number where Python names none (a real-time signal: signal.Signals raised ValueError, which
    had escaped the reader in place of its CubeReadError)."""
    import signal

    try:
        return signal.Signals(-code).name
    except ValueError:
        return str(-code)


def _ended_idle(code) -> bool:
    """Whether a warm worker that ended as a call came may have ended before it took the call:
    on its own (idle past WORKER_IDLE_S: WORKER_IDLE_EXIT) or from outside (a signal other than
    a crash's: the system's out-of-memory kill). One that ended with another exit status (a
    compiled library's exit(), exit(0) too, on the work) was asked again, and did the work
    twice."""
    return code == WORKER_IDLE_EXIT or (code is not None and code < 0 and not _crashed(code))


def _crashed(code) -> bool:
    """Whether a process's exit status `code` is a crash's (_CRASH_SIGNALS)."""
    import signal

    crashes = {getattr(signal, name) for name in _CRASH_SIGNALS if hasattr(signal, name)}
    return code is not None and -code in crashes


def _in_folder(folder: str, func, args: tuple):
    """Worker side: func(*args) with `folder` the working folder, as its caller's."""
    import os

    os.chdir(folder)
    return func(*args)


def _warm_worker(path, what: str, preload: tuple = ()) -> _Worker:
    """The warm worker, started where there is none, or where the one there has ended or was
    started with another interpreter, sys.path or environment than this call's (one started
    here imports `preload` at its start)."""
    import os
    import sys

    global _WORKER
    key = (
        sys.executable,
        tuple(sys.path),
        tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(_ENV_KEPT))),
    )
    worker = _WORKER
    if worker is not None and (worker.key != key or worker.proc.poll() is not None):
        _WORKER = None
        worker.close()
    if _WORKER is None:
        _at_exit_and_fork()
        try:
            _WORKER = _Worker(key, preload)
        except OSError as exc:
            raise NoChild(path, what, exc.strerror or str(exc)) from None
    return _WORKER


def prestart(*modules: str) -> None:
    """Start this process's warm worker where there is none (POSIX), importing `modules` there
    (what its calls will need), and return at once: the first call (an HDF5 file's first look,
    on napari's GUI thread) paid that start, 1.0-3.8 s at load, for a look of 15-31 ms. Nothing
    is done while the worker serves a call; never raises (the call starts one as before)."""
    import select
    import time

    global _WORKER
    if not hasattr(select, "poll") or not _WORKER_LOCK.acquire(blocking=False):
        return
    try:
        worker = _warm_worker(None, "", modules)
        try:
            worker.send_pending(time.monotonic() + 1)  # a pipe's room: at once
        except (_Untaken, OSError):
            _WORKER = None
            _kill(worker.proc)
    except Exception:  # noqa: BLE001, S110 - the call that needs it says what is wrong
        pass
    finally:
        _WORKER_LOCK.release()


def _at_exit_and_fork() -> None:
    """See, once, that no worker outlives this process (closed at exit) or is shared with a
    child forked from it (which gets none of its own, and closes its copies of the pipes)."""
    import atexit
    import os

    global _HOOKED
    if not _HOOKED:
        _HOOKED = True
        atexit.register(_close_worker)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_forget_worker)


def _close_worker() -> None:
    """Close the warm worker (at exit)."""
    global _WORKER
    worker, _WORKER = _WORKER, None
    if worker is not None:
        worker.close()


def _forget_worker() -> None:
    """In a child forked from this process: the parent's worker is not this one's."""
    import contextlib

    global _WORKER, _WORKER_LOCK
    worker, _WORKER, _WORKER_LOCK = _WORKER, None, threading.Lock()
    if worker is not None:
        for pipe in (worker.proc.stdin, worker.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                pipe.close()
