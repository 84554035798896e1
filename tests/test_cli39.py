"""CLI fixes of session 39: the free-space guard of the CLIs' HDF5 writers (generate, export-set,
embed), generate's memory estimate, and scripts that had rotted. Tiny cubes; the disk is faked by
monkeypatching shutil.disk_usage, as test_core38's test of check_free_space does."""

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from xrf_napari.fileutil import FREE_SPACE_MARGIN

_Usage = namedtuple("usage", "total used free")


def _disk(monkeypatch, free):
    """shutil.disk_usage reporting `free` bytes (a number, or a function of the path asked)."""
    monkeypatch.setattr(
        shutil,
        "disk_usage",
        lambda p: _Usage(2**40, 0, free(Path(p)) if callable(free) else free),
    )


def _train(argv, capsys) -> tuple[int, str]:
    from xrf_napari.cli.train import main

    code = main(argv)
    return code, capsys.readouterr().err


_GENERATE = ["--n-cubes", "2", "--size", "16", "--workers", "1", "--seed", "3", "--no-progress"]


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory):
    """A generated set of two 16 px cubes."""
    from xrf_napari.cli.train import main

    out = tmp_path_factory.mktemp("set") / "set"
    assert main(["generate", "--out", str(out), *_GENERATE]) == 0
    return out


# -- 1. free space ---------------------------------------------------------------------------------
def test_generate_refuses_a_full_disk_before_writing_anything(tmp_path, monkeypatch, capsys):
    """`generate` wrote its manifest and cubes until HDF5 met the full disk, which ended it in
    h5py's RuntimeError traceback (2 workers on a 3 MiB tmpfs); it now refuses first, naming the
    folder and the bytes needed and free, and leaves no folder behind."""
    out = tmp_path / "set"
    _disk(monkeypatch, 2**20)
    code, err = _train(["generate", "--out", str(out), *_GENERATE], capsys)
    assert code == 2, err
    assert str(out) in err and "1.0 MiB (1,048,576 bytes) free" in err
    assert "not enough free space" in err and "are needed" in err
    assert not out.exists()


def test_generate_stops_cleanly_at_the_cube_that_does_not_fit(tmp_path, monkeypatch, capsys):
    """Room for the first cube only (the disk is full once it is written): the first is
    written, the second refused before HDF5 writes it, the message says what was left (the same
    command resumes the set: test_synth)."""
    out = tmp_path / "set"

    def free(_):
        return FREE_SPACE_MARGIN + (100 if (out / "cube_00000.h5").exists() else 2**30)

    _disk(monkeypatch, free)
    code, err = _train(["generate", "--out", str(out), *_GENERATE], capsys)
    assert code == 2, err
    assert "cube_00001.h5" in err and "1 of 2 cubes were written" in err
    assert sorted(p.name for p in out.iterdir()) == ["cube_00000.h5", "manifest.json"]


def test_generate_asks_room_for_every_cube_written_at_once(tmp_path, monkeypatch):
    """Workers write their cubes at the same time, each having seen the same free space: room for
    one cube is not enough for two workers, and the refusal says --workers."""
    from xrf_napari.fileutil import NoRoomError
    from xrf_napari.synth.dataset import GenerateConfig, check_set_room, cube_bytes

    cfg = GenerateConfig(out=str(tmp_path / "set"), n_cubes=4, size=16, seed=3)
    one = max(cube_bytes(cfg, i) for i in range(2))
    _disk(monkeypatch, FREE_SPACE_MARGIN + one + 100)
    assert check_set_room(cfg, 1) == 1
    with pytest.raises(NoRoomError, match="fewer --workers"):
        check_set_room(cfg, 2)
    assert cube_bytes(cfg, 0) == 16 * 16 * (512 * 2 + 3 + 3 + 4)


