"""Session 53, readers: the contrast sample is kept only for the napari reader that uses it."""

import pytest

zarr = pytest.importorskip("zarr")


def test_read_cube_from_python_keeps_no_contrast_sample(tmp_path, monkeypatch):
    """A script's or the CLI's read_cube held the cube layer's contrast sample (up to 2 MiB) for
    the cube's life, though only napari's reader uses it."""
    from test_zarr52 import _counted_store

    from xrf_napari.io import read_cube

    path, _ = _counted_store(tmp_path, monkeypatch)
    assert read_cube(path, auto_calibrate=False).opening_sample is None
    kept = read_cube(path, auto_calibrate=False, keep_contrast_sample=True).opening_sample
    assert kept is not None and kept.shape[2] == 16
