"""Which code made a result: the package version and, when it runs from a git checkout (how the
shipped weights and the benchmarks were trained), the commit and whether the tree had edits.

A recorded command reruns as written only with the code that ran it: the generator changed
since the shipped pair's data was made (same labels and colours, other counts), and nothing
recorded which code that was (reproducibility audit 26, finding 4)."""

from __future__ import annotations

import functools
from pathlib import Path


@functools.lru_cache(maxsize=1)
def code_identity() -> dict:
    """{"xrf_napari": version, "git_commit": sha or None, "git_dirty": bool or None}."""
    import subprocess

    from . import __version__

    out = {"xrf_napari": __version__, "git_commit": None, "git_dirty": None}
    root = Path(__file__).resolve().parents[2]  # src/xrf_napari -> the checkout
    if not (root / ".git").exists():  # an installed wheel: the version is all there is
        return out

    def git(*args) -> str | None:
        try:
            run = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return run.stdout.strip() if run.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit:
        status = git("status", "--porcelain", "--untracked-files=no", "--", "src")
        out["git_commit"] = commit
        out["git_dirty"] = None if status is None else bool(status)
    return out
