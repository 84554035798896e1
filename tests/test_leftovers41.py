"""Session 41 leftovers: a float RGBA photograph's NaN colours under alpha 0 composited white
(Pigments dock and CLI)."""

import numpy as np
import pytest

from xrf_napari.analysis.colour_prior import check_photo_values, photo_on_scan


def _rgba_with_hidden_nan(alpha_at_nan=0.0):
    photo = np.full((6, 8, 4), 0.5, np.float32)
    photo[..., 3] = 1.0
    photo[:2, :, :3] = np.nan  # a cut-out's transparent surround, saved as float
    photo[:2, :, 3] = 0.0
    photo[4, 5, :3] = np.nan
    photo[4, 5, 3] = alpha_at_nan
    return photo


def test_nan_colours_under_alpha_zero_are_composited_white():
    """A float RGBA photograph whose colours are NaN where alpha is 0 was refused ("... pixels
    over the scan have no value"), though compositing on white makes those pixels white; it was
    also NaN after compositing (NaN * 0). One path: the dock's check and photo_on_scan (the
    CLI's read_photo) alike."""
    photo = _rgba_with_hidden_nan()
    check_photo_values(photo, "cut-out")
    rgb = photo_on_scan(photo, (6, 8), "cut-out")
    assert np.isfinite(rgb).all()
    assert np.allclose(rgb[:2], 1.0) and np.allclose(rgb[4, 5], 1.0)
    assert np.allclose(rgb[2:4], 0.5)
    on_255 = _rgba_with_hidden_nan()
    on_255[2:] *= 255.0  # a 0-255 float image: alpha 0 is 0 on any scale
    assert np.allclose(photo_on_scan(on_255, (3, 4), "cut-out"), photo_on_scan(photo, (3, 4)))


@pytest.mark.parametrize("alpha", [1.0, 0.5, np.nan])
def test_nan_colours_where_alpha_shows_them_are_refused_naming_the_pixel(alpha):
    """A NaN colour that alpha shows (or a NaN alpha, read as opaque) is still refused, before
    any work, now naming the first such pixel."""
    photo = _rgba_with_hidden_nan(alpha)
    for check in (check_photo_values, lambda p, n: photo_on_scan(p, (6, 8), n)):
        with pytest.raises(ValueError, match=r"cut-out: 1 of its 48 pixels .* row 4, column 5"):
            check(photo, "cut-out")
    rgb = np.full((6, 8, 3), 0.5, np.float32)
    rgb[1, 2] = np.nan  # plain RGB: no alpha hides anything
    with pytest.raises(ValueError, match="row 1, column 2"):
        check_photo_values(rgb, "plain")
