"""Recolouriser trainer refusals that named no file (session 44): a crop that is no multiple of the
patch size, a config's unknown target and a model that cannot be built were refused without
naming the --config file (or flag) the setting came from."""

import json
import re

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
        f"crop 50 (of --config {tmp_path / 'cfg.json'}; set --crop) must be a multiple of the "
        "patch size, model.patch 16 (of the default settings; set --patch): give --crop 48 or "
        "--crop 64"
    ) in err, err


def test_a_flag_crop_or_patch_off_the_grid_names_the_flag(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"model": {"patch": 8}}, "--crop", "36")
    assert (
        f"--crop 36 must be a multiple of the patch size, model.patch 8 (of --config "
        f"{tmp_path / 'cfg.json'}; set --patch): give --crop 32 or --crop 40"
    ) in err, err
    err = _refusal(tmp_path, capsys, None, "--patch", "12")
    assert (
        "crop 128 (of the default settings; set --crop) must be a multiple of the patch size, "
        "--patch 12"
    ) in err, err


def test_a_config_target_names_the_config(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"target": "lab"})
    assert f"config {tmp_path / 'cfg.json'}: target must be one of palette, rgb, not 'lab'" in err


def test_a_model_that_cannot_be_built_names_the_config(tmp_path, capsys):
    err = _refusal(tmp_path, capsys, {"model": {"depth": 4}})
    assert "the model cannot be built: depth must be odd" in err, err
    assert f"from model.depth 4 (of --config {tmp_path / 'cfg.json'})" in err, err


@pytest.mark.parametrize("source", ["config", "default", "flag"])
def test_both_crop_refusals_name_where_the_crop_came_from_in_one_wording(tmp_path, capsys, source):
    """The crop off the patch grid read 'crop 50 (of config C)' / 'crop 128 (the default)', the
    crop larger than the training cubes 'crop 64 (of C; set --crop)' / 'crop 128 (of the default
    settings; set --crop)': one setting from one source, two wordings (two records of what the
    config gave). Both now name the config or flag and how to change the crop alike."""
    from test_train_recolouriser import _dataset

    data = _dataset(tmp_path / "d", 2, 48, 0)  # 48 px cubes: a crop of 64 or 128 is too large
    config = tmp_path / "cfg.json"
    runs = {  # (--config's JSON or None, flags): off the grid (crop 50 or patch 12), too large
        "config": [({"crop": 50}, []), ({"crop": 64}, [])],
        "default": [(None, ["--patch", "12"]), (None, [])],
        "flag": [(None, ["--crop", "50"]), (None, ["--crop", "64"])],
    }[source]
    said = []
    for n, (user, flags) in enumerate(runs):
        argv = ["recolouriser", "--data", str(data), "--out", str(tmp_path / f"o{n}")]
        argv += ["--device", "cpu", "--no-progress", "--steps", "1", *flags]
        if user is not None:
            config.write_text(json.dumps(user), encoding="utf-8")
            argv += ["--config", str(config)]
        assert main(argv) == 2
        err = " ".join(capsys.readouterr().err.split())
        refusal = ("must be a multiple of the patch size", "is larger than the training cube")[n]
        found = re.search(rf"((?:--)?crop \d+(?: \([^)]*\))?) {refusal}", err)
        assert found, err
        said.append(re.sub(r"\d+", "N", found.group(1), count=1))
    assert (
        said[0]
        == said[1]
        == {
            "config": f"crop N (of --config {config}; set --crop)",
            "default": "crop N (of the default settings; set --crop)",
            "flag": "--crop N",
        }[source]
    ), said
