"""4-D HDF5 datasets keeping each detector element apart (Xspress3 via NeXus/GDA): read as one
(H, W, C) cube summed over the elements, lazily; an ambiguous 4-D shape is refused by name."""

import h5py
import numpy as np
import pytest

from xrf_napari import read_cube
from xrf_napari.io import CubeReadError

C = 128
ENERGY = 0.5 + 0.15 * np.arange(C)  # keV


def _counts(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 1000, size=shape).astype(np.uint16)


def _write(path, data, energy=True, **kw):
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/xspress3")
        g.create_dataset("data", data=data, **kw)
        if energy:
            g.create_dataset("energy", data=ENERGY)
    return path


@pytest.mark.parametrize("order", ["H W det C", "det H W C"])
def test_detector_elements_are_summed_with_the_energy_vector_calibration(tmp_path, order):
    stored = _counts((18, 17, 4, C)) if order == "H W det C" else _counts((4, 18, 17, C))
    det_axis = 2 if order == "H W det C" else 0
    cube = read_cube(_write(tmp_path / "x.h5", stored), auto_calibrate=False)
    want = stored.sum(axis=det_axis, dtype=np.int64)
    assert cube.shape == (18, 17, C)
    np.testing.assert_array_equal(np.asarray(cube.data[...], dtype=np.int64), want)
    np.testing.assert_allclose(cube.calibration.energy(C), ENERGY, atol=1e-9)
    assert cube.calibration.source == "file"
    assert cube.metadata["detector_elements"] == 4
    assert "4 detector elements summed" in cube.metadata["detector_note"]
    assert cube.metadata["dataset"] == "/entry/xspress3/data"


def test_without_an_energy_vector_the_longest_axis_holds_the_channels(tmp_path):
    stored = _counts((19, 17, 3, C), seed=1)
    cube = read_cube(_write(tmp_path / "x.h5", stored, energy=False), auto_calibrate=False)
    np.testing.assert_array_equal(
        np.asarray(cube.data[...], dtype=np.int64), stored.sum(axis=2, dtype=np.int64)
    )
    assert cube.metadata["channel_axis_from"] == "longest axis"


def test_a_dead_time_dataset_of_shape_h_w_elements_does_not_win_over_the_counts(tmp_path):
    stored = _counts((64, 17, 4, C), seed=2)
    path = _write(tmp_path / "x.h5", stored)
    with h5py.File(path, "a") as f:  # (H, W, elements) dead-time factors: 3-D, 64 "channels"
        f["entry/xspress3/dtc"] = np.ones((64, 17, 4), dtype=np.float32)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (64, 17, C)
    assert cube.metadata["detector_elements"] == 4


def test_dataset_option_reads_a_4d_dataset(tmp_path):
    stored = _counts((4, 18, 17, C), seed=3)
    path = _write(tmp_path / "x.h5", stored)
    cube = read_cube(path, dataset="entry/xspress3/data", auto_calibrate=False)
    np.testing.assert_array_equal(
        np.asarray(cube.data[2:4, 1:3], dtype=np.int64),
        stored[:, 2:4, 1:3].sum(axis=0, dtype=np.int64),
    )


class _Counting:
    """Wraps a dataset and counts the values each read returns."""

    def __init__(self, store):
        self.store, self.values, self.calls = store, 0, 0
        self.shape, self.dtype = store.shape, store.dtype

    def __getitem__(self, key):
        out = np.asarray(self.store[key])
        self.values += out.size
        self.calls += 1
        return out


def test_one_pixel_reads_one_spectrum_per_element_not_the_dataset(tmp_path):
    stored = _counts((18, 17, 4, C), seed=4)
    path = _write(tmp_path / "x.h5", stored, chunks=(2, 2, 4, C), compression="gzip")
    cube = read_cube(path, auto_calibrate=False)
    counting = _Counting(cube.data.sources[0].store)
    for element in cube.data.sources:  # the summing view's per-element sources
        element.store = counting
    spectrum = np.asarray(cube.data[3, 7], dtype=np.int64)
    np.testing.assert_array_equal(spectrum, stored[3, 7].sum(axis=0, dtype=np.int64))
    assert counting.values == 4 * C  # one spectrum per element; the dataset holds 306 x that
    assert counting.calls == 1  # one read for all elements: each chunk decompressed once


@pytest.mark.parametrize(
    ("shape", "why"),
    [((8, 20, 3, C), "at most 16 entries"), ((70, 70, 2, 70), "single longest axis")],
)
def test_an_ambiguous_4d_shape_is_refused_naming_the_dataset_and_shape(tmp_path, shape, why):
    path = _write(tmp_path / "x.h5", np.zeros(shape, np.uint8), energy=False)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert "no datacube found" not in msg
    assert f"'/entry/xspress3/data' of shape {shape}" in msg
    assert why in msg and "not read" in msg
