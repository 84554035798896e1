"""Recolouriser training, session 43: keep_best by the validation MS-SSIM (`--keep-best-by
msssim`), recorded and kept across --resume; the trainers' --help states their defaults."""

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _cli_models import TINY_TRAIN_REC_CONFIG  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402
from xrf_napari.training import train_recolouriser as tr  # noqa: E402


def _write_cube(path, size, seed):
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.toy_data import toy_cube

    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    counts, labels, meta = toy_cube(size, size, n_regions=3, seed=seed, counts_per_pixel=100)
    colours = np.random.default_rng(seed).integers(0, 256, (labels.max() + 1, 3)).astype(np.uint8)
    palette = colours[labels]
    path.unlink(missing_ok=True)
    write_cube(path, counts, cal, metadata=meta, targets={"palette": palette, "rgb": palette})


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(folder, data with 40 px training cubes and one 100 px validation cube (MS-SSIM's 5
    scales need over 96 px), data with only 40 px cubes, embedder, config, the latent cache of
    the first)."""
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.training.data import cube_source, list_cubes, painting_split

    d = tmp_path_factory.mktemp("training43")
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    (d / "rec.json").write_text(json.dumps(TINY_TRAIN_REC_CONFIG))
    (d / "data" / "cubes").mkdir(parents=True)
    (d / "data" / "manifest.json").write_text("{}")
    for i in range(4):
        _write_cube(d / "data" / "cubes" / f"c{i}.h5", 40, i)
    shutil.copytree(d / "data", d / "small")
    files = list_cubes(d / "data")
    _, val = painting_split([cube_source(p) for p in files], 0.1, 0)
    assert len(val) == 1
    _write_cube(files[val[0]], 100, 9)  # the same file name: the same source painting
    # embed once; each run below gets a copy of the cache (the cubes are not embedded again)
    out = d / "embed_once"
    assert main(_argv(d, out, "--steps", "1", "--checkpoint-every", "0")) == 0
    return d, out / tr.CACHE_NAME


@pytest.fixture(scope="module", autouse=True)
def _threads():
    """The runs below give --threads 1 (fastest on shared cores): later tests get theirs back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def _argv(d, out, *extra, data="data"):
    argv = ["recolouriser", "--data", str(d / data), "--embedder", str(d / "dve.safetensors")]
    argv += ["--out", str(out), "--config", str(d / "rec.json"), "--device", "cpu"]
    return argv + ["--no-progress", "--threads", "1", *extra]


def _out(setup, tmp_path, name="run"):
    d, cache = setup
    out = tmp_path / name
    out.mkdir()
    shutil.copy(cache, out / tr.CACHE_NAME)
    return out


def _scripted(monkeypatch, losses, ssims):
    """Replace the validation with scripted (loss, MS-SSIM) figures, one pair per call, so that
    the two criteria disagree on the best step; returns the calls' (msssim asked, weights)."""
    calls = []

    def validate(model, latents, targets, val_idx, device, msssim=False):
        i = len(calls)
        calls.append((msssim, {k: v.detach().clone() for k, v in model.state_dict().items()}))
        return losses[i], (ssims[i] if msssim else None)

    monkeypatch.setattr(tr, "_validate", validate)
    return calls


def _written(out):
    state, cfg = load_weights(out / "uvit.safetensors")
    return state, cfg, json.loads((out / "metrics.json").read_text())


def _same(state, ref):
    for k, v in state.items():
        want = ref[k].half() if ref[k].is_floating_point() else ref[k]
        assert torch.equal(v, want), k


# validations at steps 2, 4 and 6: the loss is lowest at 2, the MS-SSIM highest at 4
LOSSES, SSIMS = [0.10, 0.20, 0.30], [0.50, 0.90, 0.60]
RUN = ("--steps", "6", "--checkpoint-every", "2")


def test_keep_best_by_msssim_keeps_the_highest_validation_msssim_and_says_so(
    setup, tmp_path, monkeypatch, capsys
):
    """By the loss alone a run trained with --msssim-weight 1.0 kept (and wrote) its step 0 while
    its held-out MS-SSIM rose: keep_best_by msssim keeps the step whose validation MS-SSIM is the
    highest, and the log line, metrics.json, the weights' `training` block, config.json and the
    checkpoint say which criterion chose it."""
    d, _ = setup
    out = _out(setup, tmp_path)
    calls = _scripted(monkeypatch, LOSSES, SSIMS)
    assert main(_argv(d, out, *RUN, "--keep-best-by", "msssim")) == 0
    assert [asked for asked, _ in calls] == [True, True, True]
    state, cfg, metrics = _written(out)
    assert metrics["kept_step"] == cfg["trained_steps"] == 4 and metrics["kept_by"] == "msssim"
    _same(state, calls[1][1])  # step 4's weights, not the lowest loss's (step 2)
    assert metrics["val_msssim_curve"] == [[2, 0.5], [4, 0.9], [6, 0.6]]
    assert cfg["kept_by"] == cfg["training"]["keep_best_by"] == "msssim"
    assert json.loads((out / "config.json").read_text())["keep_best_by"] == "msssim"
    ckpt = torch.load(out / tr.CHECKPOINT_NAME, weights_only=False)
    assert ckpt["config"]["keep_best_by"] == "msssim" and ckpt["best"]["by"] == "msssim"
    err = " ".join(capsys.readouterr().err.split())
    assert "step 4's of 6 (highest validation MS-SSIM 0.90000; keep_best_by msssim)" in err, err


