"""Readers, session 62: the decoded TIFF stack's fallback said; napari claims a misnamed .csv."""

import errno
import os
import shutil
import tempfile

import numpy as np
import pytest

from xrf_napari.io import arrays, read_cube

SPX = (
    '<?xml version="1.0" encoding="WINDOWS-1252" standalone="yes"?>\n<TRTSpectrum>\n'
    '  <ClassInstance Type="TRTSpectrum" Name="p 059">\n    <Channels>1,2,3,4</Channels>\n'
    "  </ClassInstance>\n</TRTSpectrum>\n"
)


@pytest.fixture
def stack(tmp_path, monkeypatch):
    """A zlib page stack (64 channels of 6 x 7 px) too large for memory (available_memory 0),
    the temporary folder and the cache moved into the test's own folder."""
    import tifffile

    cube = np.random.default_rng(5).poisson(5, (6, 7, 64)).astype(np.uint16)
    scan = tmp_path / "scan" / "stack.tif"
    scan.parent.mkdir()
    tifffile.imwrite(scan, np.moveaxis(cube, -1, 0), compression="zlib")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(arrays, "available_memory", lambda: 0)
    return cube, scan, tmp


def _free(monkeypatch, free: int) -> None:
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda p: real(p)._replace(free=free))


def test_the_zarr_fallback_says_each_folder_passed_over_and_leaves_no_empty_folder(
    stack, monkeypatch, tmp_path
):
    """/tmp a tmpfs and the cache's disk full: the warning named the cache folder alone, not
    that the temporary folder had been passed over (held in memory), and the cache folder was
    made for nothing: ~/.cache/xrf-napari/decoded left empty."""
    cube_values, scan, tmp = stack
    monkeypatch.setattr(arrays, "_ram_backed", lambda folder: True)
    _free(monkeypatch, 2**20)
    with pytest.warns(UserWarning) as said:
        cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "zarr"
    np.testing.assert_array_equal(cube.read_pixel(4, 5), cube_values[4, 5])
    (text,) = [str(w.message) for w in said if "stack.tif" in str(w.message)]
    assert f"{tmp} is held in memory (a tmpfs)" in text
    assert f"{tmp_path / 'cache' / 'xrf-napari' / 'decoded'} has 1.0 MiB free" in text
    assert "this process may still allocate" in text and "zarr store" in text
    assert not (tmp_path / "cache").exists()


def test_a_cache_folder_made_for_a_file_the_disk_refused_is_removed(stack, monkeypatch, tmp_path):
    """The disk said it had room, then refused the space (ENOSPC at posix_fallocate, as a disk
    filled meanwhile or a quota does): the cache folder made for the file was left empty."""
    cube_values, scan, tmp = stack
    monkeypatch.setattr(arrays, "_ram_backed", lambda folder: True)

    def refuse(fd, offset, length):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "posix_fallocate", refuse, raising=False)
    with pytest.warns(UserWarning, match="No space left on device"):
        cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == "zarr"
    assert not (tmp_path / "cache").exists()
    assert os.listdir(tmp) == []


@pytest.mark.parametrize("spare", [-1, 0])
def test_a_guard_the_temporary_file_keeps_its_margin(stack, monkeypatch, spare):
    """A guard: the decoded stack's free-space check is fileutil.free_if_short's (it had its own
    copy) with the margin UNPACK_DISK_MARGIN: one byte short of the stack plus the margin falls
    back to the zarr store, exactly that much is room."""
    cube_values, scan, tmp = stack
    declared = cube_values.nbytes
    _free(monkeypatch, declared + arrays.UNPACK_DISK_MARGIN + spare)
    monkeypatch.setattr(arrays, "_ram_backed", lambda folder: False)
    if spare < 0:
        with pytest.warns(UserWarning, match=r"512\.0 MiB free"):
            cube = read_cube(scan, auto_calibrate=False)
    else:
        cube = read_cube(scan, auto_calibrate=False)
    assert cube.metadata["tiff_access"] == ("zarr" if spare < 0 else "unpacked")
    np.testing.assert_array_equal(cube.read_pixel(4, 5), cube_values[4, 5])


@pytest.mark.parametrize(
    "text, said",
    [
        (SPX, "it is a Bruker .spx spectrum (XML): rename it .spx"),
        ("<<PMCA SPECTRUM>>\nTAG - live_data_1\n<<DATA>>\n1\n2\n<<END>>\n", "rename it .mca"),
        (
            "key\tvalue\nwidth\t4\nheight\t3\ndepth\t64\ndata-type\tunsigned\ndata-length\t2\n",
            "it is a ripple (.rpl) header",
        ),
    ],
)
def test_a_spectrum_of_another_format_named_csv_is_claimed(tmp_path, text, said):
    """A Bruker .spx (or an Amptek .mca, a ripple header) saved as .csv was not claimed, as
    read_csv refuses it: napari's own CSV reader makes no layer of it, and napari said 'No
    compatible readers are available for [...]', where read_csv says what the file is."""
    from xrf_napari.errors import CubeReadError
    from xrf_napari.io import can_read

    path = tmp_path / "p059.csv"
    path.write_text(text)
    assert can_read(path)
    with pytest.raises(CubeReadError, match=said.replace("(", r"\(").replace(")", r"\)")):
        read_cube(path)


def test_a_guard_a_points_table_stays_napari_s(tmp_path):
    """A guard: a napari points table (its header, then rows of names and numbers) and a text
    of no format of ours stay unclaimed by the .csv claim check."""
    from xrf_napari.io import can_read

    points = tmp_path / "points.csv"
    points.write_text("index,axis-0,axis-1\n0,10.5,3.0\n1,4.0,2.5\n")
    notes = tmp_path / "notes.csv"
    notes.write_text("II")
    assert not can_read(points) and not can_read(notes)


def test_a_file_of_no_picture_kind_is_named_from_the_one_table(tmp_path):
    """io.arrays.NOT_PICTURES was a third table of file kinds beside fileutil.KIND_NAMES and
    KIND_HINTS, in other words ('an HDF5 file, such as a scan'); an output guard's refusal of
    an array, an HDF5 file or a zip named .png now names it as every misnamed file is named."""
    import zipfile

    from xrf_napari.fileutil import KIND_NAMES
    from xrf_napari.io.arrays import not_a_picture

    np.save(tmp_path / "a.npy", np.zeros(3))
    (tmp_path / "a.npy").rename(tmp_path / "array.png")
    with zipfile.ZipFile(tmp_path / "archive.png", "w") as z:
        z.writestr("x", b"1")
    (tmp_path / "scan.png").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(600))
    for name, kind in [("array.png", "npy"), ("archive.png", "zip"), ("scan.png", "hdf5")]:
        assert not_a_picture(tmp_path / name) == f"it is not an image: it is {KIND_NAMES[kind]}"
