"""Session 61, file readers: a TIFF cut short, text spectra of another format, memory."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


def _cut(path, out, keep: int):
    out.write_bytes(path.read_bytes()[:keep])
    return out


def test_a_tiff_cut_within_its_header_is_told_truncated(tmp_path):
    """A TIFF cut within its 8-byte (BigTIFF: 16-byte) header had read 'not a TIFF file (no
    II/MM byte-order mark)' or '(version 43)'."""
    tifffile = pytest.importorskip("tifffile")
    cube = np.arange(6 * 5 * 4, dtype=np.uint16).reshape(6, 5, 4)
    for big, keep, whole in ((False, 6, 8), (True, 12, 16)):
        src = tmp_path / f"s{big}.tif"
        tifffile.imwrite(src, cube, bigtiff=big)
        bad = _cut(src, tmp_path / f"cut{big}.tif", keep)
        with pytest.raises(CubeReadError) as err:
            read_cube(bad)
        msg = str(err.value)
        assert str(bad) in msg and "not a TIFF" not in msg, msg
        assert f"truncated: it holds {keep} bytes, less than its {whole}-byte header" in msg


def test_a_tiff_cut_within_its_image_data_says_bytes_missing(tmp_path):
    """A samples TIFF cut within its one strip had read 'reading row 0 failed (TiffFileError:
    corrupted strip cannot be reshaped ...)', a tifffile bug's words, and a recolour output
    check of a TIFF cut in its page chain 'it is not a TIFF image'."""
    tifffile = pytest.importorskip("tifffile")
    from xrf_napari.io.arrays import not_a_picture

    src = tmp_path / "s.tif"
    tifffile.imwrite(
        src, np.ones((8, 9, 40), np.uint16), photometric="minisblack", planarconfig="contig"
    )
    size = src.stat().st_size
    bad = _cut(src, tmp_path / "cut.tif", size - 100)
    with pytest.raises(CubeReadError) as err:
        read_cube(bad)
    msg = str(err.value)
    assert "100 bytes missing: the TIFF is truncated" in msg, msg
    assert f"runs to byte {size}, the file holds {size - 100}" in msg
    head = _cut(src, tmp_path / "head.tif", 12)  # its first directory cut off
    said = not_a_picture(head) or ""
    assert "not a TIFF" not in said and "cut off" in said and "holds 12 bytes" in said, said
