"""Shared fixtures. Real instrument files live outside the repo (../shared/data/real)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(os.environ.get("XRF_NAPARI_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real scans and headers; tests using it skip when it is absent (a user's clone)."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent (set XRF_NAPARI_REAL_DATA to enable)")
    return REAL_DATA
