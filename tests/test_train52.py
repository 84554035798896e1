"""Session 52, train52: a checkpoint resumed on another kind of device keeps this device's
optimiser settings, and the stop of a torchrun embedding pass counts its parts as a lower bound."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import setup  # noqa: E402, F401 - fixture
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
