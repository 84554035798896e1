"""Session 52, train52: a checkpoint resumed on another kind of device keeps this device's
optimiser settings."""

from __future__ import annotations

import copy

import pytest

torch = pytest.importorskip("torch")


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
