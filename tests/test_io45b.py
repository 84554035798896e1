"""HDF5 cube discovery through soft and external links (a beamline's NeXus master file reaching
the detector's frames file): found, read lazily, calibrated from either side of the link; a link
cycle walked once; a missing linked file named in the no-cube message."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from xrf_napari.fileutil import input_files  # noqa: E402
from xrf_napari.io import CubeReadError, read_cube  # noqa: E402

H, W, C = 6, 5, 128


def _cube() -> np.ndarray:
    return np.random.default_rng(45).poisson(3, (H, W, C)).astype(np.uint16)


def _frames(folder, cube, channel_first=False):
    with h5py.File(folder / "frames.h5", "w") as f:
        f["entry/data/data"] = np.moveaxis(cube, 2, 0) if channel_first else cube


def test_a_cube_behind_an_external_link_opens_lazily_with_the_masters_energy(tmp_path, monkeypatch):
    cube = _cube()
    _frames(tmp_path, cube)
    with h5py.File(tmp_path / "master.h5", "w") as f:
        g = f.create_group("entry/data")
        g["data"] = h5py.ExternalLink("frames.h5", "/entry/data/data")
        g["energy"] = np.linspace(0.1, 12.8, C)  # beside the link, not beside the frames
    monkeypatch.chdir(tmp_path.parent)  # HDF5 finds frames.h5 beside the master, not here
    got = read_cube(tmp_path / "master.h5", auto_calibrate=False)
    assert got.shape == (H, W, C)
    assert not isinstance(got.data, np.ndarray)  # lazy: read through the link on demand
    np.testing.assert_array_equal(np.asarray(got.data[2:4]), cube[2:4])
    assert got.calibration.source == "file"
    np.testing.assert_allclose(got.energy[[0, -1]], [0.1, 12.8])
    assert got.metadata["dataset"] == "/entry/data/data"
    assert got.metadata["linked_to"].endswith("frames.h5:/entry/data/data")
    assert tmp_path / "frames.h5" in [p.resolve() for p in input_files(tmp_path / "master.h5")]


def test_a_nexus_soft_link_into_an_external_link_keeps_the_masters_axes(tmp_path):
    cube = _cube()
    _frames(tmp_path, cube, channel_first=True)  # (C, H, W): only `axes` says so
    with h5py.File(tmp_path / "master.nxs", "w") as f:
        det = f.create_group("entry/instrument/detector")
        det["data"] = h5py.ExternalLink("frames.h5", "/entry/data/data")
        g = f.create_group("entry/plot")
        g.attrs.update(NX_class="NXdata", signal="counts", axes=["energy", "y", "x"])
        g["counts"] = h5py.SoftLink("/entry/instrument/detector/data")
        g["energy"] = np.linspace(0.1, 12.8, C)
    got = read_cube(tmp_path / "master.nxs", auto_calibrate=False)
    assert got.metadata["layout"] == "nexus" and got.metadata["channel_axis_from"] == "nexus axes"
    assert got.shape == (H, W, C)
    np.testing.assert_array_equal(np.asarray(got.data[1:3]), cube[1:3])
    assert got.calibration.source == "file"


def test_a_link_cycle_is_walked_once_and_the_cube_behind_it_found(tmp_path):
    cube = _cube()
    _frames(tmp_path, cube)
    with h5py.File(tmp_path / "cycle.h5", "w") as f:
        f["a/self"] = h5py.ExternalLink("cycle.h5", "/")  # the file itself, again
        f["a/loop"] = h5py.SoftLink("/a")
        f["a/scan"] = h5py.ExternalLink("frames.h5", "/entry")
    got = read_cube(tmp_path / "cycle.h5", auto_calibrate=False)
    assert got.metadata["dataset"] == "/a/scan/data/data"
    np.testing.assert_array_equal(np.asarray(got.data[0:2]), cube[0:2])


def test_a_missing_linked_file_is_named_in_the_no_cube_message(tmp_path):
    with h5py.File(tmp_path / "master.h5", "w") as f:
        f.create_group("entry/data")["data"] = h5py.ExternalLink("frames.h5", "/entry/data/data")
        f["entry/title"] = np.zeros(3)
    with pytest.raises(CubeReadError) as err:
        read_cube(tmp_path / "master.h5")
    text = str(err.value)
    assert "no datacube found" in text and "entry/title (3,)" in text
    assert "entry/data/data is a link to frames.h5, which is missing" in text
    with pytest.raises(CubeReadError, match="entry/data/data is a link to frames.h5, which is "):
        read_cube(tmp_path / "master.h5", dataset="entry/data/data")


def test_a_link_to_an_object_the_linked_file_lacks_is_said(tmp_path):
    _frames(tmp_path, _cube())
    with h5py.File(tmp_path / "master.h5", "w") as f:
        f["entry/data"] = h5py.ExternalLink("frames.h5", "/entry/nothing")
        f["entry/dangling"] = h5py.SoftLink("/entry/none")
    with pytest.raises(CubeReadError) as err:
        read_cube(tmp_path / "master.h5")
    text = str(err.value)
    assert "entry/data is a link to /entry/nothing in " in text and "holds no such object" in text
    assert "entry/dangling is a link to /entry/none, which does not exist" in text


def test_napari_opens_a_nexus_master_file_through_its_link(tmp_path):
    from xrf_napari._reader import napari_get_reader

    cube = _cube()
    _frames(tmp_path, cube)
    with h5py.File(tmp_path / "scan.nxs", "w") as f:
        f.create_group("entry/data")["data"] = h5py.ExternalLink("frames.h5", "/entry/data/data")
    reader = napari_get_reader(str(tmp_path / "scan.nxs"))
    assert callable(reader)
    (stack, meta, _kind), (total, _smeta, _skind) = reader(str(tmp_path / "scan.nxs"))[:2]
    assert stack.shape == (C, H, W)
    np.testing.assert_allclose(total, cube.sum(axis=2))
