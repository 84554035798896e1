"""Session 35 small training fixes (audit_bench35, minor): the recolouriser says when it has no
validation cubes, and the embedder records the amp it used, not the one asked for."""

import json

import pytest

torch = pytest.importorskip("torch")

from _cli_models import TINY_TRAIN_REC_CONFIG  # noqa: E402
from test_dve import tiny_config  # noqa: E402
from test_train_recolouriser import _dataset  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402
from xrf_napari.training.toy_data import write_toy_dataset  # noqa: E402
from xrf_napari.training.train_embedder import train  # noqa: E402

#: the trainers' tiny config, checkpointing every step
UVIT_TINY = {**TINY_TRAIN_REC_CONFIG, "batch": 2, "log_every": 1, "checkpoint_every": 1}


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


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "train", n_cubes=4, size=24, seed=3)


def test_embedder_amp_on_cpu_is_recorded_as_not_used(toy, tmp_path, capsys):
    """--amp on a CPU run trained in float32 (autocast is CUDA only) but config.json and the
    weights recorded "amp": true; a CPU run resumed with --amp was refused over that no-op."""
    cfg = tiny_config(steps=4, checkpoint_every=1)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")
    out = tmp_path / "run"
    argv = ["embedder", "--data", str(toy), "--out", str(out)]
    argv += ["--config", str(tmp_path / "cfg.json"), "--amp", "--device", "cpu", "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("amp (bf16 autocast) applies on CUDA only") == 1
    assert _read(out / "config.json")["amp"] is False
    assert load_weights(out / "dve.safetensors")[1]["training"]["amp"] is False
    # a run started without --amp resumes with it: on the CPU it changes nothing
    part = tmp_path / "part"
    train(toy, part, tiny_config(steps=4, checkpoint_every=1), device_name="cpu", progress=False,
          stop_after=2)  # fmt: skip
    argv[argv.index(str(out))] = str(part)
    assert main(argv + ["--resume"]) == 0, capsys.readouterr().err
    assert _read(part / "config.json")["amp"] is False
