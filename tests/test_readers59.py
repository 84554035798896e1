"""Session 59, readers: a TIFF saved page by page is memory-mapped, not read a page a chunk
through zarr."""

from __future__ import annotations

import errno
import os
import warnings

import numpy as np
import pytest
from test_readers57 import CUBE
from test_readers58 import _h5, _said, _told_replaced

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube
from xrf_napari.io.hdf5_looked import remember_looked


def _looked(path):
    """`path`, an HDF5 file this test wrote, marked as looked at: read without the first look's
    child process (about 1-2 s a file here)."""
    remember_looked(path)
    return path


def _virtual_scan(path, data=CUBE):
    """`path` holding a virtual dataset "counts" of `data`'s shape and dtype over rows.h5:/counts,
    named relatively (HDF5 looks for it beside `path`, or in $HDF5_VDS_PREFIX's folders)."""
    import h5py

    layout = h5py.VirtualLayout(data.shape, data.dtype)
    layout[:] = h5py.VirtualSource("rows.h5", "counts", data.shape)
    with h5py.File(path, "w") as f:
        f.create_virtual_dataset("counts", layout)
    return path


def _pages_tiff(path, cube=CUBE):
    """`cube` (H, W, C) as a TIFF of C pages written one by one (each page's directory before
    its data): no contiguous series, as page-by-page writers leave it."""
    import tifffile

    with tifffile.TiffWriter(path) as tif:
        for page in np.moveaxis(cube, -1, 0):
            tif.write(page, contiguous=False, metadata=None)
    return path


def test_a_tiff_saved_page_by_page_is_memory_mapped(tmp_path):
    """Pages stored whole and uncompressed but each after its own directory went through
    tifffile's zarr store, one page a chunk at about 1 ms each: a 3,000-page TIFF of 8 x 8
    pixels took 27 s to open, the opening sample reading every page for each sampled row.
    They are mapped as one strided array now; cut short, it is still refused."""
    path = _pages_tiff(tmp_path / "pages.tif")
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "memmap", cube.metadata
    assert np.array_equal(np.asarray(cube.data[...]), CUBE)
    assert np.array_equal(np.asarray(cube.data[3:5, 2:9, 40:90]), CUBE[3:5, 2:9, 40:90])
    os.truncate(path, os.path.getsize(path) - 100)
    with pytest.raises(CubeReadError, match="pages.tif"):
        read_cube(path, auto_calibrate=False)


@pytest.mark.parametrize("err", [errno.EACCES, errno.EIO])
def test_an_output_that_cannot_be_read_is_refused_as_unreadable(tmp_path, monkeypatch, err):
    """recolour's check of its output: a file there that cannot be read (no read permission, a
    bad sector) was refused as "it is not a TIFF image (it cannot be read as one)", a wrong
    reason; it says it cannot be read and why."""
    from xrf_napari.io import arrays

    path = tmp_path / "out.tif"
    path.write_bytes(b"II*\0" + bytes(60))

    def unreadable(file, *args, **kwargs):
        raise OSError(err, os.strerror(err), str(file))

    monkeypatch.setattr(arrays, "open", unreadable, raising=False)
    why = arrays.not_a_picture(path)
    assert why == f"it cannot be read ({os.strerror(err)}), so what it holds is unknown", why


def test_a_zarr_chunk_written_again_is_told(tmp_path):
    """A zarr array's document was watched, not its chunks: a chunk written again (zarr writes
    a new file and renames it over) was read on without a word."""
    import zarr

    path = tmp_path / "scan.zarr"
    zarr.open_group(str(path), mode="w").create_array("counts", data=CUBE, chunks=(8, 8, 256))
    cube = read_cube(path, auto_calibrate=False)
    chunk = next(p for p in sorted((path / "counts").rglob("*")) if p.is_file() and p.stem)
    assert chunk.name not in ("zarr.json", ".zarray"), chunk
    _told_replaced(chunk, lambda: cube.read_rows(slice(0, 2)))


