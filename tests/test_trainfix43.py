"""Recolouriser keep_best_by follow-ups (session 43): the keep_best-false refusal names the
--config that set it, a validation cube whose header gives no size (its latents from the cache)
is size-checked on its arrays and named (session 44: a training cube against the crop too, and
too few colours for a config's colour_bins names the config and data), and
--help's default reads "none" for a None default."""

import json
import os
import shutil

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _cli_models import TINY_TRAIN_REC_CONFIG  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import save_weights  # noqa: E402
from xrf_napari.training import train_recolouriser as tr  # noqa: E402
from xrf_napari.training.common import config_default_help  # noqa: E402


def _write_cube(path, size, seed):
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    counts, labels, meta = toy_cube(size, size, n_regions=3, seed=seed, counts_per_pixel=100)
    colours = np.random.default_rng(seed).integers(0, 256, (labels.max() + 1, 3)).astype(np.uint8)
    write_cube(
        path,
        counts,
        cal,
        metadata=meta,
        targets={"palette": colours[labels], "rgb": colours[labels]},
    )


def _argv(d, data, out, *extra, config="rec.json"):
    argv = ["recolouriser", "--data", str(data), "--embedder", str(d / "dve.safetensors")]
    argv += ["--out", str(out), "--config", str(d / config), "--device", "cpu"]
    return argv + ["--no-progress", "--threads", "1", *extra]


def _without_target_size(cube):
    """Delete the cube's targets/palette keeping its size and times, so that its header gives no
    target size while the latent cache's key still matches it (its latents and targets come from
    the cache). Returns its stat() before."""
    st = cube.stat()
    with h5py.File(cube, "r+") as f:
        del f["targets/palette"]  # HDF5 keeps the file's size
    os.utime(cube, ns=(st.st_atime_ns, st.st_mtime_ns))
    return st


def _run_folder(tmp_path, embed_out):
    """A new run folder holding the module's latent cache: no embedding pass."""
    out = tmp_path / "run"
    out.mkdir()
    shutil.copy(embed_out / tr.CACHE_NAME, out / tr.CACHE_NAME)
    return out


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """(folder, data with four 40 px cubes, a run folder whose latent cache holds them)."""
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("trainfix43")
    threads = torch.get_num_threads()
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    (d / "rec.json").write_text(json.dumps(TINY_TRAIN_REC_CONFIG), encoding="utf-8")
    data = d / "data"
    (data / "cubes").mkdir(parents=True)
    (data / "manifest.json").write_text("{}", encoding="utf-8")
    for i in range(4):
        _write_cube(data / "cubes" / f"c{i}.h5", 40, i)
    out = d / "embed_once"
    assert main(_argv(d, data, out, "--steps", "1", "--checkpoint-every", "0")) == 0
    torch.set_num_threads(threads)
    return d, data, out


def test_keep_best_false_refusal_names_the_config_that_set_it(tmp_path, capsys):
    """keep_best false comes only from a --config file: the refusal of --keep-best-by msssim with
    it names that file, as the trainer's other config refusals do."""
    off = tmp_path / "off.json"
    off.write_text(json.dumps({"keep_best": False}), encoding="utf-8")
    argv = ["recolouriser", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    argv += ["--device", "cpu", "--config", str(off), "--keep-best-by", "msssim"]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"config {off}: keep_best is false" in err, err
    assert "keep_best_by msssim chooses among validations only with keep_best true" in err, err


def test_a_small_validation_cube_whose_header_gives_no_size_is_named(embedded, tmp_path, capsys):
    """A 40 px validation cube whose header gives no target size (here its targets/palette deleted,
    its size and time kept, so its latents and targets still come from the latent cache) skipped
    the check before embedding; the run then failed at its first validation with ms_ssim's
    message, naming no file. Now the embedded targets are checked too, naming the cube. (A cube
    that cannot be opened at all is refused earlier, by cube_source, naming it.)"""
    from xrf_napari.training.common import target_plane_shape
    from xrf_napari.training.data import cube_source, list_cubes, painting_split

    d, data, embed_out = embedded
    copy = tmp_path / "data"
    shutil.copytree(data, copy)  # copy2: the times the cache's key holds are kept
    files = list_cubes(copy)
    _, val = painting_split([cube_source(p) for p in files], 0.1, 0)
    assert len(val) == 1
    cube = files[val[0]]
    st = _without_target_size(cube)
    assert cube.stat().st_size == st.st_size
    assert target_plane_shape(cube) is None
    out = _run_folder(tmp_path, embed_out)
    argv = _argv(d, copy, out, "--steps", "1", "--checkpoint-every", "1")
    assert main(argv + ["--keep-best-by", "msssim"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--keep-best-by msssim needs validation cubes over 96 px a side" in err, err
    assert f"{cube} (40 x 40 px)" in err, err
    assert not (out / tr.CHECKPOINT_NAME).exists()  # refused before any training step


def test_a_training_cube_whose_header_gives_no_size_is_named_by_the_crop_refusal(
    embedded, tmp_path, capsys
):
    """Training cubes whose headers give no target size (targets/palette deleted, size and time
    kept: latents and targets from the latent cache) skip the crop check before embedding;
    CropSampler then refused --crop 48 with "training images must be at least crop=48 px per
    side; got (40, 40)", naming neither a cube nor --crop (session 44). Now it names both, and the
    crop that fits, as the check before embedding does."""
    from xrf_napari.training.common import target_plane_shape
    from xrf_napari.training.data import cube_source, list_cubes, painting_split

    d, data, embed_out = embedded
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    files = list_cubes(copy)
    train, _ = painting_split([cube_source(p) for p in files], 0.1, 0)
    for i in train:
        _without_target_size(files[i])
        assert target_plane_shape(files[i]) is None
    out = _run_folder(tmp_path, embed_out)
    argv = _argv(d, copy, out, "--steps", "1", "--checkpoint-every", "1", "--crop", "48")
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"--crop 48 is larger than the training cube {files[train[0]]} (40 x 40 px;" in err, err
    assert "give --crop 40 or less" in err, err
    assert not (out / tr.CHECKPOINT_NAME).exists()


def test_too_few_colours_for_the_colour_bins_names_the_config_and_data(embedded, tmp_path, capsys):
    """A config's model.colour_bins above the training targets' distinct colours was refused with
    "the training targets hold 9 distinct colours, fewer than 128 bins", naming neither the config
    nor the data (session 44)."""
    d, data, embed_out = embedded
    cfg = {**TINY_TRAIN_REC_CONFIG, "model": {**TINY_TRAIN_REC_CONFIG["model"], "colour_bins": 128}}
    (d / "bins44.json").write_text(json.dumps(cfg), encoding="utf-8")
    out = _run_folder(tmp_path, embed_out)
    argv = _argv(d, data, out, "--steps", "1", "--checkpoint-every", "1", config="bins44.json")
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"config {d / 'bins44.json'}: model.colour_bins 128: the training targets hold" in err
    assert f"fewer than 128 bins (the 3 training cubes of {data}): give fewer colour_bins" in err
    assert not (out / tr.CHECKPOINT_NAME).exists()


@pytest.mark.parametrize(
    ("value", "shown"), [(None, "none"), ("loss", "loss"), (0.0003, "0.0003"), (500, "500")]
)
def test_config_default_help_shows_each_kind_of_default(value, shown):
    """A None default read "none" (f"{None:g}" raised TypeError); numbers and words as before."""
    assert config_default_help(value) == f"(default: the --config's, or {shown} without one)"
