"""Session 60, readers and file I/O."""

from __future__ import annotations

import os

import numpy as np
import pytest
from test_readers57 import CUBE

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def _zlib_stack(path, cube=CUBE):
    """`cube` (H, W, C) as a zlib-compressed TIFF of C pages, one strip a page."""
    import tifffile

    tifffile.imwrite(path, np.moveaxis(cube, -1, 0), compression="zlib", metadata=None)
    return path


def test_a_compressed_tiff_stack_decodes_each_page_once(tmp_path, monkeypatch):
    """Through tifffile's zarr store every read decoded each page it crossed anew: the opening
    sample decoded all 256 pages once per sampled row (a 3,000-page zlib TIFF of 8 x 8 pixels
    took 7-26 s to open, 1,024 pages of 64 x 64 9.8 s), and a pass over the scan once per block
    of rows. The stack is decoded into memory once; a damaged page is told on opening."""
    import tifffile._imagecodecs as codecs

    try:
        import imagecodecs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("imagecodecs installed: tifffile decodes zlib with it, not with zlib")
    path = _zlib_stack(tmp_path / "stack.tif")
    inflate, calls = codecs.zlib.decompress, []

    def counted(data, *args):
        calls.append(1)
        return inflate(data, *args)

    monkeypatch.setattr(codecs.zlib, "decompress", counted)
    cube = read_cube(path, auto_calibrate=False)
    assert np.array_equal(cube.sum_image(), CUBE.sum(axis=2, dtype=np.float64))
    assert np.array_equal(np.asarray(cube.data[3:5, 2:9, 40:90]), CUBE[3:5, 2:9, 40:90])
    assert len(calls) == CUBE.shape[2], len(calls)  # 2,048 and more before
    monkeypatch.undo()
    import tifffile

    with tifffile.TiffFile(path) as tif:
        at, n = tif.pages[100].dataoffsets[0], tif.pages[100].databytecounts[0]
    raw = bytearray(path.read_bytes())
    raw[at + 2 : at + n] = bytes(n - 2)  # the zlib header kept, its stream zeroed
    path.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError, match="stack.tif") as caught:
        read_cube(path, auto_calibrate=False)
    assert "corrupt" in str(caught.value), caught.value


def test_a_flat_zarr_store_is_watched_by_its_folder(tmp_path, monkeypatch):
    """The stamp of a zarr store watched each of its chunk files, up to 64 of them a read: a
    slider chunk's read waited on 65 os.stat (2.4 ms a call here for a flat v2 store of 4,096
    chunks, 64 round trips on a network share). The folder holding them is watched in their
    place (zarr renames a chunk written anew over the old one): 0.05 ms; such a chunk is
    still told by its name."""
    import os

    import zarr
    from test_readers58 import _told_replaced

    from xrf_napari.io import mapped

    path = tmp_path / "scan.zarr"
    zarr.open_array(
        str(path), mode="w", shape=CUBE.shape, chunks=(2, 2, 256), dtype=CUBE.dtype, zarr_format=2
    )[...] = CUBE
    cube = read_cube(path, auto_calibrate=False)
    looked, stat = [], os.stat
    monkeypatch.setattr(mapped.os, "stat", lambda p, *a, **k: looked.append(p) or stat(p, *a, **k))
    assert cube.file_stamp.changed() is None
    monkeypatch.undo()
    # the store's folder and .zarray, and INSIDE_PER_CALL chunks in turn (test_revR60); 65 before
    assert len(looked) <= 2 + mapped.INSIDE_PER_CALL, len(looked)
    chunk = path / "3.5.0"
    assert np.array_equal(_told_replaced(chunk, lambda: cube.read_rows(slice(6, 8))), CUBE[6:8])


def test_external_raw_files_under_hdf5_extfile_prefix(tmp_path, monkeypatch):
    """HDF5 reads a dataset's relative external raw files from the folder $HDF5_EXTFILE_PREFIX
    names (over any prefix a reader sets); the reader and the output guard looked beside the
    .h5 only: a scan h5py reads was refused as "counts.raw, which is missing", and its raw
    file could be written over by an output named so. A source missing from a
    $HDF5_VDS_PREFIX folder is told as looked for there too."""
    from test_hdf44 import _external_scan
    from test_readers59 import _looked, _virtual_scan

    from xrf_napari.fileutil import OutputError, check_outputs

    raw = tmp_path / "raw" / "counts.raw"  # not beside the .h5: in raw/ below it
    made = _external_scan(raw.parent, dataset="counts", raw=raw.name, data=CUBE)
    path = made.rename(tmp_path / "scan.h5")
    monkeypatch.setenv("HDF5_EXTFILE_PREFIX", "${ORIGIN}/raw")
    cube = read_cube(_looked(path), auto_calibrate=False)
    assert np.array_equal(np.asarray(cube.data[2:4]), CUBE[2:4])
    assert raw in [p for p, _ in cube.file_stamp._files]
    with pytest.raises(OutputError, match="counts.raw"):
        check_outputs(files=[raw], inputs=[path], option="--output")
    monkeypatch.setenv("HDF5_EXTFILE_PREFIX", str(tmp_path / "elsewhere"))
    with pytest.raises(CubeReadError, match="elsewhere/counts.raw in the folder"):
        read_cube(path, auto_calibrate=False)
    monkeypatch.setenv("HDF5_VDS_PREFIX", str(tmp_path / "src"))
    with pytest.raises(CubeReadError) as caught:
        read_cube(_looked(_virtual_scan(tmp_path / "vds.h5")), auto_calibrate=False)
    assert f"{tmp_path / 'src' / 'rows.h5'} in $HDF5_VDS_PREFIX's folders" in str(caught.value)


