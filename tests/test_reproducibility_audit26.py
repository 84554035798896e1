"""Reproducibility audit 26 (training): initial weights independent of the process's history,
the commands recorded as parsed and across --resume, thread counts, training paintings recorded
and checked by evaluate, the SmallUViT's training block, loss curves across --resume."""

import argparse
import hashlib
import json
import shlex
import sys
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from _cli_models import TINY_TRAIN_REC_CONFIG as REC_CONFIG  # noqa: E402
from _cli_models import tiny_embedder_config as _embedder_config  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import load_weights, save_weights  # noqa: E402
from xrf_napari.training.toy_data import write_toy_dataset  # noqa: E402


def _name_paintings(data, names) -> None:
    """Give the cubes of a toy set the source paintings `names` (metadata source.image), as the
    generator records them."""
    import h5py

    from xrf_napari.training.data import list_cubes

    for path, name in zip(list_cubes(data), names):
        with h5py.File(path, "r+") as f:
            meta = json.loads(f.attrs.get("metadata", "{}"))
            meta["source"] = {"image": name}
            f.attrs["metadata"] = json.dumps(meta)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(folder, dataset, embedder weights, recolouriser config, embedder config)."""
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("audit26")
    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    (d / "rec.json").write_text(json.dumps(REC_CONFIG), encoding="utf-8")
    (d / "emb.json").write_text(json.dumps(_embedder_config()), encoding="utf-8")
    data = write_toy_dataset(d / "data", n_cubes=4, size=40, seed=3)
    _name_paintings(data, ["bosch.jpg", "caravaggio.jpg", "bosch.jpg", "vermeer.png"])
    return d, data, d / "dve.safetensors", d / "rec.json", d / "emb.json"


def _rec_argv(setup, out, *extra):
    d, data, dve, rec, _ = setup
    argv = ["recolouriser", "--data", str(data), "--embedder", str(dve), "--out", str(out)]
    return argv + ["--config", str(rec), "--device", "cpu", "--no-progress", *extra]


def _emb_argv(setup, out, *extra):
    d, data, _, _, emb = setup
    argv = ["embedder", "--data", str(data), "--out", str(out), "--config", str(emb)]
    return argv + ["--device", "cpu", "--no-progress", *extra]


def _state_hash(state: dict) -> str:
    h = hashlib.sha1()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


# -- finding 1: the SmallUViT's initial weights ------------------------------------------------
def test_loading_an_embedder_draws_nothing_from_the_callers_random_stream(setup):
    from xrf_napari.analysis.embed import _load_cached, load_embedder

    _load_cached.cache_clear()
    torch.manual_seed(7)
    before = torch.get_rng_state()
    load_embedder(setup[2], "cpu")
    assert torch.equal(torch.get_rng_state(), before)


def test_recolouriser_initial_weights_do_not_depend_on_the_embedder_cache(
    setup, tmp_path, monkeypatch
):
    """The same seed and config gave other initial weights when the embedder was already cached
    in the process (a notebook, a second main() call), or cached for a second device (CUDA: the
    'cpu' hash, then 'cuda:0' for the embedding pass): building the DVE drew from the global
    stream between the seed and the SmallUViT's initialisation."""
    from xrf_napari.analysis import embed
    from xrf_napari.training import train_recolouriser as tr

    parser = argparse.ArgumentParser()
    tr.configure(parser)

    def initial(name):
        args = parser.parse_args(_rec_argv(setup, tmp_path / name, "--steps", "1")[1:])
        return _state_hash(tr._build(args).core.state_dict())

    embed._load_cached.cache_clear()
    fresh = initial("fresh")
    cached = initial("cached")  # the embedder is in the cache now
    embed._load_cached.cache_clear()
    original = embed.load_embedder

    def two_keys(weights=None, device="auto"):  # as on CUDA: a second build for another key
        original(weights, "auto")
        return original(weights, device)

    monkeypatch.setattr(embed, "load_embedder", two_keys)
    two = initial("two")
    assert fresh == cached == two


