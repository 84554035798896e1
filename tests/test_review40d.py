"""Session 40 review (d): regressions found in today's commits, each test failing before its fix."""

import numpy as np

from xrf_napari.analysis.colour_prior import read_photo


def _rgb(h=24, w=18):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_an_8_bit_colour_tiff_stored_as_grey_pages_reads_as_before(tmp_path):
    """tifffile writes an RGB array with photometric='minisblack' as one grey page a row (a
    'shaped' series of h pages of w x 3): read_photo read its series as the colour image until
    7cd6f8a sent every 8-bit TIFF to Pillow, which read the first page only and refused the photo
    as 'a grey image' of shape (w, 3). A TIFF whose first series spans pages stays tifffile's."""
    import tifffile

    rgb = _rgb()
    tifffile.imwrite(tmp_path / "rows.tif", rgb, photometric="minisblack")
    tifffile.imwrite(tmp_path / "plain.tif", rgb, photometric="rgb")
    got = read_photo(tmp_path / "rows.tif", rgb.shape[:2])
    np.testing.assert_array_equal(got, read_photo(tmp_path / "plain.tif", rgb.shape[:2]))
    np.testing.assert_allclose(got, rgb / 255.0, atol=1e-6)