def test_by_default_the_lowest_loss_is_kept_without_computing_msssim(
    setup, tmp_path, monkeypatch, capsys
):
    """The default (and every past run's config, which has no keep_best_by) keeps the lowest
    validation loss, as before, and computes no MS-SSIM (CPU time at every validation)."""
    d, _ = setup
    out = _out(setup, tmp_path)
    calls = _scripted(monkeypatch, LOSSES, SSIMS)
    assert main(_argv(d, out, *RUN)) == 0
    assert [asked for asked, _ in calls] == [False, False, False]
    state, cfg, metrics = _written(out)
    assert metrics["kept_step"] == cfg["trained_steps"] == 2 and metrics["kept_by"] == "loss"
    _same(state, calls[0][1])
    assert "val_msssim_curve" not in metrics
    assert cfg["kept_by"] == cfg["training"]["keep_best_by"] == "loss"
    err = " ".join(capsys.readouterr().err.split())
    assert "step 2's of 6 (lowest validation loss 0.10000; keep_best_by loss)" in err, err


def test_validation_msssim_is_the_metric_on_the_tiled_predictions(setup):
    """The MS-SSIM keep_best_by compares is metrics.ms_ssim (5 scales, the loss term's 7 px
    window) of the validation images predicted as at inference, averaged over the images; the
    loss is the same as without it."""
    from xrf_napari.analysis.recolour import Recolouriser
    from xrf_napari.models.uvit import build_from_config
    from xrf_napari.training.metrics import ms_ssim

    torch.manual_seed(0)
    cfg = {**TINY_TRAIN_REC_CONFIG["model"], "img_size": 32, "tile": 32, "in_chans": 3}
    model = build_from_config(cfg)
    rng = np.random.default_rng(0)
    latents = [rng.normal(size=(100, 100, 3)).astype(np.float32) for _ in range(2)]
    targets = [rng.integers(0, 256, (100, 100, 3)).astype(np.uint8) for _ in range(2)]
    targets[1][:] = 128  # a flat image beside a noisy one: the mean of two different figures
    loss, ssim = tr._validate(model, latents, targets, [0, 1], "cpu", msssim=True)
    assert tr._validate(model, latents, targets, [0, 1], "cpu") == (loss, None)
    rec = Recolouriser(model, model.config, torch.device("cpu"))
    want = [
        float(
            ms_ssim(
                tr.hwc_to_chw(rec.predict(lat))[None],
                tr.hwc_to_chw(t.astype(np.float32) / 255)[None],
                win_size=7,
            )
        )
        for lat, t in zip(latents, targets)
    ]
    assert want[0] != pytest.approx(want[1])
    assert ssim == pytest.approx(np.mean(want), rel=1e-6)


