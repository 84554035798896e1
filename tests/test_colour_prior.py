"""Colour priors for the pigment ranking: region mean colours, and a photograph put on the scan's
pixel grid (resampled, with clear refusals of a grey image or another area)."""

import numpy as np
import pytest

from xrf_napari.analysis.colour_prior import (
    photo_on_scan,
    read_photo,
    region_mean_colours,
    window_over_scan,
)


def test_region_mean_colours_of_uint8_float_and_rgba_images():
    labels = np.array([[1, 1, 2], [0, 2, 2]])
    img = np.zeros((2, 3, 4), np.uint8)
    img[..., 0] = [[255, 255, 0], [9, 0, 0]]  # region 1 red
    img[..., 2] = [[0, 0, 255], [9, 255, 255]]  # region 2 blue; label 0 ignored
    img[..., 3] = 17  # alpha, ignored
    out = region_mean_colours(img, labels)
    assert set(out) == {1, 2}
    np.testing.assert_allclose(out[1], (1.0, 0.0, 0.0))
    np.testing.assert_allclose(out[2], (0.0, 0.0, 1.0))
    np.testing.assert_allclose(region_mean_colours(img[..., :3] / 255.0, labels)[2], out[2])
    with pytest.raises(ValueError, match="differ"):
        region_mean_colours(img[:1], labels)


def test_photo_is_resampled_to_the_scan_and_other_areas_are_refused():
    scan = (4, 6)
    fine = np.zeros((8, 12, 3), np.uint8)
    fine[:, :6] = (255, 0, 0)  # left half red, right half green
    fine[:, 6:] = (0, 255, 0)
    on = photo_on_scan(fine, scan)
    assert on.shape == (4, 6, 3) and on.dtype in (np.float32, np.float64)
    np.testing.assert_allclose(on[:, :2], np.broadcast_to((1.0, 0.0, 0.0), (4, 2, 3)), atol=1e-6)
    np.testing.assert_allclose(on[:, 4:], np.broadcast_to((0.0, 1.0, 0.0), (4, 2, 3)), atol=1e-6)
    assert np.all(on >= 0) and np.all(on <= 1)
    np.testing.assert_allclose(
        photo_on_scan(fine[::2, ::2].astype(float) / 255, scan)[0, 0], (1, 0, 0)
    )
    with pytest.raises(ValueError, match=r"4 x 12 px, the scan 4 x 6 px.*differ by 100%"):
        photo_on_scan(fine[:4], scan)
    with pytest.raises(ValueError, match="grey image gives no colour"):
        photo_on_scan(fine[..., 0], scan)


def test_read_photo_png_and_16_bit_tiff(tmp_path):
    import tifffile
    from PIL import Image

    img = np.zeros((10, 20, 3), np.uint8)
    img[..., 2] = 255
    Image.fromarray(img).save(tmp_path / "p.png")
    np.testing.assert_allclose(read_photo(tmp_path / "p.png", (5, 10))[2, 3], (0, 0, 1))
    tifffile.imwrite(tmp_path / "p.tif", (img.astype(np.uint16) * 257), photometric="rgb")
    np.testing.assert_allclose(read_photo(tmp_path / "p.tif", (5, 10))[2, 3], (0, 0, 1))
    with pytest.raises(ValueError, match="no such file"):
        read_photo(tmp_path / "missing.png", (5, 10))
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="bad.png: cannot read an image"):
        read_photo(tmp_path / "bad.png", (5, 10))


def test_window_of_a_photograph_placed_over_the_scan():
    # napari places pixel i at translate + i * scale; a 100 x 100 photograph moved by (-10, -20)
    rows, cols = window_over_scan((100, 100), (1, 1), (-10, -20), (30, 40), (1, 1), (0, 0))
    assert (rows, cols) == (slice(10, 40), slice(20, 60))
    # three photograph pixels per scan pixel, a 15-pixel frame
    rows, cols = window_over_scan(
        (120, 120), (1 / 3, 1 / 3), (-16 / 3,) * 2, (30, 30), (1, 1), (0, 0)
    )
    assert (rows, cols) == (slice(15, 105), slice(15, 105))
    # a scan with 0.5 mm pixels at (2, 3) mm, a photograph at 0.1 mm from the origin
    rows, cols = window_over_scan((400, 400), (0.1, 0.1), (0, 0), (10, 20), (0.5, 0.5), (2, 3))
    assert (rows, cols) == (slice(18, 68), slice(28, 128))
    with pytest.raises(ValueError, match="does not cover the scan.*columns"):
        window_over_scan((100, 50), (1, 1), (0, 0), (30, 60), (1, 1), (0, 0))


def test_lines_and_photo_points_stack_line_shares_and_the_photograph_colour():
    from skimage.color import rgb2lab

    from xrf_napari.analysis.colour_prior import PHOTO_LAB_SCALE, lines_and_photo_points
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS, line_features
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    rng = np.random.default_rng(0)
    counts = rng.poisson(3.0, (5, 7, 512)).astype(np.uint16)
    cube = cube_from_array(counts, Calibration.canonical())
    photo = rng.random((5, 7, 3))
    pts = lines_and_photo_points(cube, photo)
    assert pts.shape == (5, 7, len(FEATURE_ELEMENTS) + 3) and pts.dtype == np.float32
    expected = line_features()(cube.to_canonical().reshape(35, -1)).reshape(5, 7, -1)
    np.testing.assert_allclose(pts[..., :-3], expected, atol=1e-6)
    np.testing.assert_allclose(pts[..., -3:], rgb2lab(photo) * PHOTO_LAB_SCALE, atol=1e-4)
