"""Session 57, revX1: review of the session's io, cli, training and scripts/ commits."""

import argparse
import json

import numpy as np
import pytest
from test_core37 import _add_cube


def test_read_config_names_a_file_holding_only_a_non_finite_constant(tmp_path):
    """1a468959: a config file holding only NaN said "--config c.json:  is NaN: ..." (no key,
    two spaces); it is no object of settings, and says so."""
    from xrf_napari.training.common import read_config

    for text in ("NaN", "-Infinity"):
        path = tmp_path / "c.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError) as err:
            read_config(path)
        said = str(err.value)
        assert said == f"--config {path}: must be a JSON object of settings, not {text}", said
    path.write_text('{"model": {"hidden": [1, NaN]}}', encoding="utf-8")  # a key: named
    with pytest.raises(ValueError, match=r"c\.json: model\.hidden\[1\] is NaN: "):
        read_config(path)


def test_argtypes_refuse_an_empty_path_as_the_commands_do():
    """42dd73e0 / 827c273b: `--json "$OUT"` with OUT unset said "cannot write .: it exists and is
    not a regular file", and an empty folder or file ": no such folder"; the commands say "is
    empty (an unset variable?)" (cli._dispatch), and so do the scripts' argtypes now."""
    from xrf_napari.argtypes import existing, output_file
    from xrf_napari.training.data import cube_set

    for parse, what in (
        (output_file, "the output"),
        (existing("folder"), "the folder"),
        (existing("file or folder"), "the file or folder"),
        (cube_set, "the folder"),
    ):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            parse("")
        assert str(err.value) == f"is empty (an unset variable?); name {what}", str(err.value)


@pytest.fixture(scope="module")
def nocal_export(tmp_path_factory):
    """A 2-cube toy set (24 px) exported as rpl-nocal, its second cube's .raw then made flat
    Poisson noise, whose automatic calibration fails; and a copy with both cubes so."""
    import shutil

    from xrf_napari.synth.export import export_set

    root = tmp_path_factory.mktemp("revX1_nocal")
    (root / "set").mkdir()
    for i in (0, 1):
        _add_cube(root / "set", i, 24)
    manifest = {
        "generator": "toy",
        "native": False,
        "cubes": [{"file": f"cube_0000{i}.h5"} for i in (0, 1)],
    }
    (root / "set" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    files = export_set(root / "set", root / "one_bad", "rpl-nocal")
    _flatten(files[1])
    shutil.copytree(root / "one_bad", root / "all_bad")
    _flatten(root / "all_bad" / files[0].name)
    return root


def _flatten(rpl) -> None:
    raw = rpl.with_suffix(".raw")
    counts = np.fromfile(raw, np.uint16)
    np.random.default_rng(0).poisson(3, counts.size).astype(np.uint16).tofile(raw)


def test_evaluate_scores_an_export_set_past_a_cube_whose_calibration_failed(nocal_export):
    """fd4bd48b: the models refuse a scan without calibration, so `evaluate` of an rpl-nocal
    export ended in a ValueError at the first cube whose automatic calibration failed, after
    scoring the cubes before it; that cube is named and left out, the others scored."""
    from xrf_napari.training.evaluate import evaluate, format_table

    res = evaluate(nocal_export / "one_bad", device="cpu", progress=False)
    assert [r["cube"] for r in res["per_cube"]] == ["cube_00000"] and res["n_cubes"] == 1
    assert [r["cube"] for r in res["not_scored"]] == ["cube_00001.rpl"]
    why = res["not_scored"][0]["why"]
    assert why.startswith("no energy calibration (automatic calibration failed: "), why
    assert "1 cube of the set not scored (cube_00001.rpl: no energy calibration" in format_table(
        res
    )
    with pytest.raises(ValueError, match=r"all_bad: no cube could be scored \(cube_00000\.rpl: "):
        evaluate(nocal_export / "all_bad", device="cpu", progress=False)


def test_eval_physics_recolour_names_cubes_it_cannot_score(nocal_export, capsys):
    """The same in scripts/eval_physics_recolour.py: a ValueError traceback at the cube."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "eval_physics_recolour.py", "_revX1_physics")
    assert mod.main([str(nocal_export / "all_bad")]) == 1
    err = capsys.readouterr().err
    assert "cube_00000.rpl: not scored: no energy calibration (automatic calibration" in err
    assert "cube_00001.rpl: not scored: " in err and "no cube could be scored" in err
