"""Session 40: the images of `xrf-napari-train generate --images` read as a viewer shows them,
not by PIL's plain convert("RGB"): transparent cut-outs on white, photographs turned by their
EXIF Orientation. Tiny images made here with PIL."""

import numpy as np
import pytest

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


def test_generate_reads_such_images_and_names_a_small_ones_upright_size(tmp_path, capsys):
    """generate's check of the images before the manifest reads them as the cubes do, and its
    note of images smaller than --size gives the upright size."""
    from PIL import Image

    images = tmp_path / "imgs"
    images.mkdir()
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    for name in ("photo.jpg", "photo.tif"):
        Image.fromarray(_two_halves(40, 24)).save(images / name, exif=exif, quality=95)
    _cut_out("RGBA").save(images / "cutout.png")
    out = tmp_path / "set"
    args = ["generate", "--images", str(images), "--out", str(out), "--n-cubes", "3"]
    assert main([*args, "--size", "30", "--workers", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "image(s) smaller than --size 30 (e.g. photo.jpg (24 x 40 px))" in err  # was 40 x 24
    assert len(list(out.glob("cube_*.h5"))) == 3
