"""Session 40 audit of `xrf-napari-train` used as a researcher new to it would: images of other
bit depths or unreadable ones under --images, failed training runs leaving their --out behind,
--data given as a file, config files in another encoding, a --crop larger than the cubes."""

import json

import numpy as np
import pytest

from xrf_napari.cli.train import main


def _png(path, array):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def _generate(tmp_path, images, *extra):
    out = tmp_path / "set"
    args = ["generate", "--images", str(images), "--out", str(out), "--n-cubes", "1"]
    args += ["--size", "16", "--workers", "1", "--no-progress", *extra]
    return main(args), out


def test_a_16_bit_grayscale_image_is_scaled_not_clipped_white(tmp_path):
    """PIL's convert("RGB") clips a 16-bit image's values at 255: a grey 16-bit photograph made
    cubes of a white painting, unsaid. Now scaled from 0-65535."""
    from xrf_napari.synth.dataset import load_source

    ramp = np.linspace(0, 65535, 40 * 40).reshape(40, 40).astype(np.uint16)
    path = _png(tmp_path / "imgs" / "grey16.png", ramp)
    rgb, _ = load_source(path, 40, np.random.default_rng(0))
    assert rgb.shape == (40, 40, 3)
    assert 100 < rgb.mean() < 155  # the ramp's mean, 127.5 (clipped: 254)
    assert rgb.min() == 0 and rgb.max() == 255


def test_a_floating_point_image_is_refused_before_the_manifest(tmp_path, capsys):
    """A float TIFF of 0-1 values became a black painting; its range is unknown: refused."""
    tifffile = pytest.importorskip("tifffile")
    (tmp_path / "imgs").mkdir()
    tifffile.imwrite(tmp_path / "imgs" / "f.tif", np.full((40, 40), 0.5, np.float32))
    rc, out = _generate(tmp_path, tmp_path / "imgs")
    assert rc == 2
    err = capsys.readouterr().err
    assert "f.tif" in err and "floating-point" in err
    assert not out.exists()


def test_a_corrupt_image_is_refused_before_the_manifest_and_any_cube(tmp_path, capsys):
    """A truncated PNG met while making the cubes stopped the run with manifest.json and the
    cubes before it written; the command without that file was then refused as another set's.
    Now every image the set uses is read first."""
    rng = np.random.default_rng(0)
    imgs = tmp_path / "imgs"
    _png(imgs / "a.png", rng.integers(0, 255, (40, 40, 3), dtype=np.uint8))
    (imgs / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 3)
    out = tmp_path / "set"
    args = ["generate", "--images", str(imgs), "--out", str(out), "--n-cubes", "2"]
    rc = main(args + ["--size", "16", "--workers", "1", "--no-progress"])
    assert rc == 2
    assert "b.png" in capsys.readouterr().err
    assert not out.exists()


