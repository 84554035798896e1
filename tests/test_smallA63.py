"""Session 63, helper smallA63: small reader fixes."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube


def test_an_npy_with_a_damaged_header_length_is_not_called_truncated(tmp_path):
    """An .npy whose header-length field read 0xffff but whose header and data are all there
    was refused 'the file is truncated ... within its .npy header of 65545 bytes'."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 300), np.uint16))
    data = whole.read_bytes()
    path = tmp_path / "scan.npy"
    path.write_bytes(data[:8] + b"\xff\xff" + data[10:])
    with pytest.raises(CubeReadError, match="scan.npy: its .npy header's length field") as e:
        read_cube(path)
    said = str(e.value)
    header_end = data.index(b"\n") + 1
    assert "truncated" not in said
    assert f"declares a header of {10 + 0xFFFF:,} bytes" in said
    assert f"a whole header ends at byte {header_end}" in said


def test_an_npy_cut_within_its_header_is_still_truncated(tmp_path):
    """A guard: a cut one byte short of the header's newline is still truncated."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 300), np.uint16))
    data = whole.read_bytes()
    path = tmp_path / "scan.npy"
    path.write_bytes(data[: data.index(b"\n")])
    with pytest.raises(CubeReadError, match="the file is truncated"):
        read_cube(path)