def test_export_set_refuses_a_full_disk_before_writing_anything(
    tiny_set, tmp_path, monkeypatch, capsys
):
    """export-set wrote export.json and its cubes until the disk was full (an HDF5 export then
    died of SIGBUS, exit 135, on a 600 KiB tmpfs); the whole ripple export is known before it
    starts (its .raw bytes) and refused."""
    out = tmp_path / "export"
    raw = 2 * 16 * 16 * 512 * 2
    _disk(monkeypatch, FREE_SPACE_MARGIN + raw - 1)  # not even the .raw files
    code, err = _train(
        ["export-set", "--data", str(tiny_set), "--format", "rpl", "--out", str(out)], capsys
    )
    assert code == 2, err
    assert str(out) in err and "not enough free space" in err
    assert not out.exists()
    _disk(monkeypatch, 2**40)
    argv = ["export-set", "--data", str(tiny_set), "--format", "rpl", "--out", str(out)]
    assert _train(argv, capsys)[0] == 0
    assert sorted(p.stat().st_size for p in out.glob("*.raw")) == [raw // 2] * 2


def test_export_set_checks_each_hdf5_cube_before_writing_it(tiny_set, tmp_path, monkeypatch):
    """An HDF5 export is gzipped: the first cube must fit before anything is written, and every
    cube is checked again before its write, stopping with what was left (the disk here fills up
    once the first cube is written: its compressed counts are asked for since eb52e7c)."""
    from xrf_napari.synth.export import export_set

    out = tmp_path / "h5"
    room = FREE_SPACE_MARGIN + 16 * 16 * 512 * 2 + 150_000  # the counts and a sidecar's bound

    def free(_):
        return FREE_SPACE_MARGIN + 1024 if any(out.glob("cube_*")) else room

    _disk(monkeypatch, free)
    with pytest.raises(OSError, match=r"cube_00001\.h5 and its sidecar.*1 of 2 cubes"):
        export_set(tiny_set, out, "h5")
    assert sorted(p.name for p in out.glob("cube_*")) == [
        "cube_00000.h5",
        "cube_00000.targets.npz",
    ]


class _FakeEmbedder:
    class model:  # noqa: N801  (what run() reads of it)
        latent_dim = 8


def test_embed_refuses_a_full_disk_before_the_embedding(tiny_set, tmp_path, monkeypatch, capsys):
    """`xrf-napari embed` embedded and clustered the whole scan, then crashed writing latent.h5
    onto a full disk (SIGSEGV, exit 139, on a 12 KiB tmpfs); it now refuses once the embedder is
    known, before the compute."""
    import xrf_napari.analysis.embed as embed
    from xrf_napari.cli.main import main

    monkeypatch.setattr(embed, "load_embedder", lambda *a, **k: _FakeEmbedder())
    monkeypatch.setattr(embed, "iter_embed", lambda *a, **k: pytest.fail("embedded"))
    _disk(monkeypatch, 2**20)
    out = tmp_path / "emb"
    code = main(["embed", str(tiny_set / "cube_00000.h5"), "-o", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(out) in err and "latent.h5" in err and "not enough free space" in err
    assert not out.exists()


def test_embed_outputs_are_checked_before_any_is_written(tmp_path, monkeypatch):
    """write_outputs checks the space its files take (latent and labels counted uncompressed)
    before the first temporary: the folder it would make is not left behind."""
    from types import SimpleNamespace

    import numpy as np

    from xrf_napari.cli.embed_cmd import output_paths, output_shares, write_outputs
    from xrf_napari.fileutil import NoRoomError

    latent = np.zeros((20, 30, 6), np.float32)
    result = SimpleNamespace(labels=np.ones((20, 30), np.int32), k=2)
    cube = SimpleNamespace(energy=np.linspace(1, 20, 100))
    need = sum(output_shares(20, 30, 6, 2, 100).values())
    assert need > 20 * 30 * (6 * 4 + 4)  # at least the latent and labels, uncompressed
    _disk(monkeypatch, FREE_SPACE_MARGIN + need - 1)
    paths = output_paths(tmp_path / "out")
    with pytest.raises(NoRoomError, match="labels.h5"):
        write_outputs(paths, cube, latent, result, None, None, None)
    assert not (tmp_path / "out").exists()


# -- 2. generate's memory estimate ----------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [{"index": 2}, {"index": 2, "native": True}, {"index": 0, "style": "paper"}],
    ids=["physics", "native", "paper"],
)
def test_generate_memory_estimate_bounds_the_measured_peak(tmp_path, monkeypatch, options):
    """The check counted a cube's counts alone (1 KiB a pixel), while making a 256 px cube peaks
    at 3.1-3.5 KiB a pixel, a 128 px --native one of 4096 channels at 37 KiB: a size that could
    not be made passed. The estimate is now at least the peak tracemalloc measures (deterministic
    for a seed: the same arrays every run), and with no more memory free than that the size is
    refused."""
    import tracemalloc

    from _synth_cubes import few_cluster_counts

    from xrf_napari import memory
    from xrf_napari.synth.dataset import GenerateConfig, check_cube_memory, generate_one

    # K of 4-6 (not 4-16): half the cube's time; at 48 px the regions' weights are ~1 % of the peak
    few_cluster_counts(monkeypatch)
    options = dict(options)
    index = options.pop("index")
    warm = GenerateConfig(out=str(tmp_path / "warm"), n_cubes=1, size=16, seed=0, **options)
    generate_one(0, warm)  # imports and caches, which a worker holds before its first cube
    cfg = GenerateConfig(out=str(tmp_path / "set"), n_cubes=index + 1, size=48, seed=0, **options)
    tracemalloc.start()
    try:
        generate_one(index, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    monkeypatch.setattr(memory, "memory_budget", lambda: peak)
    with pytest.raises(ValueError, match="--size 48: making 1 cube"):
        check_cube_memory(cfg, 1)
    from xrf_napari.synth.dataset import _profile_channels, cube_peak_bytes

    assert cube_peak_bytes(cfg, _profile_channels(cfg, index)) >= peak


# -- 3. scripts ------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def _script(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_recolour_scripts_score_cubes_of_160_px_or_less(tiny_set, tmp_path, capsys):
    """eval_physics_recolour.py and region_colour_ceiling.py scored MS-SSIM over 5 scales whatever
    the cubes' size, and ended in a traceback on any set of 160 px or less ("MS-SSIM with 5
    scales ... needs images larger than 160 px"); they now use the scales `evaluate` uses."""
    pytest.importorskip("torch")
    out = tmp_path / "rows.json"
    args = [str(tiny_set), "--max-cubes", "1", "--k", "3", "--json", str(out)]
    assert _script("eval_physics_recolour").main(args) == 0
    assert "MS-SSIM (1 of 5 scales)" in capsys.readouterr().out  # 16 px: one scale fits
    argv = ["--train", str(tiny_set), "--test", str(tiny_set), "--steps", "2"]
    assert _script("region_colour_ceiling").main(argv) == 0
    assert "MS-SSIM (1 of 5 scales)" in capsys.readouterr().out


def test_pigment_usage_draws_the_recipes_of_a_set_of_any_size(tmp_path):
    """`pigment_usage.py --draw` always drew 256 px cubes, whose regions differ from a set made
    with another --size (26 regions from three 32 px cubes, 16 drawn): it takes --size now, and
    its counts are the generated set's."""
    import numpy as np
    from PIL import Image

    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset, image_split

    images = tmp_path / "images"
    images.mkdir()
    name = next(f"p{i}.png" for i in range(50) if image_split(f"p{i}.png") == "train")
    pixels = np.random.default_rng(0).integers(0, 255, (40, 48, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(images / name)
    options = {"n_cubes": 2, "size": 24, "seed": 5, "profiles": "train"}
    cfg = GenerateConfig(
        out=str(tmp_path / "set"), split="train", images=[str(images / name)], **options
    )
    generate_dataset(cfg, workers=1, progress=False, images_dir=str(images))
    script = _script("pigment_usage")
    out = tmp_path / "usage.json"
    argv = ["--draw", str(images), "--n-cubes", "2", "--size", "24", "--seed", "5"]
    argv += ["--profiles", "train", "--swatch-fraction", "0", "--bare-ground", "0"]
    assert script.main([*argv, "--out", str(out)]) == 0
    import json

    drawn = json.loads(out.read_text(encoding="utf-8"))
    counted = script.count(tmp_path / "set")
    assert drawn["counts"] == counted["counts"] and drawn["regions"] == counted["regions"]
    assert drawn["manifest"]["size"] == 24


def test_map_accuracy_help_is_help():
    """`scripts/map_accuracy.py --help` took --help for its label and ran the whole measurement."""
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "map_accuracy.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0 and done.stdout.startswith("usage: map_accuracy.py")
    assert "FWHM" not in done.stdout
