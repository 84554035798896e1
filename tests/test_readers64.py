"""Readers, session 64: an .npy whose header dict NumPy cannot parse is claimed and said
damaged."""

from pathlib import Path

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, registry


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (b"'<u2'", b"<u2' ", "it does not parse as the Python dict NumPy writes"),
        (b"(4, 5, 64)", b"(4, 5, x4)", "it does not parse as the Python dict NumPy writes"),
        (b"'descr'", b"'dexcr'", "Header does not contain the correct keys"),
        (b"'<u2'", b"'<q9'", "descr is not a valid dtype descriptor"),
    ],
)
def test_an_npy_whose_header_does_not_parse_is_claimed_and_said_damaged(tmp_path, old, new, why):
    """NumPy's words had been the message ('Cannot parse header: "{...   }"', or ast's
    'malformed node or string on line 1: <ast.Name object at 0x7f...>'), and napari's claim
    left the file to napari's reader, which failed the same."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 64), np.uint16))
    data = whole.read_bytes()
    path = tmp_path / "scan.npy"
    path.write_bytes(data[:10] + data[10:128].replace(old, new) + data[128:])
    assert len(path.read_bytes()) == len(data)  # the header's length kept, as a flipped byte
    with pytest.raises(CubeReadError, match=r"scan.npy: its .npy header is damaged \(") as e:
        read_cube(path)
    assert why in str(e.value)
    assert "ast." not in str(e.value) and "Cannot parse" not in str(e.value)
    assert "'shape': (4, 5, " in str(e.value)  # the header, without its padding
    assert registry.claims(path)


@pytest.mark.parametrize(
    ("name", "dtype"), [("photo.tif", np.uint8), ("photo.tif", np.uint16), ("photo.png", np.uint8)]
)
def test_read_photo_opens_the_file_once(tmp_path, monkeypatch, name, dtype):
    """An 8-bit TIFF photograph was opened 7 times per read_photo (its marks, its page chain
    twice, tifffile's and Pillow's headers, the napari-layer test), a 16-bit one 5 times, a PNG
    3 times."""
    import builtins

    import tifffile
    from PIL import Image

    from xrf_napari.analysis.colour_prior import read_photo

    rgb = np.random.default_rng(3).integers(0, 255, (30, 40, 3)).astype(dtype)
    path = tmp_path / name
    if name.endswith(".png"):
        Image.fromarray(rgb).save(path)
    else:
        tifffile.imwrite(path, rgb * (257 if dtype == np.uint16 else 1), photometric="rgb")
    opened, real = [], builtins.open

    def counting(file, *args, **kwargs):
        if isinstance(file, (str, Path)) and Path(file) == path:
            opened.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    img = read_photo(path, (30, 40))
    assert len(opened) == 1
    np.testing.assert_allclose(img * 255, rgb, atol=1)  # as read before


def test_an_npz_of_two_equally_large_cubes_says_which_and_dataset_picks(tmp_path):
    """Of two equally large 3-D members the first was read without a word, and `--dataset`
    could not pick the other ('an .npz file holds no named datasets')."""
    path = tmp_path / "scan.npz"
    raw = np.random.default_rng(4).poisson(4, (5, 6, 64)).astype(np.uint16)
    np.savez(path, raw=raw, corrected=raw * 2)
    with pytest.warns(UserWarning, match=r"scan.npz: members 'raw' and 'corrected' are equally"):
        cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[:]), raw)
    cube = read_cube(path, dataset="corrected", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[:]), raw * 2)
    assert cube.metadata["member"] == "corrected"
    with pytest.raises(CubeReadError, match=r"no member 'nope' in the .npz; its members: raw, co"):
        read_cube(path, dataset="nope")


def test_an_npy_of_python_objects_is_said_to_hold_no_numbers(tmp_path):
    """It read 'not a readable .npy array (Array can't be memory-mapped: Python objects in
    dtype.)'."""
    path = tmp_path / "scan.npy"
    np.save(path, np.array([[[1, "a"]]], dtype=object), allow_pickle=True)
    with pytest.raises(CubeReadError, match=r"scan.npy: its array holds Python objects"):
        read_cube(path)


def test_a_zlib_stack_whose_page_lost_its_byte_counts_is_said_damaged(tmp_path, caplog):
    """A zlib page stack whose 5th page's StripByteCounts tag points past the file read
    "reading rows 0-7 failed (IndexError: tuple index out of range)" after tifffile's log line
    "<tifffile.TiffFrame 4 @1050> <TiffTag.fromfile> raised TiffFileError(...)" (fuzz case)."""
    import struct

    import tifffile

    path = tmp_path / "stack.tif"
    cube = np.random.default_rng(5).poisson(4, (64, 8, 10)).astype(np.uint16)
    tifffile.imwrite(path, cube, compression="zlib")
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tf:
        tag = tf.pages[4].tags[279]  # StripByteCounts
        data[tag.offset + 4 : tag.offset + 12] = struct.pack("<II", 2, len(data) + 100)
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match=r"stack.tif: its header is damaged: page 5 gives 1"):
        read_cube(path, auto_calibrate=False)
    assert not [r for r in caplog.records if r.name == "tifffile"]


