"""Saves audit of session 38: each test fails on the parent of its fix."""

import numpy as np
import pytest

from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration


def _cube_layer(tmp_path):
    """(data, meta) as napari hands a cube layer to the writer: (channels, y, x) data, the Cube
    in the layer's metadata."""
    counts = np.random.default_rng(0).integers(0, 9, (4, 5, 16)).astype(np.uint16)
    cube = Cube(counts, Calibration(0.1, 0.02, source="file"), path=tmp_path / "scan.h5")
    meta = {"name": "scan", "metadata": {"xrf_cube": cube}}
    return np.moveaxis(counts, -1, 0), meta, counts


def test_the_writer_does_not_replace_a_file_the_dialog_never_named(tmp_path):
    """File > Save Selected Layers, name typed without a suffix: napari's dialog asked about
    "copy" only, and the writer added ".h5" and silently replaced an existing copy.h5. It refuses,
    naming the file, and the old file is untouched; a new name is still completed and written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer
    from xrf_napari.io import read_cube

    data, meta, counts = _cube_layer(tmp_path)
    earlier = tmp_path / "copy.h5"
    earlier.write_bytes(b"an earlier save")
    with pytest.raises(CubeSaveError, match="copy.h5"):
        write_cube_layer(str(tmp_path / "copy"), data, meta)
    assert earlier.read_bytes() == b"an earlier save"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.h5"]  # no temporary left

    written = write_cube_layer(str(tmp_path / "new copy"), data, meta)
    assert written == [str(tmp_path / "new copy.h5")]
    np.testing.assert_array_equal(np.asarray(read_cube(written[0]).data), counts)
    # typed in full (the dialog asked about it), an existing file is replaced
    assert write_cube_layer(str(earlier), data, meta) == [str(earlier)]
    np.testing.assert_array_equal(np.asarray(read_cube(earlier).data), counts)
