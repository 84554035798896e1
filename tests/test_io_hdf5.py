import h5py
import numpy as np
import pytest
from _io_helpers import fingerprint

from xrf_napari.energy import Calibration
from xrf_napari.io import CubeReadError, can_read, read_cube
from xrf_napari.io.project_h5 import write_cube

RNG = np.random.default_rng(3)
CUBE = RNG.integers(0, 200, size=(6, 5, 128)).astype(np.uint16)
CAL = Calibration(-0.2, 0.02, 0.0)


def test_crono_gridded_spectra(tmp_path):
    h, w, c = CUBE.shape
    order = RNG.permutation(h * w)  # acquisition order differs from raster order
    index = np.empty((h, w, 1), np.int64)
    index.reshape(-1)[order] = np.arange(h * w)
    index[0, 0, 0] = -1  # a pixel that was not measured
    spectra = CUBE.reshape(-1, c)[order]
    path = tmp_path / "crono.h5"
    with h5py.File(path, "w") as f:
        f["XRF/Spectra"] = spectra
        f["XRF/SpectraSelectedIndex"] = index
        f["XRF/EnergyVector"] = CAL.energy(c) * 1000.0  # eV
        f["XRF/LiveTimes"] = np.linspace(1, 2, h * w)
    cube = read_cube(path, auto_calibrate=False)
    expect = CUBE.copy()
    expect[0, 0] = 0
    assert cube.shape == CUBE.shape and cube.metadata["format"] == "crono"
    np.testing.assert_array_equal(cube.data[0:6], expect)
    np.testing.assert_array_equal(cube.data[2:4, 1:3, 10:20], expect[2:4, 1:3, 10:20])
    np.testing.assert_allclose(cube.sum_spectrum(block_bytes=5 * 128 * 4), expect.sum(axis=(0, 1)))
    assert cube.calibration.offset == pytest.approx(
        -0.2
    ) and cube.calibration.gain == pytest.approx(0.02)
    assert cube.live_time.shape == (h, w) and cube.live_time[0, 0] == 0


def test_pymca_calibration_sibling_and_live_time(tmp_path):
    path = tmp_path / "pymca.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/mca")
        g["counts"] = CUBE
        g["calibration"] = [0.1, 0.015, 1e-7]
        g["live_time"] = np.ones(CUBE.shape[:2])
    cube = read_cube(path)
    assert cube.calibration == Calibration(0.1, 0.015, 1e-7, "file")
    assert cube.live_time.shape == CUBE.shape[:2]
    np.testing.assert_array_equal(np.asarray(cube.data[:]), CUBE)


def test_nexus_nxdata_signal_axes_channel_first(tmp_path):
    path = tmp_path / "scan.nxs"
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/xrf")
        g.attrs["NX_class"] = "NXdata"
        g.attrs["signal"] = "spectra"
        g.attrs["axes"] = ["energy", "y", "x"]
        g["spectra"] = np.moveaxis(CUBE, -1, 0)
        g["energy"] = CAL.energy(CUBE.shape[2])
        g["energy"].attrs["units"] = "keV"
    cube = read_cube(path)
    assert cube.metadata["format"] == "nexus" and cube.shape == CUBE.shape
    np.testing.assert_array_equal(cube.data[1:4], CUBE[1:4])
    assert cube.calibration.gain == pytest.approx(0.02)


def test_pyxrf_detsum(tmp_path):
    path = tmp_path / "pyxrf.h5"
    with h5py.File(path, "w") as f:
        f["xrfmap/detsum/counts"] = CUBE.astype(np.float32)
        f["xrfmap/det1/counts"] = CUBE.astype(np.float32)
    cube = read_cube(path, calibration=Calibration(0, 0.01, source="user"))
    assert (
        cube.metadata["format"] == "pyxrf" and cube.metadata["dataset"] == "/xrfmap/detsum/counts"
    )
    assert cube.calibration.source == "user" and cube.metadata["calibration_source"] == "user"