# -- finding 8: the command recorded is the one parsed -----------------------------------------
def test_the_command_recorded_is_the_argv_main_parsed_not_sys_argv(setup, tmp_path, monkeypatch):
    """main(argv) from a script recorded the script's own sys.argv as the training command."""
    monkeypatch.setattr(sys, "argv", ["/work/pipeline.py", "twice", "a", "b"])
    argv = _emb_argv(setup, tmp_path / "emb", "--steps", "2")
    assert main(argv) == 0
    command = shlex.join(["xrf-napari-train", *argv])
    out = tmp_path / "emb"
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["command"] == command
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["command"] == command
    assert load_weights(out / "dve.safetensors")[1]["training"]["command"] == command


# -- finding 7: --resume keeps the original command ----------------------------------------------
def _records(out, weights):
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    wcfg = load_weights(out / weights)[1]
    return config, metrics, wcfg.get("training", wcfg)


@pytest.mark.parametrize("kind", ["embedder", "recolouriser"])
def test_a_resumed_run_records_its_original_command_and_the_resumes_apart(setup, tmp_path, kind):
    """Every record held only the resuming `... --resume`, which fails as written in a fresh
    folder: the command that trains the weights from scratch was lost."""
    make, weights = (
        (_emb_argv, "dve.safetensors") if kind == "embedder" else (_rec_argv, "uvit.safetensors")
    )
    out = tmp_path / "run"
    first = make(setup, out, "--steps", "2")
    assert main(first) == 0
    resumes = [
        make(setup, out, "--steps", "2", "--resume", "--checkpoint-every", str(n)) for n in (1, 2)
    ]
    for argv in resumes:
        assert main(argv) == 0
    original = shlex.join(["xrf-napari-train", *first])
    resumed = [shlex.join(["xrf-napari-train", *a]) for a in resumes]
    for record in _records(out, weights):
        assert record["command"] == original
        assert record["resumed_by"] == resumed


# -- finding 9: the thread count ----------------------------------------------------------------
@pytest.fixture
def keep_threads():
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("kind", ["embedder", "recolouriser"])
def test_the_thread_count_and_torch_version_are_recorded_and_a_resume_warns_of_another(
    setup, tmp_path, kind, keep_threads
):
    """CPU weights depend on torch's thread count: the recolouriser had no --threads and neither
    trainer recorded the count, so a resume with another one changed the trajectory silently."""
    make = _emb_argv if kind == "embedder" else _rec_argv
    out = tmp_path / "run"
    assert main(make(setup, out, "--steps", "2", "--threads", "1")) == 0
    from xrf_napari.provenance import code_identity

    want = {"torch_threads": 1, "torch": torch.__version__, **code_identity()}
    for name in ("config.json", "metrics.json"):
        assert json.loads((out / name).read_text(encoding="utf-8"))["runtime"] == want
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main(make(setup, out, "--steps", "2", "--threads", "1", "--resume")) == 0
    assert not [w for w in got if "torch threads" in str(w.message)]
    with pytest.warns(UserWarning, match="torch threads") as got:
        assert main(make(setup, out, "--steps", "2", "--threads", "2", "--resume")) == 0
    warned = [str(w.message) for w in got if "torch threads" in str(w.message)]
    assert len(warned) == 1 and "1 there, 2 now" in warned[0]
    # the first leg's runtime and device stay (a resume overwrote them: a 1-thread run resumed on
    # 2 read as a 2-thread run); each resume lists its own (session 42)
    weights = "dve.safetensors" if kind == "embedder" else "uvit.safetensors"
    for record in _records(out, weights):
        assert record["runtime"] == want and record["device"] == "cpu"
        assert [r["runtime"]["torch_threads"] for r in record["resumes"]] == [1, 2]
        assert all(r["runtime"]["torch"] == torch.__version__ for r in record["resumes"])


# -- finding 2: training paintings recorded; evaluate says whether a set is held out -----------
def test_both_trainers_record_their_training_paintings_in_the_weights(setup, tmp_path):
    assert main(_emb_argv(setup, tmp_path / "emb", "--steps", "2")) == 0
    dve = load_weights(tmp_path / "emb" / "dve.safetensors")[1]
    assert dve["training"]["sources"] == ["bosch.jpg", "caravaggio.jpg", "vermeer.png"]

    assert main(_rec_argv(setup, tmp_path / "rec", "--steps", "2")) == 0
    config = json.loads((tmp_path / "rec" / "config.json").read_text(encoding="utf-8"))
    uvit = load_weights(tmp_path / "rec" / "uvit.safetensors")[1]
    held = {"toy_0000": "bosch.jpg", "toy_0001": "caravaggio.jpg", "toy_0002": "bosch.jpg"}
    held["toy_0003"] = "vermeer.png"
    val = {held[name] for name in config["val_cubes"]}
    want = sorted(set(held.values()) - val)
    assert val and want and uvit["training"]["sources"] == config["sources"] == want


