"""`generate --workers N` runs one BLAS/OpenMP thread per worker: the workers fill the cores.

Found on a 16-core GPU machine (benchmarks/gpu_check.sh, session 37): numpy's OpenBLAS, loaded
before the worker's initializer set OPENBLAS_NUM_THREADS, ran a thread per core in every worker;
`bench_synth.py --style paper --size 128 --workers 12` there: 2.51 cubes/s, 3.58 limited."""

import multiprocessing as mp

import pytest


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


def test_one_worker_generates_in_process_on_one_thread(tmp_path, monkeypatch):
    """`--workers 1` makes the cubes in this process, on one core as each pool worker does (it ran
    a BLAS thread per core: on 16 cores 9.6 s of CPU over 2.1 s wall per paper-style cube)."""
    from threadpoolctl import threadpool_limits

    from xrf_napari.synth import dataset
    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset

    seen = []

    def fake_one(index, cfg):
        seen.append(_thread_counts(index))
        return {"index": index, "file": f"cube_{index:05d}.h5"}

    monkeypatch.setattr(dataset, "generate_one", fake_one)
    with threadpool_limits(2):  # a parent allowed more than one (this machine has 2 cores)
        before = _thread_counts(0)
        cfg = GenerateConfig(out=str(tmp_path / "set"), n_cubes=2, size=32, seed=0)
        generate_dataset(cfg, workers=1, progress=False)
        after = _thread_counts(0)
    if not any(n > 1 for _, n in before):
        pytest.skip(f"no library here runs more than one thread ({before}): nothing to limit")
    assert len(seen) == 2 and all(n == 1 for counts in seen for _, n in counts), seen
    assert after == before  # the limit ends with the run
