"""Session 58 fixes of the napari reader's failure paths: a read that fails tells the HDF5
source replaced since the scan was opened (its news had been used up unseen), and "failed 3 times
in a row" counts failures with no good read of the scan between."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_readers57 import CUBE

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, read_failed
from xrf_napari.io.mapped import FileStamp


class _Source:
    """The scan's data, every read refused while `broken` (a replaced external source's short
    read), else read as it is."""

    def __init__(self, data):
        self.data, self.shape, self.dtype, self.broken = data, data.shape, data.dtype, False

    def __getitem__(self, key):
        if self.broken:
            raise ValueError("external file: short read")
        return self.data[key]


def _scan_of_sources(tmp_path, n=20):
    """A scan read from `n` watched sources besides its file, and the sources."""
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    sources = [tmp_path / f"src{i}.raw" for i in range(n)]
    for s in sources:
        s.write_bytes(b"x" * 8)
    cube.file_stamp = FileStamp.of(path, None, *sources)
    return cube, sources


def _replace(path) -> None:
    new = path.with_suffix(".new")
    new.write_bytes(b"y")
    os.replace(new, path)


def test_a_failed_slider_read_names_the_source_replaced_since_the_scan_was_opened(
    tmp_path, monkeypatch
):
    """_Uncopied._tell_failure asked file_changed and threw the answer away: the user saw only
    "<scan>: reading rows 0-15 failed (...); the file may be corrupt or truncated", the replaced
    source's news used up and never shown."""
    from xrf_napari import _reader

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": told.append(msg))
    cube, sources = _scan_of_sources(tmp_path)
    src = _Source(cube.data)
    face = _reader._Uncopied(src, cube)
    _replace(sources[5])
    src.broken = True
    assert not np.asarray(face[(slice(0, 16), slice(0, 16), slice(0, 32))]).any()
    src.broken = False
    for c in range(32, 256, 32):
        face[(slice(0, 16), slice(0, 16), slice(c, c + 32))]
    assert read_failed(cube)
    assert any(str(sources[5]) in m and "replaced" in m for m in told), told


def test_a_failed_region_read_names_the_source_replaced_since_the_scan_was_opened(tmp_path):
    """Cube._read's refusal had used the replaced source's news up too (the docks' and the
    contrast sample's reads); a source past the LOOKED_PER_CALL window is looked at too."""
    cube, sources = _scan_of_sources(tmp_path, n=100)
    src = _Source(np.asarray(cube.data))
    cube.data = src
    _replace(sources[90])
    src.broken = True
    with pytest.raises(CubeReadError) as caught:
        cube.read_region(slice(0, 4), slice(0, 4))
    assert str(sources[90]) in str(caught.value) and "replaced" in str(caught.value)
    assert str(caught.value).startswith(str(cube.path))


def test_failures_of_one_chunk_with_good_reads_between_are_not_in_a_row(tmp_path, monkeypatch):
    """Three separate blips of chunk A, 150 good reads of chunk B between, had marked the scan
    failed: "failed 3 times in a row (a damaged disk...)", untrue. Any good read of the scan now
    clears the count (three failures in a row still mark it: test_revR58)."""
    from xrf_napari import _reader

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": told.append(msg))
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    a = (slice(0, 16), slice(0, 16), slice(0, 32))
    b = (slice(0, 16), slice(0, 16), slice(32, 64))

    class Blip:
        shape, dtype, down = cube.data.shape, cube.data.dtype, False

        def __getitem__(self, key):
            if self.down:
                raise TimeoutError("share did not answer")
            return cube.data[key]

    src = Blip()
    face = _reader._Uncopied(src, cube)
    for _ in range(2 * getattr(_reader, "PASSING_TRIES", 3)):
        src.down = True
        with pytest.raises(CubeReadError):
            face[a]
        src.down = False
        for _ in range(5):
            face[b]
    assert not read_failed(cube) and not told, told
    assert np.array_equal(np.asarray(face[a]), CUBE[a])
