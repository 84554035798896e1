"""`xrf-napari-train` hardening: recorded commands, configs read back, early and range checks,
divergence, --resume refusals, checkpoints on SIGINT/SIGTERM, incomplete generated sets."""

import json
import shlex
import sys

import pytest

torch = pytest.importorskip("torch")

from _cli_models import TINY_TRAIN_REC_CONFIG as REC_CONFIG  # noqa: E402
from _cli_models import tiny_embedder_config as _embedder_config  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402
from xrf_napari.training.toy_data import write_toy_dataset  # noqa: E402


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(folder, dataset, embedder weights, recolouriser config, embedder config)."""
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("hardening")
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    (d / "rec.json").write_text(json.dumps(REC_CONFIG))
    (d / "emb.json").write_text(json.dumps(_embedder_config()))
    data = write_toy_dataset(d / "data", n_cubes=4, size=40, seed=3)
    return d, data, d / "dve.safetensors", d / "rec.json", d / "emb.json"


def _rec_argv(setup, out, *extra, config=None):
    d, data, dve, rec, _ = setup
    argv = ["recolouriser", "--data", str(data), "--embedder", str(dve), "--out", str(out)]
    return argv + ["--config", str(config or rec), "--device", "cpu", "--no-progress", *extra]


def _emb_argv(setup, out, *extra, config=None):
    d, data, _, _, emb = setup
    argv = ["embedder", "--data", str(data), "--out", str(out), "--config", str(config or emb)]
    return argv + ["--device", "cpu", "--no-progress", *extra]


def _run(argv, monkeypatch):
    """main(argv) as the installed command would run it, under another sys.argv: the command
    recorded is the argv parsed, and a cached embedder no longer moves the recolouriser's start
    (tests/test_reproducibility_audit26.py checks both directly)."""
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/xrf-napari-train", "--not", "this"])
    return main(argv)


def _same_weights(a, b):
    sa, _ = load_weights(a)
    sb, _ = load_weights(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


# -- 1. the exact command is recorded, and a run's config.json is accepted back -----------------
def test_embedder_records_its_command_and_its_config_json_repeats_the_run(
    setup, tmp_path, monkeypatch
):
    """The embedder wrote no command anywhere (the shipped manifest's was added by hand), and its
    config.json given back as --config was refused ("unknown keys ['resolved']")."""
    out = tmp_path / "first run"  # a space: " ".join lost the quoting
    argv = _emb_argv(setup, out, "--steps", "3", "--seed", "5", "--lr", "0.004")
    assert _run(argv, monkeypatch) == 0
    command = shlex.join(["xrf-napari-train", *argv])
    written = json.loads((out / "config.json").read_text())
    assert written["command"] == command and shlex.split(command)[1:] == argv
    assert json.loads((out / "metrics.json").read_text())["command"] == command
    assert load_weights(out / "dve.safetensors")[1]["training"]["command"] == command

    again = tmp_path / "again"
    argv = _emb_argv(setup, again, config=out / "config.json")
    assert _run(argv, monkeypatch) == 0
    repeated = json.loads((again / "config.json").read_text())
    assert repeated.pop("command") != written.pop("command")
    assert repeated == written  # steps 3, seed 5, lr 0.004, the same resolved pool
    _same_weights(out / "dve.safetensors", again / "dve.safetensors")


def test_recolouriser_records_its_command_and_its_config_json_repeats_the_run(
    setup, tmp_path, monkeypatch
):
    """The recolouriser recorded `" ".join(sys.argv[2:])` (quoting lost) and refused its own
    config.json ("unknown keys ['command', 'device', ...]")."""
    out = tmp_path / "first run"
    argv = _rec_argv(setup, out, "--steps", "3", "--seed", "2", "--lr", "0.003")
    assert _run(argv, monkeypatch) == 0
    command = shlex.join(["xrf-napari-train", *argv])
    written = json.loads((out / "config.json").read_text())
    assert written["command"] == command and shlex.split(command)[1:] == argv
    assert json.loads((out / "metrics.json").read_text())["command"] == command
    assert load_weights(out / "uvit.safetensors")[1]["command"] == command

    again = tmp_path / "again"
    assert _run(_rec_argv(setup, again, config=out / "config.json"), monkeypatch) == 0
    repeated = json.loads((again / "config.json").read_text())
    assert repeated.pop("command") != written.pop("command")
    assert repeated == written
    _same_weights(out / "uvit.safetensors", again / "uvit.safetensors")


def test_an_init_named_by_the_config_is_an_input_its_outputs_may_not_replace(
    setup, tmp_path, monkeypatch, capsys
):
    """A run's config.json records its --init; given back with --out the folder of those weights,
    the run would have overwritten them: only the --init flag was among the checked inputs."""
    first = tmp_path / "first"
    assert _run(_rec_argv(setup, first, "--steps", "2"), monkeypatch) == 0
    before = (first / "uvit.safetensors").read_bytes()
    cfg = json.loads(setup[3].read_text())
    cfg["init"] = str(first / "uvit.safetensors")
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    capsys.readouterr()
    assert _run(_rec_argv(setup, first, config=tmp_path / "cfg.json"), monkeypatch) != 0
    assert "is the input" in capsys.readouterr().err
    assert (first / "uvit.safetensors").read_bytes() == before


# -- 2. the model is checked before the embedding pass ------------------------------------------
@pytest.mark.parametrize(
    "model, message",
    [
        ({"depth": 2}, "depth must be odd"),
        ({"dim": 20}, "dim 20 must be a multiple of heads 9"),
        ({"spt_shift": "two"}, "spt_shift must be 'half' or 'one'"),
    ],
)
def test_an_invalid_model_is_refused_before_any_cube_is_embedded(
    setup, tmp_path, model, message, capsys
):
    """The model was built after every cube had been embedded (minutes on a real set): here the
    data folder does not even exist, so the model's error must come first."""
    cfg = {**REC_CONFIG, "model": {**REC_CONFIG["model"], **model}}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    argv = _rec_argv(setup, tmp_path / "o", config=tmp_path / "cfg.json")
    argv[argv.index("--data") + 1] = str(tmp_path / "absent")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"the model cannot be built: {message}" in err and "absent" not in err


# -- 3. a config file's numbers are range-checked as the flags are -------------------------------
@pytest.mark.parametrize(
    "command, config, message",
    [
        ("embedder", {"steps": 0}, "steps: 0 is out of range: a whole number must be at least 1"),
        ("embedder", {"aug_prob": 1.5}, "aug_prob: 1.5 is out of range: it must be at least 0"),
        ("embedder", {"lr": -0.1}, "lr: -0.1 is out of range: it must be above 0"),
        ("embedder", {"model": {"hidden": [32, 0]}}, "model.hidden: 0 is out of range"),
        ("recolouriser", {"batch": 0}, "batch: 0 is out of range"),
        ("recolouriser", {"val_fraction": 1.5}, "val_fraction: 1.5 is out of range"),
        ("recolouriser", {"checkpoint_every": -3}, "checkpoint_every: -3 is out of range"),
        ("recolouriser", {"time_budget": 0}, "time_budget: 0 is out of range"),
        ("recolouriser", {"decode_temperatures": [0.5, 0]}, "decode_temperatures: 0 is out"),
        ("recolouriser", {"model": {"heads": 0}}, "model.heads: 0 is out of range"),
    ],
)
def test_config_numbers_are_range_checked_as_the_flags_are(
    command, config, message, tmp_path, capsys
):
    """--steps 0 or --batch 0 were refused at parsing, but "steps": 0 in a --config file trained
    untrained weights, "heads": 0 divided by zero and "val_fraction": 1.5 passed silently; the
    error names the file and the key, before any data is read (--data does not exist here)."""
    (tmp_path / "cfg.json").write_text(json.dumps(config))
    argv = [command, "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    assert main(argv + ["--config", str(tmp_path / "cfg.json"), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert f"config {tmp_path / 'cfg.json'}: {message}" in err, err


def test_msssim_weight_flag_is_range_checked(tmp_path, capsys):
    argv = ["recolouriser", "--data", str(tmp_path), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit):
        main(argv + ["--msssim-weight", "-1"])
    assert "--msssim-weight: -1 is out of range" in capsys.readouterr().err


# -- 4. a NaN loss stops the run, naming the step, and keeps the last good checkpoint ------------
def _poison_after(monkeypatch, module, name, n):
    """Make module.name return NaN from its n-th call with gradients (a diverging loss)."""
    real = getattr(module, name)
    calls = []

    def poisoned(pred, *args, **kwargs):
        out = real(pred, *args, **kwargs)
        if pred.requires_grad:
            calls.append(1)
            if len(calls) >= n:
                return out * float("nan")
        return out

    monkeypatch.setattr(module, name, poisoned)


def test_recolouriser_stops_at_a_nan_loss_and_keeps_the_last_checkpoint(
    setup, tmp_path, monkeypatch, capsys
):
    """The recolouriser never checked its loss: a diverged run went on and wrote NaN weights and a
    NaN checkpoint over the good one, and exited 0."""
    from xrf_napari.training import metrics

    _poison_after(monkeypatch, metrics, "redmean_distance", 4)
    out = tmp_path / "run"
    assert _run(_rec_argv(setup, out, "--steps", "6", "--checkpoint-every", "3"), monkeypatch) == 2
    err = capsys.readouterr().err
    assert "training diverged: the loss became NaN or infinite at step 4" in err
    assert f"{out / 'checkpoint.pt'} from step 3 is kept" in err
    ckpt = torch.load(out / "checkpoint.pt", weights_only=True)
    assert ckpt["step"] == 3
    assert all(bool(torch.isfinite(v).all()) for v in ckpt["model"].values())
    assert not (out / "uvit.safetensors").exists() and not (out / "metrics.json").exists()


def test_embedder_stops_at_a_nan_loss_and_keeps_the_last_checkpoint(
    setup, tmp_path, monkeypatch, capsys
):
    """The embedder stopped, but named a 0-based step and not what it left behind."""
    from xrf_napari.training import dve_losses

    _poison_after(monkeypatch, dve_losses, "reconstruction_kl", 3)
    out = tmp_path / "run"
    assert _run(_emb_argv(setup, out), monkeypatch) == 2
    err = capsys.readouterr().err
    assert "the loss became NaN or infinite at step 3" in err
    assert f"{out / 'checkpoint.pt'} from step 2 is kept" in err
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 2
    assert not (out / "dve.safetensors").exists()


# -- 6. SIGINT / SIGTERM: finish the step, write a checkpoint, say how to resume, exit 130 / 143 ---
#: Longest waits (s) for the command to start training and to stop after the signal: the start
#: (torch, the data's embedding) took 30 s and the stop 9 s at load 21 on 2 cores, and the test
#: failed once under `-n 8` with 60 s for each. Generous: a wait ends as soon as its event comes.
START_S, STOP_S = 300, 180


def _start_training(argv, log):
    """The installed command in its own process, its stderr in `log`; returns once it trains."""
    import os
    import subprocess
    import time

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with open(log, "w", encoding="utf-8") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "xrf_napari.cli.train", *argv], stderr=err, env=env
        )
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline and proc.poll() is None:
        if "training SmallUViT: steps" in log.read_text():
            time.sleep(0.3)  # a few steps in
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"training did not start: {log.read_text()}")


