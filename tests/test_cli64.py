"""Session 64, the command lines (`xrf-napari`, `xrf-napari-train`) and the isolation worker
(io.isolate)."""

import os
import pickle
import signal
import subprocess
import sys

import pytest

from xrf_napari.io import CubeReadError, isolate

posix_only = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="POSIX signals")


@posix_only
@pytest.mark.parametrize("reuse", [False, True], ids=["child", "worker"])
def test_a_sigalrm_from_outside_is_not_told_as_a_timeout(reuse):
    """A reading child ended by another program's SIGALRM a moment after it began read "the
    look did not finish within 30 s: stopped" (SIGALRM is also how it stops itself once its
    time is past). Before the deadline it is a signal from outside, said so."""
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(
            signal.raise_signal, (signal.SIGALRM,), "scan.h5", "the look", 30, reuse=reuse
        )
    said = str(err.value)
    assert "did not finish" not in said, said
    assert "killed by signal SIGALRM before it answered, from outside" in said, said


@posix_only
def test_a_warm_worker_ending_with_exit_0_on_the_work_does_not_do_it_again(tmp_path):
    """A warm worker, used before, whose work ended it with exit status 0 (a compiled library's
    exit(0)) was taken for one that had ended idle (status 0 too): the call was asked again in a
    new worker, the work done twice before the refusal. Here the work (the worker made a shell)
    writes a line and exits 0: one line now, two on the parent."""
    isolate.call_in_child(os.getpid, (), "warm.h5", "the look", 30, reuse=True)  # a worker warm
    runs = tmp_path / "runs.txt"
    work = ("/bin/sh", ["sh", "-c", f"echo ran >> '{runs}'; exit 0"])
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(os.execv, work, "scan.h5", "the look", 30, reuse=True)
    assert "it ended (exit status 0) before it answered" in str(err.value), str(err.value)
    assert runs.read_text(encoding="utf-8").splitlines() == ["ran"]


@posix_only
def test_a_warm_worker_ending_between_requests_is_asked_again():
    """The other side of the test above: a warm worker that ends between requests (idle, or its
    stdin closed) ends with a status of its own, which a call finding it ended asks again."""
    worker = subprocess.Popen(
        [sys.executable, "-P", "-c", isolate._WORKER_CODE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    start = pickle.dumps(list(sys.path)) + pickle.dumps(())
    out, _ = worker.communicate(start, timeout=30)  # its start, then stdin closed
    assert out.endswith(isolate.STARTED)
    assert worker.returncode == isolate.WORKER_IDLE_EXIT != 0
    assert isolate._ended_idle(worker.returncode) and not isolate._ended_idle(0)


@pytest.mark.parametrize(
    "argv, said",
    [
        (
            ["xrf-napari", "quicklook", "x.h5", "-o", "d", "--optic", "lense"],
            "argument --optic: invalid choice: 'lense': did you mean 'lens'? (choose from "
            "'collimator', 'lens')",
        ),
        (
            ["xrf-napari", "pigments", "x.h5", "-o", "d", "--atmosphere", "Helium"],
            "argument --atmosphere: invalid choice: 'Helium': did you mean 'helium'?",
        ),
        (
            ["xrf-napari-train", "recolouriser", "--data", "d", "--out", "o", "--target", "rbg"],
            "argument --target: invalid choice: 'rbg': did you mean 'rgb'?",
        ),
        (
            ["xrf-napari", "quicklook", "x.h5", "-o", "d", "--optic", "zzz"],
            "argument --optic: invalid choice: 'zzz' (choose from 'collimator', 'lens')",
        ),
    ],
)
def test_every_choice_refused_names_the_one_it_resembles(argv, said, capsys):
    """`--optic lense` said only "invalid choice: 'lense' (choose from ...)" where a command
    name misspelt (`recolr`) was told "did you mean 'recolour'?": one hint for every choice."""
    from xrf_napari.cli.main import main as napari_main
    from xrf_napari.cli.train import main as train_main

    main = napari_main if argv[0] == "xrf-napari" else train_main
    with pytest.raises(SystemExit) as stop:
        main(argv[1:])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert said in err, err
    assert "Traceback" not in err


def test_an_empty_hdf5_file_is_said_empty(tmp_path):
    """An empty .h5 opened by open_hdf5 (the trainers' data, export-set, evaluate) read "not an
    HDF5 file: it does not start with the HDF5 signature (\\x89HDF); it is a text file", where
    `xrf-napari info` says what it is."""
    pytest.importorskip("h5py")
    from xrf_napari.io.hdf5 import open_hdf5

    (tmp_path / "cube_0000.h5").write_bytes(b"")
    with pytest.raises(CubeReadError) as err:
        open_hdf5(tmp_path / "cube_0000.h5")
    assert str(err.value).endswith("cube_0000.h5: the file is empty (0 bytes)"), str(err.value)
