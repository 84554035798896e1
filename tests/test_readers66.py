"""Readers, session 66: a damaged .datastack prints no asyncio traceback, a zarr.json edited to
extreme numbers and a damaged TIFF strip are said in our words naming the part, and a read the
system refuses is worded one way (an .npz member, a slider chunk, HDF5's errno report)."""

import errno
import gc
import json
import logging
import zipfile

import numpy as np
import pytest
import tifffile
import zarr
from _io_helpers import h5_read_raising
from test_readers65 import _said_everywhere

from xrf_napari.errors import CubeReadError, read_block
from xrf_napari.io import read_cube


def _datastack(path, damaged=()):
    """A small maxrf4u .datastack whose members `damaged` have one byte of their data flipped
    (zip stores them uncompressed, so each fails its CRC when read)."""
    store = zarr.storage.ZipStore(str(path), mode="w")
    group = zarr.open_group(store=store, mode="w")
    group.create_array("maxrf_cube", data=np.ones((4, 5, 64), np.float32))
    group.create_array("maxrf_energies", data=np.linspace(0, 20, 64))
    store.close()
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        infos = [z.getinfo(m) for m in damaged]
    for info in infos:
        at = info.header_offset
        extra = int.from_bytes(raw[at + 28 : at + 30], "little")
        raw[at + 30 + len(info.filename.encode()) + extra + 5] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_datastack_with_two_damaged_members_prints_no_asyncio_traceback(tmp_path, caplog):
    """zarr reads a group's members in tasks it gathers: where two fail, our error said the
    first and asyncio printed "Task exception was never retrieved" and the second's traceback
    on the terminal (read_cube, `xrf-napari info` and napari's reader alike)."""
    path = tmp_path / "scan.datastack"
    _datastack(path, ("maxrf_cube/zarr.json", "maxrf_energies/zarr.json"))
    with caplog.at_level(logging.DEBUG, logger="asyncio"):
        with pytest.raises(CubeReadError, match="its zip archive is damaged"):
            read_cube(path)
        gc.collect()
    told = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not any("Task exception was never retrieved" in t for t in told), told


def _zarr(path, edit):
    group = zarr.open_group(str(path), mode="w")
    group.create_array("counts", data=np.ones((4, 5, 64), np.uint16), chunks=(2, 5, 64))
    doc_path = path / "counts" / "zarr.json"
    doc = json.loads(doc_path.read_text())
    edit(doc)
    doc_path.write_text(json.dumps(doc))


def _chunk(doc, n):
    doc["chunk_grid"]["configuration"]["chunk_shape"][0] = n


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            lambda d: d["shape"].__setitem__(0, 10**30),
            "its metadata counts/zarr.json is invalid: 'shape' is [1000000000000000000000000000000"
            ", 5, 64], past the largest length an array can have",
        ),
        (
            lambda d: d.__setitem__("fill_value", 10**30),
            "its metadata counts/zarr.json is damaged, or uses a setting this zarr version does "
            "not read (zarr said: Python int too large",
        ),
        (
            lambda d: d["codecs"][0]["configuration"].__setitem__("endian", "middle"),
            "its metadata counts/zarr.json is damaged, or uses a setting this zarr version does "
            "not read (zarr said: Value must be one of",
        ),
        (
            lambda d: _chunk(d, 2**50),
            "zarr array 'counts' of shape (4, 5, 64) declares chunks (1125899906842624, 5, 64) of ",
        ),
    ],
)
def test_a_zarr_json_edited_to_extreme_numbers_is_named_in_our_words(tmp_path, capsys, edit, said):
    """Had read "could not be read as zarr (AttributeError: 'int' object has no attribute
    'item')", "(OverflowError: Python int too large to convert to C long)", "unreadable zarr
    store (ValueError: Value must be one of ['big', 'little']...)" and "reading row 0 failed
    (ValueError: Maximum allowed dimension exceeded); the file may be corrupt or truncated"."""
    path = tmp_path / "scan.zarr"
    _zarr(path, edit)
    got = _said_everywhere(path, capsys)
    assert said in got
    assert "could not be read as" not in got and "Error" not in got