def test_virtual_sources_under_hdf5_vds_prefix_are_found_and_watched(tmp_path, monkeypatch):
    """HDF5 looks for a virtual dataset's source files in $HDF5_VDS_PREFIX's folders first; the
    reader looked beside the file only: a scan h5py reads was refused as "its source file
    rows.h5 is missing", and such a source was not watched."""
    import h5py

    (tmp_path / "src").mkdir()
    (tmp_path / "scan").mkdir()
    monkeypatch.setenv("HDF5_VDS_PREFIX", str(tmp_path / "src"))
    with h5py.File(tmp_path / "src" / "rows.h5", "w") as f:
        f["counts"] = CUBE
    path = _virtual_scan(tmp_path / "scan" / "scan.h5")
    cube = read_cube(_looked(path), auto_calibrate=False)
    rows = _told_replaced(tmp_path / "src" / "rows.h5", lambda: cube.read_rows(slice(0, 2)))
    assert np.array_equal(np.asarray(rows), CUBE[:2])


def test_a_2d_hdf5_energy_is_read_per_channel_or_said(tmp_path):
    """A 2-D `energy` (one vector a detector element, or a map) was passed over without a word,
    the scan opening uncalibrated: rows that agree calibrate it, others are said in words."""
    axis = np.linspace(1.0, 26.5, 256)
    same = _looked(_h5(tmp_path / "same.h5", energy=np.stack([axis] * 4)))
    cube = read_cube(same, auto_calibrate=False)
    assert cube.calibration.source != "none" and cube.calibration.offset == pytest.approx(1.0)
    differ = "holds 2 energy vectors that differ (by up to 0.02"
    for name, energy, words in [
        ("differ", np.stack([axis, axis + 0.02]), differ),
        ("map", np.ones((16, 16)), "of shape 16 x 16 is no energy vector of the 256 channels"),
    ]:
        path = _looked(_h5(tmp_path / f"{name}.h5", energy=energy))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cube = read_cube(path, auto_calibrate=False)
        said = [s for s in _said(caught) if "energy '/energy'" in s]
        assert cube.calibration.source == "none" and len(said) == 1, _said(caught)
        assert said[0].startswith(f"{path}: energy '/energy' ") and words in said[0], said


def test_a_zarr_store_of_chunks_never_written_says_so(tmp_path, monkeypatch):
    """A store whose chunks were mostly never written (a scan stopped early) was refused as "the
    file stores only 862 bytes of it: unallocated, truncated or a decompression bomb": it is a
    folder, and zarr would read the chunks missing as zeros. It is said so."""
    import zarr

    from xrf_napari.io import limits

    monkeypatch.setattr(limits, "STORAGE_CHECK_BYTES", 0)  # judged as a large store is
    path = tmp_path / "stopped.zarr"
    arr = zarr.open_array(str(path), mode="w", shape=(40, 40, 256), chunks=(8, 8, 256), dtype="u2")
    arr[:8, :8] = 1
    with pytest.raises(CubeReadError) as got:
        read_cube(path, auto_calibrate=False)
    msg = str(got.value)
    assert "but the store holds only" in msg and "bomb" not in msg, msg
    assert "only 1 of its 25 chunks was ever written (zarr would read the other 24 as 0)" in msg


def test_a_loop_of_hdf5_links_is_told_as_one(tmp_path):
    """Links leading round a loop were told "a link to /other, which does not exist" (it
    existed: a link back), or, across files, "a link to /counts in b.h5, which cannot be opened"
    (b.h5 was sound)."""
    import h5py

    with h5py.File(tmp_path / "a.h5", "w") as f:
        f["counts"] = h5py.ExternalLink("b.h5", "/counts")
    with h5py.File(tmp_path / "b.h5", "w") as f:
        f["counts"] = h5py.ExternalLink("a.h5", "/counts")
    with h5py.File(tmp_path / "self.h5", "w") as f:
        f["counts"] = h5py.SoftLink("other")
        f["other"] = h5py.SoftLink("/counts")
    b = tmp_path / "b.h5"
    for name, chain in [
        ("a.h5", f"/counts in {b} -> /counts -> /counts in {b}"),
        ("self.h5", "/other -> /counts -> /other"),
    ]:
        with pytest.raises(CubeReadError) as got:
            read_cube(_looked(tmp_path / name), auto_calibrate=False)
        msg = str(got.value)
        assert f"counts leads round a loop of links ({chain}): no dataset at its end" in msg, msg


