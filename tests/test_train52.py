"""Session 52, train52: a checkpoint resumed on another kind of device keeps this device's
optimiser settings; the stop of a torchrun embedding pass counts its parts as a lower bound; a
cube off the canonical grid is re-binned by the ARI table and refused by the embedder's training;
a full disk after the training loop names the --resume; evaluate prints its colour table before
the ARI pass."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _emb_argv, _rec_argv, _tiny_pair, setup  # noqa: E402, F401 - fixture
from test_train51 import _embed_calls  # noqa: E402


def _tiny_run():
    """A small model and its AdamW, as the recolouriser builds it on the CPU (not fused)."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.GELU(), torch.nn.Linear(16, 3))
    return model, torch.optim.AdamW(model.parameters(), lr=1e-2)


def _step(model, opt, i: int) -> None:
    x = torch.randn(32, 8, generator=torch.Generator().manual_seed(i))
    opt.zero_grad()
    model(x).square().mean().backward()
    opt.step()


def test_a_gpu_checkpoint_resumed_on_the_cpu_steps_as_a_cpu_run(tmp_path):
    """The recolouriser's AdamW is fused on CUDA only, and load_state_dict took "fused": True
    from a GPU run's checkpoint, so the run resumed on the CPU went on with the fused kernel
    (other sums: weights 1.5e-8 off an unfused run's after 3 steps; torch before 2.4 has no fused
    CPU kernel, a RuntimeError). The optimiser keeps this device's settings: the checkpoint read
    with map_location="cpu" steps bit for bit as the run that was not interrupted."""
    from xrf_napari.training.common import load_checkpoint, save_checkpoint

    model, opt = _tiny_run()
    for i in range(3):
        _step(model, opt, i)
    saved = copy.deepcopy(opt.state_dict())
    for group in saved["param_groups"]:  # as a run on CUDA writes them
        group["fused"] = True
    for state in saved["state"].values():
        state["step"] = state["step"].float()
    save_checkpoint(tmp_path / "c.pt", model=model.state_dict(), optimizer=saved, step=3)
    resumed, resumed_opt = _tiny_run()
    load_checkpoint(tmp_path / "c.pt", model=resumed, optimizer=resumed_opt)
    assert [g["fused"] for g in resumed_opt.param_groups] == [None]
    for i in range(3, 6):
        _step(model, opt, i)
        _step(resumed, resumed_opt, i)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), resumed.parameters()))