def test_counts_normalised_by_the_flux_are_no_rgb_picture(tmp_path):
    """A channel-first scan 3 pixels wide of counts / I0 (floats between 0 and 1, not whole
    numbers) was refused as "an RGB colour picture ... of values between 0 and 1"; each
    pixel's values are whole multiples of 1 / I0, which a picture's are not."""
    import h5py
    from test_readers59 import _looked

    rng = np.random.default_rng(0)
    counts = rng.poisson(3, (256, 16, 3)).astype(np.float32)
    scaled = counts / rng.uniform(5e4, 6e4, (16, 3)).astype(np.float32)
    photo = rng.uniform(0, 1, (256, 16, 3)).astype(np.float32)
    for name, data in [("scan.h5", scaled), ("photo.h5", photo)]:
        with h5py.File(tmp_path / name, "w") as f:
            f["counts"] = data
    cube = read_cube(_looked(tmp_path / "scan.h5"), auto_calibrate=False)
    assert np.array_equal(np.asarray(cube.data[...]), np.moveaxis(scaled, 0, -1))
    with pytest.raises(CubeReadError, match="RGB colour picture"):
        read_cube(_looked(tmp_path / "photo.h5"), auto_calibrate=False)


def test_a_png_named_tif_is_named_as_a_png(tmp_path):
    """recolour's output check told a PNG named .tif "it is not a TIFF image (it cannot be read
    as one)" only; it says what it is."""
    from PIL import Image

    from xrf_napari.io.arrays import not_a_picture

    path = tmp_path / "out.tif"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, format="PNG")
    assert not_a_picture(path).endswith(": it is a PNG image named .tif"), not_a_picture(path)


def test_a_bruker_spx_named_mca_is_named_as_one(tmp_path):
    """A Bruker .spx (XML) saved as .mca read "unexpected line in .mca: '<?xml version=...'"."""
    spx = (
        '<?xml version="1.0" encoding="WINDOWS-1252" standalone="yes"?>\n'
        '<TRTSpectrum><ClassInstance Type="TRTSpectrum"/></TRTSpectrum>\n'
    )
    path = tmp_path / "point.mca"
    path.write_text(spx, encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"it is a Bruker \.spx spectrum \(XML\): rename"):
        read_cube(path)


def test_a_zarr_store_of_no_chunks_holds_no_bytes(tmp_path):
    """A store none of whose chunks was written was told to hold "only 658 bytes" of its data:
    its zarr.json's, counted as data."""
    import zarr

    path = tmp_path / "scan.zarr"
    zarr.open_array(str(path), mode="w", shape=(100, 100, 4096), chunks=(2, 2, 4096), dtype="u2")
    with pytest.raises(CubeReadError, match="the store holds only 0 bytes of it: none of its"):
        read_cube(path, auto_calibrate=False)


def test_a_zarr_rgb_picture_named_as_the_dataset_is_refused(tmp_path):
    """`--dataset rgb` of a zarr store opened a 40 x 50 RGB picture as 40 x 50 pixels of 3
    channels; an HDF5 dataset so named is refused as a picture (84d31b12), and so is it."""
    import zarr

    path = tmp_path / "scan.zarr"
    group = zarr.open_group(str(path), mode="w")
    group.create_array("rgb", data=np.zeros((40, 50, 3), np.uint8))
    group.create_array("counts", data=CUBE)
    with pytest.raises(CubeReadError, match="zarr array 'rgb' .* looks like an RGB colour pic"):
        read_cube(path, dataset="rgb", auto_calibrate=False)
    assert read_cube(path, dataset="counts", auto_calibrate=False).shape == CUBE.shape


def test_a_tiff_whose_read_fails_within_is_told_unreadable(tmp_path, monkeypatch):
    """recolour's output check told a TIFF whose read failed inside tifffile's parse (EIO: a bad
    sector past its first bytes) "it is not a TIFF image"; it says it cannot be read."""
    import errno

    import tifffile

    from xrf_napari.io.arrays import not_a_picture

    path = tmp_path / "out.tif"
    tifffile.imwrite(path, np.zeros((4, 4), np.uint8))

    def failing(*_args, **_kwargs):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(tifffile, "TiffFile", failing)
    assert not_a_picture(path) == (
        f"it cannot be read ({os.strerror(errno.EIO)}), so what it holds is unknown"
    )
