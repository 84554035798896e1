"""HDF5 scans whose datacube lies in an external raw file (h5py `external=`, a relative name):
HDF5 resolves such a name against the working directory, so the scan opened only from its own
folder; read from anywhere else (napari, `xrf-napari info /scans/scan.h5`) it failed 'could not
be read as hdf5 (OSError: ... unable to open external raw data file)' though the pre-check had
found the raw file beside it. The reader now opens it with that folder as the external-file
prefix (io.lazy.open_external)."""

import os

import h5py
import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube

CUBE = np.arange(4 * 5 * 64, dtype=np.uint16).reshape(4, 5, 64)


def _external_scan(folder, name="scan.h5", dataset="data", raw="cube.raw", data=CUBE):
    """An .h5 whose dataset `dataset` keeps its bytes in `raw` beside it, named relatively."""
    folder.mkdir(parents=True, exist_ok=True)
    data.tofile(folder / raw)
    here = os.getcwd()
    os.chdir(folder)  # h5py checks nothing at creation, but stay where the name means the file
    try:
        with h5py.File(name, "w") as f:
            f.create_dataset(
                dataset, shape=data.shape, dtype=data.dtype, external=[(raw, 0, data.nbytes)]
            )
    finally:
        os.chdir(here)
    return folder / name


def test_external_raw_cube_reads_from_another_working_directory(tmp_path, monkeypatch):
    path = _external_scan(tmp_path / "scans")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == CUBE.shape
    np.testing.assert_array_equal(np.asarray(cube.data[0:4]), CUBE)
    np.testing.assert_array_equal(np.asarray(cube.data[1:3, 2:4, 10:20]), CUBE[1:3, 2:4, 10:20])


def test_external_raw_cube_channel_first_and_crono(tmp_path, monkeypatch):
    """The other layouts that stream the cube: APS (C, H, W) and Crono's spectra list."""
    aps = _external_scan(
        tmp_path / "a", dataset="MAPS/mca_arr", data=CUBE.transpose(2, 0, 1).copy()
    )
    crono = _external_scan(tmp_path / "c", dataset="XRF/Spectra", data=CUBE.reshape(-1, 64))
    with h5py.File(crono, "a") as f:
        f["XRF/SpectraSelectedIndex"] = np.arange(20).reshape(4, 5, 1)
    monkeypatch.chdir(tmp_path)
    for path in (aps, crono):
        cube = read_cube(path, auto_calibrate=False)
        np.testing.assert_array_equal(np.asarray(cube.data[0:4]), CUBE)


def test_external_raw_file_beside_a_linked_files_target(tmp_path, monkeypatch):
    """Through a symbolic link to the .h5 alone, the raw file is found beside the file it links
    to, by the check (limits.pair_places) and by the read alike."""
    path = _external_scan(tmp_path / "export")
    (tmp_path / "project").mkdir()
    link = tmp_path / "project" / "mine.h5"
    link.symlink_to(path)
    monkeypatch.chdir(tmp_path)
    cube = read_cube(link, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[0:4]), CUBE)


def test_missing_external_raw_file_is_named(tmp_path, monkeypatch):
    path = _external_scan(tmp_path / "scans")
    (tmp_path / "scans" / "cube.raw").unlink()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CubeReadError, match="stores its data in cube.raw, which is missing"):
        read_cube(path, auto_calibrate=False)
    link = tmp_path / "mine.h5"
    link.symlink_to(path)
    with pytest.raises(CubeReadError, match="beside the file it links to"):
        read_cube(link, auto_calibrate=False)


def test_a_scan_open_twice_reads_twice(tmp_path, monkeypatch):
    """HDF5 refuses a plain open of a dataset held open with an external-file prefix: the cube
    holds none between reads, so reading the same scan again while the first cube lives (napari
    opening it twice, a dock reading it) works, also from the scan's own folder."""
    path = _external_scan(tmp_path / "scans", dataset="cube")  # discovered: every dataset visited
    monkeypatch.chdir(tmp_path / "scans")
    first = read_cube(path, auto_calibrate=False)
    second = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(second.data[0:4]), CUBE)
    np.testing.assert_array_equal(np.asarray(first.data[0:4]), CUBE)
    with h5py.File(path, "r") as f:  # a plain h5py open by anyone else, from this folder
        np.testing.assert_array_equal(f["cube"][0], CUBE[0])
