"""Session 46, cli46: the ripple header's text decoding, one wording of a scan's size, and the
command lines walked with bad input."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.io import ripple


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8-sig"),  # Notepad's "UTF-8 with BOM"
        lambda t: t.encode("utf-16"),  # Notepad's "Unicode": a BOM, then little-endian
        lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
        lambda t: t.encode("utf-16-le"),  # no BOM: known by the NUL beside each character
        lambda t: t.encode("utf-32"),
    ],
    ids=["utf8-bom", "utf16-bom", "utf16-be-bom", "utf16-le-no-bom", "utf32-bom"],
)
def test_a_ripple_header_saved_in_another_unicode_encoding_opens(tmp_path, encode):
    """The .rpl header is decoded as the text spectra are (limits.decode_text): a UTF-32 header
    or a UTF-16 one without a BOM was refused as "ripple key 'width' must be an integer, got
    '\\x003\\x00'" (UTF-8 with a BOM and UTF-16 with one opened already)."""
    counts = np.arange(2 * 3 * 4, dtype="<u2").reshape(2, 3, 4)
    rpl = ripple.write(tmp_path / "scan.rpl", counts)
    rpl.write_bytes(encode(rpl.read_text(encoding="ascii")))
    cube = ripple.read(rpl)
    assert cube.shape == (2, 3, 4)
    np.testing.assert_array_equal(np.asarray(cube.data), counts)
    assert "width" in cube.metadata["header"]  # no BOM glued onto the first key
