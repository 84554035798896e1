"""Session 40: the images of `xrf-napari-train generate --images` read as a viewer shows them,
not by PIL's plain convert("RGB"): transparent cut-outs on white, photographs turned by their
EXIF Orientation, CMYK images through their ICC profile. Tiny images made here with PIL."""

import sys

import numpy as np
import pytest
from _images import cmyk_profile

from xrf_napari.cli.train import main
from xrf_napari.synth.dataset import load_source, rgb_image

ORIENTATION = 0x0112


def _load_whole(path, size):
    """load_source's crop of a square image of side `size`: the whole image."""
    rgb, meta = load_source(path, size, np.random.default_rng(0))
    assert meta["box_xywh"] == [0, 0, size, size]
    return rgb


def _cut_out(mode):
    """A 40 px red square on a transparent surround whose hidden colour is black."""
    from PIL import Image

    rgba = np.zeros((40, 40, 4), np.uint8)  # surround: black, alpha 0
    rgba[10:30, 10:30] = (200, 30, 20, 255)
    im = Image.fromarray(rgba)
    if mode == "LA":
        return im.convert("LA")
    if mode == "P":  # a palette whose index 0 (black) is transparent
        pal = Image.fromarray(rgba[..., :3]).quantize(2)
        black = int(np.asarray(pal)[0, 0])
        pal.info["transparency"] = black
        return pal
    return im


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_a_transparent_surround_becomes_white_not_black(tmp_path, mode):
    """convert("RGB") dropped the alpha: a painting cut out on a transparent background got the
    hidden black of its surround, which the generator painted as carbon black."""
    path = tmp_path / f"cutout_{mode}.png"
    _cut_out(mode).save(path)
    rgb = _load_whole(path, 40).astype(int)
    assert (rgb[:8, :8] >= 250).all() and (rgb[-8:, -8:] >= 250).all()  # was 0
    centre = rgb[15:25, 15:25]
    if mode == "LA":
        assert (abs(centre - centre[..., :1]) <= 1).all() and (centre < 120).all()  # its grey
    else:
        assert (abs(centre - (200, 30, 20)) <= 8).all()  # the painting itself is kept


def test_half_transparent_pixels_are_blended_with_white(tmp_path):
    from PIL import Image

    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[..., 3] = 128  # black at half opacity: mid grey on white
    path = tmp_path / "half.png"
    Image.fromarray(rgba).save(path)
    assert abs(_load_whole(path, 16).astype(int) - 127).max() <= 1


