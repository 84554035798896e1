"""Session 58, readers: a slider chunk the storage did not answer is retried (not the scan failed
until reopened), the contrast sample and an HDF5 scan's raw files / a zarr array's document are
watched for a replacement, a made-up inode (FAT, CIFS noserverino) is no replacement, and a
missing decoder names its own package."""

from __future__ import annotations

import errno
import os
import shutil
import warnings

import numpy as np
import pytest
from test_readers57 import CUBE

from xrf_napari.errors import CubeReadError, FileWarning, explain_read_error
from xrf_napari.io import read_cube, read_failed


def _said(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, FileWarning)]


def _replace_with_copy(path):
    """`path` written anew with the same bytes (a new inode), as an export renames it over."""
    tmp = path.with_name(path.name + ".tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, path)


def _told_replaced(path, read):
    """`path` written anew (_replace_with_copy), then `read()`: one FileWarning, that `path` was
    replaced; read()'s result."""
    _replace_with_copy(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read()
    said = _said(caught)
    assert len(said) == 1 and said[0].startswith(f"{path}: the file was replaced"), said
    return got


class _Flaky:
    """cube.data whose first `fails` reads raise `error` (a network share that did not answer)."""

    def __init__(self, data, error, fails=1):
        self._data, self._error, self.fails = data, error, fails
        self.shape, self.dtype = data.shape, data.dtype

    def __getitem__(self, key):
        if self.fails:
            self.fails -= 1
            raise self._error
        return self._data[key]


def test_a_slider_chunk_the_storage_did_not_answer_is_read_again(tmp_path, monkeypatch):
    """Any exception in a slider chunk marked the scan failed until reopened (every dock then
    refused it, the chunk read as zeros): a network drive's timeout too. It is raised in words
    now (napari tells it and caches nothing), the scan not marked, and the next read reads it;
    a damaged or cut-short read still marks the scan."""
    from xrf_napari import _reader

    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": None)
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    key = (slice(0, 16), slice(0, 16), slice(0, 32))
    timeout = OSError(errno.ETIMEDOUT, "Connection timed out")
    face = _reader._Uncopied(_Flaky(cube.data, timeout), cube)
    with pytest.raises(CubeReadError) as got:
        face[key]
    msg = str(got.value)
    assert msg.startswith(str(path)) and "the system refused the read" in msg, msg
    assert "step the channel slider" in msg and "corrupt" not in msg, msg
    assert not read_failed(cube)
    assert np.array_equal(np.asarray(face[key]), CUBE[key])  # the next step reads it

    bad = _reader._Uncopied(_Flaky(cube.data, ValueError("not a chunk")), cube)
    assert not np.asarray(bad[key]).any() and read_failed(cube)


def test_which_read_errors_can_pass():
    """h5py's OSError gives the system's errno in its text only."""
    from xrf_napari.errors import passing_read_error

    assert passing_read_error(TimeoutError("timed out"))
    assert passing_read_error(
        OSError("Can't synchronously read data (file read failed: time = Sun Dec  6, filename = "
                "'/mnt/share/scan.h5', file descriptor = 5, errno = 5, error message = "
                "'Input/output error', buf = 0x1, total read size = 8)")
    )  # fmt: skip
    assert not passing_read_error(
        OSError(
            "Can't synchronously read data (addr overflow, addr = 2048, size = 800, eoa = 2048)"
        )
    )
    assert not passing_read_error(FileNotFoundError(errno.ENOENT, "gone"))
    assert not passing_read_error(OSError(errno.ESTALE, "Stale file handle"))
    assert not passing_read_error(CubeReadError("x.npy", "the file shrank"))


def test_the_contrast_sample_tells_a_file_replaced(tmp_path):
    """The napari reader's contrast sample (read when the opening check kept none) read
    cube.data straight: a file exported over meanwhile was not told there."""
    from xrf_napari import _reader

    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    sample = _told_replaced(path, lambda: _reader._read_sample(cube))
    assert sample is not None and sample.max() == CUBE.max()


def test_an_hdf5_scans_external_raw_file_replaced_is_told(tmp_path):
    """FileStamp watched the .h5 alone: the raw file an external dataset keeps its counts in,
    exported over, read on without a word."""
    import h5py

    raw = tmp_path / "counts.bin"
    CUBE.tofile(raw)
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset(
            "counts", CUBE.shape, CUBE.dtype, external=[("counts.bin", 0, CUBE.nbytes)]
        )
    cube = read_cube(path, auto_calibrate=False)
    _told_replaced(raw, lambda: cube.read_rows(slice(0, 2)))


def test_a_zarr_array_written_anew_in_its_store_is_told(tmp_path):
    """A zarr store was watched at its top folder only: its array written anew inside it (the
    folder's own entries unchanged) was not told."""
    import zarr

    path = tmp_path / "scan.zarr"
    group = zarr.open_group(str(path), mode="w")
    group.create_array("counts", data=CUBE, chunks=(8, 8, 256))
    cube = read_cube(path, auto_calibrate=False)
    doc = next(
        p for p in (path / "counts" / "zarr.json", path / "counts" / ".zarray") if p.exists()
    )
    _told_replaced(doc, lambda: cube.read_rows(slice(0, 2)))


def test_a_new_inode_where_inodes_are_made_up_is_no_replacement(tmp_path, monkeypatch):
    """On FAT/exFAT or CIFS noserverino an unchanged file not held open can get a new inode:
    it was told "replaced". There only its size and time are compared; elsewhere as before."""
    from xrf_napari.io import mapped

    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    monkeypatch.setattr(mapped, "_inodes_kept", lambda dev: False)
    stamp = mapped.FileStamp.of(path)
    shutil.copy2(path, path.with_name("copy.npy"))  # same bytes and time, another inode
    os.replace(path.with_name("copy.npy"), path)
    assert stamp.changed() is None
    with open(path, "ab") as fh:
        fh.write(b"x")
    assert "the file was modified" in (stamp.changed() or "")

    monkeypatch.setattr(mapped, "_inodes_kept", lambda dev: True)
    stamp = mapped.FileStamp.of(path)
    _replace_with_copy(path)
    assert "the file was replaced" in (stamp.changed() or "")


def test_mount_keeps_inodes_reads_mountinfo():
    from xrf_napari.io.mapped import mount_keeps_inodes

    info = (
        "36 25 8:17 / /media/usb rw,nosuid - vfat /dev/sdb1 rw,fmask=0022\n"
        "37 25 0:51 / /mnt/share rw,relatime - cifs //srv/x rw,vers=3.0,noserverino\n"
        "38 25 0:52 / /mnt/other rw,relatime - cifs //srv/y rw,vers=3.0,serverino\n"
        "39 25 8:2 / / rw,relatime - ext4 /dev/sda2 rw\n"
    )
    assert not mount_keeps_inodes(info, os.makedev(8, 17))
    assert not mount_keeps_inodes(info, os.makedev(0, 51))
    assert mount_keeps_inodes(info, os.makedev(0, 52))
    assert mount_keeps_inodes(info, os.makedev(8, 2))
    assert mount_keeps_inodes(info, os.makedev(9, 9))  # not listed: as before


def test_a_missing_decoder_names_its_own_package():
    """Every missing module was told "for a TIFF install the imagecodecs package": a zarr
    store's codec (zfpy) too."""
    zfp = explain_read_error(ModuleNotFoundError("No module named 'zfpy'", name="zfpy"))
    assert "install the zfpy package" in zfp and "imagecodecs" not in zfp, zfp
    assert "not damaged" in zfp
    zstd = explain_read_error(ModuleNotFoundError("No module named 'compression'"))
    assert "install the imagecodecs package" in zstd, zstd
    jpeg = explain_read_error(
        ValueError("<COMPRESSION.JPEG: 7> requires the 'imagecodecs' package")
    )
    assert "install the imagecodecs package" in jpeg and "uncompressed" in jpeg, jpeg


def _h5(path, **datasets):
    import h5py

    with h5py.File(path, "w") as f:
        f["counts"] = CUBE
        for name, value in datasets.items():
            f[name] = value
    return path


def test_an_hdf5_energy_vector_too_short_is_said_not_passed_over(tmp_path):
    """An energy vector longer than the channels was set aside with a warning; a shorter one
    (10 values for 256 channels) was passed over without a word, the scan opening
    uncalibrated. A one-value `energy` (a beam energy) is still no vector to speak of."""
    path = _h5(tmp_path / "scan.h5", energy=np.linspace(0, 10, 10))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    said = _said(caught)
    assert cube.calibration.source == "none"
    assert any("energy vector '/energy' has 10 values for 256 channels" in s for s in said), said
    beam = _h5(tmp_path / "beam.h5", energy=np.array([17.5]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_cube(beam, auto_calibrate=False)
    assert not [s for s in _said(caught) if "energy" in s], _said(caught)


def test_an_hdf5_live_time_of_another_shape_is_said(tmp_path):
    """A live_time dataset of another shape than the scan's pixels (here 3 x 5 beside 16 x 16)
    was passed over without a word: the counts read as not normalised, nothing said why."""
    path = _h5(tmp_path / "scan.h5", live_time=np.ones((3, 5)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    said = [s for s in _said(caught) if "live time" in s]
    assert cube.live_time is None and len(said) == 1, said
    assert said[0].startswith(f"{path}: live time '/live_time' has shape 3 x 5"), said
    assert "16 x 16" in said[0] and "set aside" in said[0], said
    assert "3 x 5" in cube.metadata.get("live_time_note", ""), cube.metadata


def test_8_byte_integer_counts_beyond_any_detector_are_refused(tmp_path):
    """Float counts past MAX_COUNT were refused, integers never: a uint64 scan read in the wrong
    byte order (7 counts read 5.04e+17) opened as counts."""
    path = tmp_path / "swapped.npy"
    np.save(path, CUBE.astype(">u8").view("<u8"))
    with pytest.raises(CubeReadError, match=r"counts reach 5\.04e\+17 .*wrong byte order"):
        read_cube(path, auto_calibrate=False)
    np.save(path, CUBE.astype(np.int64))  # the same counts, in order: opened as before
    assert read_cube(path, auto_calibrate=False).dtype == np.int64


def test_a_slice_raised_while_the_axis_is_delivered_leaves_the_sums_delivered(monkeypatch):
    """Since a slider read the storage did not answer raises (_Uncopied), the slice the stack
    layer's new keV axis makes can raise inside _deliver_sum: the sum layers, delivered after
    the stack, were left "(computing...)" and the error told as the pass's failure."""
    from types import SimpleNamespace

    from xrf_napari import _reader

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": told.append(msg))
    refusal = CubeReadError("scan.h5", "reading rows 0-3 failed (TimeoutError: timed out)")

    def deliver_axis(layer, cube):
        raise refusal

    monkeypatch.setattr(_reader, "_deliver_axis", deliver_axis)
    stack = SimpleNamespace(metadata={_reader.PENDING_KEY: "t"}, name="scan")
    total = np.ones((4, 4))
    sums = SimpleNamespace(
        metadata={"kind": "sum", _reader.PENDING_KEY: "t"}, name="scan sum" + _reader.PENDING_SUFFIX
    )
    monkeypatch.setattr(_reader, "_pending_layers", lambda token: [sums, stack])
    _reader._deliver_sum(SimpleNamespace(metadata={}), "t", total, (0.0, 1.0), None)
    assert sums.data is total and sums.name == "scan sum", vars(sums)
    assert _reader.PENDING_KEY not in sums.metadata
    assert told == [str(refusal)], told