def test_a_damaged_tiff_strip_is_called_a_strip_of_the_tiff(tmp_path, capsys):
    """It had read "a compressed chunk of the scan dataset there is damaged ...; other rows may
    read, but not the whole scan": a TIFF has strips, and its pages are decoded whole."""
    path = tmp_path / "scan.tif"
    cube = np.random.default_rng(0).poisson(20, (64, 6, 7)).astype(np.uint16)
    tifffile.imwrite(path, cube, compression="zlib")
    with tifffile.TiffFile(path) as tf:
        at, n = tf.pages[0].dataoffsets[0], tf.pages[0].databytecounts[0]
    raw = bytearray(path.read_bytes())
    raw[at + 2] ^= 0x55
    raw[at + n // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    said = _said_everywhere(path, capsys)
    assert "a compressed strip or tile of the TIFF is damaged: its decompression failed" in said
    assert "scan dataset" not in said and "other rows may read" not in said


class _Refusing:
    """An array whose every read raises `error`."""

    shape, dtype = (4, 5, 64), np.dtype(np.uint16)

    def __init__(self, error):
        self.error = error

    def __getitem__(self, key):
        raise self.error


#: h5py's OSError for a read the system refused: HDF5's driver report as its message.
_HDF5_REPORT = (
    "Can't synchronously read data (file read failed: time = Mon Dec  7 21:00:00 2026, filename"
    " = 'scan.h5', file descriptor = 3, errno = {code}, error message = '{words}', buf = "
    "0x55d0c8a0, total read size = 640, bytes this sub-read = 640, bytes actually read = "
    "18446744073709551615, offset = 2048)"
)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ETIMEDOUT, "Connection timed out"), "Connection timed out, ETIMEDOUT"),
        (OSError(_HDF5_REPORT.format(code=13, words="Permission denied")), "Permission denied"),
        (OSError(_HDF5_REPORT.format(code=5, words="Input/output error")), "Input/output error"),
    ],
)
def test_a_read_the_system_refused_is_worded_one_way(tmp_path, error, words):
    """A slider chunk's timeout read "the storage did not answer", HDF5's EACCES "the file
    may be corrupt or truncated" after HDF5's whole driver report, an .npz member's "the
    system refused the read": one wording now, with the system's words, not the report."""
    with pytest.raises(CubeReadError) as e:
        read_block(_Refusing(error), (slice(0, 2),), tmp_path / "scan.h5")
    said = str(e.value)
    assert f"reading rows 0-1 failed: the system refused the read ({words}" in said, said
    assert "so the file itself may be sound" in said
    assert "buf =" not in said and "corrupt" not in said


