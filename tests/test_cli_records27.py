"""Records of what ran (session 27): the pigment report's command is the argv the command parsed,
whatever the entry (console script or main([...])), not sys.argv; a loaded embedder keeps its
weights file's training record, and `xrf-napari-train evaluate` takes the held-out verdict and
the weights' hash from the models it loaded instead of reading the files a second time."""

import html
import json
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("xraylib")
h5py = pytest.importorskip("h5py")
torch = pytest.importorskip("torch")

from _cli_models import TINY_UVIT  # noqa: E402
from _ddp_runs import command_state_restored  # noqa: E402
from _pigment_scans import CANON, stripe_scan  # noqa: E402

from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights, sha256_of  # noqa: E402

RECIPES = [(["Vermilion", "Lead white"], [0.4, 0.6]), (["Azurite"], [1.0])]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A two-stripe scan and its labels (1..2) in a folder whose name needs shell quoting."""
    d = tmp_path_factory.mktemp("rec27") / "my scans"
    d.mkdir()
    syn, labels = stripe_scan(RECIPES, 24)
    path = write_cube(d / "scan.h5", syn.counts, CANON, metadata=dict(syn.metadata, name="scan"))
    np.save(d / "labels.npy", labels + 1)
    return path, d / "labels.npy"


def _pigments_args(scan, out) -> list[str]:
    cube, labels = scan
    return ["pigments", str(cube), "--labels", str(labels), "--output", str(out), "--no-progress"]


def _recorded_command(out) -> str | None:
    page = (out / "report.html").read_text(encoding="utf-8")
    start = page.find("command: <code>")
    if start < 0:
        return None
    start += len("command: <code>")
    return html.unescape(page[start : page.index("</code>", start)])


def test_pigments_report_records_the_argv_main_parsed_not_sys_argv(scan, tmp_path, monkeypatch):
    """main(argv) from Python: the report showed no command, or, when sys.argv happened to hold
    another `xrf-napari pigments` command, that one."""
    stale = ["xrf-napari", "pigments", "other.h5", "--output", "elsewhere"]
    monkeypatch.setattr(sys, "argv", stale)
    argv = _pigments_args(scan, tmp_path / "a report")
    assert main(argv) == 0
    recorded = _recorded_command(tmp_path / "a report")
    assert recorded == shlex.join(["xrf-napari", *argv])
    assert shlex.split(recorded)[1:] == argv  # reruns as written: the spaces are quoted


def test_pigments_run_outside_a_command_records_no_command(scan, tmp_path, monkeypatch):
    """run(args) called directly is no command line: sys.argv is then another program's."""
    import argparse

    from xrf_napari.cli import pigments_cmd

    monkeypatch.setattr(sys, "argv", ["xrf-napari", "pigments", "other.h5"])
    parser = argparse.ArgumentParser()
    pigments_cmd.configure(parser)
    args = parser.parse_args(_pigments_args(scan, tmp_path / "out")[1:])
    assert pigments_cmd.run(args) == 0
    assert _recorded_command(tmp_path / "out") is None


def test_pigments_console_script_records_its_argv(scan, tmp_path, monkeypatch):
    """The console script's entry (main() reading sys.argv) records the same, quoted command.
    In-process, sys.argv as `python -c` sets it (a subprocess cost 4.6 s at load 7, 19 s in CI's
    run, for the same main() call). main() reading sys.argv is a real command: the signal
    handlers and hooks it leaves (a later Ctrl-C os._exit-ed this pytest worker) are put back."""
    argv = _pigments_args(scan, tmp_path / "script report")
    monkeypatch.setattr(sys, "argv", ["-c", *argv])
    with command_state_restored():
        assert main() == 0
    assert _recorded_command(tmp_path / "script report") == shlex.join(["xrf-napari", *argv])


# -- the embedder's training record; evaluate's verdict from the loaded models -----------------
def _tiny_pair(folder, uvit_sources, dve_sources) -> tuple[Path, Path]:
    """dve.safetensors and uvit.safetensors recording these training paintings (None: no record)."""
    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit

    folder.mkdir()
    torch.manual_seed(0)
    dve, uvit = build_dve({}), build_uvit(TINY_UVIT)
    for model, name, found in ((dve, "dve", dve_sources), (uvit, "uvit", uvit_sources)):
        config = dict(model.config)
        if found is not None:
            config["training"] = {"sources": found, "seed": 7, "command": "xrf-napari-train x"}
        save_weights(model.state_dict(), folder / f"{name}.safetensors", config)
    return folder / "dve.safetensors", folder / "uvit.safetensors"


