"""Readers, session 63: napari points/shapes CSVs left by their first line; an .npy cut in its
header or a cut TIFF named .npy said as such; the decoded-TIFF warning names a folder once;
tifffile quiet on a stray pointer; a non-HDF5 .h5 opened once to say so; a patched TIFF size."""

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, registry, spectra


@pytest.mark.parametrize(
    ("head", "what"),
    [
        ("index,axis-0,axis-1", "napari points table"),
        ("index,shape-type,vertex-index,axis-0,axis-1", "napari shapes table"),
    ],
)
def test_naparis_points_and_shapes_tables_are_left_by_their_first_line(
    tmp_path, monkeypatch, head, what
):
    """napari's claim check read a 9.8 MB points table (napari's own export) whole, 2.2 s of
    CPU in spectra._numbers, to leave it to napari; read_cube said 'needs one column'."""
    path = tmp_path / "points.csv"
    width = head.count(",")
    path.write_text(head + "\n" + "".join(f"{i}" + ",1.5" * width + "\n" for i in range(50)))
    calls = []
    real = spectra._numbers
    monkeypatch.setattr(spectra, "_numbers", lambda s: calls.append(s) or real(s))
    assert not registry.claims(path)
    assert calls == []  # not a line of values read
    with pytest.raises(CubeReadError, match=f"points.csv: a {what} .*napari's own reader"):
        read_cube(path)


@pytest.mark.parametrize("cut", [6, 7, 9, 20, 100])
def test_an_npy_cut_within_its_header_is_said_truncated_and_claimed(tmp_path, cut):
    """np.load's words had been the message ('EOF: reading magic string, expected 8 bytes got
    7'), and napari's claim left the file to napari's reader, which failed the same."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 64), np.uint16))
    path = tmp_path / "scan.npy"
    path.write_bytes(whole.read_bytes()[:cut])
    with pytest.raises(CubeReadError, match=r"scan.npy: the file is truncated: it holds") as e:
        read_cube(path)
    assert f"holds {cut} bytes, within its .npy header" in str(e.value)
    assert "EOF" not in str(e.value)
    assert registry.claims(path)


def test_two_bytes_of_a_tiff_named_npy_are_not_called_a_text_file(tmp_path):
    """'II' named .npy read 'not a NumPy .npy file (it is a text file)'."""
    path = tmp_path / "scan.npy"
    path.write_bytes(b"II")
    with pytest.raises(CubeReadError, match="the start of a TIFF image's signature") as e:
        read_cube(path)
    assert "text file" not in str(e.value)


def test_a_cache_folder_that_cannot_be_made_is_named_once(tmp_path, monkeypatch):
    """/tmp a tmpfs and the cache folder refused by the disk: the warning read '.../decoded:
    cannot create the folder .../decoded: Permission denied', the folder named twice."""
    import errno
    import os
    import pathlib
    import tempfile

    import tifffile

    from xrf_napari.io import arrays

    scan = tmp_path / "stack.tif"
    tifffile.imwrite(scan, np.ones((64, 6, 7), np.uint16), compression="zlib")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(arrays, "available_memory", lambda: 0)
    monkeypatch.setattr(arrays, "_ram_backed", lambda folder: True)
    real_mkdir = pathlib.Path.mkdir

    def refuse(self, *args, **kwargs):
        if "decoded" in self.parts:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "mkdir", refuse)
    with pytest.warns(UserWarning) as said:
        read_cube(scan, auto_calibrate=False)
    (text,) = [str(w.message) for w in said if "fits neither" in str(w.message)]
    decoded = str(tmp_path / "cache" / "xrf-napari" / "decoded")
    assert f"cannot create the folder {decoded}: Permission denied" in text
    assert text.count(decoded) == 1


def test_a_stray_last_pointer_is_said_once_not_logged_by_tifffile(tmp_path, caplog):
    """A 100-page stack whose last page points beyond the end of the file (a writer's slip):
    beside our warning, tifffile logged 'invalid page offset 26090' at ERROR on stderr, at
    napari's claim and again at the read."""
    import logging

    import tifffile
    from test_revR62 import _stray_last_pointer

    stack = tmp_path / "stack.tif"
    tifffile.imwrite(stack, np.ones((100, 6, 7), np.uint16))
    path = _stray_last_pointer(stack, tmp_path / "stray.tif")
    with caplog.at_level(logging.WARNING, logger="tifffile"):
        assert registry.claims(path)
        with pytest.warns(UserWarning, match="stray.tif: its last page points to a page beyond"):
            assert read_cube(path, auto_calibrate=False).shape == (6, 7, 100)
    assert [r.getMessage() for r in caplog.records if r.name == "tifffile"] == []


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"hello, a text file\n" * 4, "it is a text file"),
        (b"\x89HDF", "the file is truncated: it holds 4 bytes"),
        (b"MATLAB 5.0 MAT-file" + bytes(200), "is a MATLAB v5/v7 MAT-file"),
    ],
)
def test_a_file_named_h5_that_is_none_is_opened_once_to_say_what_it_is(tmp_path, data, said):
    """To say what a file named .h5 is when HDF5 cannot open it, the reader opened it five more
    times (a permission test, is_hdf5, signature_cut, file_kind and a 64 KiB read), seven in all:
    on a network share each is a round trip."""
    import sys

    path = tmp_path / "scan.h5"
    path.write_bytes(data)
    opens = []
    sys.addaudithook(lambda ev, args: ev == "open" and args[0] == str(path) and opens.append(1))
    with pytest.raises(CubeReadError, match=said):
        read_cube(str(path))
    assert len(opens) <= 2  # the dispatch's look at the file, and the refusal's


