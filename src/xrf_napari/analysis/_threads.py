"""One BLAS and OpenMP thread for loops of tiny products (K-Means on 3-D points, the survey's
cell groups, the pigment library): their threads spin-wait, and on a busy 2-core machine two
threads made them 2-40x slower than one (K-Means 0.15 s -> 3.3 s for 15k points).

OpenMP's thread count belongs to the calling thread, so each caller limits its own. OpenBLAS's
belongs to the process: it stays at one while any caller runs and goes back when the last one
leaves. Plain nested threadpool_limits, one job ending inside another's (a scan's survey during
Embed's clustering), restored the second job's "original" of one and left every later numpy
product on one BLAS thread for the session."""

import threading
from contextlib import contextmanager

_lock = threading.Lock()
_blas_users = 0
_blas_limit = None


@contextmanager
def one_thread():
    global _blas_users, _blas_limit
    from threadpoolctl import threadpool_limits

    with _lock:
        if _blas_users == 0:
            _blas_limit = threadpool_limits(1, user_api="blas")
        _blas_users += 1
    try:
        with threadpool_limits(1, user_api="openmp"):
            yield
    finally:
        with _lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limit.restore_original_limits()
                _blas_limit = None
