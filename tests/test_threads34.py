"""The one-thread limit of tiny-product loops (survey groups, K-Means, pigment library) is shared
by the threads that ask for it. Plain nested threadpool_limits, one job ending inside another's
(a scan's survey during Embed's clustering), restored the later job's "original" of one thread
and left numpy's BLAS on one thread for the rest of the session."""

import threading

import numpy  # noqa: F401  (loads OpenBLAS before the limits look for it)
import pytest
from threadpoolctl import threadpool_info

from xrf_napari.analysis._threads import one_thread


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _run(*steps):
    """Two threads A and B; each step runs in its thread once the previous step has run."""
    done = [threading.Event() for _ in steps]
    seen = {}

    def thread(name):
        stack = []
        for i, (who, what) in enumerate(steps):
            if who != name:
                continue
            if i:
                assert done[i - 1].wait(10)
            if what == "enter":
                ctx = one_thread()
                ctx.__enter__()
                stack.append(ctx)
            elif what == "leave":
                stack.pop().__exit__(None, None, None)
            else:
                seen[what] = _blas_threads()
            done[i].set()

    threads = [threading.Thread(target=thread, args=(n,)) for n in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert all(e.is_set() for e in done)
    return seen


def test_a_job_ending_inside_another_leaves_blas_as_it_was():
    before = _blas_threads()
    if not before or max(before) < 2:
        pytest.skip(f"BLAS runs {before or 'no'} thread(s) here: there is nothing to restore")
    seen = _run(
        ("A", "enter"),
        ("B", "enter"),
        ("A", "leave"),
        ("B", "B alone"),  # B's tiny products still on one thread
        ("B", "leave"),
    )
    assert seen["B alone"] == [1] * len(before)
    assert _blas_threads() == before


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