def test_a_torchrun_stop_says_its_count_of_parts_is_a_lower_bound(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    """Under torchrun rank 0 counted the parts while the other ranks could still be writing
    theirs, and said "the latents of K of n cubes stay", K one or more too low: it says "at
    least K" there (nothing else uses the count; a rerun reads the parts themselves)."""
    from xrf_napari.training import distributed
    from xrf_napari.training import train_recolouriser as tr

    _, data, dve, _, _ = setup
    cache = tmp_path / "out" / tr.CACHE_NAME
    monkeypatch.setattr(distributed, "all_max", lambda value, info: value)  # rank 0 of 2 alone
    _embed_calls(monkeypatch, stop_at=2)  # rank 0's cubes 0 and 2: stopped in cube 2
    with pytest.raises(KeyboardInterrupt):
        tr.embed_dataset(data, dve, "cpu", cache, progress=False, dist=distributed.DistInfo(0, 2))
    err = capsys.readouterr().err
    assert "the latents of at least 1 of 4 cubes stay in " in err, err
    _embed_calls(monkeypatch, stop_at=1)
    with pytest.raises(KeyboardInterrupt):
        tr.embed_dataset(data, dve, "cpu", cache, progress=False)
    assert "the latents of 1 of 4 cubes stay in " in capsys.readouterr().err


def _regrid(path, factor: float = 1.0, shift: int = 0) -> np.ndarray:
    """Rewrite the toy cube `path` on another grid: its channels merged in twos (factor 2), or
    the canonical bins moved `shift` channels down (a later offset). Returns its old counts."""
    import h5py

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import read_project_cube, read_targets, write_cube

    with h5py.File(path, "r") as f:
        cube = read_project_cube(f, path)
        counts, meta = f["counts"][()], json.loads(f.attrs["metadata"])
    cal = cube.calibration
    if factor == 2:
        new = counts.reshape(*counts.shape[:2], -1, 2).sum(-1)
    else:
        new = np.zeros_like(counts)
        new[..., : counts.shape[2] - shift] = counts[..., shift:]
    offset = cal.offset + cal.gain * ((factor - 1) / 2 + shift)
    write_cube(
        path, new, Calibration(offset, cal.gain * factor), metadata=meta, targets=read_targets(path)
    )
    return counts


@pytest.fixture
def toy_set(tmp_path):
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.toy_data import write_toy_dataset

    data = write_toy_dataset(tmp_path / "set", n_cubes=2, size=24, seed=4)
    return data, list_cubes(data)


def test_the_ari_table_reads_a_cube_of_other_channels_as_the_colour_table_does(tmp_path, toy_set):
    """evaluate's colour table re-bins every cube onto the canonical grid (analysis.embed), but
    its ARI pass refused a cube of other channels, "counts must be (H, W, 512)", after the whole
    colour table and the cubes before it: the ARI pass re-bins it too."""
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights
    from xrf_napari.training.eval_embedder import evaluate_embedder

    data, files = toy_set
    _regrid(files[0], factor=2)  # 256 channels of 100 eV
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    got = evaluate_embedder(
        data, tmp_path / "dve.safetensors", device="cpu", max_cubes=1, oracle=False, progress=False
    )
    (row,) = got["per_cube"]
    assert row["cube"] == files[0].name and np.isfinite(row["dve"])


def test_a_cube_of_512_channels_on_another_calibration_is_not_read_as_canonical(toy_set):
    """The check was of the channel count alone: 512 channels starting two bins later were
    trained on and scored as if they were the canonical bins. The embedder's training refuses
    them, naming the grid; the ARI table re-bins them (the same counts, two bins along)."""
    from xrf_napari.training.data import read_cube_arrays

    _, files = toy_set
    before = _regrid(files[0], shift=2)
    with pytest.raises(
        ValueError,
        match=r"toy_0000\.h5: counts must be on the canonical grid .*"
        r"got 512 channels from 1\.1 keV, 50 eV each",
    ):
        read_cube_arrays(files[0])
    counts, _, _ = read_cube_arrays(files[0], rebin=True)
    np.testing.assert_allclose(counts[..., :2], 0, atol=1e-5)
    np.testing.assert_allclose(counts[..., 2:], before[..., 2:], rtol=1e-6, atol=1e-5)
    assert read_cube_arrays(files[1])[0].dtype == before.dtype  # a canonical cube as it is


@pytest.mark.parametrize("kind", ["embedder", "recolouriser"])
def test_a_full_disk_after_training_says_the_resume_that_writes_the_results(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
    kind,
):
    """A full disk while the weights were written said "cannot write .../dve.safetensors: No
    space left on device" alone, and the same command (no --resume) trained the run again from
    step 0: the error names the checkpoint that stays and the --resume that writes the results
    without training again, which it does."""
    import errno

    import safetensors.torch

    from xrf_napari.cli.train import main

    make = _emb_argv if kind == "embedder" else _rec_argv
    out = tmp_path / "run"
    save = safetensors.torch.save_file

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safetensors.torch, "save_file", full)
    assert main(make(setup, out, "--steps", "2")) == 2
    err = capsys.readouterr().err
    weights = "dve" if kind == "embedder" else "uvit"
    assert f"cannot write {out / weights}.safetensors: No space left on device. " in err, err
    assert f"Checkpoint {out / 'checkpoint.pt'} (step 2) stays: with room made, " in err
    assert err.rstrip().endswith(" --steps 2 --resume writes the results without training again")
    monkeypatch.setattr(safetensors.torch, "save_file", save)
    assert main(make(setup, out, "--steps", "2", "--resume")) == 0
    assert "steps 2 to 2" in capsys.readouterr().err
    assert (out / f"{weights}.safetensors").is_file()


def test_evaluate_prints_the_colour_table_before_the_ari_pass(
    toy_set, tmp_path, monkeypatch, capsys
):
    """The colour table was printed only after the ARI pass (minutes on a real set, with its
    reference columns): a Ctrl-C or a failure there lost the colour table already computed.
    It is printed first, the ARI table after it as before."""
    from xrf_napari.cli.train import main
    from xrf_napari.training import eval_embedder

    data, _ = toy_set
    argv = ["evaluate", "--data", str(data), *_tiny_pair(tmp_path / "models", None, None)]
    argv += ["--device", "cpu", "--no-progress", "--max-cubes", "1"]

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(eval_embedder, "evaluate_embedder", stopped)
    assert main(argv) == 130
    printed = capsys.readouterr()
    assert "| SmallUViT | palette |" in printed.out and printed.err.endswith("interrupted\n")


def test_a_canonical_cube_with_float32_calibration_attributes_is_canonical(toy_set):
    """49f1527 compared a cube's bin edges with the canonical ones to a millionth of a bin: an
    offset and gain written as float32 (1.025 and 0.05 keV) put the last edge 3.6e-7 keV off,
    and the embedder refused the cube as on another grid. A thousandth of a bin is allowed."""
    import h5py

    from xrf_napari.training.data import read_cube_arrays

    _, files = toy_set
    before = read_cube_arrays(files[0])[0]
    with h5py.File(files[0], "r+") as f:
        for key in ("offset", "gain"):
            f["counts"].attrs[key] = np.float32(f["counts"].attrs[key])
    np.testing.assert_array_equal(read_cube_arrays(files[0])[0], before)
