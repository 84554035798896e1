"""DDP training: 2 CPU processes (gloo) launched by torchrun keep identical weights, and follow a
single-process run of the same global batch.

The 2-rank runs of all the tests here are made in ONE torchrun launch (module fixture `ddp`,
driver tests/_ddp_runs.py: each run is the command's main as `-m xrf_napari.train` runs it, with
the process group joined and left by the run itself): four launches cost ~10 s each of process
start, torch's import and gloo's set-up, twice over (two ranks)."""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from _ddp_runs import run_output

from xrf_napari.training.toy_data import write_toy_dataset

GLOO_EXIT_ABORT = "terminate called without an active exception"
DRIVER = Path(__file__).with_name("_ddp_runs.py")


def _config(tmp_path):
    cfg = {
        "steps": 4,
        "cubes_per_batch": 4,
        "pixels_per_cube_batch": 32,
        "pixels_per_cube": 256,
        "warmup_steps": 1,
        "mmd_samples": 64,
        "w_mmd": 0.0,
        "aug_prob": 0.5,
        "checkpoint_every": 100,
        "log_every": 1,
    }
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    return path


def _run_group(cmd, env, timeout=300):
    """cmd run to its end, its output captured; past `timeout` s it is killed with every process
    under it, and the test fails with their output so far. subprocess.run's timeout killed
    torchrun alone: its two ranks (each in a process group of its own) ran on, seen alive after,
    taking the 2 cores from the later tests for up to the group's 120 s a collective. Output goes
    to files, not pipes: a rank left alive cannot hold this test until it ends."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        try:
            proc.wait(timeout=timeout)
            late = False
        except subprocess.TimeoutExpired:
            _kill_with_children(proc)
            late = True
        text = []
        for f in (out, err):
            f.seek(0)
            text.append(f.read().decode("utf-8", "replace"))
        res = subprocess.CompletedProcess(cmd, proc.returncode, *text)
    if late:
        pytest.fail(
            f"{cmd} ran past {timeout} s; killed with its ranks:\n"
            f"{res.stdout[-2000:]}{res.stderr[-4000:]}"
        )
    return res


def _kill_with_children(proc):
    """proc and every process under it (torchrun's ranks), killed and waited for (a SIGKILL
    lands asynchronously: a rank was seen still running just after its kill); proc reaped."""
    try:
        import psutil

        children = psutil.Process(proc.pid).children(recursive=True)
    except Exception:  # noqa: BLE001  # psutil missing, or proc gone: proc alone
        children = []
    proc.kill()
    for child in children:
        with contextlib.suppress(Exception):
            child.kill()
    proc.wait()
    if children:
        psutil.wait_procs(children, timeout=10)  # gone (a zombie not reaped: 10 s, then on)


def _launch(spec_path):
    """One 2-rank torchrun launch (gloo, one thread a rank) of the driver with SPEC.json."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    cmd += [str(DRIVER), str(spec_path)]
    res = _run_group(cmd, env)
    if res.returncode and GLOO_EXIT_ABORT in res.stderr:
        # Known, rare and not reproducible on demand: a rank aborted in gloo's teardown after the
        # run had finished (see distributed.closed_if_started). One rerun, made visible, not hidden.
        warnings.warn(
            f"2-rank run aborted at exit ({GLOO_EXIT_ABORT!r}); rerunning once", stacklevel=2
        )
        res = _run_group(cmd, env)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]
    return res


def _train_here(args, code=0):
    """The single-process reference run (or a run refused with `code`), in this process: the same
    command code (main with argv: no signal handlers or warning hooks installed) without a second
    interpreter importing torch, dynamo and matplotlib again (~6 s a run). One intra-op thread, as
    each torchrun rank has (OMP_NUM_THREADS=1); the thread count and the RNG states are restored
    for later tests."""
    import torch

    from xrf_napari.cli.train import main

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    state = np.random.get_state()
    try:
        with torch.random.fork_rng():
            assert main(args) == code
    finally:
        torch.set_num_threads(threads)
        np.random.set_state(state)


def _need_gloo():
    pytest.importorskip("torch.distributed")
    import torch.distributed as dist

    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch built without the gloo backend")


@pytest.fixture(autouse=True)
def _gloo():
    _need_gloo()


def _random_dve(path):
    """A randomly initialised DVE saved as weights: the recolouriser tests need a fixed embedder."""
    import torch

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), path, dve.config)
    return path


