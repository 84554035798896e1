"""Session 53, train53: an embedder run refused while loading its cubes leaves no config.json;
a finished checkpoint beside missing results is refused without --resume; the recolouriser
loads its embedder once, on the training device; evaluate reads each cube once."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _emb_argv, _rec_argv, setup  # noqa: E402, F401 - fixture

from xrf_napari.cli.train import main  # noqa: E402


def _without_labels(made, tmp_path) -> tuple:
    """`setup` with a copy of its set whose last cube has no region labels: make_pool lists it,
    the pool's load refuses it."""
    import h5py

    from xrf_napari.training.data import list_cubes

    data = tmp_path / "data"
    shutil.copytree(made[1], data)
    with h5py.File(list_cubes(data)[-1], "r+") as f:
        del f["targets/labels"]
    return (made[0], data, *made[2:])


@pytest.mark.parametrize("before", [None, "notes.txt"])
def test_an_embedder_run_refused_while_loading_its_cubes_leaves_no_config(
    setup,  # noqa: F811
    tmp_path,
    capsys,
    before,
):
    """config.json was written before the pool read the cubes, so a cube refused there (no
    labels) left a half-made --out holding config.json alone; it is written once the data is
    read. What --out held before stays."""
    out = tmp_path / "out"
    if before:
        out.mkdir()
        (out / before).write_text("mine", encoding="utf-8")
    assert main(_emb_argv(_without_labels(setup, tmp_path), out)) != 0
    assert "has no /targets/labels" in capsys.readouterr().err
    if before:
        assert sorted(p.name for p in out.iterdir()) == [before]
    else:
        assert not out.exists()


def test_a_finished_run_killed_while_writing_its_results_is_not_trained_again(
    setup,  # noqa: F811
    tmp_path,
    capsys,
):
    """A run killed (kill -9) after its last checkpoint, before metrics.json and the loss curve
    were written, left a finished checkpoint: the same command without --resume trained the
    whole run again (hours on a real run). It is refused, naming --resume, which writes the
    results without training again."""
    out = tmp_path / "run"
    argv = _emb_argv(setup, out, "--steps", "3")
    assert main(argv) == 0
    for name in ("metrics.json", "loss_curve.png"):
        (out / name).unlink()
    ckpt = out / "checkpoint.pt"
    kept = ckpt.read_bytes()
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{ckpt} holds a finished run (step 3 of 3)" in err
    assert "(metrics.json, loss_curve.png missing or older than it" in err
    assert "--resume writes them without training again" in err
    assert ckpt.read_bytes() == kept  # nothing was trained over it
    assert main([*argv, "--resume"]) == 0
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["steps"] == 3


def test_a_finished_recolouriser_run_is_judged_by_its_results_dates(tmp_path):
    """The recolouriser's finished checkpoint beside an earlier run's results (older than it: the
    kill came before its own were written) is refused, naming them; beside results written
    after it (a whole run) the command starts over, as before."""
    from test_weights41 import _fake_checkpoint

    from xrf_napari.training.common import refuse_unfinished_checkpoint

    ckpt = tmp_path / "checkpoint.pt"
    _fake_checkpoint(ckpt, "recolouriser", 6, 6)
    for name in ("uvit.safetensors", "metrics.json", "loss_curve.png"):
        (tmp_path / name).write_bytes(b"")
    assert refuse_unfinished_checkpoint(ckpt, False, "recolouriser") is None
    written = ckpt.stat().st_mtime_ns
    os.utime(tmp_path / "uvit.safetensors", ns=(written - 10**9, written - 10**9))
    with pytest.raises(ValueError, match=r"\(uvit.safetensors missing or older than it"):
        refuse_unfinished_checkpoint(ckpt, False, "recolouriser")


class _Embedded(Exception):
    """Raised once the recolouriser's embedding pass is done: what follows is not counted."""


