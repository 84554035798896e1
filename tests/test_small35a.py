"""Session 35 small training fixes (audit_bench35, minor): the recolouriser says when it has no
validation cubes."""

import json

import pytest

torch = pytest.importorskip("torch")

from test_train_recolouriser import _dataset  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402

UVIT_TINY = {
    "model": {"patch": 8, "dim": 18, "depth": 3, "heads": 9, "mlp_ratio": 2.0, "head_hidden": 4},
    "crop": 32,
    "batch": 2,
    "log_every": 1,
    "checkpoint_every": 1,
}


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_recolouriser_with_three_cubes_says_it_keeps_the_last_step(tmp_path, capsys):
    """Under 4 cubes painting_split holds none out: keep_best quietly kept the last step
    (val_curve []), and neither the output nor config.json said so."""
    from xrf_napari.models.dve import build_from_config

    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    (tmp_path / "cfg.json").write_text(json.dumps(UVIT_TINY), encoding="utf-8")
    data, out = _dataset(tmp_path / "train", 3, 40, 0), tmp_path / "run"
    argv = ["recolouriser", "--data", str(data), "--out", str(out)]
    argv += ["--embedder", str(tmp_path / "dve.safetensors")]
    argv += ["--config", str(tmp_path / "cfg.json")]
    argv += ["--steps", "2", "--baseline-steps", "0", "--device", "cpu", "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    line = "no validation cubes with 3 training cubes"
    assert err.count(line) == 1 and "keep_best keeps the last step" in err
    cfg = _read(out / "config.json")
    assert cfg["n_val"] == 0 and line in cfg["split"]
    metrics = _read(out / "metrics.json")
    assert metrics["val_curve"] == [] and metrics["kept_step"] == 2
    # the weights' training block carries the same split sentence
    assert line in load_weights(out / "uvit.safetensors")[1]["training"]["split"]
