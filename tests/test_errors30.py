"""A bad value in a cube is reported at its pixel, not only as the block of rows it was read in
(a block is up to hundreds of rows: the user must be able to find the pixel)."""

import json

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def _cube_file(tmp_path, value, at=(30, 5, 100), shape=(64, 8, 256)):
    counts = np.ones(shape, dtype=np.float32)
    counts[at] = value
    path = tmp_path / "cube.npy"
    np.save(path, counts)
    (tmp_path / "cube.json").write_text(json.dumps({"offset": 0.0, "gain": 0.01}))
    return path


@pytest.mark.parametrize(
    ("value", "what"),
    [(np.nan, "NaN or infinite"), (np.inf, "NaN or infinite"), (-5.0, "negative"), (1e30, "reach")],
)
def test_a_full_pass_names_the_pixel_and_channel(tmp_path, value, what):
    cube = read_cube(_cube_file(tmp_path, value))
    with pytest.raises(CubeReadError) as err:
        cube.sum_spectrum(block_bytes=64 * 8 * 256 * 4)  # one block of all 64 rows
    message = str(err.value)
    assert what in message and "rows 0-63" in message
    assert "first at y=30, x=5, channel 100" in message


def test_a_channel_slice_reports_the_cube_channel_not_the_slice_index(tmp_path):
    cube = read_cube(_cube_file(tmp_path, np.nan))
    with pytest.raises(CubeReadError, match=r"first at y=30, x=5, channel 100\)"):
        cube.read_rows(slice(16, 48), slice(64, 160))
