"""Readers, session 50: a NeXus signal of strings, an APS calibration set aside, an .mca's
#@CHANN count, a ripple pair's twin reached through a hard link."""

import os
import warnings
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
from _io_helpers import child_looks

from xrf_napari.io import read_cube, read_spectrum


def _nxdata(entry, name, data):
    g = entry.create_group(name)
    g.attrs.update({"NX_class": "NXdata", "signal": "data"})
    g["data"] = data
    return g


def test_a_nexus_signal_of_strings_leaves_the_numeric_cube_readable(tmp_path, monkeypatch):
    """Of two NXdata groups the largest 3-D signal was taken whatever it held: one of strings
    refused the file although the other held the cube. Fails on the parent: CubeReadError
    "... has dtype |S3, not integer or float counts"."""
    child_looks(monkeypatch)
    counts = np.arange(4 * 3 * 128, dtype=np.uint16).reshape(4, 3, 128)
    with h5py.File(tmp_path / "scan.nxs", "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        _nxdata(e, "a_cube", counts)
        _nxdata(e, "b_names", np.full((8, 8, 128), b"abc"))
    cube = read_cube(tmp_path / "scan.nxs", auto_calibrate=False)
    assert cube.shape == (4, 3, 128)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), counts)


def test_an_aps_maps_energy_set_aside_is_named(tmp_path, monkeypatch):
    """XRF-Maps' MAPS/energy (read when there is no energy_calib) set aside was called
    "energy_calib set aside", a dataset the file does not hold. Fails on the parent: the warning
    ends "; energy_calib set aside"."""
    child_looks(monkeypatch)
    with h5py.File(tmp_path / "aps.h5", "w") as f:
        f["MAPS_RAW/data_a"] = np.full((128, 4, 4), 3, np.int16)
        f["MAPS/energy"] = np.linspace(20.0, 0.0, 128)  # falls: no calibration
    with pytest.warns(UserWarning, match=r"aps\.h5: .*; calibration '/MAPS/energy' set aside"):
        cube = read_cube(tmp_path / "aps.h5", auto_calibrate=False)
    assert cube.shape == (4, 4, 128) and cube.calibration.source == "none"


