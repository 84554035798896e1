"""Session 59, review of the readers' commits: what HDF5 does not read is not taken as read."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest
from test_readers57 import CUBE
from test_readers59 import _looked, _virtual_scan

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
    _virtual_scan(tmp_path / "virtual.h5")
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


def test_a_zarr_folders_chunk_listing_stops_at_what_is_watched(tmp_path, monkeypatch):
    """0ccac048's _chunk_files listed, sorted and named every file of a zarr array's folder
    before keeping WATCHED_CHUNKS (4,096) to watch: a v2 store of 40,000 chunks in one folder
    spent 1.5 s on it at opening, 0.1 s now. The listing stops once it has them."""
    from xrf_napari.io import limits

    for i in range(40):
        (tmp_path / f"{i}.0.0").write_bytes(b"")
    (tmp_path / ".zarray").write_bytes(b"{}")
    listed, scandir = [], os.scandir

    class Counted:
        def __init__(self, path):
            self._it = scandir(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._it.close()

        def __iter__(self):
            return self

        def __next__(self):
            entry = next(self._it)
            listed.append(entry.name)
            return entry

    monkeypatch.setattr(os, "scandir", Counted)
    monkeypatch.setattr(limits, "WATCHED_CHUNKS", 5)
    chunks = limits._chunk_files(tmp_path)
    assert len(chunks) == 5 and all(p.parent == tmp_path and p.name != ".zarray" for p in chunks)
    assert len(listed) <= 6, len(listed)  # the 5 kept and at most .zarray


def test_float_counts_of_zeros_and_ones_in_four_columns_are_no_picture(tmp_path):
    """84d31b12 refused a channel-first scan 4 pixels wide stored as floats (256, 20, 4) as "an
    RGBA colour picture ... of values between 0 and 1": its sample, the first 64 channels (below
    0.6 keV, where a scan in air counts 0 or 1), was all whole numbers in 0-1. Counts are whole
    numbers; a picture's fractions are not."""
    from test_revC59 import _h5

    counts = np.random.default_rng(1).poisson(3.0, (256, 20, 4)).astype(np.float32)
    counts[:64] = np.random.default_rng(2).poisson(0.05, (64, 20, 4)) > 0
    cube = read_cube(_h5(tmp_path / "c.h5", "counts", counts), auto_calibrate=False)
    assert cube.shape == (20, 4, 256)


def test_equal_energy_rows_holding_nan_are_not_said_to_differ(tmp_path):
    """8b826309's 2-D energy of 4 equal rows, each ending in NaN, was said to hold "4 energy
    vectors that differ (by up to nan)"; they are one vector, not finite."""
    import warnings

    from test_readers58 import _h5, _said

    row = np.r_[np.linspace(1.0, 26.5, 255), np.nan]
    path = _looked(_h5(tmp_path / "nan.h5", energy=np.stack([row] * 4)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    said = [s for s in _said(caught) if "energy" in s]
    assert cube.calibration.source == "none" and len(said) == 1, said
    assert "differ" not in said[0] and "finite" in said[0], said
