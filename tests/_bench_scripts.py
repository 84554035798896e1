"""The benchmark scripts as tests see them: those of the checkout whose xrf_napari is imported
(its benchmarks/ folder), loaded as modules without running their main."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import xrf_napari

_HERE = Path(xrf_napari.__file__).resolve().parents[2] / "benchmarks"
BENCH = _HERE if _HERE.is_dir() else Path(__file__).resolve().parents[1] / "benchmarks"


def load_script(name: str):
    """A benchmark script as a module (its main does not run). sys.path is restored whole: a
    script that puts its checkout's src/ first (fuzz_readers) changed how napari's plugins were
    found by later tests (test_writer27 saw another default writer)."""
    saved = list(sys.path)
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path[:] = saved
