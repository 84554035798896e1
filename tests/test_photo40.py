"""Session 40: the photograph of `xrf-napari pigments --photo` (colour_prior.read_photo) read as
the generator reads a painting (analysis.image_rgb.rgb_image, one function for both): a cut-out's
transparent surround white, not its hidden black; a CMYK JPEG through its ICC profile; a phone's
JPEG upright by its EXIF Orientation. Tiny images made here with PIL."""

import numpy as np
import pytest
from _images import cmyk_profile

from xrf_napari.analysis.colour_prior import read_photo


def _cut_out(path, palette=False):
    """A 40 x 60 px photograph: a red painting cut out on a transparent surround whose hidden
    colour is black (RGBA, or a palette whose black index is transparent)."""
    from PIL import Image

    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[10:30, 10:50] = (200, 30, 20, 255)
    im = Image.fromarray(rgba)
    if palette:
        im = Image.fromarray(rgba[..., :3]).quantize(2)
        im.info["transparency"] = int(np.asarray(im)[0, 0])
    im.save(path)


@pytest.mark.parametrize("palette", [False, True], ids=["RGBA", "P"])
def test_a_cut_outs_transparent_surround_is_white_not_black(tmp_path, palette):
    """The alpha was dropped: the surround read as black, a dark colour for its regions."""
    path = tmp_path / "cutout.png"
    _cut_out(path, palette)
    photo = read_photo(path, (40, 60))
    assert photo.shape == (40, 60, 3)
    assert (photo[:8, :8] > 0.98).all() and (photo[-8:, -8:] > 0.98).all()  # was 0
    assert np.allclose(photo[15:25, 15:45], np.array([200, 30, 20]) / 255, atol=0.03)


def test_a_half_transparent_photograph_is_blended_with_white(tmp_path):
    from PIL import Image

    rgba = np.zeros((16, 24, 4), np.uint8)
    rgba[..., 3] = 128  # black at half opacity: mid grey on white
    Image.fromarray(rgba).save(tmp_path / "half.png")
    assert np.allclose(read_photo(tmp_path / "half.png", (16, 24)), 127 / 255, atol=0.01)


def _black_ramp(path, icc=None):
    """A 64 px CMYK JPEG whose black ink runs from none (left) to full (right)."""
    from PIL import Image

    k = Image.fromarray(np.tile(np.linspace(0, 255, 64).round().astype(np.uint8), (64, 1)))
    none = Image.new("L", k.size, 0)
    Image.merge("CMYK", [none, none, none, k]).save(
        path, quality=95, **({"icc_profile": icc} if icc else {})
    )


def test_a_cmyk_photograph_is_converted_through_its_icc_profile(tmp_path):
    """PIL's plain CMYK conversion ignored the profile: the profile's mid-grey full black ink
    read as black, every colour too dark."""
    pytest.importorskip("PIL.ImageCms")
    path = tmp_path / "cmyk.jpg"
    _black_ramp(path, cmyk_profile())
    photo = read_photo(path, (64, 64))
    assert (photo[:, :2] > 0.98).all()  # no ink: the paper's white
    assert (abs(photo[:, -1] - 115 / 255) < 0.05).all()  # its mid grey (plain conversion: 0)


def test_a_cmyk_photograph_without_a_profile_keeps_the_plain_conversion(tmp_path):
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    _black_ramp(path)
    with Image.open(path) as im:
        plain = np.asarray(im.convert("RGB"), dtype=np.float32) / 255
    assert np.allclose(read_photo(path, (64, 64)), plain)


def test_a_phone_jpeg_is_read_upright_by_its_exif_orientation(tmp_path):
    """Orientation 6 (stored sideways, "turn 90 degrees clockwise to view"): the photograph on
    a 40 x 60 scan is the upright picture, its red half on the left."""
    from PIL import Image

    upright = np.zeros((40, 60, 3), np.uint8)
    upright[:, :30] = (220, 20, 20)
    upright[:, 30:] = (20, 20, 220)
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright, 1)))  # 60 high, 40 wide
    exif = stored.getexif()
    exif[0x0112] = 6
    stored.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    photo = read_photo(tmp_path / "phone.jpg", (40, 60))
    assert np.allclose(photo[5:35, 3:25], np.array([220, 20, 20]) / 255, atol=0.06)
    assert np.allclose(photo[5:35, 35:57], np.array([20, 20, 220]) / 255, atol=0.06)


def test_the_generator_reads_the_same_function():
    """One reader: a fix to the generator's (synth.dataset) is the photograph's too."""
    from xrf_napari.analysis import image_rgb
    from xrf_napari.synth import dataset

    assert dataset.rgb_image is image_rgb.rgb_image


def test_an_8_bit_tiff_cut_out_has_a_white_surround(tmp_path):
    """tifffile read an RGBA TIFF as stored and the alpha was dropped: its surround black."""
    import tifffile

    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[10:30, 10:50] = (200, 30, 20, 255)
    tifffile.imwrite(tmp_path / "cutout.tif", rgba, photometric="rgb", extrasamples=["unassalpha"])
    photo = read_photo(tmp_path / "cutout.tif", (40, 60))
    assert (photo[:8, :8] > 0.98).all()  # was 0
    assert np.allclose(photo[15:25, 15:45], np.array([200, 30, 20]) / 255, atol=0.01)


def test_a_cmyk_tiff_is_read_as_inks_not_as_rgb(tmp_path):
    """tifffile's CMYK samples were taken for R, G, B: full cyan ink read red."""
    from PIL import Image

    cmyk = np.zeros((20, 30, 4), np.uint8)
    cmyk[..., 0] = 255  # cyan
    Image.fromarray(cmyk, "CMYK").save(tmp_path / "cyan.tif")
    assert np.allclose(read_photo(tmp_path / "cyan.tif", (20, 30)), (0, 1, 1))  # was (1, 0, 0)


def test_a_tiff_turned_by_its_orientation_is_read_upright(tmp_path):
    """A TIFF stored sideways with Orientation 6 was refused as of another aspect ratio."""
    from PIL import Image

    upright = np.zeros((20, 30, 3), np.uint8)
    upright[:, :15] = (220, 20, 20)
    upright[:, 15:] = (20, 20, 220)
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright, 1)))
    exif = stored.getexif()
    exif[0x0112] = 6
    stored.save(tmp_path / "turned.tif", exif=exif)
    assert np.array_equal(read_photo(tmp_path / "turned.tif", (20, 30)), upright / np.float32(255))


def test_a_16_bit_colour_tiff_is_still_scaled_from_its_range(tmp_path):
    import tifffile

    tifffile.imwrite(tmp_path / "deep.tif", np.full((20, 30, 3), 32768, np.uint16))
    assert np.allclose(read_photo(tmp_path / "deep.tif", (20, 30)), 32768 / 65535)


def test_an_8_bit_tiff_pillow_cannot_decode_is_read_by_tifffile(tmp_path, monkeypatch):
    """A compression Pillow lacks (tifffile with imagecodecs has it): read as before."""
    import tifffile

    from xrf_napari.analysis import image_rgb

    rgb = np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    tifffile.imwrite(tmp_path / "odd.tif", rgb, photometric="rgb")

    def cannot(im, path):
        raise OSError("decoder tiff_zstd not available")

    monkeypatch.setattr(image_rgb, "rgb_image", cannot)
    assert np.array_equal(read_photo(tmp_path / "odd.tif", (20, 30)), rgb / np.float32(255))