@pytest.fixture(scope="module")
def eval_set(setup):
    """One 168 px cube of bosch.jpg (> 160 px: evaluate scores all 5 MS-SSIM scales)."""
    data = write_toy_dataset(setup[0] / "eval", n_cubes=1, size=168, seed=5)
    _name_paintings(data, ["bosch.jpg"])
    return data


def _tiny_pair(folder, uvit_sources, dve_sources):
    from _cli_models import TINY_UVIT

    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit

    folder.mkdir()
    torch.manual_seed(0)
    dve, uvit = build_dve({}), build_uvit(TINY_UVIT)
    for model, name, found in ((dve, "dve", dve_sources), (uvit, "uvit", uvit_sources)):
        config = dict(model.config)
        if found is not None:
            config["training"] = {"sources": found}
        save_weights(model.state_dict(), folder / f"{name}.safetensors", config)
    return ["--weights", str(folder / "uvit.safetensors")] + [
        "--embedder", str(folder / "dve.safetensors")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "uvit_sources, dve_sources, status, title",
    [
        (["vermeer.png"], ["bosch.jpg", "vermeer.png"], "not held out", "NOT held out: 1 of 1 "
         "paintings were in training (bosch.jpg): set "),
        (["vermeer.png"], ["vermeer.png"], "held out", "Held-out set "),
        (None, None, "unknown", "training paintings not recorded: held-out status unknown"),
    ],
)  # fmt: skip
def test_evaluate_calls_a_set_held_out_only_when_no_painting_was_trained_on(
    setup, eval_set, tmp_path, capsys, uvit_sources, dve_sources, status, title
):
    """Every table was titled "Held-out set", even on the training paintings themselves."""
    models = _tiny_pair(tmp_path / "models", uvit_sources, dve_sources)
    argv = ["evaluate", "--data", str(eval_set), *models, "--out", str(tmp_path / "ev")]
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert main([*argv, "--device", "cpu", "--no-progress", "--no-ari"]) == 0
    printed = capsys.readouterr()
    assert title in printed.out.splitlines()[0]
    assert ("Held-out" in printed.out) == (status == "held out")
    held = json.loads((tmp_path / "ev" / "eval.json").read_text(encoding="utf-8"))["held_out"]
    assert held["status"] == status
    assert held["shared"] == (["bosch.jpg"] if status == "not held out" else [])
    said = [str(w.message) for w in got if "held out" in str(w.message)]
    assert bool(said and said[0].startswith("NOT held out")) == (status == "not held out"), said
    assert title in (tmp_path / "ev" / "eval.md").read_text(encoding="utf-8")


# -- finding 5: the SmallUViT's weights carry their training settings --------------------------
def test_smalluvit_weights_carry_seed_settings_and_data_identity(setup, tmp_path):
    """They held the model, trained_steps and the command only: no seed, crop, batch, lr,
    val_fraction or files_sha1 (config.json has them, but it is not shipped)."""
    out = tmp_path / "rec"
    assert main(_rec_argv(setup, out, "--steps", "2", "--seed", "4")) == 0
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    training = load_weights(out / "uvit.safetensors")[1]["training"]
    assert training["seed"] == 4 and training["resolved_steps"] == 2
    for key in ("crop", "batch", "lr", "warmup", "val_fraction", "keep_best", "files_sha1"):
        assert training[key] == config[key], key
    assert (training["n_train"], training["n_val"]) == (config["n_train"], config["n_val"])
    assert training == {
        k: v for k, v in config.items() if k not in ("val_cubes", "model_config", "model")
    }


# -- finding 10: loss curves across --resume ----------------------------------------------------
def _train_curve(out, kind):
    if kind == "embedder":
        return json.loads((out / "metrics.json").read_text(encoding="utf-8"))["curves"]
    return torch.load(out / "checkpoint.pt", weights_only=True)["curves"]["train"]


