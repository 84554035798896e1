"""Shared test helpers for the reader tests: file fingerprints to prove inputs stay unchanged."""

import hashlib
from pathlib import Path


def fingerprint(path) -> tuple:
    """(mtime_ns, sha256) of a file, or of every file under a directory."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    mtimes = []
    for f in files:
        h.update(f.read_bytes())
        mtimes.append(f.stat().st_mtime_ns)
    return tuple(mtimes), h.hexdigest()
