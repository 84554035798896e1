"""`xrf-napari-train recolouriser` and `evaluate` end to end on a tiny toy dataset."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights, sha256_of  # noqa: E402
from xrf_napari.training.toy_data import toy_cube  # noqa: E402


def _dataset(folder, n, size, seed):
    (folder / "cubes").mkdir(parents=True)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    rng = np.random.default_rng(seed)
    for i in range(n):
        counts, labels, meta = toy_cube(
            size, size, n_regions=3, seed=seed + i, counts_per_pixel=200
        )
        colours = rng.integers(0, 256, (labels.max() + 1, 3)).astype(np.uint8)
        palette = colours[labels]
        rgb = np.clip(palette.astype(int) + rng.integers(-8, 9, palette.shape), 0, 255).astype(
            np.uint8
        )
        write_cube(
            folder / "cubes" / f"c{i}.h5",
            counts,
            cal,
            metadata=meta,
            targets={"palette": palette, "rgb": rgb, "labels": labels},
        )
    (folder / "manifest.json").write_text("{}")
    return folder


def _evaluate(d, test, weights, out):
    args = ["evaluate", "--data", str(test), "--weights", str(weights)]
    args += ["--embedder", str(d / "dve.safetensors"), "--out", str(out)]
    return main(args + ["--device", "cpu", "--no-ari", "--no-progress"])


def _interrupt_at_step(monkeypatch, n):
    """Send this process SIGINT during training step n: the run finishes the step, writes a
    checkpoint and exits 130 (--resume refuses another --steps, so a run is resumed from an
    interruption, not extended)."""
    import signal

    from xrf_napari.training.train_recolouriser import CropSampler

    real, calls = CropSampler.sample, []

    def sample(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == n:
            signal.raise_signal(signal.SIGINT)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(CropSampler, "sample", sample)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("train_uvit")
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    cfg = {
        "model": {
            "patch": 8,
            "dim": 18,
            "depth": 3,
            "heads": 9,
            "mlp_ratio": 2.0,
            "head_hidden": 4,
        },
        "crop": 32,
        "batch": 4,
        "log_every": 2,
        "warmup": 1,
    }
    (d / "cfg.json").write_text(json.dumps(cfg))
    return d, _dataset(d / "train", 4, 40, 0), _dataset(d / "test", 1, 168, 100)


def test_train_resume_and_evaluate(setup, capsys, monkeypatch):
    d, train, test = setup
    out = d / "run"
    common = [
        "--data",
        str(train),
        "--embedder",
        str(d / "dve.safetensors"),
        "--out",
        str(out),
        "--config",
        str(d / "cfg.json"),
        "--device",
        "cpu",
        "--no-progress",
        "--checkpoint-every",
        "3",
    ]
    common += ["--steps", "5", "--baseline-steps", "4"]
    _interrupt_at_step(monkeypatch, 3)
    with pytest.raises(SystemExit) as stop:
        main(["recolouriser"] + common)
    assert stop.value.code == 130
    monkeypatch.undo()
    for name in ("config.json", "checkpoint.pt", "latent_cache.npz"):
        assert (out / name).is_file(), name
    cache_mtime = (out / "latent_cache.npz").stat().st_mtime
    first_seconds = torch.load(out / "checkpoint.pt", weights_only=False)["elapsed"]
    # Resume: continues at step 3, reuses the latent cache, ends at step 5.
    assert main(["recolouriser"] + common + ["--resume"]) == 0
    for name in ("uvit.safetensors", "pixel_mlp.safetensors", "metrics.json", "loss_curve.png"):
        assert (out / name).is_file(), name
    assert (out / "latent_cache.npz").stat().st_mtime == cache_mtime
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 5 and np.isfinite(metrics["final_train_loss"])
    # the first process's loop seconds count too (they were dropped on resume)
    assert metrics["train_seconds"] == pytest.approx(
        first_seconds + 2 * metrics["seconds_per_step"], abs=0.06
    )
    state, cfg = load_weights(out / "uvit.safetensors")
    assert cfg["arch"] == "SmallUViT" and cfg["patch"] == 8 and cfg["tile"] == 32
    # keep_best: the written weights are those of the lowest validation loss (checkpoints 3 and 5;
    # the resumed run carried step 3's candidate over in its checkpoint)
    steps_seen = [s for s, _ in metrics["val_curve"]]
    assert 3 in steps_seen and 5 in steps_seen
    assert (
        cfg["trained_steps"]
        == metrics["kept_step"]
        == min(metrics["val_curve"], key=lambda sv: sv[1])[0]
    )
    assert len(cfg["latent_mean"]) == 3
    _the_weights_know_their_embedder(d, out / "uvit.safetensors", cfg)
    resolved = json.loads((out / "config.json").read_text())
    assert resolved["n_train"] + resolved["n_val"] == 4
    capsys.readouterr()

    ev = d / "eval"
    assert _evaluate(d, test, out / "uvit.safetensors", ev) == 0
    table = capsys.readouterr().out
    assert "SmallUViT" in table and "per-pixel MLP" in table and "palette image (ceiling)" in table
    result = json.loads((ev / "eval.json").read_text())
    ceiling = result["summary"]["palette_ceiling/rgb"]
    assert (
        0 < ceiling["srgb"] < 0.1 and ceiling["msssim"] > 0.5
    )  # palette vs its lightly noised original
    for key in ("uvit/palette", "pixel_mlp/palette", "uvit/rgb"):
        assert set(result["summary"][key]) == {"msssim", "srgb", "de_mean", "de_median"}
    assert (ev / "recolour_grid.png").is_file() and (ev / "eval.md").is_file()


def _the_weights_know_their_embedder(d, uvit_path, cfg):
    """Trained weights record the embedder whose latents they learnt; given another one, recolour
    and evaluate warn (they paired any embedder silently: MS-SSIM 0.32 against 0.16)."""
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.analysis.recolour import embedder_mismatch, load_recolouriser
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import sha256_of

    assert cfg["embedder_sha256"] == sha256_of(d / "dve.safetensors")
    rec = load_recolouriser(uvit_path, "cpu")
    assert embedder_mismatch(rec, load_embedder(d / "dve.safetensors", "cpu")) is None
    torch.manual_seed(1)
    other = build_from_config({})
    save_weights(other.state_dict(), d / "other_dve.safetensors", other.config)
    said = embedder_mismatch(rec, load_embedder(d / "other_dve.safetensors", "cpu"))
    assert said is not None and "other_dve.safetensors" in said


def test_missing_colour_targets_is_a_clear_error(setup, tmp_path, capsys):
    d, _, _ = setup
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    counts, labels, meta = toy_cube(40, 40, seed=3)
    (tmp_path / "data").mkdir()
    write_cube(tmp_path / "data" / "x.h5", counts, cal, targets={"labels": labels})
    assert (
        main(
            [
                "recolouriser",
                "--data",
                str(tmp_path / "data"),
                "--embedder",
                str(d / "dve.safetensors"),
                "--out",
                str(tmp_path / "o"),
                "--device",
                "cpu",
                "--no-progress",
                "--steps",
                "1",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "x.h5" in err and "targets/palette" in err


#: Paints of the learnable toy set: element lines (toy_data.LINES) and the colour they stand for.
PAINTS = (
    ("Hg", (200, 30, 30)),
    ("Cu", (30, 70, 200)),
    ("Fe", (190, 130, 40)),
    ("Zn", (240, 240, 230)),
)


def _paint_dataset(folder, n, size, seed):  # size: one int, or a (h, w) per cube
    """Cubes whose regions are drawn from PAINTS: a region's colour follows from its spectrum, so
    a recolouriser can learn it and colour a cube it never saw (random colours per cube could not
    be)."""
    from xrf_napari.training.toy_data import LINES, line_spectrum, voronoi_labels

    (folder / "cubes").mkdir(parents=True)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    energy = cal.energy(512)
    rng = np.random.default_rng(seed)
    spectra = np.stack([line_spectrum(energy, LINES[el] + LINES["Ca"], 140.0) for el, _ in PAINTS])
    colours = np.array([c for _, c in PAINTS], np.uint8)
    sizes = [size] * n if isinstance(size, int) else list(size)
    for i, (h, w) in enumerate((s, s) if isinstance(s, int) else s for s in sizes):
        labels = voronoi_labels(h, w, 4, rng)
        paint = rng.permutation(len(PAINTS))[labels - 1]
        counts = rng.poisson(400.0 * spectra[paint]).astype(np.uint16)
        palette = colours[paint]
        write_cube(
            folder / "cubes" / f"p{i}.h5",
            counts,
            cal,
            metadata={"name": f"p{i}"},
            targets={"palette": palette, "rgb": palette, "labels": labels},
        )
    (folder / "manifest.json").write_text("{}")
    return folder


def test_a_few_hundred_steps_beat_the_flat_colour_guess(setup, tmp_path):
    """On held-out cubes the trained model's redmean distance must beat painting every pixel with
    the cube's own mean colour (the best flat guess; the one the model card compares against).
    150 steps (0.15 of the flat guess's distance; 300 steps reached 0.08, 100 steps 0.24) keep a
    wide margin below the bound of 0.7 at half the training time."""
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.training.metrics import redmean_distance

    d, _, _ = setup
    data = _paint_dataset(tmp_path / "paints", 8, 40, 7)
    out = tmp_path / "run"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: more threads spin (0.34 s/step with 2, 0.015 with 1)
    try:
        assert (
            main(
                [
                    "recolouriser",
                    "--data",
                    str(data),
                    "--embedder",
                    str(d / "dve.safetensors"),
                    "--out",
                    str(out),
                    "--config",
                    str(d / "cfg.json"),
                    "--device",
                    "cpu",
                    "--no-progress",
                    "--steps",
                    "150",
                    "--checkpoint-every",
                    "50",
                    "--baseline-steps",
                    "0",
                    "--lr",
                    "3e-3",
                ]
            )
            == 0
        )
    finally:
        torch.set_num_threads(threads)
    metrics = json.loads((out / "metrics.json").read_text())
    val_cubes = json.loads((out / "config.json").read_text())["val_cubes"]
    assert val_cubes and metrics["steps"] == 150

    def as_tensor(image):
        return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]

    flat = []
    for name in val_cubes:
        path = data / "cubes" / f"{name.removesuffix('.h5')}.h5"
        target = read_targets(path)["palette"].astype(np.float32) / 255
        guess = np.broadcast_to(target.reshape(-1, 3).mean(0), target.shape)
        flat.append(float(redmean_distance(as_tensor(guess), as_tensor(target))))
    model = metrics["val_uvit"]["srgb"]
    assert model < 0.7 * np.mean(flat), (model, flat)


def test_validation_images_of_mixed_sizes(setup, tmp_path):
    """Validation cubes of different shapes are each predicted and scored at their own size: the
    kept checkpoint's validation loss is the mean of the per-image scores reported for it."""
    d, _, _ = setup
    sizes = [(40, 40), (33, 57), (48, 36), (40, 40), (37, 44), (52, 34), (40, 40), (35, 35)]
    data = _paint_dataset(tmp_path / "mixed", len(sizes), sizes, 3)
    cfg = json.loads((d / "cfg.json").read_text()) | {"val_fraction": 0.4}
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert (
            main(
                [
                    "recolouriser",
                    "--data",
                    str(data),
                    "--embedder",
                    str(d / "dve.safetensors"),
                    "--out",
                    str(tmp_path / "run"),
                    "--config",
                    str(tmp_path / "cfg.json"),
                    "--device",
                    "cpu",
                    "--no-progress",
                    "--steps",
                    "20",
                    "--checkpoint-every",
                    "10",
                    "--baseline-steps",
                    "0",
                ]
            )
            == 0
        )
    finally:
        torch.set_num_threads(threads)
    resolved = json.loads((tmp_path / "run" / "config.json").read_text())
    val_sizes = {sizes[int(name.removesuffix(".h5")[1:])] for name in resolved["val_cubes"]}
    assert len(val_sizes) >= 2, resolved["val_cubes"]
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    best = min(v for _, v in metrics["val_curve"])
    assert np.isfinite(best) and metrics["val_uvit"]["srgb"] == pytest.approx(best, rel=1e-4)


def test_resume_on_another_validation_split_forgets_the_earlier_best(setup, monkeypatch):
    """A checkpoint validated on other cubes (an older split, or the data changed): its best
    candidate is dropped, since those cubes may be in this run's training set (keep_best chose a
    leaked step once when a paper-style run was resumed after the split moved to paintings)."""
    d, train, _ = setup
    out = d / "run_split"
    common = ["--data", str(train), "--embedder", str(d / "dve.safetensors"), "--out", str(out)]
    common += ["--config", str(d / "cfg.json"), "--device", "cpu", "--no-progress"]
    common += ["--checkpoint-every", "3", "--baseline-steps", "0", "--steps", "5"]
    _interrupt_at_step(monkeypatch, 3)
    with pytest.raises(SystemExit):
        main(["recolouriser"] + common)
    monkeypatch.undo()
    ckpt = torch.load(out / "checkpoint.pt", weights_only=False)
    assert ckpt["best"]["step"] == 3
    ckpt["config"]["val_cubes"] = ["a cube of another split"]
    ckpt["best"]["val"] = -1.0  # unbeatable, were it still compared
    torch.save(ckpt, out / "checkpoint.pt")
    with pytest.warns(UserWarning, match="validated on other cubes"):
        assert main(["recolouriser"] + common + ["--resume"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["kept_step"] == 5  # only this split's validations compete


def test_colour_bins_train_choose_their_temperature_and_evaluate(setup, tmp_path):
    """The quantised-colour objective end to end: bins drawn from the training targets travel in
    the weights, the decode temperature is the validation paintings' choice, evaluate reads it."""
    d, train, test = setup
    cfg = json.loads((d / "cfg.json").read_text())
    cfg["model"].update({"pixel_skip": True, "colour_bins": 8})
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = tmp_path / "run"
    common = ["--data", str(train), "--embedder", str(d / "dve.safetensors"), "--out", str(out)]
    common += ["--config", str(tmp_path / "cfg.json"), "--device", "cpu", "--no-progress"]
    assert main(["recolouriser"] + common + ["--steps", "3", "--baseline-steps", "0"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    losses = {float(t): v for t, v in metrics["decode_temperature_val"].items()}
    assert sorted(losses) == [0.38, 0.5, 0.7, 1.0]
    assert metrics["decode_temperature"] == min(losses, key=losses.get)
    state, config = load_weights(out / "uvit.safetensors")
    assert (
        config["colour_bins"] == 8 and config["decode_temperature"] == metrics["decode_temperature"]
    )
    # every bin is a colour of the training targets (a palette colour up to the +-8 noise of rgb)
    from xrf_napari.io.project_h5 import read_targets

    seen = np.concatenate(
        [read_targets(p)["palette"].reshape(-1, 3) for p in sorted((train / "cubes").glob("*.h5"))]
    ).astype(np.float32)
    bins = state["bin_rgb"].float().numpy() * 255
    assert bins.shape == (8, 3)
    nearest = np.abs(bins[:, None, :] - seen[None]).max(-1).min(1)
    assert (nearest < 1.0).all(), nearest
    assert _evaluate(d, test, out / "uvit.safetensors", tmp_path / "eval") == 0
    assert (tmp_path / "eval" / "eval.json").is_file()


def test_init_fine_tunes_from_weights_and_refuses_another_architecture(
    setup, tmp_path, capsys, monkeypatch
):
    """--init starts from given weights with their input normalisation (a run that ignored them
    would start from random weights); the starting weights compete for keep_best; a config whose
    model differs from the weights is refused by name."""
    d, train, _ = setup
    common = ["--data", str(train), "--embedder", str(d / "dve.safetensors")]
    common += ["--config", str(d / "cfg.json"), "--device", "cpu", "--no-progress"]
    common += ["--baseline-steps", "0", "--checkpoint-every", "2"]
    assert main(["recolouriser"] + common + ["--out", str(tmp_path / "a"), "--steps", "2"]) == 0
    init = tmp_path / "a" / "uvit.safetensors"
    start, start_cfg = load_weights(init)
    out = tmp_path / "b"
    args = ["--out", str(out), "--steps", "3", "--lr", "1e-12"]
    _interrupt_at_step(monkeypatch, 2)
    with pytest.raises(SystemExit):
        main(["recolouriser"] + common + args + ["--init", str(init)])
    monkeypatch.undo()
    # resumed without --init: the normalisation and the init record stay the fine-tune's
    assert main(["recolouriser"] + common + args + ["--resume"]) == 0
    state, cfg = load_weights(out / "uvit.safetensors")
    assert cfg["init"]["sha256"] == sha256_of(init)
    assert cfg["latent_mean"] == start_cfg["latent_mean"]
    assert cfg["latent_std"] == start_cfg["latent_std"]
    for k, v in start.items():  # a learning rate of 1e-12 leaves the starting weights
        assert torch.allclose(state[k].float(), v.float(), atol=1e-3), k
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val_curve"][0][0] == 0  # the starting weights were validated
    other = json.loads((d / "cfg.json").read_text())
    other["model"]["depth"] = 5
    (tmp_path / "other.json").write_text(json.dumps(other))
    bad = common[:4] + ["--config", str(tmp_path / "other.json")] + common[6:]
    capsys.readouterr()
    assert main(["recolouriser"] + bad + ["--out", str(tmp_path / "c"), "--init", str(init)]) != 0
    assert "differs from the weights (depth: config 5, weights 3)" in capsys.readouterr().err
    assert not (tmp_path / "c" / "uvit.safetensors").exists()
    dve = ["--out", str(tmp_path / "d"), "--init", str(d / "dve.safetensors")]
    assert main(["recolouriser"] + common + dve) != 0
    assert "not SmallUViT (recolouriser) weights (a DVE" in capsys.readouterr().err


def test_foreign_h5_files_and_foreign_baseline_weights_are_one_line_errors(setup, tmp_path, capsys):
    """recolouriser and evaluate read any .h5 as a project cube (a KeyError traceback on a file
    without /counts), and evaluate --baseline loaded any weights into a PixelMLP (a TypeError or
    RuntimeError traceback); the embedder already refused such files in one line."""
    import h5py

    d, _, test = setup
    plain = tmp_path / "plain"
    plain.mkdir()
    for i in range(3):
        with h5py.File(plain / f"x{i}.h5", "w") as f:
            f["data"] = np.zeros((4, 4, 8), np.uint16)
    commands = (
        ["recolouriser", "--data", str(plain), "--embedder", str(d / "dve.safetensors")]
        + ["--out", str(tmp_path / "run"), "--config", str(d / "cfg.json")],
        ["evaluate", "--data", str(plain), "--embedder", str(d / "dve.safetensors")],
    )
    for argv in commands:
        assert main(argv + ["--device", "cpu", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"{plain / 'x0.h5'} is not an xrf-napari project file" in err
        assert "Traceback" not in err
    argv = ["evaluate", "--data", str(test), "--baseline", str(d / "dve.safetensors")]
    assert main(argv + ["--device", "cpu", "--no-ari", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "not per-pixel MLP weights (a dve model)" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["embedder", "--steps", "0"], "--steps: 0 is out of range"),
        (["embedder", "--threads", "-1"], "--threads: -1 is out of range"),
        (["embedder", "--checkpoint-every", "0"], "--checkpoint-every: 0 is out of range"),
        (["embedder", "--epochs", "0"], "--epochs: 0 is out of range"),
        (["embedder", "--lr", "nan"], "--lr: nan is not a number"),
        (["recolouriser", "--steps", "-5"], "--steps: -5 is out of range"),
        (["recolouriser", "--batch", "0"], "--batch: 0 is out of range"),
        (["recolouriser", "--crop", "-16"], "--crop: -16 is out of range"),
        (["recolouriser", "--time-budget", "-1"], "--time-budget: -1 is out of range"),
        (["recolouriser", "--checkpoint-every", "-3"], "--checkpoint-every: -3 is out of range"),
        (["recolouriser", "--baseline-steps", "-1"], "--baseline-steps: -1 is out of range"),
        (["evaluate", "--max-cubes", "-1"], "--max-cubes: -1 is out of range"),
        (["evaluate", "--grid", "0"], "--grid: 0 is out of range"),
    ],
)
def test_nonsense_numbers_are_refused_at_parsing(argv, message, tmp_path, capsys):
    """They trained untrained weights (--steps 0), NaN losses (--batch 0), silently odd schedules
    (--checkpoint-every -3), or failed with a traceback after the data was loaded."""
    argv = argv[:1] + ["--data", str(tmp_path / "d"), "--out", str(tmp_path / "o")] + argv[1:]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_embedder_batch_must_split_into_its_cubes(tmp_path, capsys):
    """--batch 3 became 2 pixels x 16 cubes = 32 spectra without a word."""
    argv = ["embedder", "--data", str(tmp_path / "d"), "--out", str(tmp_path / "o")]
    assert main(argv + ["--batch", "3"]) == 2
    assert "--batch 3: must be a multiple of cubes_per_batch 16" in capsys.readouterr().err


def test_pixel_mlp_trains_any_number_of_steps():
    """OneCycleLR divided by zero at exactly 20 steps, after the whole SmallUViT run."""
    from xrf_napari.training.train_pixel_mlp import train_pixel_mlp

    latents, targets = [torch.randn(3, 4, 4)], [torch.rand(3, 4, 4)]
    for steps in (1, 2, 19, 20, 21, 30):
        _, loss = train_pixel_mlp(latents, targets, steps=steps, device="cpu")
        assert np.isfinite(loss)


@pytest.mark.parametrize(
    "command, config, message",
    [
        ("embedder", {"model": {"latent_dims": 8}}, "unknown keys ['model.latent_dims']"),
        ("recolouriser", {"model": {"depht": 5}}, "unknown keys ['model.depht']"),
        ("embedder", {"lr": "0.002"}, "lr must be a number, not '0.002'"),
        ("recolouriser", {"lr": "0.002"}, "lr must be a number, not '0.002'"),
        ("recolouriser", {"keep_best": "false"}, "keep_best must be true or false, not 'false'"),
        ("recolouriser", {"batch": 4.5}, "batch must be a whole number, not 4.5"),
        ("embedder", {"model": {"hidden": 64}}, "model.hidden must be a list, not 64"),
    ],
)
def test_config_keys_and_types_are_checked_before_any_data(
    command, config, message, tmp_path, capsys
):
    """Misspelt keys inside "model" were dropped silently (the default was trained, the typo stored
    in the weights) and a string for a number failed with a traceback after the data was loaded
    (here --data does not even exist)."""
    (tmp_path / "cfg.json").write_text(json.dumps(config))
    argv = [command, "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    assert main(argv + ["--config", str(tmp_path / "cfg.json"), "--device", "cpu"]) == 2
    assert message in capsys.readouterr().err
