"""Saves audit of session 38: each test fails on the parent of its fix."""

import numpy as np
import pytest

from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration


def _cube_layer(tmp_path):
    """(data, meta) as napari hands a cube layer to the writer: (channels, y, x) data, the Cube
    in the layer's metadata."""
    counts = np.random.default_rng(0).integers(0, 9, (4, 5, 16)).astype(np.uint16)
    cube = Cube(counts, Calibration(0.1, 0.02, source="file"), path=tmp_path / "scan.h5")
    meta = {"name": "scan", "metadata": {"xrf_cube": cube}}
    return np.moveaxis(counts, -1, 0), meta, counts


def test_the_writer_does_not_replace_a_file_the_dialog_never_named(tmp_path):
    """File > Save Selected Layers, name typed without a suffix: napari's dialog asked about
    "copy" only, and the writer added ".h5" and silently replaced an existing copy.h5. It refuses,
    naming the file, and the old file is untouched; a new name is still completed and written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer
    from xrf_napari.io import read_cube

    data, meta, counts = _cube_layer(tmp_path)
    earlier = tmp_path / "copy.h5"
    earlier.write_bytes(b"an earlier save")
    with pytest.raises(CubeSaveError, match="copy.h5"):
        write_cube_layer(str(tmp_path / "copy"), data, meta)
    assert earlier.read_bytes() == b"an earlier save"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.h5"]  # no temporary left

    written = write_cube_layer(str(tmp_path / "new copy"), data, meta)
    assert written == [str(tmp_path / "new copy.h5")]
    np.testing.assert_array_equal(np.asarray(read_cube(written[0]).data), counts)
    # typed in full (the dialog asked about it), an existing file is replaced
    assert write_cube_layer(str(earlier), data, meta) == [str(earlier)]
    np.testing.assert_array_equal(np.asarray(read_cube(earlier).data), counts)


def test_a_full_disk_in_an_hdf5_save_says_so_in_one_line(tmp_path, monkeypatch):
    """h5py gives HDF5's whole driver report as the error (a time with a line break, the
    temporary's name, a buffer address, offsets): a cube saved onto a full disk said
    "cannot write copy.h5: Can't synchronously write data (file write failed: time = ...". The
    message is "cannot write <file>: No space left on device", errno kept; the earlier file stays
    and no temporary is left."""
    import errno

    import h5py

    from xrf_napari import cube as cube_module
    from xrf_napari._writer import CubeSaveError, write_cube_layer

    data, meta, _ = _cube_layer(tmp_path)
    monkeypatch.setattr(cube_module, "DEFAULT_BLOCK_BYTES", 1)  # a block per row: fail midway
    real, calls = h5py.Dataset.__setitem__, []

    def fills_up(self, key, value):
        calls.append(key)
        if len(calls) == 2:  # as h5py raises it, from a real full disk's driver report
            raise OSError(
                errno.ENOSPC,
                "Can't synchronously write data (file write failed: time = Fri Dec  4 18:17:27 "
                f"2026\n, filename = '{tmp_path}/.copy.h5.tmp.h5', file descriptor = 3, errno = "
                "28, error message = 'No space left on device', buf = 0x7f0484170a50, total "
                "write size = 1099200, bytes this sub-write = 1099200, offset = 0)",
            )
        return real(self, key, value)

    monkeypatch.setattr(h5py.Dataset, "__setitem__", fills_up)
    earlier = tmp_path / "copy.h5"
    earlier.write_bytes(b"an earlier save")
    with pytest.raises(CubeSaveError) as failed:
        write_cube_layer(str(earlier), data, meta)
    assert len(calls) == 2
    message = str(failed.value)
    assert message.endswith(f"cannot write {earlier}: No space left on device"), message
    assert failed.value.__cause__.errno == errno.ENOSPC
    assert earlier.read_bytes() == b"an earlier save"
    assert [p.name for p in tmp_path.iterdir()] == ["copy.h5"]