@pytest.mark.parametrize(
    "head", [b"II*\0\0\0\0\0", b"MM\0*\0\0\0\0", b"II+\0\x08\0\0\0" + bytes(8)]
)
def test_a_tiff_of_no_page_says_so(tmp_path, head):
    """A TIFF whose header points to no page (a writer that failed after the header: tifffile
    left 8 bytes when imagecodecs was missing) was "could not be read as tiff (IndexError: list
    index out of range)"."""
    path = tmp_path / "unfinished.tif"
    path.write_bytes(head)
    with pytest.raises(CubeReadError, match="the TIFF holds no page .*write or copy it again"):
        read_cube(path, auto_calibrate=False)


@pytest.mark.parametrize("suffix", [".mca", ".rpl", ".spx"])
def test_a_binary_file_of_no_known_kind_under_a_text_suffix_says_binary(tmp_path, suffix):
    """Only HDF5, .npy, zip and TIFF starts were told under a text suffix: a .bcf saved as .mca
    read "unexpected line in .mca: '\\x00\\x00\\x00...'", as .rpl "ripple header lacks the
    required key 'width'". UTF-16 text without a byte-order mark (NULs too) still reads."""
    path = tmp_path / f"hypermap{suffix}"
    path.write_bytes(b"AAMVHFSS\x00\x00\x00\xff\x01\xfe" * 64)  # a .bcf's start, roughly
    with pytest.raises(CubeReadError, match=r"holds binary data, not text: NUL bytes"):
        read_cube(path)
    if suffix == ".mca":
        text = tmp_path / "utf16.mca"
        text.write_bytes("".join(f"{n % 7}\n" for n in range(128)).encode("utf-16-le"))
        assert read_cube(text, auto_calibrate=False).shape == (1, 1, 128)


def test_recolours_output_check_reads_a_tiff_once(tmp_path, monkeypatch):
    """not_a_picture (recolour's -o over a TIFF) parsed the file's pages twice, by tifffile and
    again in tiff_is_cube: 1.1 s for a 3,000-page stack here; once now (0.3-0.5 s)."""
    import tifffile

    from xrf_napari.io import arrays

    path = _pages_tiff(tmp_path / "scan.tif")
    opened, real = [], tifffile.TiffFile
    monkeypatch.setattr(tifffile, "TiffFile", lambda *a, **k: opened.append(1) or real(*a, **k))
    why = arrays.not_a_picture(path)
    assert why == "it holds a spectral datacube (a TIFF of 256 pages), a scan", why
    assert len(opened) == 1


def test_a_virtual_source_under_hdf5_vds_prefix_is_guarded_as_an_input(tmp_path, monkeypatch):
    """The output guard looked for virtual sources beside the .h5 only: one read from
    $HDF5_VDS_PREFIX could be written over by an output named so."""
    import h5py

    from xrf_napari.fileutil import OutputError, check_outputs

    (tmp_path / "src").mkdir()
    monkeypatch.setenv("HDF5_VDS_PREFIX", str(tmp_path / "src"))
    source = tmp_path / "src" / "rows.h5"
    with h5py.File(source, "w") as f:
        f["counts"] = CUBE[:2]
    _virtual_scan(tmp_path / "scan.h5", CUBE[:2])
    with pytest.raises(OutputError, match="rows.h5"):
        check_outputs(files=[source], inputs=[tmp_path / "scan.h5"], option="--output")
