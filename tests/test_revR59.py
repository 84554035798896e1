"""Session 59, review of the readers' commits: what HDF5 does not read is not taken as read."""

from __future__ import annotations

import os

import h5py
import pytest
from test_readers57 import CUBE
from test_readers59 import _looked

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def test_origin_is_expanded_only_where_hdf5_expands_it(tmp_path, monkeypatch):
    """e0733768 expanded ${ORIGIN} in every folder of $HDF5_VDS_PREFIX and $HDF5_EXT_PREFIX; HDF5
    expands it only at the start of the whole $HDF5_VDS_PREFIX. A virtual source under
    "<none>:${ORIGIN}/sub" was taken as found, and the scan opened as HDF5's fill value (zeros)
    with no word; an external link's target there was "a link to ... which cannot be opened" (a
    sound file HDF5 never looks at)."""
    (tmp_path / "sub").mkdir()
    with h5py.File(tmp_path / "sub" / "rows.h5", "w") as f:
        f["counts"] = CUBE
    layout = h5py.VirtualLayout(CUBE.shape, CUBE.dtype)
    layout[:] = h5py.VirtualSource("rows.h5", "counts", CUBE.shape)
    with h5py.File(tmp_path / "virtual.h5", "w") as f:
        f.create_virtual_dataset("counts", layout)
    with h5py.File(tmp_path / "linked.h5", "w") as f:
        f["counts"] = h5py.ExternalLink("rows.h5", "/counts")
    monkeypatch.setenv("HDF5_VDS_PREFIX", f"{tmp_path / 'none'}{os.pathsep}${{ORIGIN}}/sub")
    with pytest.raises(CubeReadError, match="source file rows.h5 is missing"):
        read_cube(_looked(tmp_path / "virtual.h5"), auto_calibrate=False)
    monkeypatch.setenv("HDF5_EXT_PREFIX", "${ORIGIN}/sub")
    with pytest.raises(CubeReadError) as told:
        read_cube(_looked(tmp_path / "linked.h5"), auto_calibrate=False)
    assert "cannot be opened" not in str(told.value), told.value
    assert "rows.h5, which is missing" in str(told.value), told.value
