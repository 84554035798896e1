"""Several 2-rank training runs in one torchrun launch (tests/test_distributed.py), each what
`torchrun --nproc_per_node=2 -m xrf_napari.train ARGS` runs in a rank: the command's main with
sys.argv set (a real command: its signal handlers, hooks and warning lines, restored after each
run). One launch instead of one a run saves the interpreter start, torch's import and gloo's
set-up of each (~10 s of two ranks a launch).

The process group is started once, here, as distributed.init_distributed starts it (gloo,
torchrun's env:// rendezvous) but with a 120 s time limit on each collective, and closed as the
trainers close it (distributed.closed_if_started: a barrier, then destroyed); each run joins it as
a caller's group. A group cannot be started again in the same processes: torch names it "0"
again, and a rank then read its peer's address of the previous group from torchrun's store and
waited for ever (seen). Who starts and destroys the group inside a run is the subject of
tests/test_train2_54.py. The time limit: ranks out of step (one stopped alone, the bug the "nan"
run guards) wait in mismatched collectives; they fail in 2 minutes, not gloo's 30.

    torchrun --standalone --nproc_per_node=2 tests/_ddp_runs.py SPEC.json

SPEC.json: {"runs": [{"name": ..., "argv": [...], "nan_on_rank_1": bool}, ...], "results": DIR}.
Each rank writes DIR/rank<R>.json, {name: the command's exit status}. A run with "nan_on_rank_1"
has rank 1's loss NaN from its step 1 on."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import warnings
from datetime import timedelta
from pathlib import Path

#: Each rank's line before each run on standard error: MARK, the rank, "] run ", the run's name.
MARK = "[_ddp_runs rank "


@contextlib.contextmanager
def command_state_restored():
    """What a real command's main (argv read from sys.argv, in the main thread) leaves set in the
    process, put back: its SIGINT and SIGTERM handlers (after its work, "exit at once":
    os._exit), sys.unraisablehook, warnings.showwarning and sys.argv. A test that runs main()
    as the console script does, in pytest's process, left a later Ctrl-C there to os._exit the
    worker (test_cli_records27)."""
    saved = (
        signal.getsignal(signal.SIGINT),
        signal.getsignal(signal.SIGTERM),
        sys.unraisablehook,
        warnings.showwarning,
        sys.argv,
    )
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, saved[0])
        signal.signal(signal.SIGTERM, saved[1])
        sys.unraisablehook, warnings.showwarning, sys.argv = saved[2:]


def run_output(stderr: str, name: str) -> str:
    """The lines of `stderr` (a launch's) from rank 0's start of run `name` to its next run's
    (the other rank's lines among them), the last 4000 characters."""
    start = stderr.find(f"{MARK}0] run {name}\n")
    if start < 0:
        return stderr[-4000:]
    end = stderr.find(f"{MARK}0] run ", start + 1)
    return stderr[start : end if end >= 0 else len(stderr)][-4000:]


def _nan_from_step_1():
    """Rank 1's train_step returns a NaN loss from its step 1 on; returns the undo."""
    import xrf_napari.training.train_embedder as te

    real = te.train_step

    def nan_from_step_1(*a, **k):
        vals = real(*a, **k)
        return dict(vals, loss=float("nan")) if a[5] >= 1 else vals

    te.train_step = nan_from_step_1
    return lambda: setattr(te, "train_step", real)


def main(spec_path: str) -> int:
    import torch.distributed as dist

    from xrf_napari.cli.train import main as train
    from xrf_napari.training.distributed import closed_if_started, init_distributed

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    rank = os.environ["RANK"]
    with closed_if_started():
        dist.init_process_group("gloo", timeout=timedelta(seconds=120))
        assert init_distributed("cpu").world_size == 2  # joined, as each run joins it
        codes = {run["name"]: _run(train, run, rank) for run in spec["runs"]}
    out = Path(spec["results"]) / f"rank{rank}.json"
    out.write_text(json.dumps(codes), encoding="utf-8")
    return 0


def _run(train, run: dict, rank: str) -> int:
    """One run as `python -m xrf_napari.train ARGV` makes it; its exit status. A line on standard
    error starts each rank's run: a test that finds a run's status wrong shows that run's lines
    (run_output), not the launch's last ones (the runs after it)."""
    undo = _nan_from_step_1() if run.get("nan_on_rank_1") and rank == "1" else None
    print(f"{MARK}{rank}] run {run['name']}", file=sys.stderr, flush=True)
    try:
        with command_state_restored():
            sys.argv = ["xrf_napari.train", *run["argv"]]
            return train()
    finally:
        if undo is not None:
            undo()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
