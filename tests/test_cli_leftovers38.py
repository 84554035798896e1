"""Leftovers of CLI audit 38 (/work/runs38/left): faults of `xrf-napari-train` and `xrf-napari`
the audit left, one test per fix; tiny cubes, a few training steps."""

import json

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(folder, dataset, embedder weights, recolouriser config, embedder config)."""
    torch = pytest.importorskip("torch")
    from _cli_models import TINY_TRAIN_REC_CONFIG, tiny_embedder_config

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights
    from xrf_napari.training.toy_data import write_toy_dataset

    d = tmp_path_factory.mktemp("leftovers")
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    (d / "rec.json").write_text(json.dumps(TINY_TRAIN_REC_CONFIG), encoding="utf-8")
    (d / "emb.json").write_text(json.dumps(tiny_embedder_config()), encoding="utf-8")
    data = write_toy_dataset(d / "data", n_cubes=4, size=40, seed=3)
    return d, data, d / "dve.safetensors", d / "rec.json", d / "emb.json"


def _argv(setup, which, out, *extra):
    d, data, dve, rec, emb = setup
    argv = [which, "--data", str(data), "--out", str(out), "--device", "cpu", "--no-progress"]
    if which == "recolouriser":
        return [*argv, "--embedder", str(dve), "--config", str(rec), *extra]
    return [*argv, "--config", str(emb), *extra]


def _code(argv) -> int:
    """The exit status of `xrf-napari-train ARGV`, from argparse's SystemExit too."""
    try:
        return train_main(argv)
    except SystemExit as exc:
        return exc.code


def _interrupt(path, step):
    """OUT/checkpoint.pt as an interrupted run leaves it: at `step`, short of its schedule."""
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    state["step"] = step
    state.pop("finished", None)
    torch.save(state, path)


# -- 1. an interrupted run is not started over (and replaced) without --resume -----------------
@pytest.mark.parametrize("which", ["embedder", "recolouriser"])
def test_an_interrupted_run_is_not_replaced_without_resume(setup, tmp_path, capsys, which):
    """Rerun without --resume into an --out holding an interrupted run's checkpoint, both trainers
    started over silently and replaced it (hours of training); a finished run's command rerun
    into its folder still trains again, as before."""
    out = tmp_path / "run"
    argv = _argv(setup, which, out, "--steps", "4", "--checkpoint-every", "2")
    assert train_main(argv) == 0
    assert train_main(argv) == 0  # finished: the same command runs again, as it always did
    ckpt = out / "checkpoint.pt"
    _interrupt(ckpt, 2)
    kept = ckpt.read_bytes()
    capsys.readouterr()
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert str(ckpt) in err and "step 2 of 4" in err
    assert "--resume" in err and "--out" in err
    assert ckpt.read_bytes() == kept  # nothing was trained over it
    assert train_main([*argv, "--resume"]) == 0  # the way on it names


# -- 2. a seed numpy cannot take is refused at parsing, naming --seed ---------------------------
@pytest.mark.parametrize("which", ["embedder", "recolouriser"])
@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_a_seed_out_of_range_is_refused_naming_the_option(setup, tmp_path, capsys, which, seed):
    """--seed -1 or 2**32 failed with numpy's "Seed must be between 0 and 2**32 - 1", naming no
    option (the recolouriser after reading the embedder and hashing the data)."""
    out = tmp_path / "run"
    assert _code(_argv(setup, which, out, "--steps", "2", "--seed", seed)) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and str(2**32 - 1) in err
    assert not (out / "config.json").exists()


@pytest.mark.parametrize("which", ["embedder", "recolouriser"])
def test_a_config_files_seed_out_of_range_is_refused_naming_it(setup, tmp_path, capsys, which):
    """A config file's "seed" is checked as --seed is (the file's other numbers already were)."""
    d = setup[0]
    name = "emb.json" if which == "embedder" else "rec.json"
    cfg = {**json.loads((d / name).read_text(encoding="utf-8")), "seed": 2**32}
    path = tmp_path / "seeded.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    out = tmp_path / "run"
    assert _code([*_argv(setup, which, out, "--steps", "2"), "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "seed" in err and str(2**32 - 1) in err


# -- 3. --counts-per-pixel has an upper bound, refused before any cube --------------------------
@pytest.mark.parametrize("value", ["1e300", "2e10"])
def test_generate_refuses_counts_per_pixel_above_its_bound(tmp_path, capsys, value):
    """1e300 failed with numpy's "lam value too large" and 2e10 with "a channel holds 11387340989
    counts, more than uint16 can store", both after manifest.json was written."""
    out = tmp_path / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--workers", "1"]
    assert _code([*argv, "--no-progress", "--counts-per-pixel", value]) == 2
    assert not (out / "manifest.json").exists()
    from xrf_napari.synth.cli import MAX_COUNTS_PER_PIXEL

    err = capsys.readouterr().err
    assert "--counts-per-pixel" in err and f"{MAX_COUNTS_PER_PIXEL:g}" in err


# -- 4. info's size says the unit it is computed in ----------------------------------------------
def test_info_size_is_in_the_unit_it_names(tmp_path, capsys):
    """`info` printed the size in MiB (bytes / 2**20) labelled "MB": 5.24 MB read 5.0."""
    import re

    import numpy as np

    from xrf_napari.cli.main import main

    scan = tmp_path / "big.npy"
    np.save(scan, np.zeros((64, 80, 512), np.uint16))  # 5,242,880 bytes: 5.24 MB, 5.00 MiB
    assert main(["info", str(scan), "--no-auto-calibration"]) == 0
    value, unit = re.search(r"([\d.]+) (MiB|MB)\b", capsys.readouterr().out).groups()
    assert float(value) * {"MiB": 2**20, "MB": 10**6}[unit] == pytest.approx(
        64 * 80 * 512 * 2, rel=0.01
    )


# -- 5. generate: a size whose cubes cannot fit is refused; after a MemoryError it says what stays
def test_generate_refuses_a_size_whose_cube_cannot_fit(tmp_path, capsys):
    """--size 100000 went on to allocate 224 GiB and failed with MemoryError ("nothing was
    written") after writing manifest.json."""
    out = tmp_path / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "100000", "--workers", "1"]
    assert _code([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--size 100000" in err and "GiB" in err
    assert not (out / "manifest.json").exists()


def test_generate_says_what_it_left_after_running_out_of_memory(tmp_path, capsys, monkeypatch):
    """A cube's MemoryError was reported as "nothing was written" while manifest.json stayed, and
    that folder refuses the command again with a smaller --size."""
    from xrf_napari.synth import dataset

    def fail(args):
        raise MemoryError("Unable to allocate 224. GiB")

    monkeypatch.setattr(dataset, "_run_one", fail)
    out = tmp_path / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "2", "--size", "16", "--workers", "1"]
    assert _code([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert (out / "manifest.json").exists()  # what the message must not deny
    assert "nothing was written" not in err
    assert "manifest.json" in err and "--out" in err