def _two_halves(w, h):
    """A w x h picture, red left half and blue right half, with a green top-left corner mark."""
    a = np.zeros((h, w, 3), np.uint8)
    a[:, : w // 2] = (220, 20, 20)
    a[:, w // 2 :] = (20, 20, 220)
    a[:4, :4] = (20, 220, 20)
    return a


@pytest.mark.parametrize("suffix", [".jpg", ".tif"])
@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_a_photograph_is_turned_upright_by_its_exif_orientation(tmp_path, suffix, orientation):
    """A phone's photograph stores its pixels sideways and says so in EXIF Orientation: the
    painting was generated sideways, its crops and target colours those of a rotated picture."""
    from PIL import Image, ImageOps

    path = tmp_path / f"photo{suffix}"
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    Image.fromarray(_two_halves(40, 24)).save(path, exif=exif, quality=95)
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im).convert("RGB")
    w, h = upright.size
    assert (w, h) == ((40, 24) if orientation == 3 else (24, 40))

    rgb, meta = load_source(path, 24, np.random.default_rng(1))
    assert meta["image_size"] == [w, h]  # was [40, 24]: the stored, sideways picture
    x0, y0, side, _ = meta["box_xywh"]
    expected = upright.crop((x0, y0, x0 + side, y0 + side)).resize((24, 24), Image.LANCZOS)
    assert np.array_equal(rgb, np.asarray(expected))


@pytest.mark.parametrize("older_pillow", [False, True])
def test_a_16_bit_grayscale_png_is_turned_upright_and_still_scaled(
    tmp_path, monkeypatch, older_pillow
):
    """The 16-bit grayscale scaling (b02cc58, c10af54) with an EXIF Orientation: scaled, not
    clipped white, and upright; a PNG opened as mode I by Pillow 10.0-10.2 (simulated by
    Pillow's table of PNG modes as those releases had it) is still known for a PNG once turned."""
    from PIL import Image, PngImagePlugin

    ramp = np.tile(np.linspace(0, 65535, 40), (20, 1)).astype(np.uint16)  # 40 wide, ramp along x
    path = tmp_path / "grey16.png"
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    Image.fromarray(ramp).save(path, exif=exif)
    if older_pillow:
        monkeypatch.setitem(PngImagePlugin._MODES, (16, 0), ("I", "I;16B"))
    with Image.open(path) as im:
        assert im.mode == ("I" if older_pillow else "I;16")
        rgb = np.asarray(rgb_image(im, path))
    assert rgb.shape == (40, 20, 3)  # upright: 20 wide, 40 tall; the ramp runs down
    col = rgb[:, 10, 0].astype(int)
    assert col[0] == 0 and col[-1] == 255 and (np.diff(col) >= 0).all()  # turned clockwise
    assert 100 < rgb.mean() < 155  # the ramp's mean, 127.5 (clipped: 254)


def _black_ramp(path, icc=None):
    """A 64 px CMYK JPEG whose black ink runs from none (left) to full (right)."""
    from PIL import Image

    k = Image.fromarray(np.tile(np.linspace(0, 255, 64).round().astype(np.uint8), (64, 1)))
    none = Image.new("L", k.size, 0)
    im = Image.merge("CMYK", [none, none, none, k])
    im.save(path, quality=95, **({"icc_profile": icc} if icc else {}))
    return im


def test_a_cmyk_image_is_converted_through_its_icc_profile(tmp_path):
    """PIL's plain CMYK conversion ignores the image's profile: its darks came out too dark (the
    profile's full black ink, a mid grey, came out black)."""
    pytest.importorskip("PIL.ImageCms")
    path = tmp_path / "cmyk.jpg"
    _black_ramp(path, cmyk_profile())
    rgb = _load_whole(path, 64).astype(int)
    assert (rgb[:, :2] >= 250).all()  # no ink: the paper's white
    assert (abs(rgb[:, -1] - 115) <= 12).all()  # its mid grey in sRGB (plain conversion: 0)
    assert rgb.mean() > 165  # plain conversion: 127.5


def test_a_cmyk_image_without_a_profile_keeps_the_plain_conversion(tmp_path):
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    _black_ramp(path)
    with Image.open(path) as im:
        assert "icc_profile" not in im.info
        plain = np.asarray(im.convert("RGB"))
    assert np.array_equal(_load_whole(path, 64), plain)


def test_a_pillow_without_imagecms_keeps_the_plain_conversion(tmp_path, monkeypatch):
    import PIL
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    _black_ramp(path, cmyk_profile())
    with Image.open(path) as im:
        plain = np.asarray(im.convert("RGB"))
    monkeypatch.delattr(PIL, "ImageCms", raising=False)
    monkeypatch.setitem(sys.modules, "PIL.ImageCms", None)  # import raises ImportError
    assert np.array_equal(_load_whole(path, 64), plain)


def test_a_cmyk_image_with_an_unusable_profile_keeps_the_plain_conversion(tmp_path):
    ImageCms = pytest.importorskip("PIL.ImageCms")
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # not CMYK
    _black_ramp(path, srgb)
    with Image.open(path) as im:
        plain = np.asarray(im.convert("RGB"))
    assert np.array_equal(_load_whole(path, 64), plain)


def test_generate_reads_such_images_and_names_a_small_ones_upright_size(
    tmp_path, capsys, monkeypatch
):
    """generate's check of the images before the manifest reads them as the cubes do, and its
    note of images smaller than --size gives the upright size."""
    from _synth_cubes import few_cluster_counts
    from PIL import Image

    few_cluster_counts(monkeypatch)  # the images' reading is checked, not their regions
    images = tmp_path / "imgs"
    images.mkdir()
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    for name in ("photo.jpg", "photo.tif"):
        Image.fromarray(_two_halves(40, 24)).save(images / name, exif=exif, quality=95)
    _cut_out("RGBA").save(images / "cutout.png")
    _black_ramp(images / "cmyk.jpg", cmyk_profile())
    out = tmp_path / "set"
    args = ["generate", "--images", str(images), "--out", str(out), "--n-cubes", "4"]
    assert main([*args, "--size", "30", "--workers", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "image(s) smaller than --size 30 (e.g. photo.jpg (40 x 24 px))" in err  # upright H x W
    assert len(list(out.glob("cube_*.h5"))) == 4
