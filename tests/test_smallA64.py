"""Session 64 leftovers (smallA64): odd names in output refusals, a stale tube reading, an
.npz member of an unknown compression, a TIFF series holding no page."""

import os

import pytest


def test_output_refusals_print_odd_names_as_the_refusals_beside_them(tmp_path):
    """check_outputs' refusals "output folder X exists and is not a folder", "cannot write X: it
    exists and is not a regular file", "output X is the input X", "output X lies inside the input
    folder X" and "cannot write X: the file is read-only" printed a name with a line break raw
    (a dock's status line broke in two) and kept a non-UTF-8 byte as a lone surrogate, where the
    link-loop refusal beside them printed \\n and \\xe9."""
    from xrf_napari.fileutil import OutputError, check_outputs

    for stem in ("a\nb", os.fsdecode(b"r\xe9f")):
        shown = "a\\nb" if "\n" in stem else "r\\xe9f"
        base = tmp_path / shown.replace("\\", "_")
        base.mkdir()
        odd = base / stem
        odd.write_bytes(b"x")
        folder = base / f"{stem}.d"
        folder.mkdir()
        locked = base / f"{stem}.png"
        locked.write_bytes(b"x")
        locked.chmod(0o444)
        cases = [
            (dict(folders=[odd], inputs=[]), "exists and is not a folder", 1),
            (dict(files=[folder], inputs=[]), "it is a folder, not a file", 1),
            (dict(files=[odd], inputs=[odd]), "(or a link to it)", 2),
            (dict(files=[folder / "x.png"], inputs=[folder]), "lies inside the input", 3),
            (dict(files=[locked], inputs=[]), "the file is read-only", 1),
        ]
        for kwargs, words, times in cases:
            with pytest.raises(OutputError) as err:
                check_outputs(**kwargs)
            said = str(err.value)
            assert words in said and said.isprintable(), said
            assert said.encode("utf-8")  # no lone surrogate left in it
            assert said.count(shown) == times, said


def test_a_new_calibration_drops_the_tube_read_under_the_old_one():
    """read_cube records the tube whose scattered K lines a scan shows under its file's
    calibration (anode_seen); a calibration the user then set (cube.with_calibration) kept it,
    so known_anode and tube_source still named Mo "read from the scan's scattered tube lines",
    a reading of peaks at energies the new calibration no longer gives them. The same terms
    again (another source) keep it: the peaks stay where they were read."""
    import numpy as np

    from xrf_napari.cube import Cube
    from xrf_napari.detector import SEEN_ANODE_KEY, known_anode, tube_source
    from xrf_napari.energy import Calibration

    cal = Calibration(0.0, 0.02)
    cube = Cube(np.zeros((2, 2, 64), np.float32), cal, metadata={SEEN_ANODE_KEY: "Mo"})
    assert known_anode(cube.metadata) == "Mo"
    moved = cube.with_calibration(Calibration(0.1, 0.025, source="user"))
    assert known_anode(moved.metadata) is None and tube_source(moved.metadata) == ""
    same = cube.with_calibration(Calibration(0.0, 0.02, source="user"))
    assert known_anode(same.metadata) == "Mo"
    assert known_anode(cube.metadata) == "Mo"  # the original cube is left as it was


def _with_zip_method(path, method: int) -> None:
    """Rewrite every member's compression method in the local and central headers."""
    import struct

    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = raw.find(sig)
        while start >= 0:
            raw[start + at : start + at + 2] = struct.pack("<H", method)
            start = raw.find(sig, start + 4)
    path.write_bytes(bytes(raw))


def test_an_npz_member_of_a_zip_method_python_lacks_is_named_so(tmp_path):
    """An .npz whose members a zip tool packed with deflate64 (method 9) read "could not be read
    as npz (NotImplementedError: That compression method is not supported)": neither the method
    nor what to do was said."""
    import numpy as np

    from xrf_napari.io import CubeReadError, read_cube

    path = tmp_path / "scan.npz"
    np.savez(path, counts=np.ones((2, 2, 64), np.uint16))
    _with_zip_method(path, 9)
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    said = str(err.value)
    assert "member 'counts' is compressed with zip method 9 (deflate64)" in said, said
    assert "save it again with ordinary compression" in said and "NotImplemented" not in said


def test_a_tiff_series_holding_no_page_object_is_searched_past_it():
    """_unlocated_page, asked once a compressed TIFF failed to decode, read every page of the
    series; tifffile holds a page of another file (a multi-file OME-TIFF's) as None, which
    raised AttributeError ('NoneType' has no 'dataoffsets') where _data_cut passes such a page
    over. Stand-ins: no file with such a series and a damaged page is built here."""
    from types import SimpleNamespace

    from xrf_napari.io.arrays import _unlocated_page

    damaged = SimpleNamespace(index=2, dataoffsets=(8, 16), databytecounts=(8,))
    sound = SimpleNamespace(index=0, dataoffsets=(8,), databytecounts=(8,))
    said = _unlocated_page(SimpleNamespace(pages=[sound, None, damaged]))
    assert "page 3 gives 2 strip or tile offsets but 1 byte counts" in said, said
    assert _unlocated_page(SimpleNamespace(pages=[None, sound])) is None
