"""Recolouriser trainer refusals that named no file (session 44): a crop that is no multiple of the
patch size, a config's unknown target and a model that cannot be built were refused without
naming the --config file (or flag) the setting came from."""

import json

import pytest

pytest.importorskip("torch")

from xrf_napari.cli.train import main  # noqa: E402


def _refusal(tmp_path, capsys, config: dict | None, *flags) -> str:
    argv = ["recolouriser", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    argv += ["--device", "cpu", "--no-progress", *flags]
    if config is not None:
        (tmp_path / "cfg.json").write_text(json.dumps(config), encoding="utf-8")
        argv += ["--config", str(tmp_path / "cfg.json")]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "absent" not in err, err  # refused before the data is looked at
    return err


def test_a_config_crop_off_the_patch_grid_names_the_config(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"crop": 50})
    assert (
        f"crop 50 (of config {tmp_path / 'cfg.json'}) must be a multiple of the patch size, "
        "model.patch 16 (the default): give --crop 48 or --crop 64"
    ) in err, err


def test_a_flag_crop_or_patch_off_the_grid_names_the_flag(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"model": {"patch": 8}}, "--crop", "36")
    assert (
        f"--crop 36 must be a multiple of the patch size, model.patch 8 (of config "
        f"{tmp_path / 'cfg.json'}): give --crop 32 or --crop 40"
    ) in err, err
    err = _refusal(tmp_path, capsys, None, "--patch", "12")
    assert "crop 128 (the default) must be a multiple of the patch size, --patch 12" in err, err


def test_a_config_target_names_the_config(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"target": "lab"})
    assert f"config {tmp_path / 'cfg.json'}: target must be one of palette, rgb, not 'lab'" in err


def test_a_model_that_cannot_be_built_names_the_config(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"model": {"depth": 4}})
    assert "the config's model cannot be built: depth must be odd" in err, err
    assert f"(model settings of config {tmp_path / 'cfg.json'})" in err, err
