"""Review of readers67 (c9b492d1, ae249cd0): an HDF5 read the system refused, its errno in a
RuntimeError's driver report, is not said to be EINVAL damage; an .npz `counts` that is no cube is
refused without a warning that it was read."""

import warnings

import h5py
import numpy as np
import pytest
from _io_helpers import h5_read_raising

from xrf_napari.io import CubeReadError, read_cube

#: HDF5's driver report as h5py gives it, here in a RuntimeError (errors.system_error reads it).
_EIO_REPORT = (
    "Can't synchronously read data (file read failed: time = Tue Dec  8 01:30:00 2026, filename "
    "= 'scan.h5', file descriptor = 3, errno = 5, error message = 'Input/output error', buf = "
    "0x7fff76ffb258, total read size = 8, bytes this sub-read = 8, offset = 0)"
)


def test_an_hdf5_runtime_error_of_a_refused_read_is_not_said_einval_damage(tmp_path, monkeypatch):
    """c9b492d1 took any errno that errors.system_refused passes over for EINVAL, but that test
    looks at OSErrors only: HDF5's report of errno 5 in a RuntimeError read "a damaged HDF5 file
    ... (Input/output error, EINVAL)", where it had read the system's refusal (EIO). Raised from
    a frame in h5py's folder, as h5py's are."""
    path = tmp_path / "scan.h5"
    h5_read_raising(monkeypatch, path, RuntimeError(_EIO_REPORT))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert said.startswith(f"{path}: reading it failed: the system refused the read "), said
    assert "(Input/output error, EIO)" in said and "damaged" not in said


def test_an_npz_counts_that_is_no_cube_is_refused_not_said_read(tmp_path):
    """A member named counts of shape (10, 128) beside a 3-D cube was said "member 'counts'
    (10, 128) was read (by its name)" just before the read refused it as no 3-D cube."""
    path = tmp_path / "named.npz"
    np.savez(path, counts=np.ones((10, 128), "u2"), cube=np.ones((4, 5, 128), "u2"))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with pytest.raises(CubeReadError, match=r"member 'counts' has shape \(10, 128\)"):
            read_cube(path, auto_calibrate=False)
    assert not [str(w.message) for w in rec if "was read" in str(w.message)]


def test_an_hdf5_cube_whose_name_is_no_text_is_named_where_none_is_found(tmp_path):
    """ae249cd0 said a damaged link name in an APS map's MAPS_RAW; discovery's walk passed such a
    name over without a word: a cube of name b'\\xa4can' (a byte of "scan" altered) read "no
    datacube found ...; datasets: none"."""
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f[b"\xa4can"] = np.ones((4, 5, 128), "u2")
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    assert str(e.value).endswith(
        "datasets: none; the name of an object in / is no text (b'\\xa4can': a byte of it altered)"
    )


def test_an_npz_scan_beside_a_larger_boolean_member_is_read(tmp_path):
    """A guard: since c9b492d1 the .npz's cubes to choose among are its numeric 3-D members, so
    a larger boolean mask beside the scan is passed over, where the file had been refused "the
    member 'mask' has dtype bool, not integer or float counts" (docs/formats.md, NumPy archive)."""
    path = tmp_path / "masked.npz"
    np.savez(path, mask=np.ones((8, 5, 128), bool), scan=np.full((4, 5, 128), 3, "u2"))
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (4, 5, 128) and cube.metadata["member"] == "scan"
