"""A compressed TIFF stack too large for memory is decoded once into a temporary file (session 61).

Through tifffile's zarr store every pixel's spectrum decoded every page: a 200 x 250 x 4096 zlib
stack took 40-70 s to open and 5-6 s a pixel (readersB61/bench.py)."""

import gc
import hashlib
import os
import shutil
import sys
import tempfile

import numpy as np
import pytest

from xrf_napari.io import arrays, read_cube

PREFIX = "xrf-napari-decoded-"

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the process's maps in /proc"
)


def _decoded_maps() -> list[str]:
    with open("/proc/self/maps", encoding="utf-8") as fh:
        return [line.split(None, 5)[-1].strip() for line in fh if PREFIX in line]


@pytest.fixture
def stack(tmp_path, monkeypatch):
    """A zlib page stack (64 channels of 6 x 7 px) beside nothing else, the temporary folder
    moved to a folder of the test's own."""
    import tifffile

    cube = np.random.default_rng(3).poisson(5, (6, 7, 64)).astype(np.uint16)
    scan = tmp_path / "scan" / "stack.tif"
    scan.parent.mkdir()
    tifffile.imwrite(scan, np.moveaxis(cube, -1, 0), compression="zlib")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cube, scan, tmp


def test_a_compressed_stack_too_large_for_memory_is_read_from_a_temporary_file(stack, monkeypatch):
    cube_values, scan, tmp = stack
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    in_memory = read_cube(scan, auto_calibrate=False)
    assert in_memory.metadata["tiff_access"] == "decoded"

    monkeypatch.setattr(arrays, "available_memory", lambda: 0)
    before = set(_decoded_maps())
    cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "unpacked"  # the parent: "zarr", every page a pixel
    from xrf_napari.errors import stores_under

    (store,) = stores_under(cube.data)
    assert isinstance(store, np.memmap) and not store.flags.writeable
    np.testing.assert_array_equal(cube.read_rows(slice(0, 6)), cube_values)
    np.testing.assert_array_equal(cube.read_rows(slice(0, 6)), in_memory.read_rows(slice(0, 6)))
    np.testing.assert_array_equal(cube.read_pixel(4, 5), cube_values[4, 5])

    mapped = sorted(set(_decoded_maps()) - before)
    assert len(mapped) == 1 and mapped[0].startswith(str(tmp / PREFIX)), mapped
    assert mapped[0].endswith("(deleted)")  # no name left in the folder, even after a crash
    assert os.listdir(tmp) == [] and os.listdir(scan.parent) == ["stack.tif"]
    del cube, store
    gc.collect()
    assert sorted(set(_decoded_maps()) - before) == []  # its space is given back
    assert hashlib.sha256(scan.read_bytes()).hexdigest() == digest  # the input is untouched


def test_a_temporary_folder_held_in_memory_or_a_full_disk(stack, monkeypatch, tmp_path):
    cube_values, scan, tmp = stack
    monkeypatch.setattr(arrays, "available_memory", lambda: 0)
    monkeypatch.setattr(arrays, "_ram_backed", lambda folder: True)  # a tmpfs /tmp: the cache
    cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "unpacked"
    (mapped,) = [m for m in _decoded_maps() if str(tmp_path) in m]
    assert mapped.startswith(str(tmp_path / "cache" / "xrf-napari" / "decoded" / PREFIX))
    del cube
    gc.collect()

    usage = shutil.disk_usage(tmp)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=2**20))
    with pytest.warns(UserWarning, match=r"stack\.tif: its compressed TIFF stack.*zarr store"):
        cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "zarr"
    np.testing.assert_array_equal(cube.read_pixel(4, 5), cube_values[4, 5])
