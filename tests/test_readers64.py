"""Readers, session 64: an .npy whose header dict NumPy cannot parse is claimed and said
damaged."""

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
