"""One BLAS and OpenMP thread for loops of tiny products (K-Means on 3-D points, the survey's
cell groups, the pigment library's xraylib calls): their threads spin-wait, and on a busy 2-core
machine two threads made them 2-40x slower than one (K-Means 0.15 s -> 3.3 s for 15k points).

OpenMP's thread count belongs to the calling thread: every caller limits its own. OpenBLAS's
(pthreads) belongs to the process, and threadpoolctl (>= 3.8) lets one thread at a time change
it. So only the first of overlapping callers (Embed's K-Means, a scan's survey) limits BLAS, in
threadpoolctl's own context, and restores it as it leaves; a caller that comes meanwhile runs
with whatever BLAS count is in force. Plain nested limits, one per caller, ended in the wrong
order when the first ended first: the second restored its "original" of one, and numpy's BLAS
stayed on one thread for the session (audit35's race.py). A count shared by the callers held
threadpoolctl's limit outside its context (d9e6bff, reverted): the first thread kept control of
OpenBLAS for its life, and every later limit of another thread did nothing."""

import threading
from contextlib import contextmanager

_lock = threading.Lock()
_blas_owner = None  # the thread whose one_thread limits BLAS now


@contextmanager
def one_thread():
    """A context: one OpenMP thread in this block, and one BLAS thread unless another thread's
    one_thread already holds that limit. Only for the runtimes loaded as it starts: import the
    library whose loops it limits first (sklearn, xraylib_np); one loaded inside keeps its
    default count (Embed's K given imported sklearn inside: all cores' threads)."""
    global _blas_owner
    from threadpoolctl import ThreadpoolController, threadpool_limits

    me = threading.current_thread()
    with _lock:
        first = _blas_owner is None
        if first:
            _blas_owner = me
    if first:
        try:
            with threadpool_limits(1):
                yield
        finally:
            with _lock:
                _blas_owner = None
        return
    # outside threadpoolctl's context on purpose: entering one would count this thread among
    # the owners of OpenBLAS's limit, and the first caller, leaving, would not give it back; and
    # on OpenMP's libraries alone: threadpool_limits(user_api="openmp") restores every library,
    # BLAS too, to what it saw (one thread, under the first caller's limit)
    limit = ThreadpoolController().select(user_api="openmp").limit(limits=1)
    try:
        yield
    finally:
        limit.restore_original_limits()
