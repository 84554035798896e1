"""The readers on files changed behind them (an HDF5 file rewritten since its first look, or
since an opening still in use), named as another format, or holding a group or strings where a
layout expects a dataset of numbers; and the one "same file" rule."""

import gc
import os
import shutil

import h5py
import numpy as np
from _io_helpers import child_looks

from xrf_napari.energy import Calibration
from xrf_napari.io import hdf5, read_cube


def _two_cubes(path, big: str, small: str):
    """A file of a large (8, 8, 128) and a small (4, 4, 128) cube: discovery reads the large one.
    Files of the same names swapped have the same size."""
    with h5py.File(path, "w") as f:
        f[big] = np.full((8, 8, 128), 5, np.uint16)
        f[small] = np.full((4, 4, 128), 1, np.uint16)
    return path


def _rewrite_in_place(path, source) -> None:
    """`source`'s bytes written over `path` (same inode), its times set back as cp -p, rsync
    --inplace -t or touch -r leave them."""
    st = os.stat(path)
    shutil.copyfile(source, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _read(path):
    cube = read_cube(path, auto_calibrate=False)
    got = cube.shape, cube.metadata["dataset"]
    del cube  # the file closed: HDF5 would otherwise reuse the open one's structure
    gc.collect()
    return got


def test_a_file_rewritten_in_place_with_its_times_set_back_is_looked_at_again(
    tmp_path, monkeypatch
):
    """The look's layout was kept by (path, device, inode, size, mtime): a same-size file copied
    over the scan with its modification time kept (cp -p) was read with the old file's layout.
    Fails on the parent: the small cube (4, 4, 128) of '/x' where the new file's large one is
    '/y', and for a file without '/x' "could not be read as hdf5 (KeyError: ... object 'x'
    doesn't exist)"."""
    calls = child_looks(monkeypatch)
    monkeypatch.setattr(hdf5, "HANDED", {})
    scan = _two_cubes(tmp_path / "scan.h5", "x", "y")
    swapped = _two_cubes(tmp_path / "swapped.h5", "y", "x")
    renamed = _two_cubes(tmp_path / "renamed.h5", "z", "w")
    assert os.path.getsize(scan) == os.path.getsize(swapped) == os.path.getsize(renamed)
    assert _read(scan) == ((8, 8, 128), "/x")
    _rewrite_in_place(scan, swapped)
    assert _read(scan) == ((8, 8, 128), "/y")
    _rewrite_in_place(scan, renamed)
    assert _read(scan) == ((8, 8, 128), "/z")
    assert calls == ["_look"] * 3


def test_one_same_file_rule_for_the_output_guards_and_pigments_labels(tmp_path):
    """pigments' _is_the_scan had its own os.path.samefile with other fallbacks than
    fileutil.same_file (False, where same_file compares the paths, and ValueError caught, where
    same_file raised it); it now asks same_file. A path with a NUL byte (the Python API's alone:
    argv cannot hold one) is compared as a path. Failed on its parent: ValueError "embedded null
    byte" from same_file. The rest is a guard: one path, a symbolic and a hard link
    are the scan, an HDF5 file is not (its labels dataset lies beside the cube), another file is
    not."""
    from xrf_napari.cli.pigments_cmd import _is_the_scan
    from xrf_napari.fileutil import same_file

    assert same_file("a\0b", "./a\0b") is True
    assert same_file("a\0b", "c\0d") is False
    scan, other = tmp_path / "scan.tif", tmp_path / "other.tif"
    scan.write_bytes(b"II*\0")
    other.write_bytes(b"II*\0")
    os.symlink(scan, tmp_path / "sym.tif")
    os.link(scan, tmp_path / "hard.tif")
    for labels in (scan, tmp_path / "sym.tif", tmp_path / "hard.tif"):
        assert _is_the_scan(labels, scan) and same_file(labels, scan)
    assert not _is_the_scan(other, scan)
    h5 = _two_cubes(tmp_path / "scan.h5", "x", "y")
    assert not _is_the_scan(h5, h5) and same_file(h5, h5)


def test_a_file_copied_over_one_still_open_is_refused_until_that_one_is_closed(
    tmp_path, monkeypatch
):
    """HDF5 shares a file this process has open (a napari layer's cube holds its datasets) with
    every later opening of it, through the structure it read first: a scan copied over it in
    place (cp) and opened again read the new file's '/y' with the old '/y''s shape and place,
    or, where the old file had no dataset of the new one's name, "could not be read as hdf5
    (KeyError: ... object 'z' doesn't exist)". It is refused, saying why, while the old cube is
    held, and read right once that is gone. Fails on the parent (ba83125^): read
    ((4, 4, 128), '/y'), no refusal (ba83125's message said '/x', read before 229f8f3)."""
    import pytest

    from xrf_napari.io import CubeReadError

    child_looks(monkeypatch)
    scan = _two_cubes(tmp_path / "scan.h5", "x", "y")
    swapped = _two_cubes(tmp_path / "swapped.h5", "y", "x")
    held = read_cube(scan, auto_calibrate=False)  # a layer of it, open
    os.link(scan, tmp_path / "hard.h5")
    assert _read(tmp_path / "hard.h5") == ((8, 8, 128), "/x")  # unchanged, by another path
    shutil.copyfile(swapped, scan)
    with pytest.raises(CubeReadError, match="changed on disk since this session opened it"):
        read_cube(scan, auto_calibrate=False)
    del held
    gc.collect()
    assert _read(scan) == ((8, 8, 128), "/y")


def test_a_group_where_a_layout_names_a_dataset_is_not_that_layout(tmp_path, monkeypatch):
    """_detect asked `.ndim` of MAPS/mca_arr and MAPS_RAW/data_*, and took xrfmap/detsum/counts
    for PyXRF's, whatever each was: a group there (another writer's) made the read fail with
    "could not be read as hdf5 (AttributeError: 'Group' object has no attribute 'ndim')", or
    "'/xrfmap/detsum/counts' is a group, not a dataset", though the file holds a cube that
    discovery finds. Fails on the parent: find_cube raised that AttributeError (it passes
    CubeReadError alone), and took the PyXRF file for 'pyxrf'."""
    child_looks(monkeypatch)
    for name, group in (
        ("mca_arr", "MAPS/mca_arr/x"),
        ("maps_raw", "MAPS_RAW/data_a/x"),
        ("pyxrf", "xrfmap/detsum/counts/x"),
    ):
        with h5py.File(tmp_path / f"{name}.h5", "w") as f:
            f[group] = np.ones(3)
            f["scan/cube"] = np.full((8, 8, 128), 5, np.uint16)
        assert hdf5.find_cube(tmp_path / f"{name}.h5") == "discovered", name
        assert _read(tmp_path / f"{name}.h5") == ((8, 8, 128), "/scan/cube"), name


def test_an_hdf5_scan_named_as_a_ripple_header_or_a_zarr_store_says_what_it_is(tmp_path):
    """Misnamed files are told what they are (limits.KIND_HINTS): a ripple header above its
    1 MiB limit was refused by its size alone, and a file named .zarr by zarr's words. Fails on
    the parent: "the ripple header is 1050624 bytes: more than the 1048576 a ripple header can
    hold" (no word of HDF5), and "unreadable zarr store (BadZipFile: File is not a zip file)"."""
    import pytest

    from xrf_napari.io import CubeReadError

    with h5py.File(tmp_path / "scan.h5", "w") as f:
        f["cube"] = np.zeros((16, 16, 4096), np.uint8)  # 1 MiB: above the header limit
    for name in ("scan.rpl", "scan.zarr"):
        shutil.copyfile(tmp_path / "scan.h5", tmp_path / name)
        with pytest.raises(CubeReadError, match=r"it is an HDF5 file: rename it \.h5"):
            read_cube(tmp_path / name)


def test_an_aps_energy_calib_of_strings_is_set_aside_not_a_refusal(tmp_path, monkeypatch):
    """_aps_calibration sets aside an energy_calib that fits no layout, with a warning, but
    one of strings (or a group) was refused by the read before it, and the scan with it.
    Fails on the parent: "dataset '/MAPS/energy_calib' has dtype |S1, expected numbers"."""
    import pytest

    child_looks(monkeypatch)
    with h5py.File(tmp_path / "aps.h5", "w") as f:
        f["MAPS_RAW/data_a"] = np.full((128, 4, 4), 3, np.int16)
        f["MAPS/energy_calib"] = np.array([b"0", b"1"])
    with pytest.warns(UserWarning, match="numbers; calibration '/MAPS/energy_calib' set aside"):
        cube = read_cube(tmp_path / "aps.h5", auto_calibrate=False)
    assert cube.shape == (4, 4, 128) and cube.calibration == Calibration.uncalibrated()


def test_a_ripple_header_giving_a_layout_key_twice_is_refused(tmp_path):
    """The last of a key given twice was read: a header of 3 x 3 x 6 that goes on to say width
    9 and height 1 read its 108 bytes as a 1 x 9 cube, silently; one that says width twice
    alone was refused as a size mismatch of the second width. Fails on the parent: read
    (1, 9, 6)."""
    import pytest

    from xrf_napari.io import CubeReadError

    header = (
        "key\tvalue\nwidth\t3\nheight\t3\ndepth\t6\noffset\t0\ndata-length\t2\n"
        "data-type\tunsigned\nbyte-order\tlittle-endian\nrecord-by\tvector\n"
    )
    (tmp_path / "scan.rpl").write_text(header + "width\t9\nheight\t1\n", encoding="latin-1")
    (tmp_path / "scan.raw").write_bytes(np.arange(54, dtype="<u2").tobytes())
    with pytest.raises(CubeReadError, match="gives 'width' twice, '3' then '9'"):
        read_cube(tmp_path / "scan.rpl", auto_calibrate=False)
    (tmp_path / "scan.rpl").write_text(header + "width\t3\n", encoding="latin-1")  # the same
    assert read_cube(tmp_path / "scan.rpl", auto_calibrate=False).shape == (3, 3, 6)
