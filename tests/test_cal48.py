"""A generic HDF5 cube whose own calibration cannot be read (a PyMca `calibration` of strings,
offset/gain attributes of text or of unknown units) opens uncalibrated with a warning naming the
file and what was set aside, as an APS energy_calib does since 6fa2faf: it was refused whole."""

import warnings

import h5py
import numpy as np
import pytest

from xrf_napari.io import read_cube


def _cube(path, **attrs):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("counts", data=np.full((4, 5, 256), 3, np.uint16))
        d.attrs.update(attrs)
    return path


@pytest.mark.parametrize(
    ("attrs", "said"),
    [
        ({"offset": "abc", "gain": "xyz"}, "could not convert"),
        ({"offset": 0.0, "gain": 0.01, "energy_units": "furlong"}, "unknown energy units"),
    ],
)
def test_bad_offset_gain_attributes_are_set_aside_not_a_refusal(tmp_path, attrs, said):
    path = _cube(tmp_path / "attrs.h5", **attrs)
    with pytest.warns(UserWarning, match=said) as rec:
        cube = read_cube(path, auto_calibrate=False)
    msg = next(str(w.message) for w in rec if said in str(w.message))
    assert str(path) in msg and "offset/gain attributes of '/counts' set aside" in msg
    assert cube.shape == (4, 5, 256) and cube.calibration.source == "none"


def test_a_pymca_calibration_of_strings_is_set_aside_not_a_refusal(tmp_path):
    path = _cube(tmp_path / "pymca.h5")
    with h5py.File(path, "a") as f:
        f["calibration"] = np.array([b"a", b"b", b"c"])
    with pytest.warns(UserWarning, match="dtype") as rec:
        cube = read_cube(path, auto_calibrate=False)
    msg = next(str(w.message) for w in rec if "dtype" in str(w.message))
    assert str(path) in msg and "calibration '/calibration' set aside" in msg
    assert cube.shape == (4, 5, 256) and cube.calibration.source == "none"


def test_two_equally_large_cubes_read_the_last_by_name_and_say_so(tmp_path):
    """Discovery chose 'b' over 'a' of the same size without a word; it still reads 'b' and now
    names 'a' and the option that reads it. A cube larger than the other is read silently."""
    path = tmp_path / "tie.h5"
    with h5py.File(path, "w") as f:
        f["a"] = np.full((8, 8, 128), 1, np.uint16)
        f["b"] = np.full((8, 8, 128), 2, np.uint16)
    with pytest.warns(UserWarning, match="equally large") as rec:
        cube = read_cube(path, auto_calibrate=False)
    msg = next(str(w.message) for w in rec if "equally large" in str(w.message))
    assert str(path) in msg and "--dataset /a" in msg and "dataset='/a'" in msg
    assert cube.metadata["dataset"].strip("/") == "b"
    assert read_cube(path, dataset="a", auto_calibrate=False).metadata["dataset"].strip("/") == "a"
    path = tmp_path / "larger.h5"
    with h5py.File(path, "w") as f:
        f["a"] = np.full((4, 4, 128), 1, np.uint16)
        f["b"] = np.full((8, 8, 128), 2, np.uint16)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        read_cube(path, auto_calibrate=False)
    assert not [w for w in rec if "equally large" in str(w.message)]