def test_aps_channel_first_detectors_summed(tmp_path):
    path = tmp_path / "aps.h5"
    parts = [np.moveaxis(CUBE, -1, 0).astype(np.int16) + k for k in range(3)]
    with h5py.File(path, "w") as f:
        for k, p in zip("abc", parts):
            f[f"MAPS_RAW/data_{k}"] = p
        f["MAPS_RAW/livetime"] = np.ones((3,) + CUBE.shape[:2], np.float32)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == CUBE.shape and cube.metadata["detector_elements"] == 3
    np.testing.assert_array_equal(
        cube.data[2:5, :, 7:9], 3 * CUBE[2:5, :, 7:9].astype(np.int32) + 3
    )
    # the elements' mean live time, not their sum (3 s of live time in a 1 s pixel)
    np.testing.assert_array_equal(cube.live_time, np.full(CUBE.shape[:2], 1.0))


@pytest.mark.parametrize(
    "calib, gain",
    [
        (np.array([[-0.2, -0.2, -0.2], [0.019, 0.02, 0.021], [0.0, 0.0, 0.0]]), 0.02),  # (3, n_det)
        (np.array([[-0.2, 0.02, 0.0]] * 4), 0.02),  # (n_det, 3)
        (np.arange(7.0), None),  # fits nothing: set aside, the scan still opens
    ],
)
def test_aps_energy_calib_per_detector(tmp_path, calib, gain):
    path = tmp_path / "aps.h5"
    with h5py.File(path, "w") as f:
        for k in "abc":
            f[f"MAPS_RAW/data_{k}"] = np.moveaxis(CUBE, -1, 0).astype(np.int16)
        f["MAPS/energy_calib"] = calib
    if len(calib) == 4:  # four detector elements
        with h5py.File(path, "a") as f:
            f["MAPS_RAW/data_d"] = np.moveaxis(CUBE, -1, 0).astype(np.int16)
    if gain is None:
        with pytest.warns(UserWarning, match="energy_calib' set aside"):
            cube = read_cube(path, auto_calibrate=False)
        assert cube.calibration.source == "none"
    else:
        cube = read_cube(path, auto_calibrate=False)
        assert cube.calibration.gain == pytest.approx(gain)
        assert cube.calibration.offset == pytest.approx(-0.2)


def test_napari_musa_xrfdata_energy(tmp_path):
    path = tmp_path / "musa.h5"
    with h5py.File(path, "w") as f:
        f["XRFdata"] = CUBE
        f["ENERGY"] = CAL.energy(CUBE.shape[2])
    cube = read_cube(path)
    assert cube.metadata["format"] == "napari-musa" and cube.calibration.offset == pytest.approx(
        -0.2
    )


def test_project_layout_roundtrip(tmp_path):
    path = write_cube(tmp_path / "proj.h5", CUBE, CAL, metadata={"seed": 7})
    cube = read_cube(path)
    assert cube.calibration == Calibration(-0.2, 0.02, 0.0, "file")
    assert cube.metadata["seed"] == 7
    np.testing.assert_array_equal(np.asarray(cube.data[:]), CUBE)


def test_discovery_and_dataset_override(tmp_path):
    path = tmp_path / "odd.hdf5"
    with h5py.File(path, "w") as f:
        f["maps/elements"] = np.ones((6, 5, 4))  # element maps: not spectral
        f["deep/inside/stack"] = np.moveaxis(CUBE, -1, 0)  # channel-first, found by shape
        f["other/cube"] = CUBE[:, :, :100]
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["dataset"] == "/deep/inside/stack" and cube.shape == CUBE.shape
    np.testing.assert_array_equal(cube.data[0:2], CUBE[0:2])
    cube2 = read_cube(path, dataset="other/cube", auto_calibrate=False)
    assert cube2.shape == (6, 5, 100)
    with pytest.raises(CubeReadError, match="no dataset 'nope'"):
        read_cube(path, dataset="nope")


def test_hdf5_without_cube_is_claimed_and_errors_clearly(tmp_path):
    path = tmp_path / "maps.h5"
    with h5py.File(path, "w") as f:
        f["image"] = np.ones((10, 10))
        f["maps"] = np.ones((10, 10, 5))
    assert can_read(path)  # claimed by suffix, so napari shows this error rather than "no reader"
    with pytest.raises(CubeReadError, match="maps.h5: no datacube found"):
        read_cube(path)
    bad = tmp_path / "broken.h5"
    bad.write_bytes(b"not hdf5 at all")
    assert can_read(bad)
    with pytest.raises(CubeReadError, match="broken.h5"):
        read_cube(bad)


