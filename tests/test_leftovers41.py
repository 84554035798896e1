"""Session 41 leftovers: a run resumed on another kind of device says so in its records (not
only on stderr), the embedder's --amp compared on resume as given rather than as applied, and a
float RGBA photograph's NaN colours under alpha 0 composited white (Pigments dock and CLI)."""

import json

import numpy as np
import pytest

from xrf_napari.analysis.colour_prior import check_photo_values, photo_on_scan

#: A CUDA generator's state (seed and offset): what a run interrupted on a GPU checkpoints.
CUDA_STATE_BYTES = 16


def _cuda_state():
    import torch

    return torch.zeros(CUDA_STATE_BYTES, dtype=torch.uint8)


def _embedder_run(tmp_path, amp=False):
    """A tiny embedder run interrupted at step 2 of 4 on the CPU: (data, out, cfg file)."""
    from _cli_models import tiny_embedder_config

    from xrf_napari.training.toy_data import write_toy_dataset
    from xrf_napari.training.train_embedder import train

    data = write_toy_dataset(tmp_path / "set", n_cubes=1, size=8, seed=1)
    cfg = tiny_embedder_config(model={**tiny_embedder_config()["model"], "hidden": [8]})
    cfg["amp"] = amp
    (tmp_path / "cfg.json").write_text(json.dumps(cfg), encoding="utf-8")
    out = tmp_path / "run"
    first = json.loads(json.dumps(cfg))
    assert train(data, out, first, device_name="cpu", progress=False, stop_after=2) == {
        "interrupted_at": 2
    }
    return data, out, tmp_path / "cfg.json"


def test_a_resume_on_another_device_is_recorded_in_the_embedders_outputs(tmp_path):
    """c27399a let a run interrupted on a GPU go on on the CPU (a new random stream from the seed
    and step), saying so in one stderr line only: config.json, metrics.json and the weights read
    as those of one run, and whoever re-measured a figure from its command could not tell why it
    differs. Each resume is now listed under "resumes" (step, device, threads, stream)."""
    torch = pytest.importorskip("torch")
    from xrf_napari.cli.train import main
    from xrf_napari.models.weights import load_weights

    data, out, cfg = _embedder_run(tmp_path)
    state = torch.load(out / "checkpoint.pt", weights_only=True)
    torch.save({**state, "generator": _cuda_state()}, out / "checkpoint.pt")
    args = ["embedder", "--data", str(data), "--out", str(out), "--config", str(cfg)]
    with pytest.warns(UserWarning, match="another kind of device"):
        assert main(args + ["--device", "cpu", "--no-progress", "--resume"]) == 0
    records = [
        json.loads((out / "config.json").read_text(encoding="utf-8")),
        json.loads((out / "metrics.json").read_text(encoding="utf-8")),
        load_weights(out / "dve.safetensors")[1]["training"],
    ]
    for rec in records:
        (resume,) = rec["resumes"]
        assert resume["step"] == 2 and resume["device"] == "cpu"
        assert resume["random_stream"].startswith("new, seeded from the seed and step")
        assert resume["torch_threads"] == torch.get_num_threads()
    # config.json still repeats the run as --config (the record is derived, skipped)
    again = tmp_path / "again"
    args = ["embedder", "--data", str(data), "--out", str(again)]
    args += ["--config", str(out / "config.json"), "--steps", "1", "--device", "cpu"]
    assert main(args + ["--no-progress"]) == 0
    assert "resumes" not in json.loads((again / "config.json").read_text(encoding="utf-8"))


def test_a_recolouriser_resume_records_its_stream(tmp_path, monkeypatch):
    """The recolouriser's too: a checkpoint of another device's sampler stream is recorded as a
    new stream, and a second resume on the same device appends "continued"."""
    torch = pytest.importorskip("torch")
    import signal

    from test_train_recolouriser import _dataset
    from test_weights41 import write_tiny_recolouriser_config

    from xrf_napari.cli.train import main
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import load_weights, save_weights
    from xrf_napari.training.train_recolouriser import CropSampler

    torch.manual_seed(0)
    dve = build_from_config({"hidden": [8]})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    write_tiny_recolouriser_config(tmp_path / "cfg.json")
    data = _dataset(tmp_path / "set", 1, 8, 0)
    out = tmp_path / "run"
    args = ["recolouriser", "--data", str(data), "--embedder", str(tmp_path / "dve.safetensors")]
    args += ["--out", str(out), "--config", str(tmp_path / "cfg.json"), "--steps", "4"]
    args += ["--checkpoint-every", "1", "--device", "cpu", "--no-progress"]

    def interrupt_at(n):
        real, calls = CropSampler.sample, []

        def sample(self, *a, **k):
            calls.append(1)
            if len(calls) == n:
                signal.raise_signal(signal.SIGINT)
            return real(self, *a, **k)

        monkeypatch.setattr(CropSampler, "sample", sample)

    interrupt_at(2)
    with pytest.raises(SystemExit):
        main(args)
    monkeypatch.undo()
    state = torch.load(out / "checkpoint.pt", weights_only=False)
    state["sampler_rng"]["device"] = _cuda_state()
    torch.save(state, out / "checkpoint.pt")
    interrupt_at(1)
    with pytest.raises(SystemExit), pytest.warns(UserWarning, match="another kind of device"):
        main(args + ["--resume"])
    monkeypatch.undo()
    assert main(args + ["--resume"]) == 0
    records = [
        json.loads((out / "config.json").read_text(encoding="utf-8")),
        json.loads((out / "metrics.json").read_text(encoding="utf-8")),
        load_weights(out / "uvit.safetensors")[1]["training"],
    ]
    for rec in records:
        first, second = rec["resumes"]
        assert (first["step"], second["step"]) == (2, 3)
        assert first["random_stream"].startswith("new, seeded") and first["device"] == "cpu"
        assert second["random_stream"] == "continued"
        assert len(rec["resumed_by"]) == 2


