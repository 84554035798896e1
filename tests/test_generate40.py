"""Session 40: the images of `xrf-napari-train generate --images` read as a viewer shows them,
not by PIL's plain convert("RGB"): transparent cut-outs on white. Tiny images made here with PIL."""

import numpy as np
import pytest

from xrf_napari.synth.dataset import load_source


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
