"""`xrf-napari recolour` findings of the CLI audit 25 (/work/runs25/audit_cli/report.md items 1, 6,
10, 12 and 13): each refused or reported in one line naming what was asked, fast, tiny models."""

import argparse
import fcntl
import os

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _cli_models import save_tiny_models, weights_args, write_toy_scan  # noqa: E402

from xrf_napari.cli.main import main  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rec25")
    write_toy_scan(d / "scan.h5", 20, 24, n_regions=2)
    rng = np.random.default_rng(0)
    np.save(d / "noise.npy", rng.poisson(5, (16, 20, 256)).astype(np.uint16))
    save_tiny_models(d)
    return d


def _weights(d):
    return weights_args(d, device=None)


def _error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("xrf-napari recolour: error: "), err
    return err


def _parser():
    from xrf_napari.cli import recolour_cmd

    parser = argparse.ArgumentParser(prog="xrf-napari recolour")
    recolour_cmd.configure(parser)
    return parser


# item 1: --tile unbounded


def test_tile_above_the_bound_is_refused_at_parsing(capsys):
    from xrf_napari.analysis.recolour import MAX_TILE

    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["scan.h5", "-o", "out.png", "--tile", "4096"])
    assert exc.value.code == 2
    assert "argument --tile: 4096 is out of range" in capsys.readouterr().err
    args = _parser().parse_args(["scan.h5", "-o", "out.png", "--tile", str(MAX_TILE)])
    assert args.tile == MAX_TILE == 1024


def test_tiles_beyond_the_memory_are_refused_before_the_scan_is_embedded(
    files, capsys, monkeypatch
):
    from xrf_napari import memory

    monkeypatch.setattr(memory, "memory_budget", lambda: 2**19)  # 0.5 MiB left
    out = files / "small_budget.png"
    argv = ["recolour", str(files / "scan.h5"), "-o", str(out), "--tile", "64", "--device", "cpu"]
    assert main(argv + _weights(files)) == 2
    err = _error(capsys)
    assert "--tile 64: tiles of 64 px, 1 per model call, need about" in err
    assert "only 0.5 MiB is free: use a smaller tile or batch" in err
    assert not out.exists()


def test_a_huge_tile_is_refused_from_its_size_alone(files):
    """Nothing of what the tile would need is allocated to find out (a 4096-px tile of the
    shipped model: 152 GiB)."""
    from xrf_napari.analysis.recolour import load_recolouriser
    from xrf_napari.memory import memory_budget

    rec = load_recolouriser(files / "uvit.safetensors", "cpu")
    with pytest.raises(ValueError, match=r"tiles of 65536 px, 1 per model call, need about"):
        rec.tiling(65536, shape=(20, 24), free=memory_budget())
    assert rec.tiling(64, shape=(20, 24), free=memory_budget()) == (64, 16)


# item 6: --output help


def test_output_help_says_an_existing_file_is_replaced():
    # since 48fbcd44 only an image there is replaced; a scan or other file is refused
    text = " ".join(_parser().format_help().split())
    assert "an image there is replaced" in text
    assert "any other file there is refused" in text


# item 10: device strings


@pytest.mark.parametrize("name", ["cudaa", "cuda:x", "gpu"])
def test_unknown_device_strings_are_named_even_with_a_gpu(monkeypatch, name):
    from xrf_napari.device import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=f"unknown device '{name}': use auto, cpu, cuda, cuda:N"):
        pick_device(name)


def test_a_gpu_number_beyond_the_machines_is_named(monkeypatch):
    from xrf_napari.device import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=r"device 'cuda:1' requested but this machine has 1 CUDA"):
        pick_device("cuda:1")
    assert pick_device("cuda:0") == torch.device("cuda:0")
    assert pick_device("CUDA") == torch.device("cuda")


