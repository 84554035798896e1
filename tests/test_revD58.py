"""Review of session 58's dock fixes (docks58): torch imported on a thread of its own for the
jobs of Embed & cluster and Recolour (widgets/_jobs.import_torch_steps)."""

from __future__ import annotations

import builtins

import pytest


def test_a_failed_torch_import_is_told_by_its_own_error_and_never_run_again(monkeypatch):
    """b72b1ef5's import thread swallowed the import's error, and each job imported torch again
    in its own thread: a torch that failed half-way (a missing shared library) leaves its
    submodules imported, and imported again it fails with another error that names no cause
    ("function '_has_torch_function' already has a docstring"; pytorch#194654: it may also
    corrupt memory), read no stop meanwhile. Every run is told the first import's error."""
    from xrf_napari.widgets import _jobs

    monkeypatch.setattr(_jobs, "_TORCH_IMPORT", [], raising=False)  # not started in this test
    real, tries = builtins.__import__, []

    def importing(name, *args, **kwargs):
        if name != "torch":
            return real(name, *args, **kwargs)
        tries.append(name)
        if len(tries) == 1:
            raise ImportError("libtorch_cpu.so: cannot open shared object file")
        raise RuntimeError("function '_has_torch_function' already has a docstring")

    monkeypatch.setattr(builtins, "__import__", importing)
    for _run in range(2):  # the first run, then the next
        with pytest.raises(ImportError, match="libtorch_cpu.so"):
            list(_jobs.import_torch_steps(poll_s=0.01))
    assert tries == ["torch"]


def test_embed_stops_between_its_check_s_read_and_the_embedder_s_pass(monkeypatch):
    """b72b1ef5 gave Embed & cluster's job a point to stop at after analysis.ood.check_scan, which
    read its pixels and ran the embedder over them (0.5-1 s each part on two busy cores) with
    none between: a Cancel waited for both. It stops after the read (iter_check_scan)."""
    import threading
    import types

    import numpy as np

    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.analysis.ood as ood_mod
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration
    from xrf_napari.widgets import _jobs
    from xrf_napari.widgets.embed import _embed_cluster_job

    imported = threading.Event()
    imported.set()
    monkeypatch.setattr(_jobs, "_importing_torch", lambda: imported)
    done = []
    embedder = types.SimpleNamespace(device="cpu")
    monkeypatch.setattr(embed_mod, "load_embedder", lambda *a: done.append("load") or embedder)
    monkeypatch.setattr(
        ood_mod, "sample_canonical_pixels", lambda *a: done.append("read") or np.ones((4, 512))
    )
    monkeypatch.setattr(ood_mod, "excess_per_count", lambda *a: done.append("model") or np.zeros(4))
    cube = cube_from_array(np.ones((2, 3, 8), np.uint16), Calibration.canonical())
    steps = _embed_cluster_job(cube, "w", "cpu", None)
    while "read" not in done:
        next(steps)
    steps.close()  # the job's stop at its next step
    assert done == ["load", "read"]