def test_sigint_and_sigterm_write_a_checkpoint_and_say_how_to_resume(
    setup, tmp_path, monkeypatch, capsys
):
    """A Ctrl-C or kill lost everything since the last periodic checkpoint (here there is none:
    --checkpoint-every 0); now the step finishes, a checkpoint is written, the command to resume
    is printed and the exit status is 128 + the signal; the resumed run goes on from there."""
    import signal

    out = tmp_path / "run"
    argv = _rec_argv(setup, out, "--steps", "100000", "--checkpoint-every", "0")
    proc = _start_training(argv, tmp_path / "first.log")
    proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(STOP_S) == 130
    finally:
        proc.kill()  # no command left training should the wait fail (a no-op once it ended)
    err = (tmp_path / "first.log").read_text()
    first = torch.load(out / "checkpoint.pt", weights_only=True)["step"]
    assert first >= 1
    assert f"interrupted at step {first}; checkpoint written to {out / 'checkpoint.pt'}" in err
    assert f"Continue with: {shlex.join(['xrf-napari-train', *argv])} --resume" in err
    assert not list(out.glob(".checkpoint.pt*"))  # written atomically, no temporaries left

    # SIGTERM (a scheduler's kill), in-process to keep the test short: raised during a step
    from xrf_napari.training.train_recolouriser import CropSampler

    _signal_on_call(monkeypatch, CropSampler, "sample", 2, signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        _run(argv + ["--resume"], monkeypatch)
    assert stop.value.code == 143
    assert f"resumed from {out / 'checkpoint.pt'} at step {first}" in capsys.readouterr().err
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == first + 2
    assert not (out / "uvit.safetensors").exists()


def _signal_on_call(monkeypatch, owner, name, n, signum):
    """Make owner.name raise `signum` in this process at its n-th call (inside a training step)."""
    import signal

    real, calls = getattr(owner, name), []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            signal.raise_signal(signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, wrapped)


def test_embedder_stops_with_a_checkpoint_on_sigint(setup, tmp_path, monkeypatch):
    """The same in the embedder (in-process: the signal is raised during step 3's batch draw)."""
    import signal

    from xrf_napari.training import data

    _signal_on_call(monkeypatch, data.SpectraPool, "batch", 3, signal.SIGINT)
    out = tmp_path / "run"
    argv = _emb_argv(setup, out, "--steps", "6", "--checkpoint-every", "4")
    with pytest.raises(SystemExit) as stop:
        _run(argv, monkeypatch)
    assert stop.value.code == 130
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 3
    monkeypatch.undo()
    assert _run(argv + ["--resume"], monkeypatch) == 0
    assert load_weights(out / "dve.safetensors")[1]["training"]["steps"] == 6


# -- 5. recolouriser --resume refuses other settings, data or embedder --------------------------
def test_recolouriser_resume_refuses_other_settings_data_or_embedder(
    setup, tmp_path, monkeypatch, capsys
):
    """--resume applied changed flags silently (another --lr, --steps, model or --data trained the
    rest of the run while the outputs claimed one config), as the embedder did before; now the same
    refusal, before any cube is embedded. When checkpoints, validations and a time budget act may
    change."""
    import signal

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.training.train_recolouriser import CropSampler

    d, data, dve, rec, _ = setup
    out = tmp_path / "run"
    argv = _rec_argv(setup, out, "--steps", "4", "--checkpoint-every", "2")
    _signal_on_call(monkeypatch, CropSampler, "sample", 2, signal.SIGINT)
    with pytest.raises(SystemExit):
        _run(argv, monkeypatch)
    monkeypatch.undo()
    ckpt = (out / "checkpoint.pt").read_bytes()
    cache = (out / "latent_cache.npz").stat().st_mtime_ns

    other_data = write_toy_dataset(tmp_path / "other", n_cubes=4, size=40, seed=9)
    torch.manual_seed(5)
    other = build_from_config({})
    save_weights(other.state_dict(), tmp_path / "other_dve.safetensors", other.config)
    deeper = {**REC_CONFIG, "model": {**REC_CONFIG["model"], "depth": 5}}
    (tmp_path / "deeper.json").write_text(json.dumps(deeper))

    def swapped(option, value):
        a = list(argv)
        a[a.index(option) + 1] = str(value)
        return a

    capsys.readouterr()
    for a, named in (
        (argv + ["--lr", "0.5"], "lr 0.001 there, 0.5 now"),
        (swapped("--steps", 8), "steps 4 there, 8 now"),
        (swapped("--config", tmp_path / "deeper.json"), "model.depth 3 there, 5 now"),
        (swapped("--data", other_data), "--data: other cube files than the run's"),
        (swapped("--embedder", tmp_path / "other_dve.safetensors"), "--embedder: another"),
    ):
        assert main(a + ["--resume"]) == 2, named
        err = capsys.readouterr().err
        assert f"--resume: {out / 'checkpoint.pt'} belongs to a run with other settings" in err
        assert named in err, err
    assert (out / "checkpoint.pt").read_bytes() == ckpt
    assert (out / "latent_cache.npz").stat().st_mtime_ns == cache  # refused before embedding
    assert not (out / "uvit.safetensors").exists()
    more = ["--checkpoint-every", "3", "--time-budget", "600", "--baseline-steps", "2"]
    assert main(argv + more + ["--resume"]) == 0
    assert json.loads((out / "metrics.json").read_text())["steps"] == 4


# -- 7. a set generate has not finished is named as such ----------------------------------------
def test_a_set_still_being_generated_is_refused_as_incomplete(setup, tmp_path, capsys):
    """generate writes manifest.json before its first cube and the cube list after its last:
    meanwhile export-set said "unreadable manifest ('cubes')" and training and evaluate used the
    cubes written so far."""
    import shutil

    from xrf_napari.synth.dataset import GenerateConfig, _manifest_head

    d, data, dve, _, _ = setup
    running = tmp_path / "running"
    shutil.copytree(data, running)
    head = _manifest_head(GenerateConfig(out=str(running), n_cubes=8), None)
    (running / "manifest.json").write_text(json.dumps(head))
    said = f"{running} is an incomplete generated set: its manifest.json lists no cubes yet"
    for argv in (
        ["export-set", "--data", str(running), "--format", "h5", "--out", str(tmp_path / "x")],
        _emb_argv(setup, tmp_path / "e"),
        _rec_argv(setup, tmp_path / "r"),
        ["evaluate", "--data", str(running), "--embedder", str(dve), "--device", "cpu"],
    ):
        if argv[0] in ("embedder", "recolouriser"):
            argv[argv.index("--data") + 1] = str(running)
        assert main(argv) == 2, argv[0]
        err = capsys.readouterr().err
        assert said in err and "generate is still running there, or was interrupted" in err, err


# -- 8. minor: weights of the wrong model, panels' --size -----------------------------------------
def test_weights_of_the_wrong_model_are_named(setup, tmp_path, capsys):
    """evaluate --weights DVE said "holds a 'unknown' model" (a DVE's config says "model", not
    "arch"); --embedder SmallUViT listed a hundred missing tensors instead of naming the model."""
    d, data, dve, _, _ = setup
    uvit = tmp_path / "uvit.safetensors"
    from xrf_napari.models.uvit import build_from_config

    model = build_from_config({**REC_CONFIG["model"], "img_size": 32})
    save_weights(model.state_dict(), uvit, model.config)
    for argv, said in (
        (
            ["evaluate", "--data", str(data), "--weights", str(dve)],
            f"--weights {dve}: not SmallUViT (recolouriser) weights (a DVE (embedder) model)",
        ),
        (
            ["evaluate", "--data", str(data), "--embedder", str(uvit)],
            f"--embedder {uvit}: not DVE (embedder) weights (a SmallUViT (recolouriser) model)",
        ),
        (
            _rec_argv(setup, tmp_path / "r", "--embedder", str(uvit)),  # the last one counts
            f"--embedder {uvit}: not DVE (embedder) weights (a SmallUViT (recolouriser) model)",
        ),
    ):
        assert main(argv + ["--device", "cpu", "--no-progress"]) == 2
        err = capsys.readouterr().err
        errors = [line for line in err.splitlines() if line != "device: cpu"]
        assert said in err and len(errors) == 1, err


def test_panels_refuse_a_size_they_would_ignore(tmp_path, capsys):
    """generate --kind panels ignored --size (a panel's layout sets it) and recorded it in the
    manifest; older panel manifests holding that size still resume."""
    from xrf_napari.synth.dataset import GenerateConfig, _check_resumable, _manifest_head

    argv = ["generate", "--kind", "panels", "--out", str(tmp_path / "p"), "--n-cubes", "1"]
    assert main(argv + ["--size", "64", "--no-progress"]) == 2
    assert "--size does not apply to --kind panels" in capsys.readouterr().err
    head = _manifest_head(GenerateConfig(out=str(tmp_path), n_cubes=1, kind="panels"), None)
    assert head["size"] is None
    (tmp_path / "cube_00000.h5").write_bytes(b"")
    (tmp_path / "manifest.json").write_text(json.dumps({**head, "size": 256}))
    _check_resumable(tmp_path, head, 1)  # an older panel set: resumable


@pytest.mark.parametrize(
    "extra",
    [
        ["--images", "IMAGES"],
        ["--swatch-fraction", "0.3"],
        ["--bare-ground", "0.2"],
        ["--character", "0.3"],
        ["--period"],
    ],
)
def test_panels_refuse_the_paintings_options_they_would_ignore(tmp_path, capsys, extra):
    """A panel's layout fixes every swatch's paint: these options changed nothing yet were recorded
    as the set's; panel sets made with --images before still resume without it."""
    from PIL import Image

    from xrf_napari.synth.dataset import GenerateConfig, _check_resumable, _manifest_head

    images = tmp_path / "images"
    images.mkdir()
    Image.new("RGB", (32, 32), (200, 30, 20)).save(images / "a.png")
    extra = [str(images) if a == "IMAGES" else a for a in extra]
    out = tmp_path / "p"
    argv = ["generate", "--kind", "panels", "--out", str(out), "--n-cubes", "1", "--no-progress"]
    assert main(argv + extra) == 2
    assert f"{extra[0]} does not apply to --kind panels" in capsys.readouterr().err
    assert not (out / "manifest.json").exists()
    head = _manifest_head(GenerateConfig(out=str(tmp_path), n_cubes=1, kind="panels"), None)
    (tmp_path / "cube_00000.h5").write_bytes(b"")
    old = {**head, "images_dir": str(images), "images_used": ["a.png"]}
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    _check_resumable(tmp_path, head, 1)  # an older panel set made with --images: resumable