def _patched(src, dst, tag: int, value: int):
    """`src`'s copy with its first page's `tag` (a SHORT or LONG) set to `value` in place."""
    import struct

    b = bytearray(src.read_bytes())
    offset = struct.unpack("<I", b[4:8])[0]
    for i in range(struct.unpack("<H", b[offset : offset + 2])[0]):
        at = offset + 2 + 12 * i
        code, kind = struct.unpack("<HH", b[at : at + 4])
        if code == tag:
            b[at + 8 : at + 12] = (
                struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
            )
    dst.write_bytes(bytes(b))
    return dst


@pytest.mark.parametrize("tag", [256, 257])  # ImageWidth, ImageLength
def test_a_tiff_whose_size_was_patched_is_said_damaged_not_a_photograph(tmp_path, tag):
    """An RGB picture whose width or height was patched to 65535 read 'it looks like a
    photograph ... a 30 x 65535 RGB colour image', and was left to napari's reader, which
    fails ('failed to read 5898150 bytes, got 3600'). Its strips hold 3,600 bytes."""
    import tifffile

    rgb = tmp_path / "rgb.tif"
    tifffile.imwrite(rgb, np.ones((30, 40, 3), np.uint8), photometric="rgb")
    path = _patched(rgb, tmp_path / "patched.tif", tag, 65535)
    with pytest.raises(CubeReadError, match="patched.tif: its header is damaged: page 1") as e:
        read_cube(path, auto_calibrate=False)
    assert "strips hold 3,600 bytes" in str(e.value) and "photograph" not in str(e.value)
    assert registry.claims(path)
    assert not registry.claims(rgb)  # the sound picture stays napari's


def test_a_stack_tifffile_wrote_a_page_at_a_time_is_claimed_as_a_cube(tmp_path):
    """tifffile.imwrite called once a page (a writer's loop) gives each page a description of
    its own, so each is a series: series[0] was one page, and the stack was refused as '80
    separate images of 6 x 7, such as element maps' and left to napari's reader (which shows
    the first page alone), after tifffile parsed every description (1.1 s CPU for 3,000)."""
    import tifffile

    cube = np.random.default_rng(3).integers(0, 50, (6, 7, 80)).astype(np.uint16)
    path = tmp_path / "pages.tif"
    with tifffile.TiffWriter(path) as tw:
        for page in np.moveaxis(cube, -1, 0):
            tw.write(page, contiguous=False)
    assert registry.claims(path)
    read = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(read.data[...]), cube)
    few = tmp_path / "maps.tif"  # a few element maps so written stay napari's images
    with tifffile.TiffWriter(few) as tw:
        for page in np.moveaxis(cube[..., :5], -1, 0):
            tw.write(page, contiguous=False)
    assert not registry.claims(few)
    with pytest.raises(CubeReadError, match="maps.tif: the TIFF holds 5 images of 6 x 7"):
        read_cube(few, auto_calibrate=False)


def _msa(xperchan, offset) -> str:
    values = ",\n".join(str(i % 7) for i in range(100))
    return (
        "#FORMAT : EMSA/MAS Spectral Data File\n#VERSION : 1.0\n#NPOINTS : 100\n#NCOLUMNS : 1\n"
        f"#XUNITS : keV\n#XPERCHAN : {xperchan}\n#OFFSET : {offset}\n#DATATYPE : Y\n"
        f"#SPECTRUM :\n{values}\n#ENDOFDATA :\n"
    )


@pytest.mark.parametrize(
    ("xperchan", "offset", "said"),
    [
        (10, 0, "gain 10 keV/channel .* are its values in eV where its unit says keV"),
        (0.01, -50, "offset -50 keV is outside the plausible"),
    ],
)
def test_read_spectrum_sets_an_implausible_calibration_aside_as_read_cube_does(
    tmp_path, xperchan, offset, said
):
    """read_spectrum gave an .msa's #XPERCHAN of 10 in keV (eV values) or an offset of -50 keV
    back as the spectrum's calibration, without a word; read_cube set it aside, saying so.
    Both now set it aside with the same words, said once."""
    import warnings

    from xrf_napari.io import read_spectrum

    path = tmp_path / "ref.msa"
    path.write_text(_msa(xperchan, offset))
    text = f"ref.msa: the file's energy calibration is implausible \\({said}.*\\): ignored"
    with pytest.warns(UserWarning, match=text):
        spectrum = read_spectrum(path)
    assert spectrum.calibration.source == "none"
    assert "implausible" in spectrum.metadata["calibration_note"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False)
    assert sum("implausible" in str(w.message) for w in caught) == 1
    assert cube.calibration.source == "none" and "implausible" in cube.metadata["calibration_note"]


def test_a_photograph_is_opened_once_for_its_header_and_its_pixels(tmp_path, monkeypatch):
    """read_photo opened a PNG with Pillow for its header, then again to decode it: its chunks
    were walked twice (0.13 s of 0.43 s CPU for 4000 x 3000 px). One opening serves both."""
    from PIL import Image

    from xrf_napari.analysis import colour_prior

    rgb = np.random.default_rng(2).integers(0, 255, (40, 50, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    walked = []
    real = colour_prior.check_png_chunks
    monkeypatch.setattr(
        colour_prior, "check_png_chunks", lambda p, fh=None: walked.append(p) or real(p, fh)
    )
    img = colour_prior.read_photo(path, (40, 50))
    assert len(walked) == 1
    np.testing.assert_allclose(img * 255, rgb, atol=1)