def test_keep_best_by_values_are_checked_before_any_data(setup, tmp_path, capsys):
    """A misspelt criterion, on the command line or in a config, and msssim with keep_best off
    (nothing would be kept by it) are refused in one line before any data is read (here --data
    does not exist); validation cubes too small for MS-SSIM's 5 scales are refused before the
    cubes are embedded, naming one."""
    d, _ = setup
    argv = ["recolouriser", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    argv += ["--device", "cpu"]
    with pytest.raises(SystemExit) as exc:
        main(argv + ["--keep-best-by", "ssim"])
    assert exc.value.code == 2
    assert "--keep-best-by: invalid choice: 'ssim'" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text(json.dumps({"keep_best_by": "ssim"}))
    assert main(argv + ["--config", str(tmp_path / "bad.json")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "keep_best_by must be one of loss, msssim, not 'ssim'" in err, err
    (tmp_path / "off.json").write_text(json.dumps({"keep_best": False}))
    assert main(argv + ["--config", str(tmp_path / "off.json"), "--keep-best-by", "msssim"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "keep_best_by msssim chooses among validations only with keep_best true" in err, err

    out = tmp_path / "small_run"
    assert main(_argv(d, out, "--steps", "2", "--keep-best-by", "msssim", data="small")) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--keep-best-by msssim needs validation cubes over 96 px a side" in err, err
    assert "(40 x 40 px)" in err and "--keep-best-by loss" in err, err
    assert not (out / tr.CACHE_NAME).exists()  # refused before the embedding pass


def _interrupt_at_step(monkeypatch, n):
    """SIGINT during training step n: the run finishes the step, checkpoints and exits 130."""
    import signal

    real, calls = tr.CropSampler.sample, []

    def sample(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            signal.raise_signal(signal.SIGINT)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(tr.CropSampler, "sample", sample)


def test_resume_keeps_the_criterion_and_refuses_another(setup, tmp_path, monkeypatch, capsys):
    """A run interrupted after its best MS-SSIM resumes by the same criterion: the candidate it
    checkpointed is still compared by MS-SSIM (kept over later steps of lower loss). A resume
    by another criterion than the checkpoint's is refused before any cube is embedded, and a
    checkpoint from before keep_best_by (its candidate chosen by the loss) resumes only by the
    loss."""
    d, _ = setup
    out = _out(setup, tmp_path)
    argv = _argv(d, out, *RUN, "--keep-best-by", "msssim")
    _scripted(monkeypatch, [0.30, 0.10, 0.20], [0.90, 0.50, 0.60])
    _interrupt_at_step(monkeypatch, 3)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 130
    ckpt = torch.load(out / tr.CHECKPOINT_NAME, weights_only=False)
    assert ckpt["best"]["step"] == 2 and ckpt["best"]["by"] == "msssim"

    capsys.readouterr()
    assert main(_argv(d, out, *RUN, "--resume")) == 2  # by the default, the loss
    err = " ".join(capsys.readouterr().err.split())
    assert "keep_best_by 'msssim' there, 'loss' now" in err, err

    monkeypatch.undo()
    calls = _scripted(monkeypatch, [0.10, 0.20], [0.50, 0.60])  # steps 4 and 6
    assert main(argv + ["--resume"]) == 0
    assert len(calls) == 2
    _, cfg, metrics = _written(out)
    assert metrics["kept_step"] == cfg["trained_steps"] == 2 and metrics["kept_by"] == "msssim"
    assert metrics["val_msssim_curve"] == [[2, 0.9], [4, 0.5], [6, 0.6]]

    # a checkpoint written before keep_best_by existed: its candidate is the lowest loss's
    ckpt = torch.load(out / tr.CHECKPOINT_NAME, weights_only=False)
    del ckpt["config"]["keep_best_by"]
    ckpt["best"].pop("by")
    ckpt["best"].pop("msssim")
    torch.save(ckpt, out / tr.CHECKPOINT_NAME)
    capsys.readouterr()
    assert main(argv + ["--resume"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "keep_best_by 'loss' there, 'msssim' now" in err, err


def test_trainers_help_states_the_default_values():
    """The recolouriser's --batch and --lr help said "default: the config's" without the number
    (and the embedder's --lr, --steps, --seed, --checkpoint-every and the per-pixel MLP's
    --baseline-steps gave none): each now names the default config's value, read from the dict
    the run starts from."""
    import argparse

    from xrf_napari.training import train_embedder as te

    def helps(module):
        parser = argparse.ArgumentParser()
        module.configure(parser)
        return {k: " ".join(a.help.split()) for k, a in parser._option_string_actions.items()}

    rec, emb = helps(tr), helps(te)
    d = tr.DEFAULTS
    for flag, key in [
        ("--batch", "batch"),
        ("--lr", "lr"),
        ("--steps", "steps"),
        ("--crop", "crop"),
        ("--seed", "seed"),
        ("--checkpoint-every", "checkpoint_every"),
        ("--baseline-steps", "baseline_steps"),  # the per-pixel MLP's
        ("--msssim-weight", "msssim_weight"),
        ("--keep-best-by", "keep_best_by"),
    ]:
        value = d[key] if isinstance(d[key], str) else f"{d[key]:g}"
        assert f"(default: the --config's, or {value} without one)" in rec[flag], (flag, rec[flag])
    assert "or 16 without one" in rec["--batch"] and "or 0.001 without one" in rec["--lr"]
    e = te.DEFAULT_TRAIN_CONFIG
    for flag, key in [("--lr", "lr"), ("--steps", "steps"), ("--seed", "seed")]:
        assert f"(default: the --config's, or {e[key]:g} without one)" in emb[flag], emb[flag]
    assert "or 0.002 without one" in emb["--lr"]
    batch = e["cubes_per_batch"] * e["pixels_per_cube_batch"]
    assert f"= {batch} without one" in emb["--batch"] and batch == 4096, emb["--batch"]
    assert f"({e['cubes_per_batch']} without a --config)" in emb["--batch"]
