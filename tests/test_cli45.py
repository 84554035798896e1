"""Session 45 (cli45): the recolouriser's settings from a partial Namespace, the MS-SSIM and model
refusals naming where their settings came from, and HDF5 external links as guarded inputs. Small
synthetic files, no model trained."""

import argparse
import json

import pytest

pytest.importorskip("torch")

from xrf_napari.training import train_recolouriser as tr  # noqa: E402


def test_resolve_config_takes_a_namespace_without_every_option(tmp_path):
    """resolve_config read every flag as args.<name>: a Namespace built by a script (or another
    command's parser) without, say, --time-budget raised "AttributeError: 'Namespace' object has
    no attribute ..." naming no setting. An option the Namespace lacks is now not given: the
    config's value, or the default, holds."""
    cfg, sources = tr.resolve_config(argparse.Namespace())
    assert cfg["crop"] == tr.DEFAULTS["crop"] and cfg["init"] is None
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"crop": 96, "steps": 7}), encoding="utf-8")
    cfg, sources = tr.resolve_config(argparse.Namespace(config=str(path), seed=3))
    assert (cfg["crop"], cfg["steps"], cfg["seed"]) == (96, 7, 3)
    assert sources.said("crop", cfg) == f"crop 96 (of config {path}; set --crop)"
    assert sources.said("seed", cfg) == "--seed 3"


def _train_refusal(tmp_path, capsys, config, *flags, data=None, embedder=None) -> str:
    """The recolouriser's refusal (exit 2) of a run with `config` (a dict, or None) and flags."""
    from xrf_napari.cli.train import main

    argv = ["recolouriser", "--data", str(data or tmp_path / "absent"), "--out"]
    argv += [str(tmp_path / "o"), "--device", "cpu", "--no-progress", "--threads", "1", *flags]
    if embedder is not None:
        argv += ["--embedder", str(embedder)]
    if config is not None:
        (tmp_path / "cfg.json").write_text(json.dumps(config), encoding="utf-8")
        argv += ["--config", str(tmp_path / "cfg.json")]
    assert main(argv) == 2
    return " ".join(capsys.readouterr().err.split())


def test_the_msssim_crop_refusal_names_where_the_weight_and_the_crop_came_from(tmp_path, capsys):
    """It read "msssim_weight 0.5 needs crops over 96 px ..., but crop is 64" whether the weight
    or the crop came from a config file, a flag or the defaults; the crop's own refusals say
    which (SettingSources.said). Now this one does too, in the same words."""
    cfg = tmp_path / "cfg.json"
    err = _train_refusal(tmp_path, capsys, {"msssim_weight": 0.5}, "--crop", "64")
    assert f"msssim_weight 0.5 (of config {cfg}; set --msssim-weight) needs crops over 96 px" in err
    assert "window): --crop 64 is too small; give --crop 112 or more, or --msssim-weight 0" in err
    err = _train_refusal(tmp_path, capsys, {"crop": 64}, "--msssim-weight", "0.5")
    assert "--msssim-weight 0.5 needs crops over 96 px" in err, err
    assert f"crop 64 (of config {cfg}; set --crop) is too small; give --crop 112" in err, err


def test_a_model_that_cannot_be_built_names_each_setting_and_where_it_came_from(tmp_path, capsys):
    """check_model said "the config's model cannot be built: dim 20 must be a multiple of heads
    9 (model settings of config C)": the heads were the default's, not the config's. Each model
    setting the reason names is now said with its source, as the crop's refusals say theirs."""
    cfg = tmp_path / "cfg.json"
    err = _train_refusal(tmp_path, capsys, {"model": {"dim": 20}})
    assert (
        "the model cannot be built: dim 20 must be a multiple of heads 9; from model.dim 20 "
        f"(of config {cfg}), model.heads 9 (of the default settings)"
    ) in err, err
    err = _train_refusal(tmp_path, capsys, {"model": {"depth": 4}}, "--patch", "8", "--crop", "64")
    assert "the model cannot be built: depth must be odd" in err, err
    assert f"got 4; from model.depth 4 (of config {cfg})" in err, err


def test_the_msssim_validation_size_refusal_names_where_keep_best_by_came_from(
    tmp_path, capsys, monkeypatch
):
    """keep_best_by msssim with validation cubes too small for MS-SSIM's scales read "keep_best_by
    msssim needs validation cubes over 96 px" however it was set; a config's is now named as the
    crop's refusals name a setting, and a flag's as the flag."""
    from test_train_recolouriser import _dataset

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    def never(*_a, **_k):
        raise AssertionError("embedded: the refusal must come before the embedding pass")

    monkeypatch.setattr(tr, "embed_dataset", never)  # never trains, whatever happens
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    data = _dataset(tmp_path / "d", 4, 32, 0)
    run = dict(data=data, embedder=tmp_path / "dve.safetensors")
    cfg = tmp_path / "cfg.json"
    split = {"val_fraction": 0.25}  # one of the four cubes validates
    err = _train_refusal(
        tmp_path, capsys, {**split, "keep_best_by": "msssim"}, "--crop", "32", **run
    )
    assert (
        f"keep_best_by msssim (of config {cfg}; set --keep-best-by) needs validation cubes over "
        "96 px a side"
    ) in err, err
    err = _train_refusal(tmp_path, capsys, split, "--crop", "32", "--keep-best-by", "msssim", **run)
    assert "--keep-best-by msssim needs validation cubes over 96 px a side" in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