def test_nan_counts_in_hdf5_are_refused(tmp_path):
    path = tmp_path / "nan.h5"
    arr = CUBE.astype(np.float32)
    arr[5, 4, 100] = np.nan
    with h5py.File(path, "w") as f:
        f["data"] = arr
    with pytest.raises(CubeReadError, match="nan.h5.*NaN"):
        read_cube(path)


def test_real_aps_xrfmaps(real_data):
    path = real_data / "aps_xrfmaps_2xfm_0011.h5"
    before = fingerprint(path)
    assert can_read(path)
    cube = read_cube(path)
    assert cube.shape == (11, 9, 2048)
    assert cube.dtype == np.int32  # 4 int16 detector elements summed without overflow
    with h5py.File(path, "r") as f:
        expect = sum(
            f[f"MAPS_RAW/data_{k}"][:, 3, :].astype(np.int64) for k in "abcd"
        )  # (C, W) of row 3
    np.testing.assert_array_equal(cube.data[3].T, expect)
    assert cube.live_time.shape == (11, 9)
    # the file has no calibration; the automatic one finds Ca/Fe/Cu lines at ~10 eV/channel
    assert cube.calibration.source == "auto"
    assert 0.009 < cube.calibration.gain < 0.0105 and abs(cube.calibration.offset) < 0.1
    assert cube.metadata["auto_calibration"]["residual_ev_rms"] < 10
    assert fingerprint(path) == before


def _spiked(h, w, c, seed=0):
    """Counts with one marked pixel (row 3, column 1) and a peak at channel 50 everywhere."""
    cube = np.random.default_rng(seed).poisson(2, size=(h, w, c)).astype(np.uint16)
    cube[:, :, 50] += 40
    cube[3, 1, :] += 9
    return cube


def _marked_pixel(cube):
    total = np.asarray(cube.data[...], dtype=np.int64).sum(axis=2)
    return tuple(int(i) for i in np.unravel_index(np.argmax(total), total.shape))


def test_an_energy_vector_decides_which_axis_holds_the_channels(tmp_path):
    # (C, H, W) with W >= C / 4 used to be read channel-last; (H, W, C) with a short C channel-first
    first, last = _spiked(40, 300, 1000), _spiked(120, 400, 96)
    for name, cube, stored in (
        ("first.h5", first, np.moveaxis(first, -1, 0)),
        ("last.h5", last, last),
    ):
        path = tmp_path / name
        with h5py.File(path, "w") as f:
            f["XRFdata"] = stored
            f["ENERGY"] = CAL.energy(cube.shape[2])
        read = read_cube(path, auto_calibrate=False)
        assert read.shape == cube.shape and read.metadata["channel_axis_from"] == "energy vector"
        assert _marked_pixel(read) == (3, 1) and read.calibration.gain == pytest.approx(0.02)
        np.testing.assert_array_equal(read.data[2:5, :9], cube[2:5, :9])


def test_a_shape_that_could_go_either_way_is_guessed_aloud(tmp_path):
    path = tmp_path / "plain.h5"
    cube = _spiked(40, 300, 1024)
    with h5py.File(path, "w") as f:
        f["scan/counts"] = np.moveaxis(cube, -1, 0)  # (1024, 40, 300): no energy vector
    with pytest.warns(UserWarning, match="either end axis"):
        read = read_cube(path, auto_calibrate=False)
    assert read.shape == cube.shape  # 1024 channels: the power of two wins over 300
    np.testing.assert_array_equal(read.data[3:5], cube[3:5])