def test_an_image_smaller_than_the_size_is_noted(tmp_path, capsys):
    rng = np.random.default_rng(0)
    _png(tmp_path / "imgs" / "tiny.png", rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
    rc, out = _generate(tmp_path, tmp_path / "imgs")
    assert rc == 0
    assert "tiny.png (8 x 8 px)" in capsys.readouterr().err
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cubes"]


@pytest.mark.parametrize("command", ["embedder", "recolouriser", "evaluate", "export-set"])
def test_data_given_as_a_cube_file_is_named_as_a_file_with_its_folder(tmp_path, capsys, command):
    """`--data set/cube_00000.h5` (one cube, not its folder) was refused as 'dataset folder
    set/cube_00000.h5 does not exist' though the file was there (export-set: 'has no
    manifest.json')."""
    cube = tmp_path / "set" / "cube_00000.h5"
    cube.parent.mkdir()
    cube.write_bytes(b"not read")
    args = [command, "--data", str(cube), "--out", str(tmp_path / "out")]
    args += ["--format", "h5"] if command == "export-set" else ["--device", "cpu"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{cube} is a file, not a folder" in err and f"lies in {cube.parent}" in err


def test_images_given_as_one_image_file_is_named_as_a_file(tmp_path, capsys):
    image = _png(tmp_path / "imgs" / "a.png", np.zeros((20, 20, 3), np.uint8))
    rc, out = _generate(tmp_path, image)
    assert rc == 2
    err = capsys.readouterr().err
    assert f"image folder {image} is a file, not a folder" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["embedder", "recolouriser"])
def test_a_refused_training_run_leaves_no_empty_output_folder(tmp_path, capsys, command):
    """A run refused after its checks had made --out (here: no cubes under --data) left the
    folder, and its parents, behind empty."""
    (tmp_path / "empty").mkdir()
    out = tmp_path / "runs" / "new"
    args = [command, "--data", str(tmp_path / "empty"), "--out", str(out), "--device", "cpu"]
    assert main(args + ["--steps", "2", "--no-progress"]) == 2
    assert "no cubes" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
    # a folder that was there stays, and so does anything in it
    out.mkdir(parents=True)
    assert main(args + ["--steps", "2", "--no-progress"]) == 2
    assert out.is_dir()


def test_a_crop_larger_than_the_cubes_names_the_cube_and_the_crop_that_fits(tmp_path, capsys):
    """It said 'training images must be at least crop=128 px per side; got (48, 48)': not the
    option (128 is the default config's crop), the file or what to give."""
    from test_train_recolouriser import _dataset

    data = _dataset(tmp_path / "d", 2, 48, 0)
    out = tmp_path / "out"
    args = ["recolouriser", "--data", str(data), "--out", str(out), "--device", "cpu"]
    assert main(args + ["--steps", "1", "--batch", "2", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "crop 128 (of the default settings; set --crop)" in err
    assert "c0.h5 (48 x 48 px; 2 of 2 cubes are)" in err
    assert "give --crop 48 or less (a multiple of the patch size 16)" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["embedder", "recolouriser"])
def test_a_config_saved_as_utf16_is_named_and_one_with_a_bom_is_read(tmp_path, capsys, command):
    """A config saved as UTF-16 (Notepad's "Unicode") failed with "'utf-8' codec can't decode
    byte 0xff in position 0", naming no file; one saved as "UTF-8 with BOM" was refused as
    "Unexpected UTF-8 BOM". Checked here on a config refused for its key, before any data."""
    (tmp_path / "u16.json").write_text('{"steps": 2}', encoding="utf-16")
    (tmp_path / "bom.json").write_text('{"stepz": 2}', encoding="utf-8-sig")
    base = [command, "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    assert main([*base, "--config", str(tmp_path / "u16.json")]) == 2
    err = capsys.readouterr().err
    assert "u16.json: not UTF-8 text" in err and "save it as UTF-8" in err
    assert main([*base, "--config", str(tmp_path / "bom.json")]) == 2
    err = capsys.readouterr().err
    assert "bom.json: unknown keys ['stepz'] ('stepz': did you mean 'steps'?)" in err


def test_an_unknown_model_key_names_the_key_it_resembles(tmp_path, capsys):
    (tmp_path / "c.json").write_text('{"model": {"latnt_dim": 4}}', encoding="utf-8")
    args = ["embedder", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    assert main([*args, "--config", str(tmp_path / "c.json")]) == 2
    assert "did you mean 'model.latent_dim'?" in capsys.readouterr().err


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """A generated set of 3 cubes of 16 px (made once for the tests that copy it)."""
    out = tmp_path_factory.mktemp("train40") / "set"
    args = ["generate", "--out", str(out), "--n-cubes", "3", "--size", "16", "--workers", "1"]
    assert main([*args, "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("command", ["embedder", "recolouriser", "evaluate"])
def test_a_set_missing_a_listed_cube_or_holding_a_stray_one_is_refused(
    small_set, tmp_path, capsys, command
):
    """The trainers and evaluate read every *.h5 in --data: a set that lost a cube in a copy was
    trained on and scored as if whole, and another set's cube copied in joined it, unsaid
    (export-set refused the first)."""
    import shutil

    data = tmp_path / "set"
    shutil.copytree(small_set, data)
    (data / "cube_00001.h5").unlink()
    args = [command, "--data", str(data), "--out", str(tmp_path / "o"), "--device", "cpu"]
    args += {  # short runs, should the refusal not come
        "embedder": ["--steps", "1"],
        "recolouriser": ["--steps", "1", "--crop", "16", "--batch", "1", "--baseline-steps", "0"],
        "evaluate": ["--no-ari", "--max-cubes", "1"],
    }[command]
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{data / 'cube_00001.h5'} is listed in {data / 'manifest.json'} but missing" in err
    assert "(1 of 3 cubes missing)" in err
    shutil.copy(small_set / "cube_00001.h5", data / "cube_00001.h5")
    shutil.copy(small_set / "cube_00000.h5", data / "copy.h5")
    assert main([*args, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "holds 1 .h5 file(s) that its manifest.json does not list (e.g. copy.h5)" in err
    assert not (tmp_path / "o").exists()


def test_the_family_channel_maxima_are_those_the_families_draw():
    """FAMILY_MAX_CHANNELS stops the memory check's draws: it must be what random_profile gives."""
    from xrf_napari.physics.instrument import FAMILIES, random_profile
    from xrf_napari.synth.dataset import FAMILY_MAX_CHANNELS

    assert set(FAMILY_MAX_CHANNELS) == set(FAMILIES)
    rng = np.random.default_rng(0)
    for family, top in FAMILY_MAX_CHANNELS.items():
        assert max(random_profile(rng, family).n_channels for _ in range(300)) == top, family


def test_the_memory_check_does_not_draw_every_cube_of_a_large_set(monkeypatch):
    """The check drew the instrument of every cube (0.1 ms each): a --n-cubes typo of
    99999999999 sat there for hours. It stops at the first instrument with its family's most
    channels, with the same answer."""
    from xrf_napari.synth import dataset

    calls = []
    real = dataset._profile_channels
    monkeypatch.setattr(
        dataset, "_profile_channels", lambda cfg, i: calls.append(i) or real(cfg, i)
    )
    for family in ("train", "heldout2"):
        calls.clear()
        cfg = dataset.GenerateConfig(out="unused", n_cubes=50_000, size=16, profiles=family)
        dataset.check_cube_memory(cfg, 1)
        assert 0 < len(calls) < 200, family
        first = {real(cfg, i) for i in range(len(calls))}
        assert max(first) == dataset.FAMILY_MAX_CHANNELS[family]


def test_more_cubes_than_a_set_names_are_refused_at_once(tmp_path, capsys, monkeypatch):
    from xrf_napari.synth import dataset

    def reached(*a, **k):
        raise AssertionError("generation started")

    monkeypatch.setattr(dataset, "generate_dataset", reached)
    args = ["generate", "--out", str(tmp_path / "s"), "--n-cubes", "100001", "--size", "16"]
    assert main(args) == 2
    assert "--n-cubes 100001: a set holds at most 100,000 cubes" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_evaluate_names_an_embedder_of_another_latent_width_before_any_cube(tmp_path, capsys):
    """An embedder with a 4-D latent given with weights trained on 3 channels failed at the first
    cube with 'latent must be (H, W, 3), got shape (16, 16, 4)', naming neither file."""
    from test_train_recolouriser import _dataset

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    dve = build_from_config({"latent_dim": 4})
    save_weights(dve.state_dict(), tmp_path / "dve4.safetensors", dve.config)
    data = _dataset(tmp_path / "d", 1, 16, 0)
    args = ["evaluate", "--data", str(data), "--embedder", str(tmp_path / "dve4.safetensors")]
    assert main([*args, "--out", str(tmp_path / "o"), "--device", "cpu", "--no-ari"]) == 2
    err = capsys.readouterr().err
    assert "uvit.safetensors reads a 3-channel latent, but --embedder" in err
    assert "dve4.safetensors gives a 4-channel latent" in err
    assert not (tmp_path / "o").exists()


def test_an_interrupted_generate_says_what_stayed_and_how_to_finish(tmp_path, capsys, monkeypatch):
    """Ctrl-C during generate printed 'xrf-napari-train: interrupted' alone: not that the
    manifest and the cubes made so far stay, as an incomplete set the trainers refuse, nor that
    rerunning the same command finishes it."""
    from _synth_cubes import interrupt_generate_at

    interrupt_generate_at(monkeypatch, 1)
    out = tmp_path / "set"
    args = ["generate", "--out", str(out), "--n-cubes", "3", "--size", "16", "--workers", "1"]
    assert main([*args, "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert f"{out / 'manifest.json'} and 1 of 3 cubes were written" in err
    assert "rerun the same command to finish it" in err
    args = ["embedder", "--data", str(out), "--out", str(tmp_path / "o"), "--steps", "1"]
    assert main(args) == 2
    assert "incomplete generated set" in capsys.readouterr().err


def test_an_image_over_pils_pixel_limit_is_refused_in_words_before_the_manifest(
    tmp_path, capsys, monkeypatch
):
    """An image over PIL's decompression-bomb limit (179 million pixels: a museum's full-size
    photograph) ended generate in a traceback ('DecompressionBombError: ... could be
    decompression bomb DOS attack'), its manifest.json written. The limit is lowered here."""
    from PIL import Image

    _png(tmp_path / "imgs" / "big.png", np.zeros((60, 60, 3), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 60 x 60 > 2 x 1000
    rc, out = _generate(tmp_path, tmp_path / "imgs")
    assert rc == 2
    err = capsys.readouterr().err
    assert "big.png has more pixels than PIL decodes (2,000" in err
    assert "save a smaller copy" in err
    assert not out.exists()


@pytest.mark.parametrize("command", ["embedder", "recolouriser"])
def test_steps_and_epochs_together_are_refused(tmp_path, capsys, command):
    """Given both, --epochs won and --steps was dropped unsaid (`--steps 2 --epochs 1` trained
    16 steps, or 1)."""
    args = [command, "--data", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--steps", "2", "--epochs", "1"])
    assert exc.value.code == 2
    assert "argument --epochs: not allowed with argument --steps" in capsys.readouterr().err
