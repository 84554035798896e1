"""Review of session 59's HDF5 picture refusal (84d31b12): a colour photograph beside the scan."""

from __future__ import annotations

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")


def test_a_photo_larger_than_the_scan_beside_it_is_passed_over(tmp_path):
    """A file holding a 20 x 30 scan of 256 channels and a 600 x 800 RGB photograph of it: discovery
    took the larger photo (its 600 rows for channels) and 84d31b12 refused the whole file as "an
    RGB colour picture"; the scan beside it is read."""
    from xrf_napari.io import read_cube
    from xrf_napari.io.hdf5_looked import LOOKED, file_key

    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["scan/counts"] = np.ones((20, 30, 256), np.uint16)
        f["photo/rgb"] = np.zeros((600, 800, 3), np.uint8)
        f["photo/rgba"] = np.full((500, 700, 4), 0.5, np.float32)
    LOOKED.add(file_key(path))  # no first-look child process
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["dataset"] == "/scan/counts"
    assert cube.shape == (20, 30, 256)