def test_embedder_amp_is_compared_as_given_when_a_cpu_run_resumes_on_a_gpu(tmp_path):
    """A run begun on the CPU with --amp (recorded "amp": false, as applied there) and resumed on
    a GPU with the same command (amp true there) was refused: "amp False there, True now: resume
    with the interrupted command unchanged". No GPU here: the checkpoint's config is that of a
    real CPU run with --amp, and the resuming run's is the same command resolved on CUDA (amp
    applies), checked as _build checks it with cuda=True."""
    torch = pytest.importorskip("torch")
    from xrf_napari.training.train_embedder import _check_resume

    _, out, _ = _embedder_run(tmp_path, amp=True)
    ckpt = out / "checkpoint.pt"
    before = json.loads(torch.load(ckpt, weights_only=True)["config_json"])
    assert before["amp"] is False  # as applied on the CPU
    on_cuda = {**before, "amp": True}  # the same command, resolved where amp applies
    _check_resume(ckpt, before, on_cuda, cuda=True)  # accepted
    # another request is still refused on CUDA, naming the flag
    asked_not = {**before, "amp": False, "amp_requested": False}
    with pytest.raises(ValueError, match="--amp given there, not given now"):
        _check_resume(ckpt, before, asked_not, cuda=True)
    _check_resume(ckpt, before, asked_not, cuda=False)  # off CUDA it changes nothing
    # a checkpoint from before the request was recorded: refused, saying why and what to do
    old = {k: v for k, v in before.items() if k != "amp_requested"}
    with pytest.raises(ValueError, match=r"records whether amp applied.*resume without --amp"):
        _check_resume(ckpt, old, on_cuda, cuda=True)


def _rgba_with_hidden_nan(alpha_at_nan=0.0):
    photo = np.full((6, 8, 4), 0.5, np.float32)
    photo[..., 3] = 1.0
    photo[:2, :, :3] = np.nan  # a cut-out's transparent surround, saved as float
    photo[:2, :, 3] = 0.0
    photo[4, 5, :3] = np.nan
    photo[4, 5, 3] = alpha_at_nan
    return photo


def test_nan_colours_under_alpha_zero_are_composited_white():
    """A float RGBA photograph whose colours are NaN where alpha is 0 was refused ("... pixels
    over the scan have no value"), though compositing on white makes those pixels white; it was
    also NaN after compositing (NaN * 0). One path: the dock's check and photo_on_scan (the
    CLI's read_photo) alike."""
    photo = _rgba_with_hidden_nan()
    check_photo_values(photo, "cut-out")
    rgb = photo_on_scan(photo, (6, 8), "cut-out")
    assert np.isfinite(rgb).all()
    assert np.allclose(rgb[:2], 1.0) and np.allclose(rgb[4, 5], 1.0)
    assert np.allclose(rgb[2:4], 0.5)
    on_255 = _rgba_with_hidden_nan()
    on_255[2:] *= 255.0  # a 0-255 float image: alpha 0 is 0 on any scale
    assert np.allclose(photo_on_scan(on_255, (3, 4), "cut-out"), photo_on_scan(photo, (3, 4)))


@pytest.mark.parametrize("alpha", [1.0, 0.5, np.nan])
def test_nan_colours_where_alpha_shows_them_are_refused_naming_the_pixel(alpha):
    """A NaN colour that alpha shows (or a NaN alpha, read as opaque) is still refused, before
    any work, now naming the first such pixel."""
    photo = _rgba_with_hidden_nan(alpha)
    for check in (check_photo_values, lambda p, n: photo_on_scan(p, (6, 8), n)):
        with pytest.raises(ValueError, match=r"cut-out: 1 of its 48 pixels .* row 4, column 5"):
            check(photo, "cut-out")
    rgb = np.full((6, 8, 3), 0.5, np.float32)
    rgb[1, 2] = np.nan  # plain RGB: no alpha hides anything
    with pytest.raises(ValueError, match="row 1, column 2"):
        check_photo_values(rgb, "plain")