@pytest.mark.parametrize("count", ["-4096", "99999999", "2048.5"])
def test_an_mca_chann_count_that_is_no_count_is_not_a_refusal(tmp_path, count):
    """#@CHANN's count serves only to see a file cut short (6ea6862), yet one that is no count
    refused the spectrum. Fails on the parent: CubeReadError "#@CHANN channel count must be
    between 0 and 16777216, got -4096" (and 99999999); 2048.5 was read as 2048 silently."""
    path = tmp_path / "s.mca"
    body = "\n".join(str(v) for v in range(1, 65))
    path.write_text(f"#@CHANN {count} 0 63 1\n#@CALIB 0 0.02 0\n{body}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=rf"s\.mca: its #@CHANN line declares {count} channels"):
        spectrum = read_spectrum(path)
    assert len(spectrum.counts) == 64 and spectrum.calibration.gain == pytest.approx(0.02)


def test_an_mca_chann_count_is_still_checked(tmp_path):
    """A guard: a count the file falls short of still warns that it is cut short."""
    path = tmp_path / "s.mca"
    body = "\n".join(str(v) for v in range(1, 65))
    path.write_text(f"#@CHANN 128 0 127 1\n{body}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"#@CHANN declares 128 channels, but the file ends"):
        read_spectrum(path)
    path.write_text(f"#@CHANN 64 0 63 1\n{body}\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_spectrum(path).counts) == 64


def test_a_ripple_twin_reached_by_a_hard_link_is_the_open_scan(tmp_path, monkeypatch):
    """The second file of a .rpl/.raw pair opens nothing while the first's layers are shown; the
    twin was matched by its resolved path, so a .raw hard-linked into another folder (the
    project's copy of the scan) opened the scan a second time. Fails on the parent: None."""
    import xrf_napari._reader as reader

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    header = (
        "width\t2\nheight\t2\ndepth\t4\noffset\t0\ndata-length\t1\ndata-type\tunsigned\n"
        "byte-order\tdont-care\nrecord-by\tvector\n"
    )
    (a / "scan.rpl").write_text(header, encoding="utf-8")
    (a / "scan.raw").write_bytes(bytes(16))
    (b / "scan.rpl").write_text(header, encoding="utf-8")
    try:
        os.link(a / "scan.raw", b / "scan.raw")
    except OSError as exc:
        pytest.skip(f"no hard links here: {exc}")
    shown = SimpleNamespace(
        name="scan",
        metadata={"xrf_cube": object()},
        source=SimpleNamespace(path=str(a / "scan.raw")),
    )
    viewer = SimpleNamespace(layers=[shown])
    monkeypatch.setattr(reader, "_current_viewers", lambda: [viewer])
    assert reader._pair_open_twice(b / "scan.rpl") == (b / "scan.raw", "scan")
    (b / "scan.raw").unlink()
    (b / "scan.raw").write_bytes(bytes(16))  # a copy is another file: opened
    assert reader._pair_open_twice(b / "scan.rpl") is None


def _tiny_chunked(path, shape, channel_first=False):
    """A zarr store whose cube is stored one pixel a chunk, none written (fill values)."""
    import zarr

    g = zarr.open_group(str(path), mode="w")
    chunks = (shape[0], 1, 1) if channel_first else (1, 1, shape[2])
    return g.create_array("counts", shape=shape, chunks=chunks, dtype="u2")


def test_a_zarr_of_tiny_chunks_is_told_with_a_better_chunking(tmp_path):
    """zarr spends ~0.3 ms on each chunk, whatever its size: 1000 x 1000 pixels in (1, 1, C)
    chunks took 165 s a pass, opening without a word. Fails on the parent: DID NOT WARN."""
    path = tmp_path / "scan.zarr"
    _tiny_chunked(path, (200, 200, 3))
    with pytest.warns(UserWarning) as caught:
        cube = read_cube(path, auto_calibrate=False, check_counts=False)
    (told,) = [str(w.message) for w in caught if "chunks" in str(w.message)]
    assert told.startswith(f"{path}: zarr array 'counts' (200, 200, 3) is stored in 40,000")
    assert "chunks of (1, 1, 3) (6 bytes each)" in told and "chunks=(200, 200, 3)" in told
    assert cube.metadata["stored_chunks"] == 40_000
    _tiny_chunked(path, (3, 200, 200), channel_first=True)  # advised in its storage order
    with pytest.warns(UserWarning, match=r"e\.g\. chunks=\(3, 200, 200\)"):
        read_cube(path, auto_calibrate=False, check_counts=False)


def test_a_zarr_of_few_large_chunks_is_not_told(tmp_path):
    """A guard: a cube in ordinary chunks opens without the warning."""
    import zarr

    zarr.open_group(str(tmp_path / "s.zarr"), mode="w").create_array(
        "counts", shape=(200, 200, 3), chunks=(64, 64, 3), dtype="u2"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(tmp_path / "s.zarr", auto_calibrate=False, check_counts=False)
    assert cube.metadata["stored_chunks"] == 16


def test_napari_sums_a_zarr_of_tiny_chunks_off_its_gui_thread(tmp_path, monkeypatch):
    """The napari reader sums and calibrates a cube of over 256 MiB in a worker, a smaller one on
    napari's GUI thread: a 6 MB zarr cube of a million chunks froze napari for minutes (a 300 x
    300 one 35 s, /work/runs50/io50/napari_open.py). Its pass now counts each chunk as 512 KiB.
    Fails on the parent: the calibration ran in read_cube ('failed: ...', not 'pending') and the
    sum was computed in cube_layers."""
    import xrf_napari._reader as reader
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration
    from xrf_napari.io import AUTO_PENDING
    from xrf_napari.io.arrays import pass_bytes

    path = tmp_path / "scan.zarr"
    _tiny_chunked(path, (32, 32, 64))  # 1,024 chunks: a pass as slow as 512 MiB read
    cube = read_cube(path, calibrate_later=reader.ASYNC_SUM_BYTES)
    assert cube.metadata["auto_calibration"] == AUTO_PENDING
    started = []
    monkeypatch.setattr(reader, "_can_defer", lambda: True)
    monkeypatch.setattr(reader, "_start_sum", lambda *args: started.append(args))
    calibrated = read_cube(path, calibration=Calibration(0.0, 0.02, source="user"))
    layers = reader.cube_layers(calibrated)
    assert layers[1][1]["name"].endswith(reader.PENDING_SUFFIX) and len(started) == 1
    assert not calibrated.has_sum_image
    # a project file saved from such a scan keeps its metadata, not its chunks
    saved = cube_from_array(np.zeros((2, 2, 64), np.uint16), Calibration.uncalibrated())
    saved.metadata.update(format="xrf-napari-project", stored_chunks=10**6)
    assert pass_bytes(saved) == saved.nbytes


def _ome_zarr(path, data, axes, group=""):
    """An OME-NGFF 0.4 image of one level, as bioformats2raw and ome-zarr-py write one."""
    import zarr

    root = zarr.open_group(str(path), mode="w")
    g = root.create_group(group) if group else root
    g.create_array("0", data=data, chunks=data.shape)
    kinds = {"t": "time", "c": "channel"}
    g.attrs["multiscales"] = [
        {
            "version": "0.4",
            "axes": [{"name": a, "type": kinds.get(a, "space")} for a in axes],
            "datasets": [{"path": "0"}],
        }
    ]


@pytest.mark.parametrize("axes, group", [("tczyx", ""), ("tczyx", "0"), ("czyx", "")])
def test_an_ome_zarr_image_of_five_axes_opens_as_its_cube(tmp_path, axes, group):
    """bioformats2raw writes every image (t, c, z, y, x): a cube of 128 channels is (1, 128, 1, H,
    W), or (1, 1, 128, H, W) where the pages were taken for z; an OME-TIFF of those axes opened,
    the OME-Zarr was refused. Fails on the parent: CubeReadError "no 3-D numeric array in the zarr
    store (arrays: 0(1, 128, 1, 4, 5))"."""
    counts = np.arange(4 * 5 * 128, dtype=np.uint16).reshape(4, 5, 128)
    stack = np.moveaxis(counts, 2, 0)  # (C, y, x)
    data = stack[None, :, None] if axes == "tczyx" else stack[None]
    if group:  # bioformats2raw's layout: the image in group "0", its pages taken for z
        data = stack[None, None]
    _ome_zarr(tmp_path / "scan.zarr", data, axes, group)
    cube = read_cube(tmp_path / "scan.zarr", auto_calibrate=False)
    assert cube.shape == (4, 5, 128) and cube.metadata["channel_axis"] == "first"
    np.testing.assert_array_equal(np.asarray(cube.data[...]), counts)
    np.testing.assert_array_equal(np.asarray(cube.data[1:3, 2, 7:9]), counts[1:3, 2, 7:9])


def test_an_ome_zarr_image_of_two_long_extra_axes_is_still_refused(tmp_path):
    """A guard: 2 time points of 128 channels are no one cube."""
    from xrf_napari.io import CubeReadError

    _ome_zarr(tmp_path / "scan.zarr", np.zeros((2, 128, 1, 4, 5), np.uint16), "tczyx")
    with pytest.raises(CubeReadError, match=r"no 3-D numeric array .*0\(2, 128, 1, 4, 5\)"):
        read_cube(tmp_path / "scan.zarr", auto_calibrate=False)
