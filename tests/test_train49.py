"""Session 49, train49: `xrf-napari-train` run as a new engineer reproducing the shipped weights
would, at toy scale: the per-pixel MLP baseline's training paintings and evaluate's verdict."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import (  # noqa: E402
    _rec_argv,
    _tiny_pair,
    eval_set,  # noqa: F401 - fixture
    setup,  # noqa: F401 - fixture
)

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402


def test_the_baseline_records_the_paintings_it_trained_on(setup, tmp_path):  # noqa: F811
    """pixel_mlp.safetensors recorded no training paintings, so evaluate could not tell whether
    the baseline row of its table was scored on paintings the baseline had learnt."""
    out = tmp_path / "rec"
    assert main(_rec_argv(setup, out, "--steps", "2", "--baseline-steps", "2")) == 0
    uvit = load_weights(out / "uvit.safetensors")[1]["training"]["sources"]
    baseline = load_weights(out / "pixel_mlp.safetensors")[1].get("training") or {}
    assert baseline.get("sources") == uvit  # the same training paintings as the SmallUViT's


def _held_out_with_baseline(data, tmp_path, extra: dict) -> dict:
    """eval.json's held_out of evaluate on the set `data` with a SmallUViT and an embedder
    trained on vermeer.png and a --baseline from another run, whose config adds `extra`."""
    from xrf_napari.training.train_pixel_mlp import build_from_config

    models = _tiny_pair(tmp_path / "models", ["vermeer.png"], ["vermeer.png"])
    mlp = build_from_config({})
    baseline = tmp_path / "other_run" / "pixel_mlp.safetensors"
    baseline.parent.mkdir()
    save_weights(mlp.state_dict(), baseline, {**mlp.config, "target": "palette", **extra})
    argv = ["evaluate", "--data", str(data), *models, "--baseline", str(baseline)]
    argv += ["--out", str(tmp_path / "ev"), "--device", "cpu", "--no-progress", "--no-ari"]
    assert main(argv) == 0
    return json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))["held_out"]


def test_evaluate_counts_a_baseline_trained_on_the_sets_paintings(
    eval_set,  # noqa: F811
    tmp_path,
    capsys,
):
    """`--baseline` from a run trained on the evaluated painting (bosch.jpg) was titled "Held-out
    set": only the SmallUViT's and the embedder's records were read, both vermeer.png here."""
    held = _held_out_with_baseline(eval_set, tmp_path, {"training": {"sources": ["bosch.jpg"]}})
    printed = capsys.readouterr()
    assert held["status"] == "not held out"
    assert held["shared"] == ["bosch.jpg"]
    assert "Held-out set" not in printed.out


def test_an_unrecorded_baseline_leaves_the_verdict_to_the_models(
    eval_set,  # noqa: F811
    tmp_path,
):
    """A guard: baselines written before they recorded their paintings (every pixel_mlp file so
    far) do not turn a held-out verdict into "unknown"."""
    held = _held_out_with_baseline(eval_set, tmp_path, {})
    assert held["status"] == "held out"


@pytest.mark.parametrize(("command", "other"), [("recolouriser", "dve"), ("embedder", "uvit")])
def test_an_out_holding_the_other_models_weights_is_refused_without_its_checkpoint(
    setup,  # noqa: F811
    tmp_path,
    capsys,
    command,
    other,
):
    """With the embedder's checkpoint.pt deleted (the recolouriser's is 48 MB even at toy scale),
    `recolouriser --embedder RUN/dve.safetensors --out RUN` replaced the embedder run's
    config.json, metrics.json and loss curve without a word."""
    out = tmp_path / "run"
    out.mkdir()
    (out / f"{other}.safetensors").write_bytes(setup[2].read_bytes())
    (out / "config.json").write_text('{"run": "the other model"}\n', encoding="utf-8")
    _, data, _, rec_config, emb_config = setup
    args = [command, "--data", str(data), "--out", str(out), "--device", "cpu", "--steps", "2"]
    if command == "recolouriser":
        args += ["--embedder", str(out / "dve.safetensors"), "--config", str(rec_config)]
    else:
        args += ["--config", str(emb_config)]
    assert main(args + ["--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"holds a run of the {'embedder' if other == 'dve' else 'recolouriser'}" in err, err
    assert "another --out" in err
    assert (out / "config.json").read_text(encoding="utf-8") == '{"run": "the other model"}\n'
