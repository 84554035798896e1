"""Review of readers66 (f064b185): a zarr array's chunks are judged against the machine's memory,
not what is free at the opening, and a sharded array by its inner chunks and shard index."""

import numpy as np
import pytest
import zarr

from xrf_napari import memory
from xrf_napari.errors import CubeReadError
from xrf_napari.io import arrays, read_cube

CUBE = np.arange(4 * 5 * 64, dtype=np.uint16).reshape(4, 5, 64)


def _store(path, **chunking):
    zarr.open_group(str(path), mode="w").create_array("counts", data=CUBE, **chunking)


@pytest.mark.parametrize(
    "chunking",
    [{"chunks": (4, 5, 64)}, {"chunks": (1, 5, 64), "shards": (4, 5, 64)}],
    ids=["one chunk", "one shard"],
)
def test_a_zarr_chunk_larger_than_free_memory_opens(tmp_path, monkeypatch, chunking):
    """Judged against free memory at the opening, a store whose chunk (or whole-cube shard, read
    in parts) exceeded what a busy machine had free was refused "more than this machine's
    memory", and opened once other programs had closed."""
    path = tmp_path / "scan.zarr"
    _store(path, **chunking)
    monkeypatch.setattr(arrays, "available_memory", lambda: CUBE.nbytes // 4)
    cube = read_cube(path, auto_calibrate=False)
    assert np.array_equal(np.asarray(cube.data[1]), CUBE[1])


def test_a_zarr_chunk_larger_than_the_machine_is_refused_naming_its_memory(tmp_path, monkeypatch):
    path = tmp_path / "scan.zarr"
    _store(path, chunks=(4, 5, 64))
    monkeypatch.setattr(memory, "memory_total", lambda: CUBE.nbytes - 1)
    with pytest.raises(CubeReadError) as e:
        read_cube(path, auto_calibrate=False)
    said = str(e.value)
    assert "declares chunks (4, 5, 64) of " in said and "more than this machine's memory (" in said