@pytest.mark.parametrize("tag", [256, 257])  # ImageWidth, ImageLength
def test_a_tiff_whose_first_page_declares_no_pixels_is_said_damaged_and_claimed(
    tmp_path, caplog, tag
):
    """It read "could not be read as tiff (ZeroDivisionError: integer division or modulo by
    zero)" (tifffile's series detection), and napari's claim left it to napari's reader, which
    failed the same (fuzz case)."""
    import struct

    import tifffile

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.ones((64, 8, 10), np.uint16))
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tf:
        entry = tf.pages[0].tags[tag]
        kind = {3: "<H", 4: "<I"}[entry.dtype]
        data[entry.valueoffset : entry.valueoffset + struct.calcsize(kind)] = struct.pack(kind, 0)
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match=r"stack.tif: its header is damaged: page 1 declares"):
        read_cube(path, auto_calibrate=False)
    assert registry.claims(path)
    assert not [r for r in caplog.records if r.name == "tifffile"]


@pytest.mark.parametrize(
    ("shape", "words"),
    [((40, 50, 64), ": its .npy header cannot be read"), ((4, 5, 64), " (Bad CRC-32 for file")],
)
def test_an_npz_member_whose_header_does_not_parse_is_said_damaged(tmp_path, shape, words):
    """It read "could not be read as npz (ValueError: Cannot parse header: ...)" (fuzz case),
    or, a member small enough to be read whole, "(BadZipFile: Bad CRC-32 for file ...)"."""
    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.ones(shape, np.uint16), energy=np.arange(64) * 0.01)
    data, text = path.read_bytes(), str(shape).encode()
    assert data.count(text) == 1
    path.write_bytes(data.replace(text, text[:-3] + b"x4)"))
    with pytest.raises(CubeReadError, match=r"scan.npz: member 'counts' is damaged") as err:
        read_cube(path, auto_calibrate=False)
    assert words in str(err.value) and "corrupt or cut short" in str(err.value)


def test_a_tiff_whose_description_tifffile_cannot_parse_is_said_damaged(tmp_path):
    """A flipped byte after tifffile's shaped description read "could not be read as tiff
    (ValueError: invalid image description '{"shape": [6, 7, 20]}7')" (fuzz case)."""
    import tifffile

    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, np.ones((6, 7, 20), np.uint16))
    data = path.read_bytes()
    text = b'{"shape": [6, 7, 20]}\x00'
    assert data.count(text) == 1
    path.write_bytes(data.replace(text, text[:-1] + b"7"))
    with pytest.raises(CubeReadError, match=r"scan.tif: its header is damaged: tifffile finds no"):
        read_cube(path, auto_calibrate=False)
    assert registry.claims(path)


def test_a_tiff_whose_samples_differ_in_bits_is_no_type_error(tmp_path):
    """A flipped BitsPerSample value (one of 20 samples '14608-bit') read "could not be read as
    tiff (TypeError: unsupported operand type(s) for %: 'tuple' and 'int')", our own size check
    taking the tuple for a number (fuzz case)."""
    import struct

    import tifffile

    path = tmp_path / "scan.tif"
    tifffile.imwrite(path, np.ones((6, 7, 20), np.uint16), planarconfig="contig")
    data = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tf:
        tag = tf.pages[0].tags[258]  # BitsPerSample, 20 values
        data[tag.valueoffset + 8 : tag.valueoffset + 10] = struct.pack("<H", 14608)
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match=r"scan.tif: ") as err:
        read_cube(path, auto_calibrate=False)
    assert "TypeError" not in str(err.value)


def test_an_npy_whose_header_length_cuts_its_dict_is_said_damaged_and_claimed(tmp_path):
    """A header length field flipped to 29 cut the dict within a bracket: NumPy's header filter
    raised tokenize's TokenError, which read "could not be read as npy (TokenError: ('EOF in
    multi-line statement', (2, 0)))", and napari's claim left it to napari (fuzz case)."""
    path = tmp_path / "scan.npy"
    np.save(path, np.zeros((4, 5, 64), ">u2"))
    data = bytearray(path.read_bytes())
    data[8:10] = (29).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match=r"scan.npy: its .npy header is damaged \(it does"):
        read_cube(path)
    assert registry.claims(path)


def test_an_spx_declaring_an_unknown_encoding_is_said_damaged(tmp_path):
    """A flipped byte in ESPRIT's 'WINDOWS-1252' read "could not be read as a spectrum
    (LookupError: unknown encoding: WINDOWS-12.2)" (flip case)."""
    path = tmp_path / "spot.spx"
    path.write_text(
        '<?xml version="1.0" encoding="WINDOWS-12.2"?>\n<TRTSpectrum><ClassInstance '
        'Type="TRTSpectrum"><Channels>1,2,3</Channels></ClassInstance></TRTSpectrum>\n'
    )
    with pytest.raises(CubeReadError, match=r"spot.spx: its XML declaration names an encoding"):
        read_cube(path)


def test_an_npz_whose_directory_misnames_a_member_is_said_damaged(tmp_path):
    """A flipped byte in the zip directory's 'counts.npy' read "could not be read as npz
    (KeyError: \\"There is no item named 'counts.nky.npy' in the archive\\")" (flip case)."""
    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.ones((4, 5, 64), np.uint16))
    data = path.read_bytes()
    cut = data.rindex(b"counts.npy")  # the central directory's entry, after the local header's
    path.write_bytes(data[:cut] + b"counts.nky" + data[cut + 10 :])
    with pytest.raises(CubeReadError, match=r"scan.npz: member 'counts.nky' is damaged \(") as e:
        read_cube(path, auto_calibrate=False)
    assert "corrupt or cut short" in str(e.value)