def test_matlab_v73_cubes_are_column_major(tmp_path):
    """MATLAB's `save -v7.3` of XRFdata [H W C] and a 1 x C ENERGY: HDF5 holds (C, W, H) and
    (C, 1) behind a 512-byte header."""
    cube = _spiked(30, 20, 256).astype(np.float64)
    path = tmp_path / "scan.mat"
    with h5py.File(path, "w", userblock_size=512) as f:
        f["XRFdata"] = cube.T
        f["ENERGY"] = CAL.energy(256)[None, :].T
    with open(path, "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .".ljust(116))
    read = read_cube(path, auto_calibrate=False)
    assert read.shape == (30, 20, 256) and read.metadata["matlab"]
    assert _marked_pixel(read) == (3, 1)
    np.testing.assert_array_equal(read.data[2:5, 7:9], cube[2:5, 7:9])
    assert read.calibration.offset == pytest.approx(-0.2) and read.calibration.source == "file"


def test_a_small_root_data_dataset_does_not_hide_the_cube(tmp_path):
    path = tmp_path / "fitted.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.ones((6, 5, 12))  # fitted element maps
        f["entry/xrf/spectra"] = CUBE
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["dataset"] == "/entry/xrf/spectra" and cube.shape == CUBE.shape


def _nxdata(path, spectra, **axes):
    """A NeXus NXdata group `entry/xrf` holding (y, x, energy) spectra and the given axes."""
    with h5py.File(path, "w") as f:
        g = f.create_group("entry/xrf")
        g.attrs["NX_class"] = "NXdata"
        g.attrs["signal"] = "spectra"
        g.attrs["axes"] = ["y", "x", "energy"]
        g["spectra"] = spectra
        for name, values in axes.items():
            g[name] = values
    return path


def test_nexus_motor_positions_are_not_an_energy_axis(tmp_path):
    cube = RNG.integers(0, 9, size=(150, 4, 128)).astype(np.uint16)  # more rows than channels
    path = _nxdata(
        tmp_path / "scan.nxs",
        cube,
        y=np.arange(150) * 0.1,  # mm
        x=np.arange(4) * 0.1,
        energy=CAL.energy(128),
    )
    read = read_cube(path, auto_calibrate=False)
    assert read.metadata["channel_axis_from"] == "nexus axes"
    assert read.calibration.gain == pytest.approx(
        0.02
    ) and read.calibration.offset == pytest.approx(-0.2)


def test_an_energy_axis_of_bin_edges_gives_the_channel_centres(tmp_path):
    """NeXus lets a histogram axis hold its n + 1 bin edges: read as centres they put every
    channel half a channel (10 eV here) too low."""
    edges = CAL.energy(CUBE.shape[2] + 1) - 0.5 * CAL.gain
    path = _nxdata(tmp_path / "edges.nxs", CUBE, energy=edges)
    cal = read_cube(path, auto_calibrate=False).calibration
    assert cal.offset == pytest.approx(CAL.offset) and cal.gain == pytest.approx(CAL.gain)


@pytest.mark.parametrize("written", ["rh", "RH", "Rhodium", "rhodium", 45, "45"])
def test_a_tube_anode_in_any_spelling_is_read_as_its_symbol(tmp_path, written):
    # Before: "rh" / "RH" / "Rhodium" made the file unreadable ("unknown element symbol 'rh'").
    from _synth_spectra import synthetic_cube

    from xrf_napari.analysis.maps import element_maps

    path = tmp_path / "anode.h5"
    with h5py.File(path, "w") as f:
        f["datacube"] = synthetic_cube(-0.96, 0.01, 2048, shape=(4, 4))
        f["energy"] = -0.96 + 0.01 * np.arange(2048)
        f["energy"].attrs["units"] = "keV"
        f.attrs["anode"] = written
    cube = read_cube(path)
    assert cube.metadata["anode"] == "Rh"
    assert cube.calibration.source == "file"
    assert set(element_maps(cube, ["Fe"])) == {"Fe"}


def test_a_tube_anode_that_names_no_element_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "bad_anode.h5"
    with h5py.File(path, "w") as f:
        f["XRFdata"] = CUBE
        f["ENERGY"] = CAL.energy(CUBE.shape[2])
        f.attrs["anode"] = "Rhodum"
    with pytest.raises(CubeReadError, match=r"bad_anode\.h5.*tube anode 'Rhodum'"):
        read_cube(path)
