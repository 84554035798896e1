"""Reviewer R, session 64: the readers' damaged-file refusals (readers64's commits)."""

import struct

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def test_a_tiff_whose_compression_tag_holds_two_values_is_said_damaged(tmp_path):
    """A flipped count of a zlib stack's Compression tag (2 values, not 1) read "could not be
    read as tiff (TypeError: int() argument must be ... not 'tuple')": our own int() of it."""
    import tifffile

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.ones((64, 6, 7), np.uint16), compression="zlib")
    with tifffile.TiffFile(path) as tf:
        at = tf.pages.first.tags["Compression"].offset  # its 12-byte IFD entry
    data = bytearray(path.read_bytes())
    data[at + 4 : at + 12] = struct.pack("<IHH", 2, 8, 8)  # count 2, values (8, 8) inline
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    assert "TypeError" not in str(err.value)
    assert "its header is damaged: page 1 gives 2 compression schemes (8, 8)" in str(err.value)


@pytest.mark.parametrize("sep", ["=", " = ", ":"])
def test_a_ripple_header_of_key_equals_value_lines_says_the_separator_is_wrong(tmp_path, sep):
    """'width=5' lines read "ripple header lacks the required key 'width'", 'width = 5' "ripple
    key 'width' must be an integer, got '='": neither said that the separator is the fault."""
    keys = {"width": 5, "height": 4, "depth": 64, "offset": 0, "data-length": 2}
    keys |= {"data-type": "unsigned", "byte-order": "little-endian", "record-by": "vector"}
    path = tmp_path / "scan.rpl"
    path.write_text("".join(f"{k}{sep}{v}\n" for k, v in keys.items()))
    np.zeros((4, 5, 64), np.uint16).tofile(tmp_path / "scan.raw")
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    said = str(err.value)
    assert f"scan.rpl: the ripple header puts {sep.strip()!r} between its keys and values" in said
    assert "('width 5')" in said and "lacks the required key" not in said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("# PyMca's plain format\n1\n5\n3\n", "it holds lines of numbers, not XML"),
        (
            "#FORMAT : EMSA/MAS Spectral Data File\n#NPOINTS : 2\n#SPECTRUM :\n1, 2\n",
            "rename it .msa",
        ),
    ],
)
def test_a_text_spectrum_named_spx_is_told_what_it_is(tmp_path, text, said):
    """A PyMca .mca renamed .spx read "not a valid Bruker .spx XML file (not well-formed
    (invalid token): line 1, column 1)", as an EMSA file did ("syntax error"): now it is named,
    as the other text readers name an .spx (limits.text_format)."""
    path = tmp_path / "spectrum.spx"
    path.write_text(text)
    with pytest.raises(CubeReadError, match=r"spectrum\.spx: not a Bruker \.spx spectrum: ") as err:
        read_cube(path, auto_calibrate=False)
    assert said in str(err.value) and "XML file (" not in str(err.value)


def test_a_stray_last_pointer_beside_a_damaged_tag_logs_nothing(tmp_path, caplog):
    """A stack whose last page points beyond the file (a writer's slip, read with a warning)
    and one of whose tags is damaged had tifffile log "<TiffTag.fromfile> raised TiffFileError(
    '<tifffile.TiffTag 296 @154> invalid data type 99')" on stderr at napari's claim and again at
    the read (stray_pointer_only's look at the pages), above the warning that says the fault."""
    import tifffile

    from xrf_napari.io import registry

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.ones((64, 6, 7), np.uint16), resolution=(1, 1))
    with tifffile.TiffFile(path) as tf:
        unit = tf.pages.first.tags["ResolutionUnit"].offset
        last = tf.pages[-1]
        pointer = last.offset + 2 + 12 * len(last.tags)  # its next-page pointer
    data = bytearray(path.read_bytes())
    data[unit + 2 : unit + 4] = struct.pack("<H", 99)  # no TIFF data type
    data[pointer : pointer + 4] = struct.pack("<I", len(data) + 1000)
    path.write_bytes(bytes(data))
    assert registry.claims(path)
    with pytest.warns(UserWarning, match="points to a page beyond the end of the file"):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (6, 7, 64)
    assert not [r for r in caplog.records if r.name == "tifffile"]


def test_an_npz_member_whose_compressed_data_is_damaged_is_said_damaged(tmp_path):
    """A byte flipped within a compressed member's data (its header whole) read "could not be
    read as npz (BadZipFile: Bad CRC-32 for file 'counts.npy')" or "(error: Error -3 while
    decompressing data ...)": 91905c5f said so of a damaged header only."""
    import zipfile

    path = tmp_path / "scan.npz"
    np.savez_compressed(path, counts=np.random.default_rng(1).poisson(3, (6, 7, 64)))
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("counts.npy")
    data = bytearray(path.read_bytes())
    data[
        info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    ] ^= 255
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    said = str(err.value)
    assert "scan.npz: member 'counts' is damaged" in said and "could not be read as" not in said
    assert said.endswith("the archive is corrupt or cut short; copy or save it again")


def test_a_stack_whose_last_page_has_a_damaged_tag_logs_nothing(tmp_path, caplog):
    """A stack whose last page's ResolutionUnit is damaged (it reads: tifffile skips the tag)
    had tifffile log "<TiffTag.fromfile> raised TiffFileError('<tifffile.TiffTag 296 ...>
    invalid data type 99')" on stderr at napari's claim and again at the read (_data_cut's look
    at the last page)."""
    import tifffile

    from xrf_napari.io import registry

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.ones((64, 6, 7), np.uint16), resolution=(1, 1))
    with tifffile.TiffFile(path) as tf:
        tf.pages.useframes = False
        unit = tf.pages[63].tags["ResolutionUnit"].offset
    data = bytearray(path.read_bytes())
    data[unit + 2 : unit + 4] = struct.pack("<H", 99)  # no TIFF data type
    path.write_bytes(bytes(data))
    assert registry.claims(path)
    assert read_cube(path, auto_calibrate=False).shape == (6, 7, 64)
    assert not [r for r in caplog.records if r.name == "tifffile"]


def test_an_npz_member_whose_header_length_cuts_its_dict_is_said_damaged(tmp_path):
    """As 5d26eb0b's .npy: a member's header length field flipped to 29 cut its dict within a
    bracket, and NumPy's header filter raised tokenize's TokenError: "could not be read as npz
    (TokenError: ('EOF in multi-line statement', (2, 0)))" (revR64's fliptif.py 7 2000)."""
    import zipfile

    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.zeros((40, 50, 64), ">u2"))  # stored; too big to be CRC-checked whole
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("counts.npy")
    data = bytearray(path.read_bytes())
    names, extra = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    start = info.header_offset + 30 + names + extra  # the local header's own lengths
    data[start + 8 : start + 10] = (29).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    assert "scan.npz: member 'counts' is damaged: its .npy header cannot be read" in str(err.value)
