"""Review of session 60's reader commits (revR60)."""

from __future__ import annotations

import os

import numpy as np
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


def test_a_float_picture_of_few_steps_is_still_no_scan(tmp_path):
    """42d134ee opened a float RGB picture as counts / I0 where each column's values are whole
    multiples of its smallest: a grey ramp (k / 119) or a drawing of 0.5 and 1, 120 x 160 px,
    opened as a 160 x 3 px scan of 120 channels (the parent refused both). Counts over each
    pixel's own I0 step differently from pixel to pixel; a picture's columns share one step."""
    import h5py
    from test_readers59 import _looked

    from xrf_napari.errors import CubeReadError

    ramp = np.broadcast_to(np.linspace(0, 1, 120, dtype=np.float32)[:, None, None], (120, 160, 3))
    drawing = np.where(np.arange(120 * 160).reshape(120, 160, 1) % 3, 0.5, 1.0) * np.ones(3)
    for name, data in [("ramp.h5", ramp), ("drawing.h5", drawing.astype(np.float32))]:
        with h5py.File(tmp_path / name, "w") as f:
            f["picture"] = data
        with pytest.raises(CubeReadError, match="RGB colour picture"):
            read_cube(_looked(tmp_path / name), auto_calibrate=False)
