"""Diff review of session 46 (widgets, analysis, fileutil): what the review found wrong."""

from __future__ import annotations

import os

import pytest

from xrf_napari.fileutil import OutputError, check_outputs


def test_write_protected_input_is_refused_as_the_input(tmp_path):
    """A write-protected scan chosen as the output was refused with "make it writable, or choose
    another output" (cc7715d's check ran before the inputs'), advice that, taken, only led to the
    refusal that it is the scan; it is refused as the input, and a write-protected file that is
    no input still as write-protected."""
    scan = tmp_path / "scan.tif"
    scan.write_bytes(b"II*\x00")
    other = tmp_path / "other.png"
    other.write_bytes(b"png")
    os.chmod(scan, 0o444)
    os.chmod(other, 0o444)
    with pytest.raises(OutputError, match=r"is the input .*scan\.tif") as err:
        check_outputs(files=[scan], inputs=[scan])
    assert "writable" not in str(err.value)
    with pytest.raises(OutputError, match=r"other\.png: the file is read-only"):
        check_outputs(files=[other], inputs=[scan])
