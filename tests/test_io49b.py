"""A calibration set aside is one whose values cannot be one, not one whose storage is damaged
(a truncated external energy vector is refused, as any file's damaged data), and NeXus signals
linking one detector dataset are one choice, not two equally large cubes."""

import os
import warnings

import h5py
import numpy as np
import pytest
from _io_helpers import child_looks

from xrf_napari.io import CubeReadError, read_cube

ENERGY = np.linspace(0.5, 20.0, 64)


def _external_energy(f, name, folder, cut: int):
    """`name` in f: ENERGY kept in energy.raw beside the file, its last bytes cut off."""
    (folder / "energy.raw").write_bytes(ENERGY.tobytes()[:cut])
    here = os.getcwd()
    os.chdir(folder)  # HDF5 names the raw file as given: relative, beside the scan
    try:
        f.create_dataset(
            name,
            shape=ENERGY.shape,
            dtype=ENERGY.dtype,
            external=[("energy.raw", 0, ENERGY.nbytes)],
        )
    finally:
        os.chdir(here)


def test_a_truncated_external_crono_energy_vector_is_refused(tmp_path, monkeypatch):
    """Fails on the parent: DID NOT RAISE (a warning '... energy vector '/XRF/EnergyVector' set
    aside' and an uncalibrated scan)."""
    child_looks(monkeypatch)
    with h5py.File(tmp_path / "crono.h5", "w") as f:
        f["XRF/Spectra"] = np.ones((20, 64), np.uint16)
        f["XRF/SpectraSelectedIndex"] = np.arange(20).reshape(4, 5)
        _external_energy(f, "XRF/EnergyVector", tmp_path, cut=100)
    with pytest.raises(CubeReadError, match=r"energy\.raw is truncated"):
        read_cube(tmp_path / "crono.h5", auto_calibrate=False)


def test_a_truncated_external_aps_energy_calib_is_refused(tmp_path, monkeypatch):
    """Fails on the parent: DID NOT RAISE (a warning '... energy_calib set aside')."""
    child_looks(monkeypatch)
    with h5py.File(tmp_path / "aps.h5", "w") as f:
        f["MAPS_RAW/data_a"] = np.full((64, 4, 4), 3, np.int16)
        _external_energy(f, "MAPS/energy_calib", tmp_path, cut=100)
    with pytest.raises(CubeReadError, match=r"energy\.raw is truncated"):
        read_cube(tmp_path / "aps.h5", auto_calibrate=False)


def _nexus(path, link):
    """Two NXdata groups a and b whose `data` is the detector's cube (link: "soft", "hard") or
    each its own equally large cube (link: None)."""
    with h5py.File(path, "w") as f:
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        det = e.create_dataset("instrument/det/data", data=np.ones((4, 4, 128), np.uint16))
        for name in ("a", "b"):
            g = e.create_group(name)
            g.attrs.update({"NX_class": "NXdata", "signal": "data"})
            if link == "soft":
                g["data"] = h5py.SoftLink(det.name)
            elif link == "hard":
                g["data"] = det
            else:
                g["data"] = np.ones((4, 4, 128), np.uint16)


@pytest.mark.parametrize("link", ["soft", "hard"])
def test_nxdata_linking_one_dataset_are_not_equally_large_choices(tmp_path, monkeypatch, link):
    """Fails on the parent: "datasets '/entry/b/data' and '/entry/a/data' are equally large 3-D
    cubes ... choose with --dataset"."""
    child_looks(monkeypatch)
    _nexus(tmp_path / "linked.nxs", link)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(tmp_path / "linked.nxs", auto_calibrate=False)
    assert cube.shape == (4, 4, 128)


def test_two_distinct_equally_large_nxdata_still_warn(tmp_path, monkeypatch):
    """A guard: two cubes of their own are still a choice the reader names."""
    child_looks(monkeypatch)
    _nexus(tmp_path / "two.nxs", None)
    with pytest.warns(UserWarning, match="equally large"):
        read_cube(tmp_path / "two.nxs", auto_calibrate=False)