def _uvit_config(tmp_path, **extra):
    cfg = {
        "model": {
            "patch": 8,
            "dim": 18,
            "depth": 3,
            "heads": 9,
            "mlp_ratio": 2.0,
            "head_hidden": 4,
        },
        "crop": 16,
        "batch": 4,
        "log_every": 1,
        "warmup": 1,
        "steps": 4,
        "baseline_steps": 0,
        "checkpoint_every": 100,
        "val_fraction": 0.0,
        **extra,
    }
    path = tmp_path / f"uvit{len(extra)}.json"
    path.write_text(json.dumps(cfg))
    return path


def _embedder_argv(d, out):
    return ["embedder", "--data", str(d / "emb_data"), "--config", str(d / "cfg.json")] + [
        "--device",
        "cpu",
        "--no-progress",
        "--out",
        str(out),
    ]


def _recolouriser_argv(d, data, cfg, out, *extra):
    argv = ["recolouriser", "--data", str(data), "--embedder", str(d / "dve.safetensors")]
    argv += ["--device", "cpu", "--no-progress", "--config", str(cfg), "--out", str(out)]
    return [*argv, *extra]


@pytest.fixture(scope="module")
def ddp(tmp_path_factory):
    """The 2-rank runs of the tests below, made in one torchrun launch. Yields (folder, the
    launch's completed process, {rank: {run: exit status}}); each run's output is folder/<run>.
    The runs: "nan" (the embedder's run below with rank 1's loss NaN from its step 1 on),
    "embedder" (4 toy cubes of 16 px, steps 4), "recolouriser" (5 cubes of 24 px: the ranks get 3
    and 2 files) and "budget" (a recolouriser stopped by --time-budget 1 at ~30 steps of 35 ms,
    logging every 5: the ranks agree at a logging step as they do after more)."""
    _need_gloo()
    d = tmp_path_factory.mktemp("ddp")
    write_toy_dataset(d / "emb_data", n_cubes=4, size=16, seed=0)
    write_toy_dataset(d / "rec_data", n_cubes=5, size=24, seed=1)  # odd: 3 and 2 files
    write_toy_dataset(d / "budget_data", n_cubes=2, size=24, seed=2)
    _config(d)
    _random_dve(d / "dve.safetensors")
    budget_cfg = _uvit_config(d, steps=100000, log_every=5)
    runs = {
        "nan": _embedder_argv(d, d / "nan"),  # first: the runs after it share the group it left
        "embedder": _embedder_argv(d, d / "embedder"),
        "recolouriser": _recolouriser_argv(d, d / "rec_data", _uvit_config(d), d / "recolouriser"),
        "budget": _recolouriser_argv(
            d, d / "budget_data", budget_cfg, d / "budget", "--time-budget", "1"
        ),
    }
    spec = {
        "runs": [{"name": k, "argv": v, "nan_on_rank_1": k == "nan"} for k, v in runs.items()],
        "results": str(d),
    }
    (d / "spec.json").write_text(json.dumps(spec))
    res = _launch(d / "spec.json")
    codes = {r: json.loads((d / f"rank{r}.json").read_text()) for r in (0, 1)}
    return d, res, codes


def _ran(ddp, name):
    """Run `name` exited 0 on both ranks; else its own lines of the launch's standard error."""
    _, res, codes = ddp
    assert codes[0][name] == 0 and codes[1][name] == 0, (codes, run_output(res.stderr, name))


def test_two_gloo_ranks_stay_identical_and_match_single_process(ddp, tmp_path):
    from xrf_napari.models.weights import load_weights

    d = ddp[0]
    _ran(ddp, "embedder")
    common = _embedder_argv(d, tmp_path / "single")
    _train_here(common)
    half = json.loads((d / "cfg.json").read_text()) | {"cubes_per_batch": 2}  # one rank's share
    (tmp_path / "half.json").write_text(json.dumps(half))
    other = _embedder_argv(d, tmp_path / "other")
    other[other.index("--config") + 1] = str(tmp_path / "half.json")
    _train_here(other)

    m = json.loads((d / "embedder" / "metrics.json").read_text())
    assert m["world_size"] == 2 and m["ranks_in_sync"] is True
    # each rank read half of the files; the exchanged pool equals the one a single process draws
    assert (
        m["pool_sha1"]
        == json.loads((tmp_path / "single" / "metrics.json").read_text())["pool_sha1"]
    )
    ddp_, _ = load_weights(d / "embedder" / "dve.safetensors")
    one, _ = load_weights(tmp_path / "single" / "dve.safetensors")
    other, _ = load_weights(tmp_path / "other" / "dve.safetensors")

    def dist(a, b):
        return float(np.sqrt(sum(float(((a[k] - b[k]) ** 2).sum()) for k in a)))

    # Same global batch and averaged gradients: the same trajectory up to float summation order
    # (Adam magnifies that a little on near-zero gradients), far closer than a run on half the batch
    # from the same initial weights.
    assert dist(ddp_, one) < 0.2 * dist(one, other), (dist(ddp_, one), dist(one, other))


