"""Session 54, revT54 (review of cli54's commits): a finished run's refusal names a metrics.json
written for another checkpoint as such, not as "missing or older than it"; generate's pool
workers leave Ctrl-C to the parent."""

from __future__ import annotations

import json
import multiprocessing as mp
import signal
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, str(Path(__file__).parent))
from test_weights41 import _fake_checkpoint  # noqa: E402


def test_a_newer_metrics_json_of_another_checkpoint_is_not_called_missing_or_older(tmp_path):
    """A finished checkpoint beside results all written after it (a `cp -r` copy dates them
    so), whose metrics.json records another checkpoint (the run was killed while writing its
    own): refused, rightly, but as "(metrics.json missing or older than it: ...)", though
    metrics.json stands there, newer than the checkpoint (70ca4e8a)."""
    from xrf_napari.training.common import (
        CHECKPOINT_ID,
        refuse_unfinished_checkpoint,
        save_checkpoint,
    )

    ckpt = tmp_path / "checkpoint.pt"
    _fake_checkpoint(ckpt, "recolouriser", 6, 6)
    save_checkpoint(ckpt, **torch.load(ckpt, weights_only=True))  # given an identity
    (tmp_path / "metrics.json").write_text(json.dumps({CHECKPOINT_ID: "an earlier one"}), "utf-8")
    for name in ("uvit.safetensors", "loss_curve.png"):
        (tmp_path / name).write_bytes(b"")
    with pytest.raises(ValueError, match="--resume writes them") as err:
        refuse_unfinished_checkpoint(ckpt, False, "recolouriser")
    assert "(metrics.json written for another checkpoint: a run stopped" in str(err.value)
    assert "missing or older" not in str(err.value)
    (tmp_path / "loss_curve.png").unlink()  # a file missing too: each named for what it is
    with pytest.raises(ValueError) as err:
        refuse_unfinished_checkpoint(ckpt, False, "recolouriser")
    assert (
        "(loss_curve.png missing or older than it; metrics.json written for another checkpoint:"
        in str(err.value)
    )


def test_generate_pool_workers_leave_ctrl_c_to_the_parent():
    """`generate --workers 2` stopped with Ctrl-C: the terminal's SIGINT reached the pool's
    workers too, whose KeyboardInterrupt wrote "Process SpawnPoolWorker-2:" (and its traceback,
    as far as it got before the pool was ended) onto the progress bar's line, which 5eda064c
    meant to end before "generate stopped: ..."."""
    from xrf_napari.synth.dataset import _init_worker

    with mp.get_context("spawn").Pool(1, initializer=_init_worker) as pool:
        handler = pool.apply(signal.getsignal, (signal.SIGINT,))
    assert handler == signal.SIG_IGN
