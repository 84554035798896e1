"""`generate --workers N` runs one BLAS/OpenMP thread per worker: the workers fill the cores.

Found on a 16-core GPU machine (benchmarks/gpu_check.sh, session 37): numpy's OpenBLAS, loaded
before the worker's initializer set OPENBLAS_NUM_THREADS, ran a thread per core in every worker;
`bench_synth.py --style paper --size 128 --workers 12` there: 2.51 cubes/s, 3.58 limited."""

import multiprocessing as mp


def _thread_counts(_):
    import numpy as np  # noqa: F401  (what a generator worker has loaded)
    import sklearn.cluster  # noqa: F401  (paper style's MiniBatchKMeans: OpenMP)
    from threadpoolctl import threadpool_info

    return [(d["prefix"], d["num_threads"]) for d in threadpool_info()]


def test_generator_workers_run_one_blas_thread_each(monkeypatch):
    from xrf_napari.synth.dataset import _init_worker

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "")  # a parent with no limit, as in a plain shell
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    with mp.get_context("spawn").Pool(1, initializer=_init_worker) as pool:
        counts = pool.map(_thread_counts, [0])[0]
    assert counts, "no BLAS or OpenMP library found in the worker"
    assert all(n == 1 for _, n in counts), counts