def test_loaded_embedder_keeps_its_files_training_record(tmp_path):
    from xrf_napari.analysis.embed import load_embedder

    dve, _ = _tiny_pair(tmp_path / "m", None, ["bosch.jpg", "vermeer.png"])
    emb = load_embedder(dve, "cpu")
    assert emb.training == load_weights(dve)[1]["training"]
    assert emb.training["sources"] == ["bosch.jpg", "vermeer.png"]
    assert "training" not in emb.config  # the network's keys only, as before
    bare, _ = _tiny_pair(tmp_path / "bare", None, None)
    assert load_embedder(bare, "cpu").training is None  # as the shipped weights: no record


@pytest.fixture(scope="module")
def eval_set(tmp_path_factory):
    """One 168 px toy cube of bosch.jpg (> 160 px: evaluate scores all 5 MS-SSIM scales)."""
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.toy_data import write_toy_dataset

    data = write_toy_dataset(tmp_path_factory.mktemp("ev27") / "data", n_cubes=1, size=168, seed=5)
    for path in list_cubes(data):
        with h5py.File(path, "r+") as f:
            meta = json.loads(f.attrs.get("metadata", "{}"))
            meta["source"] = {"image": "bosch.jpg"}
            f.attrs["metadata"] = json.dumps(meta)
    return data


@pytest.mark.parametrize(
    "uvit_sources, dve_sources", [(["vermeer.png"], ["bosch.jpg"]), (["bosch.jpg"], None)]
)
def test_evaluate_takes_the_verdict_from_the_loaded_models_not_a_second_read(
    eval_set, tmp_path, monkeypatch, uvit_sources, dve_sources
):
    """Once both models are loaded, evaluate opens neither weights file again: a second read is
    refused here (it could meet a file rewritten since). Each model's record alone decides: the
    embedder's (first case) and the recolouriser's (second) name bosch.jpg, the set's painting."""
    import safetensors

    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.models.weights as weights_mod
    from xrf_napari.cli.train import main as train_main

    dve, uvit = _tiny_pair(tmp_path / "models", uvit_sources, dve_sources)
    want_sha = sha256_of(uvit)
    loaded, reads_after = [], []
    real_open, real_sha, real_load = (
        safetensors.safe_open,
        weights_mod.sha256_of,
        embed_mod.load_embedder,
    )

    def guarded(real):
        def call(path, *a, **k):
            if loaded and Path(path).resolve() in (dve.resolve(), uvit.resolve()):
                reads_after.append(Path(path).name)
                raise OSError(f"{path} read again after loading")
            return real(path, *a, **k)

        return call

    def load_embedder(*a, **k):
        emb = real_load(*a, **k)
        loaded.append(emb)
        return emb

    monkeypatch.setattr(safetensors, "safe_open", guarded(real_open))
    monkeypatch.setattr(weights_mod, "sha256_of", guarded(real_sha))
    monkeypatch.setattr(embed_mod, "load_embedder", load_embedder)
    out = tmp_path / "ev"
    argv = ["evaluate", "--data", str(eval_set), "--weights", str(uvit), "--embedder", str(dve)]
    argv += ["--out", str(out), "--device", "cpu", "--no-progress", "--no-ari"]
    assert train_main(argv) == 0
    assert loaded and reads_after == []
    result = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert result["held_out"]["status"] == "not held out"
    assert result["held_out"]["shared"] == ["bosch.jpg"]
    assert result["held_out"]["not_recorded"] == (["embedder"] if dve_sources is None else [])
    assert result["weights_sha256"] == want_sha  # the hash taken as the weights were loaded


def test_embed_outputs_record_the_command_that_made_them(tmp_path):
    """labels.h5 and latent.h5 record the command as parsed (quoted, pasteable), as the pigment
    report does."""
    import shlex

    import h5py
    from _cli_models import save_tiny_models, write_toy_scan

    from xrf_napari.cli.main import main

    write_toy_scan(tmp_path / "scan one.h5", 24, 20, n_regions=3)
    save_tiny_models(tmp_path)
    out = tmp_path / "emb"
    argv = ["embed", str(tmp_path / "scan one.h5"), "-o", str(out), "-k", "3"]
    argv += ["--weights", str(tmp_path / "dve.safetensors"), "--device", "cpu", "--no-progress"]
    assert main(argv) == 0
    for name in ("labels.h5", "latent.h5"):
        with h5py.File(out / name, "r") as f:
            command = f.attrs["command"]
        assert shlex.split(command) == ["xrf-napari", *argv], name