def test_recolouriser_two_gloo_ranks_shard_the_files_and_match_single_process(ddp, tmp_path):
    from xrf_napari.models.weights import load_weights

    d = ddp[0]
    _ran(ddp, "recolouriser")
    cfg = d / "uvit0.json"
    _train_here(_recolouriser_argv(d, d / "rec_data", cfg, tmp_path / "single"))
    half_cfg = _uvit_config(tmp_path, batch=2)
    _train_here(_recolouriser_argv(d, d / "rec_data", half_cfg, tmp_path / "half"))

    m = json.loads((d / "recolouriser" / "metrics.json").read_text())
    assert m["world_size"] == 2 and m["ranks_in_sync"] is True and m["steps"] == 4
    # the latent cache that the two ranks built from their shares equals the single-process one
    with (
        np.load(d / "recolouriser" / "latent_cache.npz") as a,
        np.load(tmp_path / "single" / "latent_cache.npz") as b,
    ):
        assert sorted(a.files) == sorted(b.files)
        for k in a.files:
            if k != "key":
                assert np.allclose(a[k], b[k], atol=1e-6), k
    ddp_, _ = load_weights(d / "recolouriser" / "uvit.safetensors")
    one, _ = load_weights(tmp_path / "single" / "uvit.safetensors")
    half, _ = load_weights(tmp_path / "half" / "uvit.safetensors")

    def dist_(a, b):
        return float(np.sqrt(sum(float(((a[k].float() - b[k].float()) ** 2).sum()) for k in a)))

    # the same crops and averaged gradients: one process's trajectory, up to summation order and the
    # float16 rounding of the stored weights; a run on half the batch lands much farther away
    assert dist_(ddp_, one) < 0.01 * dist_(one, half), (dist_(ddp_, one), dist_(one, half))


def test_recolouriser_time_budget_stops_every_rank_at_the_same_step(ddp):
    d = ddp[0]
    _ran(ddp, "budget")
    m = json.loads((d / "budget" / "metrics.json").read_text())
    # stopped by the budget (not the step count), on a step where the ranks agreed, weights in sync
    assert 0 < m["steps"] < 100000 and m["steps"] % 5 == 0 and m["ranks_in_sync"] is True


def test_a_nan_loss_on_one_rank_stops_every_rank_at_that_step(ddp):
    """Before, the rank whose loss was NaN stopped alone and the other failed in its next
    collective ("Connection closed by peer" traceback; under NCCL it would wait for a timeout)."""
    d, res, codes = ddp
    lines = run_output(res.stderr, "nan")  # its lines, not the later runs'
    assert codes[0]["nan"] != 0 and codes[1]["nan"] != 0, lines  # both ranks' commands failed
    said = "the loss became NaN or infinite at step 2"
    assert res.stderr.count(said) == 2, lines  # both ranks, the same step
    assert "]: Traceback" not in res.stderr, res.stderr[-4000:]  # no rank's ("[rank0]: ...")
    assert not (d / "nan" / "dve.safetensors").exists()


def test_a_set_smaller_than_a_batch_that_the_ranks_cannot_share_is_refused_at_start(
    tmp_path, monkeypatch, capsys
):
    """3 cubes under cubes_per_batch 4: a batch holds 3 cubes, which 2 ranks cannot share. Before,
    it failed after loading, naming a 'global batch 3' the user never set, config.json written.
    In this process as rank 0 of 2: the refusal comes before any collective, so each rank makes
    it alone (the real 2-rank runs above check the launch, a rank's exit status and the world
    size that torchrun hands over); a torchrun of its own took 9 s of three interpreters."""
    from xrf_napari.training import distributed

    monkeypatch.setattr(distributed, "init_distributed", lambda _: distributed.DistInfo(0, 2, 0))
    data = tmp_path / "data"
    write_toy_dataset(data, n_cubes=3, size=16, seed=0)
    args = ["embedder", "--data", str(data), "--out", str(tmp_path / "o")]
    args += ["--config", str(_config(tmp_path)), "--device", "cpu", "--no-progress"]
    _train_here(args, code=2)
    err = capsys.readouterr().err
    assert "holds 3 cubes, fewer than cubes_per_batch 4" in err, err[-3000:]
    assert "which the 2 ranks cannot share" in err
    assert not (tmp_path / "o" / "config.json").exists()
