"""Review 40b of the session's `xrf-napari-train` changes (test_train40): images opened by an
older Pillow, a swatch-only set's images, the messages of evaluate's latent-width refusal and of
the recolouriser's crop refusal."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from xrf_napari.cli.train import main


def _png(path, array):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def test_a_16_bit_grayscale_png_opened_as_mode_i_by_an_older_pillow_is_scaled(
    tmp_path, monkeypatch
):
    """Pillow 10.0-10.2 (pyproject allows pillow>=10) opens a 16-bit grayscale PNG as mode I:
    it was refused as 'a 32-bit integer image ... save it as an 8- or 16-bit image', which it
    was. Simulated by Pillow's own table of PNG modes as those releases had it."""
    from PIL import PngImagePlugin

    from xrf_napari.synth.dataset import load_source

    ramp = np.linspace(0, 65535, 40 * 40).reshape(40, 40).astype(np.uint16)
    path = _png(tmp_path / "grey16.png", ramp)
    monkeypatch.setitem(PngImagePlugin._MODES, (16, 0), ("I", "I;16B"))
    rgb, _ = load_source(path, 40, np.random.default_rng(0))
    assert 100 < rgb.mean() < 155 and rgb.min() == 0 and rgb.max() == 255


def test_a_signed_16_bit_tiff_is_not_called_32_bit(tmp_path):
    """PIL opens a signed 16-bit TIFF as mode I too: it was refused as 'a 32-bit integer image'."""
    tifffile = pytest.importorskip("tifffile")
    from PIL import Image

    from xrf_napari.synth.dataset import rgb_image

    path = tmp_path / "s16.tif"
    tifffile.imwrite(path, np.arange(400, dtype=np.int16).reshape(20, 20))
    with Image.open(path) as im, pytest.raises(ValueError) as exc:
        rgb_image(im, path)
    assert "s16.tif is a 32-bit or signed integer image (PIL mode I)" in str(exc.value)


def test_a_swatch_only_set_does_not_decode_the_images_it_never_reads(tmp_path, capsys):
    """With --swatch-fraction 1.0 (the model card's swatch_extra sets, made with --images) every
    cube is a swatch layout and no image is read; the images were still all decoded before the
    manifest and an unreadable one refused the set."""
    imgs = tmp_path / "imgs"
    _png(imgs / "a.png", np.zeros((40, 40, 3), np.uint8))
    (imgs / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 3)
    out = tmp_path / "set"
    args = ["generate", "--images", str(imgs), "--out", str(out), "--n-cubes", "2"]
    args += ["--size", "16", "--workers", "1", "--no-progress", "--swatch-fraction", "1.0"]
    assert main(args) == 0, capsys.readouterr().err
    cubes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cubes"]
    assert len(cubes) == 2


def test_the_latent_width_refusal_names_the_colour_prior_as_such():
    """Weights with a colour prior (4 input channels of their own) given an embedder of another
    latent width were said to read 'a 3-channel latent and 4 channels of the lines'."""
    from xrf_napari.training.evaluate import check_input_width

    rec = SimpleNamespace(
        path="uvit.safetensors",
        config={"in_chans": 3 + 19 + 4, "line_elements": ["Fe"] * 19, "colour_prior": True},
    )
    emb = SimpleNamespace(path="dve4.safetensors", model=SimpleNamespace(latent_dim=4))
    with pytest.raises(ValueError) as exc:
        check_input_width(rec, emb)
    msg = str(exc.value)
    assert (
        "reads a 3-channel latent and 19 channels of the lines and the 4 channels of its "
        "colour prior, but --embedder dve4.safetensors gives a 4-channel latent" in msg
    )
    rec.config = {"in_chans": 7, "colour_prior": True}
    with pytest.raises(ValueError) as exc:
        check_input_width(rec, emb)
    assert "reads a 3-channel latent and the 4 channels of its colour prior, but" in str(exc.value)


def test_a_crop_refusal_names_the_config_only_when_it_sets_the_crop(tmp_path, capsys):
    """A --config without "crop" was named as the crop's source: 'crop 128 (of c.json; set
    --crop)', though 128 was the default's and the file said nothing of it."""
    from test_train_recolouriser import _dataset

    data = _dataset(tmp_path / "d", 2, 48, 0)
    (tmp_path / "c.json").write_text('{"batch": 2}', encoding="utf-8")
    (tmp_path / "crop.json").write_text('{"batch": 2, "crop": 64}', encoding="utf-8")
    base = ["recolouriser", "--data", str(data), "--device", "cpu", "--steps", "1"]
    for config, crop, said in (
        ("c.json", 128, "the default settings"),
        ("crop.json", 64, f"--config {tmp_path / 'crop.json'}"),
    ):
        out = tmp_path / f"out_{config.removesuffix('.json')}"  # "out_c.json": a file's name
        args = [*base, "--out", str(out), "--config", str(tmp_path / config), "--no-progress"]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"crop {crop} (of {said}; set --crop)" in err
        assert "give --crop 48 or less" in err
        assert not out.exists()


def test_only_the_images_the_cubes_to_make_use_are_decoded(tmp_path, capsys):
    """Guard (passes on the parent): check_images decodes the images of the cubes still to make
    (generate's permutation of --images by --seed), not every image of the folder; replacing its
    choice by all images left test_train40 passing."""
    imgs = tmp_path / "imgs"
    imgs.mkdir()
    names = ["a.png", "b.png", "c.png"]
    used = names[int(np.random.default_rng(0).permutation(3)[0])]
    for n in names:
        if n == used:
            _png(imgs / n, np.zeros((40, 40, 3), np.uint8))
        else:
            # unlike each other: generate refuses one file twice (test_train50)
            (imgs / n).write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 3 + n.encode())
    out = tmp_path / "set"
    args = ["generate", "--images", str(imgs), "--out", str(out), "--n-cubes", "1"]
    assert main([*args, "--size", "16", "--workers", "1", "--no-progress"]) == 0, (
        capsys.readouterr().err
    )
    cubes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cubes"]
    assert json.dumps(cubes).count(used) >= 1


def test_the_crop_that_fits_is_a_multiple_of_the_patch(tmp_path, capsys):
    """Guard (passes on the parent): cubes of 40 px fit --crop 32 (patch 16), not 40, which the
    next run would refuse as no multiple of the patch; test_train40's 48 px cubes passed either
    way."""
    from test_train_recolouriser import _dataset

    data = _dataset(tmp_path / "d", 2, 40, 0)
    args = ["recolouriser", "--data", str(data), "--out", str(tmp_path / "o"), "--device", "cpu"]
    assert main([*args, "--steps", "1", "--batch", "2", "--no-progress"]) == 2
    assert "give --crop 32 or less (a multiple of the patch size 16)" in capsys.readouterr().err