def test_cuda_n_without_a_gpu_names_what_was_asked(files, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    out = files / "cuda1.png"
    argv = ["recolour", str(files / "scan.h5"), "-o", str(out), "--device", "cuda:1"]
    with pytest.raises(SystemExit) as stop:  # a usage error of --device, before the scan is read
        main(argv + _weights(files))
    assert stop.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]  # after the usage lines
    said = "error: argument --device: device 'cuda:1' requested but no CUDA GPU is available"
    assert last.startswith("xrf-napari recolour: " + said), last


# item 12: messages


def test_a_pytorch_pickle_is_named_as_such_and_never_unpickled(files, capsys, tmp_path):
    from xrf_napari.models.weights import WeightsError, load_weights

    state = {"w": torch.zeros(2)}
    torch.save(state, tmp_path / "zip.pt")
    torch.save(state, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("zip.pt", "legacy.pt"):
        with pytest.raises(WeightsError, match="is a PyTorch pickle .*not a safetensors file"):
            load_weights(tmp_path / name)
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(WeightsError, match="junk.safetensors is not a safetensors file$"):
        load_weights(tmp_path / "junk.safetensors")
    argv = ["recolour", str(files / "scan.h5"), "-o", str(tmp_path / "o.png"), "--device", "cpu"]
    assert main(argv + ["--weights", str(tmp_path / "zip.pt"), "--no-progress"]) == 2
    err = _error(capsys)
    assert "pickles can run code when loaded, so they are refused" in err
    assert "header too large" not in err


def test_a_folder_given_as_weights_is_called_a_folder(files, capsys, tmp_path):
    from xrf_napari.fileutil import OutputError, check_outputs
    from xrf_napari.models.weights import WeightsError, load_weights

    argv = ["recolour", str(files / "scan.h5"), "-o", str(tmp_path / "o.png"), "--device", "cpu"]
    assert main(argv + ["--weights", str(tmp_path), "--no-progress"]) == 2
    assert f"--weights {tmp_path}: is a folder, not a weights file" in _error(capsys)
    with pytest.raises(WeightsError, match="is a folder, not a .safetensors file"):
        load_weights(tmp_path)
    # what embed and pigments still reach: the clash names the input as a folder
    with pytest.raises(OutputError, match=r"inside the input folder .*it is a folder: give the"):
        check_outputs(files=[tmp_path / "o.png"], inputs=[files / "scan.h5", tmp_path])
    with pytest.raises(OutputError, match=r"is, or lies inside, the input folder .*give the file"):
        check_outputs(folders=[tmp_path / "out"], inputs=[files / "scan.h5", tmp_path])


def test_an_output_that_is_only_a_suffix_says_the_name_is_missing(files, capsys, tmp_path):
    argv = ["recolour", str(files / "scan.h5"), "-o", str(tmp_path / ".png"), "--device", "cpu"]
    assert main(argv + _weights(files)) == 2
    assert "no file name before the suffix (e.g. scan.png)" in _error(capsys)


def test_a_locked_hdf5_file_is_called_locked_not_unreadable(tmp_path):
    from xrf_napari import read_cube
    from xrf_napari.errors import CubeReadError

    path = tmp_path / "locked.h5"
    with h5py.File(path, "w") as f:
        f["x"] = np.zeros(3)
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a writer in another process holds it
        with pytest.raises(CubeReadError, match="is locked by another process") as exc:
            read_cube(path)
        assert "not a readable HDF5 file" not in str(exc.value)
    finally:
        os.close(fd)


# item 13: no lines named without a calibration


def test_an_uncalibrated_scan_names_no_lines_in_the_ambiguity_line(files):
    """The command and the dock refuse such a scan since uncal56 (tests/test_uncal56.py), and
    since cli57 the recolouring called from Python does too (energy.refuse_uncalibrated): no
    colours, nor lines named, of channel numbers read as keV."""
    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.io import read_cube

    cube = read_cube(files / "noise.npy")
    assert cube.calibration.source == "none"
    weights = {"weights": files / "uvit.safetensors", "embedder_weights": files / "dve.safetensors"}
    with pytest.raises(ValueError, match="no energy calibration, so its lines cannot be read"):
        iter_recolour(cube, device="cpu", **weights)
