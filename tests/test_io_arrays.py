import json

import numpy as np
import pytest
from _io_helpers import fingerprint

from xrf_napari.io import CubeReadError, can_read, read_cube

CUBE = np.random.default_rng(5).integers(0, 300, size=(7, 6, 96)).astype(np.uint16)


def test_npy_memmap_with_sidecar(tmp_path):
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    (tmp_path / "scan.json").write_text(
        json.dumps({"offset": -0.5, "gain": 0.02, "quadratic": 0.0, "anode": "Mo", "kV": 40})
    )
    before = fingerprint(path)
    cube = read_cube(path)
    assert isinstance(cube.data, np.memmap)
    np.testing.assert_array_equal(np.asarray(cube.data), CUBE)
    assert (cube.calibration.offset, cube.calibration.gain, cube.calibration.source) == (
        -0.5,
        0.02,
        "file",
    )
    assert cube.metadata["anode"] == "Mo" and cube.metadata["kV"] == 40
    assert fingerprint(path) == before


def test_sidecar_in_ev_and_bad_sidecar(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, CUBE)
    (tmp_path / "a.json").write_text(json.dumps({"offset": -500, "gain": 20, "units": "eV"}))
    assert read_cube(path).calibration.gain == pytest.approx(0.02)
    (tmp_path / "a.json").write_text("{offset: oops")
    with pytest.raises(CubeReadError, match="a.json.*not valid JSON"):
        read_cube(path)


def test_an_ome_tiff_finds_the_sidecar_of_its_scan_name(tmp_path):
    import tifffile

    path = tmp_path / "scan.ome.tif"
    tifffile.imwrite(path, np.moveaxis(CUBE, -1, 0))
    (tmp_path / "scan.json").write_text(json.dumps({"offset": -0.5, "gain": 0.02}))
    (tmp_path / "scan.ome.v2.json").write_text("not this one")
    cal = read_cube(path).calibration
    assert (cal.source, cal.offset, cal.gain) == ("file", -0.5, 0.02)


def test_2d_npy_is_refused(tmp_path):
    path = tmp_path / "image.npy"
    np.save(path, np.ones((10, 10)))
    assert not can_read(path)
    with pytest.raises(CubeReadError, match="image.npy.*2-D"):
        read_cube(path)


def test_npz_small_member_loaded_big_refused(tmp_path, monkeypatch):
    path = tmp_path / "scan.npz"
    np.savez_compressed(path, counts=CUBE, energy=np.linspace(0.1, 0.1 + 0.01 * 95, 96))
    cube = read_cube(path)
    np.testing.assert_array_equal(cube.data, CUBE)
    assert cube.calibration.offset == pytest.approx(0.1) and cube.calibration.gain == pytest.approx(
        0.01
    )
    import xrf_napari.io.arrays as arrays

    monkeypatch.setattr(arrays, "available_memory", lambda: 1000)
    with pytest.raises(CubeReadError, match="cannot be memory-mapped.*np.save"):
        read_cube(path)


def test_tiff_page_stack_is_channel_first_and_lazy(tmp_path):
    import tifffile

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.moveaxis(CUBE, -1, 0))  # one page per channel
    assert can_read(path)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == CUBE.shape and cube.metadata["tiff_access"] == "memmap"
    np.testing.assert_array_equal(cube.data[2:5], CUBE[2:5])
    np.testing.assert_allclose(cube.sum_image(), CUBE.sum(axis=2))


@pytest.mark.parametrize("memory", [None, 0])
def test_compressed_tiff_stack_through_zarr(tmp_path, monkeypatch, memory):
    # decoded once, into memory where it fits (readers60), else into a temporary file (readersB61;
    # tifffile's zarr store where no disk has room: test_readersB61)
    import tifffile

    from xrf_napari.io import arrays

    if memory is not None:
        monkeypatch.setattr(arrays, "available_memory", lambda: memory)
    path = tmp_path / "stack_zlib.tif"
    tifffile.imwrite(path, np.moveaxis(CUBE, -1, 0), compression="zlib")
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == ("decoded" if memory is None else "unpacked")
    np.testing.assert_array_equal(cube.data[1:3, 2:4], CUBE[1:3, 2:4])


def test_plain_image_tiff_not_claimed(tmp_path):
    import tifffile

    rgb = tmp_path / "photo.tif"
    tifffile.imwrite(rgb, np.zeros((20, 30, 3), np.uint8), photometric="rgb")
    gray = tmp_path / "gray.tif"
    tifffile.imwrite(gray, np.zeros((20, 30), np.uint8))
    assert not can_read(rgb) and not can_read(gray)
    with pytest.raises(
        CubeReadError, match="photo.tif.*looks like a photograph, not a spectral datacube"
    ):
        read_cube(rgb)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_directory_store(tmp_path, zarr_format):
    import zarr

    path = tmp_path / f"scan_v{zarr_format}.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    arr = root.create_array("counts", shape=CUBE.shape, dtype=CUBE.dtype, chunks=(4, 4, 96))
    arr[...] = CUBE
    arr.attrs.update({"offset": 0.05, "gain": 0.015})
    root.create_array("small", shape=(3, 3, 2), dtype="f4")
    assert can_read(path)
    cube = read_cube(path)
    assert cube.metadata["dataset"] == "counts" and cube.calibration.gain == pytest.approx(0.015)
    np.testing.assert_array_equal(np.asarray(cube.data[3:7]), CUBE[3:7])


def test_maxrf4u_datastack_zipstore(tmp_path):
    import zarr

    path = tmp_path / "panel.datastack"
    store = zarr.storage.ZipStore(path, mode="w")
    root = zarr.open_group(store=store, mode="w", zarr_format=2)
    cube_f = CUBE.astype(np.float32)
    root.create_array("maxrf_cube", shape=cube_f.shape, dtype="f4", chunks=(4, 6, 96))[...] = cube_f
    root.create_array("maxrf_energies", shape=(96,), dtype="f8")[...] = -0.9 + 0.04 * np.arange(96)
    store.close()
    before = fingerprint(path)
    cube = read_cube(path)
    assert cube.metadata["format_flavour"] == "maxrf4u" and cube.dtype == np.float32
    assert cube.calibration.offset == pytest.approx(
        -0.9
    ) and cube.calibration.gain == pytest.approx(0.04)
    np.testing.assert_array_equal(np.asarray(cube.data[0:7]), cube_f)
    assert fingerprint(path) == before


def test_unreadable_zarr(tmp_path):
    path = tmp_path / "broken.datastack"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CubeReadError, match="broken.datastack: its zip archive is damaged"):
        read_cube(path)
    d = tmp_path / "empty.zarr"
    d.mkdir()
    with pytest.raises(CubeReadError, match="empty.zarr"):
        read_cube(d)


def test_an_export_set_targets_sidecar_is_named_not_opened_as_a_cube(tmp_path):
    """`info cube_00000.targets.npz` opened the palette as a 3-channel 'cube'."""

    side = tmp_path / "cube_00000.targets.npz"
    rgb = np.zeros((8, 8, 3), np.float32)
    np.savez(side, palette=rgb, rgb=rgb, labels=np.zeros((8, 8), np.int32), metadata="{}")
    with pytest.raises(CubeReadError, match="targets sidecar of `xrf-napari-train export-set`"):
        read_cube(side)
