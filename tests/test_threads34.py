"""The one-thread limit of tiny-product loops (survey groups, K-Means, pigment library): OpenMP's
count stays in the thread that asked (a survey's limit must not slow Embed's torch in another
thread), and after a limit in a worker thread another thread's limit still takes effect
(d9e6bff's shared count left the first worker in control of OpenBLAS for its life, and every
later limit of another thread did nothing)."""

import threading

import numpy  # noqa: F401  (loads OpenBLAS before the limits look for it)
import pytest
from threadpoolctl import threadpool_info

from xrf_napari.analysis._threads import one_thread


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_the_openmp_limit_stays_in_the_thread_that_asked():
    torch = pytest.importorskip("torch")
    main = torch.get_num_threads()
    inside = []

    def worker():
        with one_thread():
            inside.append(torch.get_num_threads())

    with one_thread():
        t = threading.Thread(target=worker)
        t.start()
        t.join(20)
        assert torch.get_num_threads() == 1
    assert inside == [1] and torch.get_num_threads() == main


def test_after_a_worker_thread_limited_blas_other_threads_still_can():
    before = _blas_threads()
    if not before or max(before) < 2:
        pytest.skip(f"BLAS runs {before or 'no'} thread(s) here: nothing to limit")
    import threadpoolctl

    # as in a fresh process: no thread controls OpenBLAS's pool (threadpoolctl >= 3.8 lets one)
    clear = getattr(
        getattr(threadpoolctl, "OpenBLASController", None), "clear_controlling_thread", None
    )
    if clear is not None:
        clear(force=True)
    done, leave = threading.Event(), threading.Event()

    def worker():  # a pool thread: it lives on after its job
        with one_thread():
            pass
        done.set()
        leave.wait(20)

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert done.wait(20)
        assert _blas_threads() == before
        with one_thread():
            assert _blas_threads() == [1] * len(before)
        assert _blas_threads() == before
    finally:
        leave.set()
        t.join(20)
