"""Session 61, lead: an HDF5 scan behind a user block larger than MATLAB's 512 bytes."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.energy import Calibration
from xrf_napari.fileutil import file_kind
from xrf_napari.io import read_cube
from xrf_napari.io.project_h5 import write_cube


@pytest.mark.parametrize("userblock", [1024, 4096])
def test_a_scan_behind_a_large_user_block_is_read(tmp_path, userblock):
    """HDF5 opens a file whose signature sits at 1024, 2048, ... bytes (h5py userblock_size);
    the file kinds looked at 0 and 512 only, so such a scan was refused as 'not HDF5'."""
    h5py = pytest.importorskip("h5py")
    plain, blocked = tmp_path / "plain.h5", tmp_path / "blocked.h5"
    counts = np.arange(4 * 5 * 16, dtype=np.float32).reshape(4, 5, 16)
    write_cube(plain, counts, Calibration(0.0, 0.01))
    with h5py.File(plain, "r") as src, h5py.File(blocked, "w", userblock_size=userblock) as dst:
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        for name in src:
            src.copy(name, dst)
    with open(blocked, "r+b") as fh:  # a user block of text, as a program's header would be
        fh.write(b"my instrument's header\n".ljust(userblock, b" "))
    assert file_kind(blocked) == "hdf5"
    got = read_cube(blocked)
    want = read_cube(plain)
    assert np.array_equal(np.asarray(got.read_pixel(2, 3)), np.asarray(want.read_pixel(2, 3)))
