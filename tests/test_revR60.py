"""Review of session 60's reader commits (revR60)."""

from __future__ import annotations

import os

import pytest
from test_readers57 import CUBE

from xrf_napari.io import read_cube


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_a_zarr_chunk_overwritten_in_place_is_told(tmp_path, zarr_format):
    """9523d727 watched the folder of a zarr store's chunk files in their place, which a chunk
    written anew and renamed over the old one changes; a chunk overwritten in place (truncate
    and write, as zarr 3.0-3.1.2's LocalStore and fsspec's local files write one) leaves the
    folder as it was, and was told no more (64 chunks: 20 reads without a word; the parent
    told it at the first). The chunks inside are looked at in turn, a few a read."""
    import zarr

    from xrf_napari.io import mapped

    path = tmp_path / "scan.zarr"
    zarr.open_array(
        str(path),
        mode="w",
        shape=CUBE.shape,
        chunks=(2, 2, 256),
        dtype=CUBE.dtype,
        zarr_format=zarr_format,
    )[...] = CUBE
    cube = read_cube(path, auto_calibrate=False)
    chunk = path / ("7.7.0" if zarr_format == 2 else "c/7/7/0")  # the last of 64
    data = chunk.read_bytes()
    with open(chunk, "wb") as f:  # the same bytes: the size alone would not tell
        f.write(data)
    st = os.stat(chunk)
    os.utime(chunk, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    calls = 64 // mapped.INSIDE_PER_CALL + 1
    told = [cube.file_stamp.changed() for _ in range(calls)]
    news = [t for t in told if t]
    assert len(news) == 1 and news[0].startswith(f"{chunk}: the file was modified"), told