@pytest.mark.parametrize("kind", ["embedder", "recolouriser"])
def test_a_run_interrupted_between_logs_resumes_to_the_same_loss_curves(
    setup, tmp_path, kind, monkeypatch
):
    """The running sums since the last log were not checkpointed: the first mean logged after a
    resume covered only the steps of the resumed process (weights were identical, curves not)."""
    from xrf_napari.training import common

    make = _emb_argv if kind == "embedder" else _rec_argv
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(make(setup, whole, "--steps", "6")) == 0
    calls = {"n": 0}
    asked = common.StopSignals.requested

    def requested(self, dist=None, agree=True):  # SIGINT during step 3 (between two logs)
        calls["n"] += 1
        if calls["n"] == 3:
            self.signum = 2
            return True
        return asked(self, dist, agree)

    monkeypatch.setattr(common.StopSignals, "requested", requested)
    with pytest.raises(SystemExit):
        main(make(setup, parts, "--steps", "6"))
    monkeypatch.setattr(common.StopSignals, "requested", asked)
    assert main(make(setup, parts, "--steps", "6", "--resume")) == 0
    assert _train_curve(parts, kind) == _train_curve(whole, kind)


def test_training_and_generated_sets_record_the_code_that_made_them(tmp_path, monkeypatch):
    """Finding 4: the shipped pair's data command makes other counts with today's generator, and
    nothing recorded which code ran it: the runtime record (config.json, metrics.json, the
    weights' training block) and a generated set's manifest now carry the version and, from a
    git checkout, the commit and whether src/ had edits."""
    import json
    import subprocess

    from xrf_napari import __version__
    from xrf_napari.provenance import code_identity
    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset
    from xrf_napari.training.common import runtime_record

    code_identity.cache_clear()  # cached per process: HEAD may have moved since
    code = code_identity()
    assert code["xrf_napari"] == __version__
    root = Path(__file__).resolve().parents[1]
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if head.returncode == 0 and (root / ".git").exists():
        assert code["git_commit"] == head.stdout.strip()
        assert isinstance(code["git_dirty"], bool)
    assert {k: runtime_record()[k] for k in code} == code
    cfg = GenerateConfig(out=str(tmp_path / "set"), n_cubes=1, size=16, seed=3)
    mpath = Path(generate_dataset(cfg, workers=1, progress=False))
    assert json.loads(mpath.read_text(encoding="utf-8"))["code"] == code
    # a rerun under other code keeps the record of the code that made the cubes, and the
    # manifest byte for byte (export-set knows a set by its manifest's hash)
    before = mpath.read_bytes()
    code_identity.cache_clear()
    monkeypatch.setattr(
        "xrf_napari.provenance.code_identity", lambda: {**code, "git_commit": "another"}
    )
    generate_dataset(cfg, workers=1, progress=False)
    assert mpath.read_bytes() == before


@pytest.mark.parametrize("kind", ["embedder", "recolouriser"])
def test_equal_weights_have_equal_tensor_hashes_whatever_the_out_folder(setup, tmp_path, kind):
    """Finding 13: the file's SHA-256 covers the recorded command (with --out), so two runs with
    identical tensors never matched; metrics.json's tensors_sha256 does, and differs when they
    differ."""
    from xrf_napari.models.weights import load_weights, tensors_sha256

    make = _emb_argv if kind == "embedder" else _rec_argv
    name = "dve.safetensors" if kind == "embedder" else "uvit.safetensors"
    runs = {}
    for out, steps in (("a", "2"), ("b", "2"), ("c", "3")):
        assert main(make(setup, tmp_path / out, "--steps", steps, "--threads", "1")) == 0
        metrics = json.loads((tmp_path / out / "metrics.json").read_text(encoding="utf-8"))
        state, _ = load_weights(tmp_path / out / name)
        assert metrics["tensors_sha256"] == tensors_sha256(state)  # what the file holds
        runs[out] = metrics
    assert runs["a"]["sha256"] != runs["b"]["sha256"]  # the files differ by their command
    assert runs["a"]["tensors_sha256"] == runs["b"]["tensors_sha256"]
    assert runs["a"]["tensors_sha256"] != runs["c"]["tensors_sha256"]
