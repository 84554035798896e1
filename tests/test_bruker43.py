"""A decoder past its timeout is killed at once, not given the grace a finished one gets."""

import multiprocessing.context as mpc
import time

import pytest

from xrf_napari.io import CubeReadError
from xrf_napari.io.bruker import call_in_child


def test_a_stuck_decoder_is_killed_before_any_wait_for_it_to_exit(tmp_path, monkeypatch):
    calls = []
    real_join, real_kill = mpc.SpawnProcess.join, mpc.SpawnProcess.kill

    def join(self, timeout=None):
        calls.append(("join", timeout, self.is_alive()))
        return real_join(self, timeout)

    def kill(self):
        calls.append(("kill",))
        return real_kill(self)

    monkeypatch.setattr(mpc.SpawnProcess, "join", join)
    monkeypatch.setattr(mpc.SpawnProcess, "kill", kill)
    with pytest.raises(CubeReadError, match="did not finish within 0\\.3 s"):
        call_in_child(time.sleep, (60,), tmp_path / "scan.bcf", "decoding", timeout=0.3)
    assert calls[0] == ("kill",), calls  # no join on a child known to be stuck