def test_an_npz_member_the_system_refused_reads_as_a_slider_chunk_does(tmp_path, monkeypatch):
    """It read "reading member 'counts' failed (Permission denied): the system refused the
    read, the archive may be sound", its own wording: now errors.refused_read's."""
    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.ones((4, 5, 64), np.uint16))

    def refused(self, *args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(zipfile.ZipFile, "open", refused)
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    assert (
        "scan.npz: reading member 'counts' failed: the system refused the read (Permission "
        "denied, EACCES), so the file itself may be sound" in str(e.value)
    )


def test_an_hdf5_file_the_system_refused_is_not_told_in_hdf5s_report(tmp_path, monkeypatch):
    """An errno in h5py's error on opening (EACCES here) had read "could not be read as hdf5
    (PermissionError: [Errno 13] Can't synchronously read data (file read failed: time = ...,
    buf = ...))"; now errors.refused_read's words. The error is raised from a frame in h5py's
    folder, as h5py's are (io.hdf5._structure_damaged asks that)."""
    path = tmp_path / "scan.h5"
    report = _HDF5_REPORT.format(code=13, words="Permission denied")
    h5_read_raising(monkeypatch, path, OSError(13, report))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert said.startswith(f"{path}: reading it failed: the system refused the read (Permission")
    assert "buf =" not in said and "could not be read as" not in said


def _h5(path, energy=None):
    """The small HDF5 cube of the session's byte-flip scan (/work/runs66/readers66/h5scan.py)."""
    import h5py

    with h5py.File(path, "w") as f:
        f["counts"] = np.ones((4, 5, 64), "u2")
        f["energy"] = np.linspace(0, 20, 64) if energy is None else energy


def test_an_hdf5_float_type_header_damaged_is_said_so(tmp_path, capsys):
    """A flipped byte in the energy vector's float type (its exponent bias) had read "could not
    be read as hdf5 (ValueError: Insufficient precision in available types to represent (63,
    52, 11, 0, 52))" (1 of 2,048 flips)."""
    path = tmp_path / "scan.h5"
    _h5(path)
    raw = bytearray(path.read_bytes())
    at = raw.find(bytes([0, 0, 0x40, 0, 0x34, 0x0B, 0, 0x34]))  # float64's bit fields
    raw[at + 9] ^= 0xFF
    path.write_bytes(bytes(raw))
    said = _said_everywhere(path, capsys)
    assert "scan.h5: a dataset's data type, in its header, is one h5py cannot represent" in said
    assert "a damaged header" in said and "ValueError" not in said


def test_an_hdf5_object_header_of_unknown_type_is_said_damaged(tmp_path):
    """h5py's KeyError "Unable to synchronously open object (unable to determine object type)"
    (2 of 2,048 flips, both in the root group's symbol table entry) had read "could not be read
    as hdf5 (KeyError: ...)"."""
    path = tmp_path / "scan.h5"
    _h5(path)
    raw = bytearray(path.read_bytes())
    raw[112] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert "a damaged HDF5 file: it opens, but the HDF5 library cannot read its structure" in said
    assert "(unable to determine object type)" in said and "KeyError" not in said


def test_an_energy_vector_fitting_a_negative_gain_is_set_aside_in_words(tmp_path):
    """Rising values whose fit gives a negative gain (the last one far off: a damaged vector)
    had refused the scan: "could not be read as hdf5 (ValueError: calibration gain must be
    positive, got -5.44 keV/channel)"; now set aside with a warning, as a vector that does not
    rise is, and the scan opens."""
    path = tmp_path / "scan.h5"
    energy = np.linspace(0, 20, 64)
    energy[-1] = 1e6
    _h5(path, energy)
    with pytest.warns(UserWarning, match="energy axis rises too unevenly to be a detector's"):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.data.shape == (4, 5, 64) and cube.calibration.source != "file"


def test_an_hdf5_chunk_address_past_the_end_is_said_in_words(tmp_path, capsys):
    """A chunk index entry altered (found by the session's byte-flip fuzz, 1 of 62 damaged
    gzip HDF5 cubes) had read "reading row 0 failed (OSError: Can't synchronously read data
    (addr overflow, addr = ..., eoa = ...)); the file may be corrupt or truncated"."""
    import h5py

    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset(
            "counts", data=np.ones((4, 5, 64), "u2"), chunks=(2, 5, 64), compression="gzip"
        )
    with h5py.File(path, "r") as f:
        first = f["counts"].id.get_chunk_info(0).byte_offset.to_bytes(8, "little")
    raw = bytearray(path.read_bytes())
    raw[raw.find(first) + 5] ^= 0x9C  # the chunk's address in the B-tree, far past the end
    path.write_bytes(bytes(raw))
    said = _said_everywhere(path, capsys)
    assert (
        "reading row 0 failed: a chunk of dataset '/counts' (gzip) there lies past the end" in said
    )
    assert "(HDF5 said: Can't synchronously read data (addr overflow" in said
    assert "OSError" not in said and "may be corrupt or truncated" not in said


def test_a_datastack_whose_zip_directory_asks_a_newer_zip_is_said_damaged(tmp_path, capsys):
    """A directory entry's "version needed to extract" flipped (found by the session's byte-flip
    fuzz, 1 of 75 damaged .datastack copies) had read "unreadable zarr store
    (NotImplementedError: zip file version 7.3)"."""
    path = tmp_path / "scan.datastack"
    _datastack(path)
    raw = bytearray(path.read_bytes())
    entry = raw.find(b"PK\x01\x02")  # the first central directory entry
    raw[entry + 6] = 73  # version needed to extract: 7.3, past any zip's
    path.write_bytes(bytes(raw))
    said = _said_everywhere(path, capsys)
    assert "scan.datastack: its zip archive is damaged (zip file version 7.3)" in said
    assert "NotImplementedError" not in said
