"""Review of session 55's test-time commits (revT55): what a test run in pytest's process leaves
behind for the worker's later tests, and what a failed 2-rank run shows."""

import os
import signal
import sys
import warnings

import pytest

pytest.importorskip("xraylib")
pytest.importorskip("h5py")
pytest.importorskip("torch")

import _ddp_runs  # noqa: E402
import numpy as np  # noqa: E402

from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.energy import Calibration  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402


def _process_state():
    return (
        signal.getsignal(signal.SIGINT),
        signal.getsignal(signal.SIGTERM),
        sys.unraisablehook,
        warnings.showwarning,
        list(sys.argv),
    )


def test_a_console_script_main_in_pytests_process_leaves_the_workers_handlers(
    tmp_path, monkeypatch
):
    """2f5a8381 ran test_cli_records27's console-script case in pytest's process: main() reading
    sys.argv is a real command, and left SIGINT and SIGTERM on its "exit at once" handler
    (os._exit(130), "xrf-napari pigments: interrupted") for the worker's later tests, and its
    sys.unraisablehook wrapper. That case now runs it in command_state_restored, as here."""
    cube = write_cube(
        tmp_path / "s.h5", np.ones((2, 2, 16), np.float32), Calibration(0.0, 0.1, source="user")
    )
    monkeypatch.setattr(sys, "argv", ["xrf-napari", "info", str(cube)])
    before = _process_state()
    try:
        with _ddp_runs.command_state_restored():
            assert main() == 0
    finally:
        after = _process_state()
        signal.signal(signal.SIGINT, before[0])  # this worker's, whatever happened
        signal.signal(signal.SIGTERM, before[1])
        sys.unraisablehook = before[2]
    assert after == before


def test_a_failed_2_rank_run_shows_its_own_lines(capsys):
    """0de8bbbf's one launch of four runs: a run that failed showed `assert 1 == 0` alone, its
    error line nowhere in the message (and the launch's last lines are the later runs')."""

    def failing():
        print("xrf-napari-train embedder: error: the first run's reason", file=sys.stderr)
        return 1

    def chatty():
        print("a later run's line\n" * 400, file=sys.stderr)
        return 0

    codes = [
        _ddp_runs._run(train, {"name": n, "argv": []}, "0")
        for n, train in (("first", failing), ("later", chatty))
    ]
    err = capsys.readouterr().err
    assert codes == [1, 0]
    assert "the first run's reason" not in err[-4000:]  # the launch's tail: the later run's
    assert "the first run's reason" in _ddp_runs.run_output(err, "first")
    assert "the first run's reason" not in _ddp_runs.run_output(err, "later")


def test_a_2_rank_launch_past_its_time_is_killed_with_its_ranks():
    """0de8bbbf's one launch (300 s limit) as the four before it: subprocess.run's timeout killed
    torchrun alone, its ranks (each in a session of its own) ran on (seen, a sleeping driver: both
    alive after) on the tests' 2 cores. A child whose own child sleeps in a new session stands for
    torchrun and a rank here."""
    psutil = pytest.importorskip("psutil")
    from test_distributed import _run_group

    rank = "import time; time.sleep(60)"
    agent = (
        "import subprocess, sys, time; "
        f"p = subprocess.Popen([sys.executable, '-S', '-c', {rank!r}], start_new_session=True); "
        "print(p.pid, flush=True); time.sleep(60)"
    )
    with pytest.raises(pytest.fail.Exception, match="ran past 2 s") as failed:
        _run_group([sys.executable, "-S", "-c", agent], dict(os.environ), timeout=2)
    pid = int(str(failed.value).split("\n")[1])
    try:
        alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        alive = False
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive
