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
