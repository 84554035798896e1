"""Review of session 41's reader and writer changes (8900c15, 8947ea1, 257d19a, 7772d7e, c7b04fa):
what they got wrong for a user, each with the case that showed it."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from _io_helpers import optional_filter_h5
from test_io41 import _cube_layer

from xrf_napari.io import CubeReadError, auto_calibrated, read_cube

MAPS = np.random.default_rng(41).random((12, 15, 20)).astype(np.float32) * 100  # (H, W, 20 maps)


# -- 257d19a: a TIFF of 20 samples (element maps) opens as a cube: say what it likely is ----------
@pytest.mark.parametrize("suffix", [".tif", ".npy"])
def test_an_uncalibrated_cube_of_few_channels_is_warned_of_as_likely_element_maps(tmp_path, suffix):
    """Since 257d19a, 20 element maps exported as one TIFF of 20 samples open as a 20-channel
    cube (as a .npy did): in napari, `info` and `recolour` an uncalibrated cube without a word,
    its automatic calibration 'failed: only 0 clear peaks in the spectrum (need 4)', as if a
    spectrum were noisy. Now a warning naming the file says these are more likely images."""
    import tifffile

    path = tmp_path / f"maps{suffix}"
    if suffix == ".tif":
        tifffile.imwrite(path, MAPS, photometric="minisblack", planarconfig="contig")
    else:
        np.save(path, MAPS)
    with pytest.warns(UserWarning) as seen:
        cube = read_cube(path)
    said = [str(w.message) for w in seen if "too few" in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in seen]
    assert said[0].startswith(f"{path}: 20 channels are too few for an X-ray spectrum"), said
    assert "element maps" in said[0] and "stack of 20 images" in said[0], said
    assert cube.shape == (12, 15, 20) and cube.calibration.source == "none"
    assert "element maps" in cube.metadata["auto_calibration"]
    assert "clear peaks" not in cube.metadata["auto_calibration"]


def test_few_channels_with_the_users_calibration_or_without_autocalibration_stay_quiet(tmp_path):
    """Guards: a sidecar's calibration (the user's word) and auto_calibrate=False open quietly;
    the automatic calibration a viewer runs later names the same reason."""
    path = tmp_path / "maps.npy"
    np.save(path, MAPS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_cube(path, auto_calibrate=False).shape == (12, 15, 20)
        (tmp_path / "maps.json").write_text('{"offset": 0, "gain": 0.5}', encoding="utf-8")
        assert read_cube(path).calibration.source != "none"
    (tmp_path / "maps.json").unlink()
    later = auto_calibrated(read_cube(path, calibrate_later=0))
    assert "more likely 20 images" in later.metadata["auto_calibration"]


# -- 8900c15: a damaged gzip chunk is corruption, not a missing filter ----------------------------
def test_a_damaged_gzip_chunk_is_still_called_corrupt_not_a_missing_filter(tmp_path):
    """explain_read_error took any OSError mentioning 'filter' for a missing HDF5 filter: a gzip
    chunk damaged on disk ('filter returned failure during read') was told to install hdf5plugin
    or save the file again with gzip, which it already is."""
    import h5py

    path = tmp_path / "damaged.h5"
    cube = np.random.default_rng(0).poisson(5, (8, 9, 64)).astype(np.uint16)
    with h5py.File(path, "w") as f:
        f.create_dataset("counts", data=cube, chunks=(2, 9, 64), compression="gzip")
        info = f["counts"].id.get_chunk_info(2)
    with open(path, "r+b") as fh:
        fh.seek(info.byte_offset + info.size // 3)
        fh.write(b"\xff" * 40)
    opened = read_cube(path, auto_calibrate=False, check_counts=False)
    with pytest.raises(CubeReadError) as err:
        opened.sum_spectrum()
    msg = str(err.value)
    assert msg.startswith(str(path)) and "so the file is corrupt" in msg, msg
    assert "hdf5plugin" not in msg, msg


def test_without_chunk_iter_the_first_chunks_are_asked_one_by_one(tmp_path):
    """Guard of the fallback for an HDF5 without H5Dchunk_iter (older than 1.12.3 / 1.10.10),
    untested so far: a chunk among the first FILTER_CHUNKS_CHECKED that needs the filter is
    found; one past them is not (its read names the filter: test_io41)."""
    import h5py

    from xrf_napari.io import limits

    class NoIter:  # a DatasetID as h5py built on such an HDF5 has it: no chunk_iter
        def __init__(self, did):
            self.did = did

        def get_num_chunks(self):
            return self.did.get_num_chunks()

        def get_chunk_info(self, k):
            return self.did.get_chunk_info(k)

    class Old:
        def __init__(self, d):
            self.id = NoIter(d.id)

    cube = np.ones((70, 2, 8), np.uint16)
    lz4 = [(0, 32004, "LZ4")]
    for row, found in ((9, lz4), (69, [])):
        path = optional_filter_h5(tmp_path / f"at{row}.h5", cube, 1, needed_at=row)
        with h5py.File(path, "r") as f:
            assert limits._chunks_need(f["data"], lz4) == lz4  # chunk_iter: every chunk
            assert limits._chunks_need(Old(f["data"]), lz4) == found


# -- 8900c15: a sound zarr store without a cube is not 'unreadable' --------------------------------
@pytest.mark.parametrize("fill", [0.0, True])
def test_a_sound_zarr_store_holding_no_cube_is_not_called_unreadable(tmp_path, fill):
    """read_zarr asked zarr_metadata_fault of any store without a cube, and that check refused
    fill values zarr reads (0.0 or true for a uint16): a store of one 2-D image read 'unreadable
    zarr store: its metadata img/.zarray is invalid: 'fill_value' is 0.0, not a whole number',
    where it is a sound store that holds no cube."""
    zarr = pytest.importorskip("zarr")
    path = tmp_path / "img.zarr"
    zarr.open_group(path, mode="w", zarr_format=2).create_array(
        "img", data=np.ones((4, 5), np.uint16)
    )
    doc = path / "img" / ".zarray"
    meta = json.loads(doc.read_text(encoding="utf-8"))
    meta["fill_value"] = fill
    doc.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    assert "no 3-D numeric array in the zarr store (arrays: img(4, 5))" in str(err.value)


# -- c7b04fa: the writer's messages and names -------------------------------------------------
def test_a_name_ending_in_a_dot_is_saved_as_h5_where_a_dot_is_a_suffix(tmp_path, monkeypatch):
    """c7b04fa read 'scan.' as 'scan' only where Path.suffix is '' for it: Python 3.14 calls the
    '.' a suffix (as os.path.splitext does), and the save was refused as another file type
    ('for . pick one of napari's writers'). Simulated by giving Path.suffix 3.14's answer."""
    import os
    import pathlib

    from xrf_napari._writer import write_cube_layer

    _, data, meta = _cube_layer(tmp_path)  # test_io41's
    monkeypatch.setattr(pathlib.PurePath, "suffix", property(lambda p: os.path.splitext(p.name)[1]))
    assert write_cube_layer(str(tmp_path / "scan."), data, meta) == [str(tmp_path / "scan.h5")]
