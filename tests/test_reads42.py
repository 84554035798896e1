"""Files read once (session 42 clean-up of double reads): each test counts the reads of one input
that a command or library call made twice."""

import json
from pathlib import Path

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.fixture(scope="module")
def toy_set(tmp_path_factory):
    """A generated set of two small toy cubes (manifest.json + cubes/)."""
    from xrf_napari.training.toy_data import write_toy_dataset

    return write_toy_dataset(tmp_path_factory.mktemp("reads") / "data", n_cubes=2, size=32, seed=1)


def _count_loads(monkeypatch, path: Path) -> list:
    """torch.load wrapped: the list grows by one at each load of `path`."""
    torch = pytest.importorskip("torch")
    real, loads = torch.load, []

    def load(f, *a, **k):
        if Path(f) == path:
            loads.append(f)
        return real(f, *a, **k)

    monkeypatch.setattr(torch, "load", load)
    return loads


# -- 1. --resume loads OUT/checkpoint.pt once ----------------------------------------------------
def test_embedder_resume_loads_the_checkpoint_once(tmp_path, monkeypatch, capsys):
    """`xrf-napari-train embedder --resume` loaded the checkpoint in the refusal of another
    trainer's run, then again to go on from it; now the first load is passed on (and still checked:
    here the empty --data is what stops the run, after the checkpoint was accepted)."""
    torch = pytest.importorskip("torch")
    from xrf_napari.training.common import save_checkpoint

    out, data = tmp_path / "out", tmp_path / "empty"
    out.mkdir()
    data.mkdir()
    ckpt = out / "checkpoint.pt"
    save_checkpoint(
        ckpt,
        model={},
        optimizer={},
        step=3,
        generator=torch.get_rng_state(),
        config_json=json.dumps({"steps": 10}),
        history_json="{}",
    )
    loads = _count_loads(monkeypatch, ckpt)
    argv = ["embedder", "--data", str(data), "--out", str(out), "--device", "cpu", "--resume"]
    assert train_main([*argv, "--no-progress"]) == 2
    assert "no cubes (*.h5) in" in capsys.readouterr().err
    assert len(loads) == 1


def test_recolouriser_resume_loads_the_checkpoint_once(toy_set, tmp_path, monkeypatch, capsys):
    """The recolouriser's --resume loaded its checkpoint twice too (_start's refusal, then
    _check_resume); the one load is still checked: another --lr than the run's is refused."""
    torch = pytest.importorskip("torch")
    from xrf_napari.training.common import save_checkpoint

    out = tmp_path / "out"
    out.mkdir()
    ckpt = out / "checkpoint.pt"
    save_checkpoint(
        ckpt,
        model={},
        optimizer={},
        step=3,
        curves={},
        sampler_rng={},
        torch_rng=torch.get_rng_state(),
        config={"lr": 0.5, "steps": 10},
    )
    loads = _count_loads(monkeypatch, ckpt)
    argv = ["recolouriser", "--data", str(toy_set), "--out", str(out), "--device", "cpu"]
    assert train_main([*argv, "--lr", "0.25", "--no-progress", "--resume"]) == 2
    assert f"--resume: {ckpt} belongs to a run with other settings" in capsys.readouterr().err
    assert len(loads) == 1


def test_a_resume_from_a_damaged_checkpoint_still_says_why(tmp_path, capsys):
    """The refusal's load of an unreadable checkpoint is not passed on: --resume's own load still
    gives the error naming the file and what is wrong with it."""
    out, data = tmp_path / "out", tmp_path / "empty"
    out.mkdir()
    data.mkdir()
    (out / "checkpoint.pt").write_bytes(b"not a checkpoint")
    argv = ["embedder", "--data", str(data), "--out", str(out), "--device", "cpu", "--resume"]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"checkpoint {out / 'checkpoint.pt'} cannot be resumed from" in err
    assert "it is not a torch checkpoint" in err


