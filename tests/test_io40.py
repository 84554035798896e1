"""Session 40, readers: corrupt zarr chunk grids, TIFF stacks of element maps, HDF5 live times,
decimal-comma CSV spectra, and the wording of damaged HDF5 files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube


# -- 1. zarr: a zero-length axis, a zero-length chunk ---------------------------------------------
def _zarr_meta(path, shape, chunks, fmt):
    path.mkdir()
    if fmt == 2:
        meta = {
            "zarr_format": 2,
            "shape": list(shape),
            "chunks": list(chunks),
            "dtype": "<u2",
            "compressor": None,
            "fill_value": 0,
            "filters": None,
            "order": "C",
        }
        (path / ".zarray").write_text(json.dumps(meta), encoding="utf-8")
    else:
        meta = {
            "zarr_format": 3,
            "node_type": "array",
            "shape": list(shape),
            "data_type": "uint16",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": 0,
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
            "attributes": {},
        }
        (path / "zarr.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("shape", [(0, 5, 100), (4, 4, 0)])
def test_a_zarr_array_with_an_empty_axis_is_refused_as_empty(tmp_path, fmt, shape):
    path = _zarr_meta(tmp_path / "e.zarr", shape, [max(1, s) for s in shape], fmt)
    with pytest.raises(CubeReadError, match=r"e\.zarr: .*has an empty axis"):
        read_cube(path, auto_calibrate=False)


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("chunks", [(4, 4, 0), (0, 4, 100)])
def test_a_zarr_chunk_of_length_zero_is_refused_naming_the_metadata(tmp_path, fmt, chunks):
    """A store whose metadata declares a zero-length chunk over a non-empty axis opened, and its
    first read failed with 'could not be read as zarr (ZeroDivisionError: division by zero)'."""
    path = _zarr_meta(tmp_path / "z.zarr", (4, 4, 100), chunks, fmt)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "ZeroDivisionError" not in msg
    assert f"declares chunks {chunks}" in msg and "corrupt" in msg


def test_a_zarr_energy_vector_with_a_zero_chunk_is_refused_naming_it(tmp_path):
    import zarr

    g = zarr.open_group(tmp_path / "g.zarr", mode="w", zarr_format=2)
    g.create_array("counts", data=np.ones((4, 5, 100), np.uint16), chunks=(4, 5, 100))
    g.create_array("energy", data=np.linspace(0, 10, 100), chunks=(100,))
    zarray = tmp_path / "g.zarr" / "energy" / ".zarray"
    meta = json.loads(zarray.read_text(encoding="utf-8"))
    meta["chunks"] = [0]
    zarray.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"zarr array 'energy' of shape \(100,\) declares"):
        read_cube(tmp_path / "g.zarr", auto_calibrate=False)
