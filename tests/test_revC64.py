"""Session 64, review of the command lines' choices and the isolation worker (reviewer revC64)."""

import os
import signal
import sys
import types

import pytest

from xrf_napari.io import CubeReadError, isolate


@pytest.fixture
def no_torch(monkeypatch):
    """An empty torch module: pick_device refuses an unknown name before it uses torch, whose
    import (3-4 s here) the test need not pay."""
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))


@pytest.mark.parametrize(
    "argv, said",
    [
        (
            ["recolour", "x.h5", "-o", "d", "--device", "cdua"],
            "argument --device: unknown device 'cdua': use auto, cpu, cuda, cuda:N (N a GPU "
            "number) or mps: did you mean 'cuda'?",
        ),
        (
            ["info", "x.h5", "--anode", "Rhh"],
            "argument --anode: 'Rhh' is not an element: give the X-ray tube's anode, one of Rh, "
            "Mo, W, Cu, Ag, Cr: did you mean 'Rh'?",
        ),
    ],
)
def test_a_misspelt_device_or_anode_is_told_the_one_it_resembles(argv, said, capsys, no_torch):
    """--device and --anode check their values themselves (not argparse's choices), so `--device
    cdua` and `--anode Rhh` got no "did you mean" where `--optic lense` did: they take the same
    hint (argtypes.meant_choice). Fails on the parent: no hint."""
    from xrf_napari.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert said in err, err


def test_gpu_is_not_told_cpu(no_torch):
    """A guard: `--device gpu` is one letter from cpu (difflib 0.67 alike, above the options'
    cutoff 0.6); the device hint must not send a user who asked for a GPU to the CPU."""
    from xrf_napari.device import pick_device

    with pytest.raises(ValueError) as err:
        pick_device("gpu")
    assert "did you mean" not in str(err.value), str(err.value)


@pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="POSIX worker")
def test_a_worker_ending_with_the_idle_status_on_the_work_is_asked_once_more_only(tmp_path):
    """A guard: a library that ends the warm worker with its idle end's status (75) during the
    work is taken for an idle end and asked again, but once only (the retry's worker is new, not
    reused): the work done twice at most, then refused naming the status, never looping."""
    isolate.call_in_child(os.getpid, (), "warm.h5", "the look", 30, reuse=True)  # a worker warm
    runs = tmp_path / "runs.txt"
    code = isolate.WORKER_IDLE_EXIT
    work = ("/bin/sh", ["sh", "-c", f"echo ran >> '{runs}'; exit {code}"])
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(os.execv, work, "scan.h5", "the look", 30, reuse=True)
    assert f"it ended (exit status {code}) before it answered" in str(err.value), str(err.value)
    assert 1 <= len(runs.read_text(encoding="utf-8").splitlines()) <= 2
