"""The readers' warnings about a file (a .mca's #@CHANN line, an array's channel axis, a sidecar's
unitless calibration, a zarr member skipped) are said at the call that read the file, the first
frame outside the package (errors.warn_outside), as ripple's are since f3b62e62."""

import json
import sys
import warnings

import numpy as np
import pytest

from xrf_napari.errors import FileWarning
from xrf_napari.io import read_cube


def _mca_first_channel(tmp_path):  # io/spectra.py: _first_channel_unknown
    path = tmp_path / "s.mca"
    path.write_text("#S 1\n#@CHANN 8 0.5 7 1\n@A 1 2 3 4 5 6 7 8\n", encoding="utf-8")
    return path, "is no channel number"


def _mca_chann_letters(tmp_path):  # io/spectra.py: _unread_chann
    path = tmp_path / "s.mca"
    path.write_text("#S 1\n#@CHANN a b c\n@A 1 2 3 4 5 6 7 8\n", encoding="utf-8")
    return path, "is not 'count first last' numbers"


def _npy_channel_first(tmp_path):  # io/arrays.py: channel_order
    path = tmp_path / "a.npy"
    np.save(path, np.ones((256, 4, 5), np.uint16))
    return path, "read as 4 x 5 pixels of 256 channels"


def _sidecar_without_unit(tmp_path):  # io/calibration.py: unitless_unit
    path = tmp_path / "a.npy"
    np.save(path, np.ones((3, 2, 64), np.uint16))
    (tmp_path / "a.json").write_text(json.dumps({"offset": -50, "gain": 10}), encoding="utf-8")
    return path, "name no energy unit"


def _zarr_member_skipped(tmp_path):  # io/arrays.py: _arrays_of
    from test_io41 import zarr_with_an_unreadable_energy

    return zarr_with_an_unreadable_energy(
        tmp_path / "e.zarr"
    ), "a member of the zarr store was skipped"


def _hdf5_equal_cubes(tmp_path):  # io/hdf5.py: _read_open's tie
    import h5py

    path = tmp_path / "tie.h5"
    with h5py.File(path, "w") as f:
        f["a"] = np.ones((4, 5, 128), np.uint16)
        f["b"] = np.ones((4, 5, 128), np.uint16)
    return path, "are equally large 3-D cubes"


def _hdf5_either_end_axis(tmp_path):  # io/hdf5.py: _storage_axes
    import h5py

    path = tmp_path / "ends.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.ones((64, 3, 64), np.uint16)
    return path, "could hold its channels along either end axis"


@pytest.mark.parametrize(
    "write",
    [
        _mca_first_channel,
        _mca_chann_letters,
        _npy_channel_first,
        _sidecar_without_unit,
        _zarr_member_skipped,
        _hdf5_equal_cubes,
        _hdf5_either_end_axis,
    ],
)
def test_a_readers_warning_points_at_the_read_cube_call(tmp_path, write):
    """Said with a fixed stacklevel, each pointed inside the package (spectra.py, arrays.py,
    io/__init__.py) from read_cube, the CLI and napari's reader, where pytest's summary and a
    script's filter look for the caller's line; said with warn_outside, each is a FileWarning at
    the line that called read_cube, which napari's reader (_warnings_told) notifies."""
    path, words = write(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_cube(path, auto_calibrate=False)
        line = sys._getframe().f_lineno - 1
    said = [w for w in caught if words in str(w.message)]
    assert len(said) == 1, [str(w.message) for w in caught]
    assert (said[0].filename, said[0].lineno) == (__file__, line)
    assert issubclass(said[0].category, FileWarning)
