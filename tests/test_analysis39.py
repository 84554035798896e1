"""Session 39, analysis core: labels images upright by their EXIF orientation, element
suggestions on normalised float cubes, automatic K on a structureless cube."""

from __future__ import annotations

import numpy as np
import pytest


def _png_with_orientation(path, array: np.ndarray, orientation: int) -> None:
    from PIL import Image

    im = Image.fromarray(array)
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.save(path, exif=exif)


def test_labels_image_is_read_upright_as_the_photograph(tmp_path):
    """A label map saved as a camera stores it (sideways, EXIF Orientation 6: turn 90 degrees
    clockwise to view) was read as stored: refused as the wrong shape for a scan whose photograph
    (read upright) fitted, or, on a square scan, its regions laid on the wrong pixels."""
    from PIL import Image

    from xrf_napari.cli.pigments_cmd import read_labels

    upright = np.zeros((4, 6), np.uint8)  # the scan's (H, W)
    upright[0, :] = 1
    upright[:, 0] = 2
    stored = np.ascontiguousarray(np.rot90(upright, 1))  # 6 x 4, what a camera writes
    path = tmp_path / "labels.png"
    _png_with_orientation(path, stored, 6)
    with Image.open(path) as im:  # the file is as intended: shown upright it is `upright`
        from PIL import ImageOps

        np.testing.assert_array_equal(np.asarray(ImageOps.exif_transpose(im)), upright)
    np.testing.assert_array_equal(read_labels(path, (4, 6)), upright)
    with pytest.raises(ValueError, match=r"shape \(4, 6\) does not match the scan \(6, 4\)"):
        read_labels(path, (6, 4))  # the size checked as shown, before decoding
    # mirrored (orientation 2) on a square map: the regions on the mirrored pixels
    sq = np.arange(16, dtype=np.uint8).reshape(4, 4)
    _png_with_orientation(tmp_path / "m.png", np.ascontiguousarray(sq[:, ::-1]), 2)
    np.testing.assert_array_equal(read_labels(tmp_path / "m.png", (4, 4)), sq)
    # and a map without EXIF is read as stored
    Image.fromarray(sq).save(tmp_path / "plain.png")
    np.testing.assert_array_equal(read_labels(tmp_path / "plain.png", (4, 4)), sq)
