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


@pytest.mark.parametrize("head", [b"II", b"II*", b"MM\x00", b"II+"])
def test_a_tiff_cut_within_its_first_bytes_is_called_so_and_claimed(tmp_path, head):
    """A TIFF cut after 2 or 3 bytes was 'not a TIFF file (it is a text file)', or 'it does not
    start with a TIFF's II/MM byte-order mark' though it did, and was left to napari, whose
    reader said 'unpack requires a buffer of 2 bytes'."""
    from xrf_napari.errors import CubeReadError
    from xrf_napari.io import can_read

    path = tmp_path / "stack.tif"
    path.write_bytes(head)
    whole = 16 if b"+" in head else 8
    with pytest.raises(
        CubeReadError, match=rf"truncated: it holds {len(head)} bytes, less than its {whole}-byte"
    ):
        read_cube(path)
    assert can_read(path)


def test_a_tiff_stack_cut_short_is_claimed(tmp_path):
    """A page stack cut short by an interrupted copy (its later pages past the end) was left to
    napari, whose reader said 'failed to read 76800 bytes, got 43501' (or 'tuple index out of
    range', zlib); claimed, read_tiff's message says where it is cut."""
    import tifffile

    from xrf_napari.errors import CubeReadError
    from xrf_napari.io import can_read

    whole = tmp_path / "whole.tif"
    tifffile.imwrite(whole, np.ones((64, 20, 30), np.uint16))
    data = whole.read_bytes()
    cut = tmp_path / "cut.tif"
    cut.write_bytes(data[: len(data) // 2])
    assert can_read(cut)
    with pytest.raises(CubeReadError, match="lies beyond the end of the file"):
        read_cube(cut)


def test_a_guard_pictures_named_tif_stay_napari_s(tmp_path):
    """A guard: a plain 2-D TIFF, a PNG named .tif and text named .tif stay napari's."""
    import tifffile
    from PIL import Image

    from xrf_napari.io import can_read

    tifffile.imwrite(tmp_path / "plain.tif", np.ones((20, 30), np.uint16))
    Image.new("RGB", (8, 6)).save(tmp_path / "photo.tif", format="PNG")
    (tmp_path / "notes.tif").write_text("hello there")
    assert not any(can_read(tmp_path / n) for n in ("plain.tif", "photo.tif", "notes.tif"))


@pytest.mark.parametrize("name, head", [("a.npy", b"\x93NUM"), ("a.npz", b"PK\x03")])
def test_an_array_cut_within_its_signature_is_called_truncated(tmp_path, name, head):
    """An .npy cut after 4 bytes was 'it does not start with NumPy's \\x93NUMPY', an .npz after 3
    'not a NumPy .npz archive (it is a text file)'."""
    from xrf_napari.errors import CubeReadError

    path = tmp_path / name
    path.write_bytes(head)
    with pytest.raises(CubeReadError, match=rf"truncated: it holds {len(head)} bytes, the start"):
        read_cube(path)


def _ripple(tmp_path, **keys):
    header = {"width": 3, "height": 2, "depth": 4, "offset": 0, "data-length": 2}
    header.update(keys)
    text = "".join(f"{k}\t{v}\n" for k, v in header.items())
    (tmp_path / "s.rpl").write_text(text + "data-type\tunsigned\nbyte-order\tlittle-endian\n")
    (tmp_path / "s.raw").write_bytes(bytes(3 * 2 * 4 * 2))
    return tmp_path / "s.rpl"


def test_an_integer_of_twenty_digits_is_out_of_range_not_no_integer(tmp_path):
    """A ripple header's offset of 99999999999999999999 read "ripple key 'offset' must be an
    integer, got '99999999999999999999'" (the parser took 19 digits at most); it is out of
    range."""
    from xrf_napari.errors import CubeReadError

    with pytest.raises(CubeReadError, match=r"'offset' must be between 0 and \d+, got 9{20}$"):
        read_cube(_ripple(tmp_path, offset="9" * 20))
    with pytest.raises(CubeReadError, match=r"'width' must be an integer, got '3\.5'"):
        read_cube(_ripple(tmp_path, width="3.5"))


@pytest.mark.parametrize(
    "offset, gain, said",
    [
        (-0.000486, 5.024e-6, "1000 times that, 0.005024 keV/channel, would be plausible"),
        (-486.0, 5.024, "a thousandth of that, 0.005024 keV/channel, would be plausible"),
    ],
)
def test_a_calibration_in_the_wrong_unit_is_said_to_be_one(offset, gain, said):
    """A header whose unit says eV over values in keV (the real PyMca spectrum's -0.486 +
    0.005024 keV/channel as a ripple cube, /work/runs62/readers62/units.py) was told only 'gain
    5.024e-06 keV/channel is outside the plausible 0.0001-1 keV/channel', nothing on the unit."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.calibration import implausible

    assert said in implausible(Calibration(offset, gain), 4096)
    assert "would be plausible" not in implausible(Calibration(0.0, 1e-9), 4096)


def test_a_scan_of_zeros_is_said_to_hold_no_counts(tmp_path):
    """A scan whose every value is 0 (a sparse file left by an unfinished copy: the real Bruker
    M6 header ng_m6_R117 over a .raw of zeros) failed its automatic calibration as 'only 0
    clear peaks in the spectrum (need 4)', as if its spectrum were noisy."""
    from xrf_napari.io import auto_calibration_failure

    rpl = _ripple(tmp_path, depth=256)
    (tmp_path / "s.raw").write_bytes(bytes(3 * 2 * 256 * 2))
    why = auto_calibration_failure(read_cube(rpl).metadata)
    assert why.startswith("the spectrum holds no counts (every channel is 0)"), why


def test_an_hdf5_file_cut_within_its_signature_or_a_spectrum_named_h5(tmp_path):
    """An .h5 of its first 4 bytes read 'it does not start with the HDF5 signature (\\x89HDF)',
    though it does; a Bruker .spx saved as .h5 'it is a text file', where the text readers name
    it ('rename it .spx')."""
    from xrf_napari.errors import CubeReadError

    cut = tmp_path / "cut.h5"
    cut.write_bytes(b"\x89HDF")
    with pytest.raises(CubeReadError, match=r"truncated: it holds 4 bytes, the start of an HDF5"):
        read_cube(cut)
    spx = tmp_path / "p059.h5"
    spx.write_text(SPX)
    with pytest.raises(CubeReadError, match=r"Bruker \.spx spectrum \(XML\): rename it \.spx"):
        read_cube(spx)


def _spx(channels: str, count: int) -> str:
    return SPX.replace(
        "    <Channels>1,2,3,4</Channels>\n",
        '    <ClassInstance Type="TRTSpectrumHeader">\n'
        f"      <ChannelCount>{count}</ChannelCount>\n      <CalibAbs>-0.95</CalibAbs>\n"
        "      <CalibLin>0.01</CalibLin>\n    </ClassInstance>\n"
        f"    <Channels>{channels}</Channels>\n",
    )


def test_an_spx_whose_channels_disagree_with_its_header_is_said_so(tmp_path):
    """An .spx of 100 values under a ChannelCount of 4096 opened as 100 channels without a word;
    an empty <Channels> was 'no <Channels> element', though it has one."""
    from xrf_napari.errors import CubeReadError
    from xrf_napari.io import read_spectrum

    path = tmp_path / "p059.spx"
    path.write_text(_spx(",".join(["3"] * 100), 4096))
    with pytest.warns(UserWarning, match=r"ChannelCount is 4096, but <Channels> holds 100 values"):
        assert read_spectrum(path).counts.size == 100
    path.write_text(_spx("", 4096))
    with pytest.raises(CubeReadError, match=r"<Channels> element is empty"):
        read_spectrum(path)


def test_a_guard_an_spx_whose_channels_match_its_header_is_read_quietly(tmp_path):
    """A guard: ChannelCount equal to the values held (the real M6 file's 4096) says nothing."""
    import warnings

    from xrf_napari.io import read_spectrum

    path = tmp_path / "p059.spx"
    path.write_text(_spx(",".join(["3"] * 64), 64))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_spectrum(path).counts.size == 64


def test_an_npy_header_of_a_negative_dimension_is_called_damaged(tmp_path):
    """An .npy header declaring (-3, 4, 4096) read 'could not be read as npy (OverflowError:
    memory mapped length must be positive)'."""
    import io

    from xrf_napari.errors import CubeReadError

    buf = io.BytesIO()
    header = {"descr": "<u2", "fortran_order": False, "shape": (-3, 4, 4096)}
    np.lib.format.write_array_header_1_0(buf, header)
    path = tmp_path / "scan.npy"
    path.write_bytes(buf.getvalue() + bytes(64))
    with pytest.raises(CubeReadError, match=r"negative dimension, shape \(-3, 4, 4096\)"):
        read_cube(path)


@pytest.mark.parametrize("keep", [10, 30])
def test_an_spx_cut_within_its_xml_declaration_is_said_to_be_cut_short(tmp_path, keep):
    """An .spx cut before <TRTSpectrum> (within or just after its XML declaration) read 'not a
    valid Bruker .spx XML file (unclosed token: line 1, column 0)', as if another format."""
    from xrf_napari.errors import CubeReadError

    path = tmp_path / "p059.spx"
    path.write_text(SPX[:keep])
    with pytest.raises(CubeReadError, match="ends before its XML is complete.*cut short"):
        read_cube(path)


def test_one_trailing_byte_of_a_raw_is_said_in_the_singular(tmp_path):
    """A .raw one byte longer than its header declares read 'the 1 trailing bytes are ignored'
    (the real M6 header over a .raw of 512,114,689 bytes)."""
    rpl = _ripple(tmp_path)
    (tmp_path / "s.raw").write_bytes(bytes(3 * 2 * 4 * 2 + 1))
    with pytest.warns(UserWarning, match=r"has 49 bytes: the 1 trailing byte is ignored"):
        read_cube(rpl, auto_calibrate=False)
