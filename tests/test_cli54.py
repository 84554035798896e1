"""Session 54, cli54: a finished run copied with `cp -r` is not refused by its files' dates; the
trainers tear torchrun's process group down when they fail; evaluate checks its weights files
before listing --data; generate's "stopped" line starts on a line of its own."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_reproducibility_audit26 import _emb_argv, _rec_argv, setup  # noqa: E402, F401 - fixture

from xrf_napari.cli.train import main  # noqa: E402

RESULTS = ("dve.safetensors", "metrics.json", "loss_curve.png")


@pytest.fixture(scope="module")
def finished(setup, tmp_path_factory):  # noqa: F811
    """The folder of a finished embedder run of 1 step."""
    out = tmp_path_factory.mktemp("cli54") / "run"
    assert main(_emb_argv(setup, out, "--steps", "1")) == 0
    return out


def _copied(run: Path, to: Path, checkpoint_after: bool) -> Path:
    """`run` as `cp -r` copies it: every file dated by its copying, in the folder's order; here
    the checkpoint a second after the results, or a second before them."""
    shutil.copytree(run, to, copy_function=shutil.copyfile)
    copied = (to / "checkpoint.pt").stat().st_mtime_ns
    for name in RESULTS:
        os.utime(to / name, ns=(copied, copied))
    dated = copied + (10**9 if checkpoint_after else -(10**9))
    os.utime(to / "checkpoint.pt", ns=(dated, dated))
    return to


def test_a_finished_run_copied_with_cp_is_not_refused(finished, tmp_path):
    """A finished run whose results were written, copied with `cp -r` (the copy dates each file
    by its copying, the checkpoint here after the results) was refused as "a finished run whose
    results were not all written (dve.safetensors, metrics.json, loss_curve.png missing or older
    than it: a run stopped while writing them)": metrics.json records the checkpoint it belongs
    to, and that is what is judged."""
    from xrf_napari.training.common import refuse_unfinished_checkpoint

    copy = _copied(finished, tmp_path / "copy", checkpoint_after=True)
    assert refuse_unfinished_checkpoint(copy / "checkpoint.pt", False, "embedder") is None


def test_a_copied_run_killed_while_writing_its_results_is_still_refused(finished, tmp_path):
    """The crash case, copied: the run's last checkpoint was written again (as a killed rerun
    does) but its results are an earlier checkpoint's; dated by the copy they look newer than it,
    and the command without --resume started the run over. It is refused, naming --resume."""
    from xrf_napari.training.common import refuse_unfinished_checkpoint, save_checkpoint

    crashed = tmp_path / "crashed"
    shutil.copytree(finished, crashed)
    state = torch.load(crashed / "checkpoint.pt", weights_only=True)
    save_checkpoint(crashed / "checkpoint.pt", **{k: v for k, v in state.items()})
    copy = _copied(crashed, tmp_path / "copy", checkpoint_after=False)
    with pytest.raises(ValueError, match=r"\(metrics.json written for another checkpoint") as err:
        refuse_unfinished_checkpoint(copy / "checkpoint.pt", False, "embedder")
    assert "--resume writes them without training again" in str(err.value)


def test_a_copied_run_with_a_result_deleted_is_refused_naming_it(finished, tmp_path):
    """Judged by metrics.json, a result deleted since is still named as missing."""
    from xrf_napari.training.common import refuse_unfinished_checkpoint

    copy = _copied(finished, tmp_path / "copy", checkpoint_after=True)
    (copy / "loss_curve.png").unlink()
    with pytest.raises(ValueError, match=r"\(loss_curve.png missing or older than it"):
        refuse_unfinished_checkpoint(copy / "checkpoint.pt", False, "embedder")


def test_the_recolouriser_tears_the_process_group_down_when_its_embedder_is_refused(
    setup,  # noqa: F811
    tmp_path,
    monkeypatch,
    capsys,
):
    """Under torchrun, the recolouriser joined the process group before loading --embedder, and
    an --embedder refused there (another model's weights) exited without destroying the group
    (on NCCL: "destroy_process_group() was not called before program exit"). Played by one
    process: a gloo group of world size 1 stands for torchrun's."""
    import torch.distributed as dist

    from xrf_napari.models.weights import WEIGHTS_FILES, resolve_weights

    uvit, _ = resolve_weights("uvit")
    assert uvit.name == WEIGHTS_FILES["uvit"]
    joined = dist.init_process_group

    def one_rank(backend=None, **kw):
        joined("gloo", store=dist.HashStore(), rank=0, world_size=1)

    monkeypatch.setattr(dist, "init_process_group", one_rank)
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it: init_distributed joins a group
    argv = _rec_argv(setup, tmp_path / "out")
    argv[argv.index("--embedder") + 1] = str(uvit)
    try:
        assert main(argv) == 2
        assert "--embedder" in capsys.readouterr().err
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


@pytest.mark.parametrize("option", ["--weights", "--embedder"])
def test_evaluate_checks_its_weights_files_before_listing_data(
    tmp_path,
    monkeypatch,
    capsys,
    option,
):
    """A missing --weights or --embedder was named only after --data had been listed and each
    cube's header read (seconds on a large folder): they are checked first."""
    from xrf_napari.synth import export
    from xrf_napari.training import data

    listed = []
    for module, name in ((export, "exported_cubes"), (data, "list_cubes")):
        monkeypatch.setattr(module, name, lambda *a, _n=name, **k: listed.append(_n) or [])
    missing = tmp_path / "missing.safetensors"
    argv = ["evaluate", "--data", str(tmp_path), option, str(missing), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{option} {missing}" in err and listed == []


def test_generate_stopped_line_starts_on_its_own_line(tmp_path, monkeypatch, capsys):
    """Ctrl-C during generate: "generate stopped: ..." was printed before the progress bar was
    closed, so it went on the bar's line ("cubes:   0%|  | 0/2 [...]generate stopped: ...")."""
    from xrf_napari.synth import dataset

    def interrupted(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset, "_run_one", interrupted)
    out = tmp_path / "set"
    argv = ["generate", "--n-cubes", "2", "--size", "16", "--workers", "1", "--out", str(out)]
    assert main(argv) == 130
    lines = capsys.readouterr().err.split("\n")
    stopped = [ln for ln in lines if "generate stopped:" in ln]
    assert len(stopped) == 1 and stopped[0].startswith("generate stopped:"), lines
    assert "cubes:" in lines[lines.index(stopped[0]) - 1]  # the bar, ended above it
    assert lines[lines.index(stopped[0]) + 1].endswith("generate: interrupted")
