"""A decoder past its timeout is killed at once, not given the grace a finished one gets."""

import subprocess
import time

import pytest

from xrf_napari.io import CubeReadError
from xrf_napari.io.bruker import call_in_child


def test_a_stuck_decoder_is_killed_before_any_wait_for_it_to_exit(tmp_path, monkeypatch):
    """The child is a subprocess.Popen (io.isolate): past its timeout it is killed before any
    wait for it (a wait without a limit, or one longer than the timeout, is a grace)."""
    calls = []
    real_wait, real_kill = subprocess.Popen.wait, subprocess.Popen.kill

    def wait(self, timeout=None):
        calls.append(("wait", timeout))
        return real_wait(self, timeout)

    def kill(self):
        calls.append(("kill",))
        return real_kill(self)

    monkeypatch.setattr(subprocess.Popen, "wait", wait)
    monkeypatch.setattr(subprocess.Popen, "kill", kill)
    with pytest.raises(CubeReadError, match="did not finish within 0\\.3 s"):
        call_in_child(time.sleep, (60,), tmp_path / "scan.bcf", "decoding", timeout=0.3)
    before_kill = calls[: calls.index(("kill",))]
    assert all(t is not None and t <= 0.3 for _w, t in before_kill), calls
