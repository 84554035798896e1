"""Session 54, train2: the trainers destroy the process group they started, and only that one,
whether they finish, are refused or stop; a group their caller started is left to it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_leftovers41 import _embedder_run  # noqa: E402
from test_reproducibility_audit26 import _emb_argv, _rec_argv, setup  # noqa: E402, F401 - fixture

from xrf_napari.cli.train import main  # noqa: E402


@pytest.fixture(params=["trainer", "caller"])
def group(request, monkeypatch):
    """Who starts the process group, torchrun's played by one process in a gloo group of world
    size 1 (as in test_cli54 and test_cliopts54): "trainer", init_distributed inside the run
    (WORLD_SIZE set, as torchrun sets it), or "caller", an API caller before the run, whose group
    init_distributed joins. Yields (who, the starts the run made, the caller's group or None)."""
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch built without the gloo backend")
    joined = dist.init_process_group
    starts = []

    def one_rank(backend=None, **kw):
        starts.append(backend)
        joined("gloo", store=dist.HashStore(), rank=0, world_size=1)

    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it: init_distributed joins a group
    assert not dist.is_initialized()
    callers = None
    if request.param == "caller":
        one_rank("gloo")
        starts.clear()
        callers = dist.group.WORLD
    monkeypatch.setattr(dist, "init_process_group", one_rank)
    try:
        yield request.param, starts, callers
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _left_as_owned(group) -> None:
    """A group the run started is gone; the caller's is still up, the same group, not restarted."""
    import torch.distributed as dist

    who, starts, callers = group
    if who == "trainer":
        assert starts == ["gloo"]  # the run started it (init_distributed)
        assert not dist.is_initialized(), "the group the run started was left up"
    else:
        assert starts == []  # joined, not started again
        assert dist.is_initialized(), "the caller's group was destroyed by the run"
        assert dist.group.WORLD is callers


def test_the_embedder_finished_destroys_only_a_group_it_started(
    setup,  # noqa: F811
    group,
    tmp_path,
):
    """Fails on the parent for "trainer": distributed.cleanup destroyed the group on success only
    when the world size was over 1 (its DistInfo.enabled), not when the run had started it; and
    a caller's group of 2+ ranks it destroyed (closed_on_error, on an error, left it)."""
    assert main(_emb_argv(setup, tmp_path / "run", "--steps", "1")) == 0
    assert (tmp_path / "run" / "metrics.json").is_file()
    _left_as_owned(group)


def test_the_embedder_stopped_destroys_only_a_group_it_started(group, tmp_path):
    _embedder_run(tmp_path)  # stop_after=2: out as a Ctrl-C stop; asserts {"interrupted_at": 2}
    _left_as_owned(group)


def test_the_recolouriser_finished_destroys_only_a_group_it_started(
    setup,  # noqa: F811
    group,
    tmp_path,
):
    """Fails on the parent for "trainer", as the embedder's."""
    assert main(_rec_argv(setup, tmp_path / "out", "--steps", "1")) == 0
    assert (tmp_path / "out" / "metrics.json").is_file()
    _left_as_owned(group)


def test_the_recolouriser_refused_destroys_only_a_group_it_started(
    setup,  # noqa: F811
    group,
    tmp_path,
    capsys,
):
    """An --embedder refused after init_distributed (the recolouriser's weights given for it), as
    in test_cli54."""
    from xrf_napari.models.weights import resolve_weights

    uvit, _ = resolve_weights("uvit")
    argv = _rec_argv(setup, tmp_path / "out")
    argv[argv.index("--embedder") + 1] = str(uvit)
    assert main(argv) == 2
    assert "--embedder" in capsys.readouterr().err
    _left_as_owned(group)


def test_generate_stopped_removes_the_temporaries_of_its_ended_workers(tmp_path, monkeypatch):
    """Ctrl-C during generate --workers N: the pool's workers end mid-write and their hidden
    temporaries (.cube_00001.h5.HOST-PID.*.h5) stayed in --out until the next run, against the
    "none half-written" said. Played in the parent (--workers 1) by a temporary of a process that
    has ended, as a terminated worker has by the time the parent leaves the pool."""
    import subprocess

    from xrf_napari.fileutil import temp_prefix
    from xrf_napari.synth import dataset

    ended = subprocess.Popen([sys.executable, "-c", ""])
    ended.wait()  # reaped: its pid names no process
    out = tmp_path / "set"

    def interrupted(task):
        (out / (temp_prefix(dataset.cube_name(1), ended.pid) + "abcd1234.h5")).write_bytes(b"x")
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset, "_run_one", interrupted)
    argv = ["generate", "--n-cubes", "2", "--size", "16", "--workers", "1", "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 130  # as test_cli54's stopped generate
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
