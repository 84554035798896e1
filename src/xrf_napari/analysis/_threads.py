"""One BLAS and OpenMP thread for loops of tiny products (K-Means on 3-D points, the survey's
cell groups, the pigment library's xraylib calls): their threads spin-wait, and on a busy 2-core
machine two threads made them 2-40x slower than one (K-Means 0.15 s -> 3.3 s for 15k points).

OpenMP's thread count belongs to the calling thread. OpenBLAS's (pthreads) belongs to the
process, and threadpoolctl (>= 3.8) lets one thread at a time change it: while one job's limit
is in force, another thread's limit does nothing. Two limits that overlap in threads (Embed's
K-Means and a scan's survey) can still end in the wrong order: when the first ends first and its
thread is gone, the second restores its own "original" of one, and numpy's BLAS stays on one
thread for the session (speed only: audit35's race.py). A count shared by the threads was tried
(d9e6bff) and reverted: it held threadpoolctl's limit outside its context, which left the first
thread in control for its life, so that every later limit of another thread did nothing.
"""


def one_thread():
    """A context: one BLAS and OpenMP thread in this block."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
