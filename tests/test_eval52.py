"""Session 52: evaluate's ARI pass and the recolouriser's start-up read the DVE weights once."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest


def _random_dve(path):
    """A randomly initialised DVE saved as weights (as tests/test_distributed.py's)."""
    import torch

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), path, dve.config)
    return path


def _count_reads(monkeypatch, name: str) -> list:
    """Every read of the weights file `name` (load_weights, which load_weights_hashed calls)."""
    import xrf_napari.models.weights as weights

    reads, load = [], weights.load_weights

    def counted(path, *a, **k):
        if Path(path).name == name:
            reads.append(path)
        return load(path, *a, **k)

    monkeypatch.setattr(weights, "load_weights", counted)
    return reads


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    from xrf_napari.training.toy_data import write_toy_dataset

    d = tmp_path_factory.mktemp("eval52")
    write_toy_dataset(d / "data", n_cubes=1, size=32)
    return d


def test_evaluate_loads_the_embedder_once_for_both_tables(toy, tmp_path, monkeypatch):
    """A custom --embedder was read three times: whole by check_model_file for its model type,
    by the colour pass's load_embedder, and again by the ARI pass, which asked for --device
    "auto" (the default) while the colour pass had loaded it for the device it picked ("cpu"):
    load_embedder's cache is keyed on the name. It is read once now."""
    import xrf_napari.training.eval_embedder as ari
    from xrf_napari.cli.train import main

    dve = _random_dve(tmp_path / "dve52.safetensors")
    reads = _count_reads(monkeypatch, dve.name)

    def unscored(embedder, counts, labels, **_):  # the loads are counted, not the K-Means
        return {"k": 1, "n_pixels": labels.size, "interior_fraction": 1.0, "pooled": False}

    monkeypatch.setattr(ari, "evaluate_cube", unscored)
    argv = ["evaluate", "--data", str(toy / "data"), "--embedder", str(dve), "--device", "auto"]
    assert main(argv + ["--no-progress", "--out", str(tmp_path / "out")]) == 0
    assert len(reads) == 1, reads
    assert "Adjusted Rand index" in (tmp_path / "out" / "eval.md").read_text(encoding="utf-8")


def test_recolouriser_start_reads_a_custom_embedder_once(toy, tmp_path, monkeypatch):
    """_start read a custom --embedder's whole file only to check its model type (check_model_file)
    and threw the tensors away; _build's load_embedder then read it again. _start now loads it
    (the same refusals, before any output) and _build gets the cached model."""
    from xrf_napari.training import train_recolouriser as tr

    dve = _random_dve(tmp_path / "dve52b.safetensors")
    parser = argparse.ArgumentParser()
    tr.configure(parser)
    args = parser.parse_args(
        ["--data", str(toy / "data"), "--embedder", str(dve), "--out", str(tmp_path / "run")]
        + ["--device", "cpu", "--no-progress"]
    )
    reads = _count_reads(monkeypatch, dve.name)
    tr._start(args)
    emb = tr._embedder(args.embedder, "cpu")  # what _build loads next
    assert len(reads) == 1, reads
    assert emb.path == dve.resolve()


def test_recolouriser_still_refuses_an_embedder_of_another_model_first(toy, tmp_path):
    """A guard: a SmallUViT file given to --embedder is still refused in _start, naming the
    option, before the output folder is made."""
    from xrf_napari.models.uvit import build_from_config
    from xrf_napari.models.weights import save_weights
    from xrf_napari.training import train_recolouriser as tr

    model = build_from_config({"patch": 8, "dim": 18, "depth": 1, "heads": 9, "in_chans": 3})
    save_weights(model.state_dict(), tmp_path / "uvit.safetensors", model.config)
    parser = argparse.ArgumentParser()
    tr.configure(parser)
    out = tmp_path / "run"
    args = parser.parse_args(
        ["--data", str(toy / "data"), "--embedder", str(tmp_path / "uvit.safetensors")]
        + ["--out", str(out), "--device", "cpu"]
    )
    with pytest.raises(ValueError, match="--embedder") as exc:
        tr._start(args)
    assert "dve" in str(exc.value).lower() or "DVE" in str(exc.value), exc.value
    assert not out.exists()
