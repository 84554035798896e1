"""HDF5 scans whose datacube lies in external raw files (h5py `external=`): HDF5 reads the bytes
past the end of a raw file shorter than the segment the dataset declares in it as zeros, with no
error, so a truncated copy of such a scan opened showing empty rows. The pre-check
(io.limits.check_dataset) now refuses it, naming the .h5, the raw file and the bytes needed and
found, as the ripple reader refuses a truncated .raw; a longer raw file is read as before."""

import os
import re

import h5py
import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube

CUBE = (np.arange(4 * 5 * 64, dtype=np.uint16).reshape(4, 5, 64) % 1000) + 1  # no zero counts


def _scan(folder, segments, data=CUBE, raws=None):
    """An .h5 whose dataset 'data' keeps its bytes in `segments` [(raw, offset, size)], named
    relatively; `raws` maps each raw file's name to its bytes (default: the cube in one file)."""
    folder.mkdir(parents=True, exist_ok=True)
    for raw, content in (raws or {"cube.raw": data.tobytes()}).items():
        (folder / raw).write_bytes(content)
    here = os.getcwd()
    os.chdir(folder)
    try:
        with h5py.File("scan.h5", "w") as f:
            f.create_dataset("data", shape=data.shape, dtype=data.dtype, external=segments)
    finally:
        os.chdir(here)
    return folder / "scan.h5"


def _truncate(path, size):
    with open(path, "r+b") as fh:
        fh.truncate(size)


def test_a_truncated_external_raw_file_is_refused(tmp_path, monkeypatch):
    """Half the cube's bytes: HDF5 read rows 2 and 3 as zeros and the scan opened."""
    path = _scan(tmp_path / "scans", [("cube.raw", 0, CUBE.nbytes)])
    _truncate(tmp_path / "scans" / "cube.raw", CUBE.nbytes // 2)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert msg.startswith(str(path))
    assert "cube.raw needs 2560 bytes, but it has 1280 bytes" in msg
    assert "1280 bytes missing: cube.raw is truncated" in msg


def test_a_longer_external_raw_file_reads(tmp_path):
    """Bytes past the declared segment (a header before it, trailing bytes after) are fine."""
    raw = b"H" * 512 + CUBE.tobytes() + b"trailing bytes"
    path = _scan(tmp_path, [("cube.raw", 512, CUBE.nbytes)], raws={"cube.raw": raw})
    cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[0:4]), CUBE)


def test_each_segment_is_checked_at_its_offset(tmp_path):
    """Two raw files, the second after a 100-byte header: its missing end is refused by name,
    and a file that holds its segment only from its offset on is short by the offset too."""
    half = CUBE.nbytes // 2
    data = CUBE.tobytes()
    raws = {"a.raw": data[:half], "b.raw": b"h" * 100 + data[half:]}
    path = _scan(tmp_path, [("a.raw", 0, half), ("b.raw", 100, half)], raws=raws)
    np.testing.assert_array_equal(np.asarray(read_cube(path, auto_calibrate=False).data), CUBE)
    _truncate(tmp_path / "b.raw", half)  # holds every byte but the last 100
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert "in b.raw from offset 100, so b.raw needs 1380 bytes, but it has 1280 bytes" in msg
    assert "100 bytes missing" in msg
    assert "only the first 2460 of the dataset's 2560 bytes are there" in msg


def test_an_unlimited_segment_needs_the_rest_of_the_data(tmp_path):
    """A last segment of size H5F_UNLIMITED holds whatever the dataset still needs."""
    path = _scan(tmp_path, [("cube.raw", 0, h5py.h5f.UNLIMITED)])
    np.testing.assert_array_equal(np.asarray(read_cube(path, auto_calibrate=False).data), CUBE)
    _truncate(tmp_path / "cube.raw", CUBE.nbytes - 128)  # the last two spectra
    with pytest.raises(CubeReadError, match="128 bytes missing: cube.raw is truncated"):
        read_cube(path, auto_calibrate=False)


def test_a_truncated_raw_file_beside_a_links_target_is_named_by_its_path(tmp_path, monkeypatch):
    path = _scan(tmp_path / "export", [("cube.raw", 0, CUBE.nbytes)])
    _truncate(tmp_path / "export" / "cube.raw", 1000)
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "mine.h5"
    link.symlink_to(path)
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "export" / "cube.raw"
    with pytest.raises(
        CubeReadError, match=re.escape(f"{raw} needs 2560 bytes, but it has 1000 bytes")
    ):
        read_cube(link, auto_calibrate=False)
