"""The benchmark scripts as tests see them: those of the checkout whose xrf_napari is imported
(its benchmarks/ folder), loaded as modules without running their main."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import xrf_napari

#: The checkout whose xrf_napari is imported (a worktree's, with PYTHONPATH=<worktree>/src).
CHECKOUT = Path(xrf_napari.__file__).resolve().parents[2]
_HERE = CHECKOUT / "benchmarks"
BENCH = _HERE if _HERE.is_dir() else Path(__file__).resolve().parents[1] / "benchmarks"


def load_module(path: Path, name: str, first_on_path: Path | None = None):
    """The Python file `path` as module `name` (its main does not run), with `first_on_path`
    first on sys.path while it runs. sys.path is restored whole: a script that puts its
    checkout's src/ first (fuzz_readers) changed how napari's plugins were found by later tests
    (test_writer27 saw another default writer)."""
    saved = list(sys.path)
    if first_on_path is not None:
        sys.path.insert(0, str(first_on_path))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path[:] = saved


def load_script(name: str):
    """A benchmark script as a module (its main does not run; see load_module)."""
    return load_module(BENCH / f"{name}.py", f"_bench_{name}", first_on_path=BENCH)