def test_the_recolouriser_loads_its_embedder_once_on_the_training_device(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    """_embedder loaded the DVE on "cpu" and embed_dataset on the training device: on a GPU
    load_embedder's cache (keyed on the device) missed, and the file was read and hashed again.
    A training device other than "cpu" is played on the CPU by torch.device("cpu", 0)."""
    from xrf_napari import device
    from xrf_napari.analysis import embed
    from xrf_napari.models import weights
    from xrf_napari.training import train_recolouriser as tr

    pick, other = device.pick_device, torch.device("cpu", 0)  # its name is "cpu:0"
    chosen = {"auto": other, "cpu:0": other}
    monkeypatch.setattr(device, "pick_device", lambda name="auto": chosen.get(name) or pick(name))
    loads, hashed = [], weights.load_weights_hashed

    def counted(path, *a, **k):
        loads.append(Path(path).name)
        return hashed(path, *a, **k)

    monkeypatch.setattr(weights, "load_weights_hashed", counted)
    embedded = tr.embed_dataset

    def then_stop(*a, **k):
        embedded(*a, **k)
        raise _Embedded

    monkeypatch.setattr(tr, "embed_dataset", then_stop)
    embed._load_cached.cache_clear()
    with pytest.raises(_Embedded):
        main(_rec_argv(setup, tmp_path / "run", "--device", "auto"))
    assert loads == [setup[2].name]
    assert embed.load_embedder(setup[2], "cpu:0").device == other


@pytest.mark.parametrize("keep", [None, 1])
def test_evaluate_reads_each_cube_once_for_both_tables(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
    keep,
):
    """evaluate read every cube twice: for the colour table, then again for the ARI table. The
    colour pass keeps what the ARI pass reads (the counts as read_cube_arrays gives them, the
    labels and metadata), up to ARI_KEEP_BYTES; a cube beyond it is read again (keep=1: all)."""
    import numpy as np

    import xrf_napari.io.hdf5 as hdf5
    from xrf_napari.training import eval_embedder, evaluate
    from xrf_napari.training.data import list_cubes, read_cube_arrays

    if keep is not None:
        monkeypatch.setattr(evaluate, "ARI_KEEP_BYTES", keep, raising=False)
    opened, open_hdf5 = [], hdf5.open_hdf5

    def counted(path, *a, **k):
        opened.append(Path(path).name)
        return open_hdf5(path, *a, **k)

    monkeypatch.setattr(hdf5, "open_hdf5", counted)
    scored = []

    def unscored(embedder, counts, labels, **_):  # the reads are counted, not the K-Means
        scored.append((counts, labels))
        return {"k": 1, "n_pixels": labels.size, "interior_fraction": 1.0, "pooled": False}

    monkeypatch.setattr(eval_embedder, "evaluate_cube", unscored)
    _, data, dve, _, _ = setup
    argv = ["evaluate", "--data", str(data), "--embedder", str(dve), "--max-cubes", "1"]
    assert main([*argv, "--device", "cpu", "--no-progress", "--out", str(tmp_path / "o")]) == 0
    cubes = list_cubes(data)[:1]
    names = [p.name for p in cubes]
    assert sorted(opened) == sorted(names * (1 if keep is None else 2))
    monkeypatch.setattr(hdf5, "open_hdf5", open_hdf5)
    for (counts, labels), path in zip(scored, cubes):
        want, want_labels, _ = read_cube_arrays(path, rebin=True)
        assert counts.dtype == want.dtype and np.array_equal(counts, want)
        assert labels.dtype == want_labels.dtype and np.array_equal(labels, want_labels)


def test_a_cpu_checkpoint_resumed_by_a_capturable_optimiser_gets_its_step_counter(tmp_path):
    """A guard for the other direction of test_train52's (a CPU run resumed where the optimiser
    is fused or capturable, as on CUDA; capturable plays it on the CPU): the optimiser keeps its
    own setting and its step counters become float32 tensors on their parameters' device, as its
    kernels want them (a float64 counter here: what the checkpoint held is not kept)."""
    from xrf_napari.training.common import load_checkpoint, save_checkpoint

    model = torch.nn.Linear(4, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model(torch.ones(3, 4)).sum().backward()
    opt.step()
    saved = opt.state_dict()
    for state in saved["state"].values():
        state["step"] = state["step"].double()
    save_checkpoint(tmp_path / "c.pt", model=model.state_dict(), optimizer=saved, step=1)
    resumed = torch.optim.AdamW(torch.nn.Linear(4, 2).parameters(), lr=1e-2, capturable=True)
    load_checkpoint(tmp_path / "c.pt", optimizer=resumed)
    assert [g["capturable"] for g in resumed.param_groups] == [True]
    steps = [s["step"] for s in resumed.state.values()]
    assert [(s.dtype, s.device.type) for s in steps] == [(torch.float32, "cpu")] * 2
