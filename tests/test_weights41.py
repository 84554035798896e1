"""Session 41 audit of how models are saved, loaded, checkpointed and resumed: damaged or foreign
weights files named for what they are, the colour prior's width counted as training builds it,
--epochs that round to no step, a time budget that ends before the first step, a checkpoint of
the other trainer in --out, and a run resumed on another kind of device."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import WeightsError, load_weights, save_weights  # noqa: E402

#: A DVE that builds and saves in milliseconds.
SMALL_DVE = {"hidden": [8]}


def write_tiny_recolouriser_config(path) -> None:
    """A SmallUViT config of a few hundred parameters on 8 px crops: a run of a few steps in well
    under a second."""
    cfg = {
        "model": {"patch": 4, "dim": 9, "depth": 1, "heads": 9, "head_hidden": 4},
        "crop": 8,
        "batch": 2,
        "baseline_steps": 0,
    }
    path.write_text(json.dumps(cfg), encoding="utf-8")


@pytest.fixture(scope="module")
def dve(tmp_path_factory):
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("w41")
    torch.manual_seed(0)
    model = build_from_config(SMALL_DVE)
    save_weights(model.state_dict(), d / "dve.safetensors", model.config)
    return d / "dve.safetensors"


def test_truncated_empty_and_npz_weights_are_named_for_what_they_are(dve, tmp_path):
    """A weights file cut short was "cannot read weights file ...: Error while deserializing
    header: incomplete metadata, file not fully covered"; an empty one "is not a safetensors
    file"; a NumPy .npz (the trainer's latent_cache.npz) "is a PyTorch pickle (torch.save)"."""
    good = dve.read_bytes()
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(good[:-40])
    said = f"cut.safetensors is truncated: it holds {len(good) - 40} bytes, its header asks for "
    with pytest.raises(WeightsError, match=rf"{said}{len(good)}: a download or copy cut short"):
        load_weights(cut)
    cut.write_bytes(good[:30])  # inside the header
    with pytest.raises(WeightsError, match="it holds 30 bytes, its header asks for at least"):
        load_weights(cut)
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    with pytest.raises(WeightsError, match=r"empty.safetensors is empty \(0 bytes\)"):
        load_weights(empty)
    np.savez(tmp_path / "latent_cache.npz", latent_0=np.zeros((2, 2, 3), np.float32))
    with pytest.raises(WeightsError, match=r"latent_cache.npz is a NumPy .npz archive"):
        load_weights(tmp_path / "latent_cache.npz")
    text = tmp_path / "notes.safetensors"
    text.write_text('comment:{"not": "a header"}', encoding="utf-8")  # its 9th byte is "{"
    with pytest.raises(WeightsError, match="notes.safetensors is not a safetensors file$"):
        load_weights(text)
    assert load_weights(dve)[1]["hidden"] == [8]  # a whole file still loads


def test_input_width_counts_the_colour_prior_channels_training_appends(monkeypatch):
    """input_width (the --init check before embedding, the meta-device model check) and the
    SmallUViT's config check counted the colour prior as a hard-coded 4 channels, not the
    channels with_colour_prior appends to the inputs training really feeds."""
    from xrf_napari.analysis import ambiguity
    from xrf_napari.models import input_layout
    from xrf_napari.models.uvit import full_config
    from xrf_napari.training.train_recolouriser import input_width

    monkeypatch.setattr(input_layout, "PRIOR_CHANNELS", 5)  # another prior layout
    elements = ["Fe", "Cu"]
    built = ambiguity.with_colour_prior(np.zeros((1, 1, 3 + 2), np.float32), elements)
    model = {"line_elements": elements, "colour_prior": True}
    assert input_width(3, model) == built.shape[-1] == 10
    assert input_width(3, {"line_elements": elements}) == 5
    # 1 line feature and 5 prior channels leave no channel of a 6-wide input to the latent
    cfg = {"line_elements": ["Fe"], "colour_prior": True, "in_chans": 6}
    with pytest.raises(ValueError, match="leaves no room for the latent"):
        full_config({**cfg, "latent_mean": [0.0] * 6, "latent_std": [1.0] * 6})


def test_embedder_epochs_that_round_to_no_step_train_one(tmp_path):
    """--epochs 0.01 of a small set resolved to 0 steps: the untrained network was written as
    dve.safetensors with rc 0. Now at least one step, as the recolouriser's --epochs."""
    from xrf_napari.training.distributed import DistInfo
    from xrf_napari.training.toy_data import write_toy_dataset
    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG, _pool

    data = write_toy_dataset(tmp_path / "set", n_cubes=1, size=8, seed=1)
    cfg = {**json.loads(json.dumps(DEFAULT_TRAIN_CONFIG)), "epochs": 0.01}
    _pool(data, cfg, "cpu", DistInfo())
    assert 0.01 * cfg["resolved"]["steps_per_epoch"] < 0.5  # rounds to 0 steps
    assert cfg["steps"] == 1


def test_a_time_budget_that_ends_before_the_first_step_writes_no_weights(
    dve, tmp_path, monkeypatch, capsys
):
    """A budget spent before the first step (here: a clock that says so) wrote the untrained
    SmallUViT as uvit.safetensors with rc 0."""
    from test_train_recolouriser import _dataset

    from xrf_napari.training import train_recolouriser

    monkeypatch.setattr(train_recolouriser.LoopState, "elapsed", lambda self: 1e9)
    write_tiny_recolouriser_config(tmp_path / "cfg.json")
    data = _dataset(tmp_path / "set", 1, 8, 0)
    out = tmp_path / "run"
    args = ["recolouriser", "--data", str(data), "--embedder", str(dve), "--out", str(out)]
    args += ["--config", str(tmp_path / "cfg.json"), "--steps", "3", "--time-budget", "60"]
    assert main(args + ["--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--time-budget 60 s ended before the first training step" in err
    assert not (out / "uvit.safetensors").exists() and not (out / "metrics.json").exists()


def _fake_checkpoint(path, trainer: str, step: int, steps: int):
    state = {"model": {}, "optimizer": {}, "step": step}
    if trainer == "embedder":
        state |= {"generator": torch.Generator().get_state(), "history_json": "{}"}
        state["config_json"] = json.dumps({"steps": steps})
    else:
        state |= {"sampler_rng": {}, "torch_rng": torch.get_rng_state(), "curves": {}}
        state |= {"config": {"steps": steps}, "finished": step >= steps}
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)


@pytest.mark.parametrize(
    ("command", "other", "step", "resume"),
    [
        ("recolouriser", "embedder", 2, True),  # told to --resume, which could not work
        ("recolouriser", "embedder", 6, False),  # a finished run's records were replaced
        ("embedder", "recolouriser", 2, True),
    ],
)
def test_an_out_holding_the_other_trainers_run_is_refused(
    dve, tmp_path, capsys, command, other, step, resume
):
    """The recolouriser run into the embedder's --out was told 'holds an interrupted run ...
    continue it with --resume', and --resume then called the checkpoint "not an xrf-napari
    training checkpoint (missing curves, sampler_rng, torch_rng)"; a finished embedder run's
    checkpoint, config.json and metrics.json were replaced by the recolouriser's."""
    out = tmp_path / "run"
    _fake_checkpoint(out / "checkpoint.pt", other, step, 6)
    before = (out / "checkpoint.pt").read_bytes()
    (tmp_path / "empty").mkdir()
    args = [command, "--data", str(tmp_path / "empty"), "--out", str(out), "--device", "cpu"]
    args += ["--embedder", str(dve)] if command == "recolouriser" else []
    assert main(args + ["--steps", "6", "--no-progress"] + ["--resume"] * resume) == 2
    err = capsys.readouterr().err
    state = "finished" if step == 6 else "interrupted"
    assert f"is the checkpoint of a run training the {other}" in err, err
    assert f"({state} at step {step} of 6)" in err and "another --out" in err
    assert (out / "checkpoint.pt").read_bytes() == before


#: A CUDA generator's state (seed and offset): what a run interrupted on a GPU checkpoints.
CUDA_STATE = torch.zeros(16, dtype=torch.uint8)


def test_a_checkpoint_of_another_kind_of_device_resumes_on_a_new_stream():
    """--resume on the CPU of a run interrupted on a GPU (or the reverse) ended in 'RuntimeError:
    Expected a CPUGeneratorImplState of size 5056 but found the input RNG state size to be 16'.
    Both trainers now go on from the checkpoint on a stream seeded from the seed and step (the
    same for the same checkpoint) and say so; a state of this device is restored as before."""
    from xrf_napari.training import train_embedder, train_recolouriser

    embedder_state = {"step": 4, "generator": CUDA_STATE, "history_json": "{}"}
    loops = [
        train_embedder.LoopState.from_checkpoint(embedder_state, torch.Generator())
        for _ in range(2)
    ]
    assert not loops[0].stream_restored and loops[0].step == 4
    assert torch.equal(loops[0].gen.get_state(), loops[1].gen.get_state())
    # not the run's first stream again (its first batches would repeat)
    assert not torch.equal(loops[0].gen.get_state(), torch.Generator().manual_seed(0).get_state())
    same = {**embedder_state, "generator": torch.Generator().manual_seed(9).get_state()}
    loop = train_embedder.LoopState.from_checkpoint(same, torch.Generator())
    assert loop.stream_restored and torch.equal(loop.gen.get_state(), same["generator"])

    def sampler():
        lat = [np.arange(8 * 8 * 3, dtype=np.float32).reshape(8, 8, 3)]
        tgt = [np.zeros((8, 8, 3), np.uint8)]
        return train_recolouriser.CropSampler(lat, tgt, 4, torch.device("cpu"), seed=0)

    state = {
        "step": 5,
        "sampler_rng": {"cpu": torch.Generator().get_state(), "device": CUDA_STATE},
        "torch_rng": torch.get_rng_state(),
        "curves": {"train": [], "val": []},
    }
    batches = []
    for s in (sampler(), sampler()):
        loop = train_recolouriser.LoopState.from_checkpoint(state, s)
        assert not loop.stream_restored and loop.step == 5
        batches.append(s.sample(2)[0])
    assert torch.equal(*batches)


def test_the_embedder_resumes_a_gpu_checkpoint_on_the_cpu_with_a_warning(tmp_path):
    """End to end: rc 0, the run's steps done, one warning naming the checkpoint and device."""
    from _cli_models import tiny_embedder_config

    from xrf_napari.training.toy_data import write_toy_dataset
    from xrf_napari.training.train_embedder import train

    data = write_toy_dataset(tmp_path / "set", n_cubes=1, size=8, seed=1)
    cfg = tiny_embedder_config(model={**tiny_embedder_config()["model"], "hidden": [8]})
    (tmp_path / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")
    out = tmp_path / "run"
    first = json.loads(json.dumps(cfg))
    assert train(data, out, first, device_name="cpu", progress=False, stop_after=2) == {
        "interrupted_at": 2
    }
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    torch.save({**state, "generator": CUDA_STATE}, out / "checkpoint.pt")
    args = ["embedder", "--data", str(data), "--out", str(out)]
    args += ["--config", str(tmp_path / "cfg.json")]
    with pytest.warns(UserWarning, match="another kind of device") as warned:
        assert main(args + ["--device", "cpu", "--no-progress", "--resume"]) == 0
    said = str(warned[0].message)
    assert f"{out / 'checkpoint.pt'} was written by a run on another kind of device" in said
    assert "(cpu)" in said and "not be bit-identical" in said
    assert load_weights(out / "dve.safetensors")[1]["training"]["steps"] == 4


@pytest.mark.parametrize("damage", ["cut", "empty"])
def test_a_damaged_latent_cache_is_embedded_again(dve, tmp_path, capsys, damage):
    """A latent_cache.npz cut short (a full disk, a copied run folder) ended the recolouriser
    in a BadZipFile or EOFError traceback; it is a cache: now embedded again, with a note."""
    from test_train_recolouriser import _dataset

    from xrf_napari.training.train_recolouriser import embed_dataset

    data = _dataset(tmp_path / "set", 1, 8, 0)
    cache = tmp_path / "latent_cache.npz"
    first = embed_dataset(data, dve, "cpu", cache, progress=False)
    good = cache.read_bytes()
    cache.write_bytes(good[: len(good) // 2] if damage == "cut" else b"")
    again = embed_dataset(data, dve, "cpu", cache, progress=False)
    assert "latent_cache.npz is damaged or not a latent cache" in capsys.readouterr().err
    assert np.array_equal(first[0][0], again[0][0])
    with np.load(cache) as z:  # rewritten whole
        assert np.array_equal(z["latent_0"], first[0][0])
