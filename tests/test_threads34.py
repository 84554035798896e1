"""The one-thread limit of tiny-product loops (survey groups, K-Means, pigment library): OpenMP's
count stays in the thread that asked (a survey's limit must not slow Embed's torch in another
thread), and after a limit in a worker thread another thread's limit still takes effect
(d9e6bff's shared count left the first worker in control of OpenBLAS for its life, and every
later limit of another thread did nothing)."""

import sys
import threading

import numpy  # noqa: F401  (loads OpenBLAS before the limits look for it)
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from xrf_napari.analysis._threads import one_thread


@pytest.fixture(autouse=True)
def _two_threads():
    """BLAS and torch on two threads, as on a 2-core machine by default, so that a limit of one
    shows: under xdist conftest gives each worker its share of the cores (one thread on CI's
    two), where these tests had nothing to limit. The counts are given back afterwards."""
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(2)
    try:
        with threadpool_limits(2, user_api="blas"):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(threads)


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _no_thread_controls_openblas() -> None:
    """As in a fresh process: threadpoolctl (>= 3.8) lets one thread at a time control OpenBLAS's
    pool, and an earlier test's thread may still hold it."""
    import threadpoolctl

    controller = getattr(threadpoolctl, "OpenBLASController", None)
    if controller is not None:
        controller.clear_controlling_thread(force=True)


def test_the_openmp_limit_stays_in_the_thread_that_asked():
    torch = pytest.importorskip("torch")
    main = torch.get_num_threads()
    inside = []

    def worker():
        # torch's first call in a thread sets that thread's count to the last torch.set_num_threads
        # of the process (an earlier test's), over a limit set before it: made here, as a dock's
        # worker that embedded has
        torch.get_num_threads()
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
    _no_thread_controls_openblas()
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


@pytest.mark.parametrize("first_out", ["A", "B"])
def test_overlapping_limits_leave_blas_as_it_was_in_either_order(first_out):
    """A (Embed's K-Means) limits, B (a scan's survey) comes while A runs; either leaves first,
    and A's thread may be gone by then. A-first-out left numpy's BLAS on one thread for the
    session (audit35's race.py, a05078e)."""
    before = _blas_threads()
    if not before or max(before) < 2:
        pytest.skip(f"BLAS runs {before or 'no'} thread(s) here: nothing to restore")
    _no_thread_controls_openblas()
    a_in, b_in, a_out, b_out = (threading.Event() for _ in range(4))
    seen = {}

    def a():
        with one_thread():
            seen["A"] = _blas_threads()
            a_in.set()
            b_in.wait(20)
            if first_out == "B":
                b_out.wait(20)
        a_out.set()

    def b():
        a_in.wait(20)
        with one_thread():
            b_in.set()
            if first_out == "A":
                a_out.wait(20)
        b_out.set()

    threads = [threading.Thread(target=f) for f in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert seen["A"] == [1] * len(before)
    assert _blas_threads() == before
    with one_thread():  # and the next caller can still limit it
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before