# -- 2. the recolouriser's --config is read once -------------------------------------------------
def test_recolouriser_reads_its_config_once(toy_set, tmp_path, monkeypatch, capsys):
    """The --config JSON was read for the settings, then again to see whether it set the crop
    that the crop's refusal names; now once, and the refusal still names the file."""
    from xrf_napari.training import common

    config = tmp_path / "rec.json"
    config.write_text(json.dumps({"crop": 64}), encoding="utf-8")
    real, reads = common.read_config, []

    def read_config(path):
        reads.append(path)
        return real(path)

    monkeypatch.setattr(common, "read_config", read_config)
    argv = ["recolouriser", "--data", str(toy_set), "--out", str(tmp_path / "out")]
    assert train_main([*argv, "--config", str(config), "--device", "cpu", "--no-progress"]) == 2
    assert f"crop 64 (of --config {config}; set --crop)" in capsys.readouterr().err
    assert len(reads) == 1


# -- 3. list_cubes reads manifest.json once ------------------------------------------------------
def test_list_cubes_reads_the_manifest_once(tmp_path, monkeypatch):
    """training.data.list_cubes read a generated set's manifest.json for check_set_complete, then
    again for check_listed; now once, and both checks still apply (a stray cube, an unfinished
    set are refused)."""
    from xrf_napari.training.data import list_cubes

    def generated_set(name, manifest, files):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        for f in files:
            (folder / f).write_bytes(b"")  # listed by name only, never opened
        return folder

    listed = {"generator": "xrf-napari", "cubes": [{"file": "a.h5"}, {"file": "b.h5"}]}
    whole = generated_set("whole", listed, ["a.h5", "b.h5"])
    real, reads = Path.read_text, []

    def read_text(self, *a, **k):
        if self.name == "manifest.json":
            reads.append(self)
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", read_text)
    assert [p.name for p in list_cubes(whole)] == ["a.h5", "b.h5"]
    assert reads == [whole / "manifest.json"]

    stray = generated_set("stray", listed, ["a.h5", "b.h5", "c.h5"])
    with pytest.raises(ValueError, match=r"holds 1 \.h5 file\(s\) that its manifest.json"):
        list_cubes(stray)
    running = generated_set("running", {"generator": "xrf-napari"}, ["a.h5"])
    with pytest.raises(ValueError, match="is an incomplete generated set"):
        list_cubes(running)


# -- 4. a weights file is opened once for its header checks --------------------------------------
def test_a_weights_file_is_opened_once_for_its_header(tmp_path, monkeypatch):
    """_require_safetensors opened the file for its first 9 bytes, then _require_whole opened it
    again for the header; now one opening serves both, and a cut file is still named truncated."""
    pytest.importorskip("torch")
    from _cli_models import save_tiny_models

    from xrf_napari.models import weights

    save_tiny_models(tmp_path)
    path = tmp_path / "dve.safetensors"
    opens = []

    def counting_open(file, *a, **k):
        if Path(file) == path:
            opens.append(file)
        return open(file, *a, **k)

    monkeypatch.setattr(weights, "open", counting_open, raising=False)
    state, config = weights.load_weights(path)
    assert state and config.get("latent_dim")
    assert len(opens) == 1

    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(weights.WeightsError, match="is truncated: it holds"):
        weights.load_weights(cut)


# -- 6. one PLUGIN_NAME, Qt-free -----------------------------------------------------------------
def test_the_plugin_name_is_defined_once_and_is_the_manifests():
    """PLUGIN_NAME was written in _reader.py and again in widgets/_common.py; now the package
    defines it (Qt-free: the reader imports no Qt for it) and it is napari.yaml's name."""
    import subprocess
    import sys

    import xrf_napari

    manifest = Path(xrf_napari.__file__).with_name("napari.yaml").read_text(encoding="utf-8")
    assert f"name: {xrf_napari.PLUGIN_NAME}\n" in manifest
    code = (
        "import sys, xrf_napari, xrf_napari._reader as r;"
        "assert r.PLUGIN_NAME is xrf_napari.PLUGIN_NAME;"
        "assert 'qtpy' not in sys.modules and 'xrf_napari.widgets' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
