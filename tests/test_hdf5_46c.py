"""An HDF5 file's first look in a child process (session 46's review, part three): a killed child
that does not end, the ambiguous-axis warning of a linked dataset, and the commands' look before
their output guard opens the file."""

import subprocess
import threading
import time

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from xrf_napari.io import CubeReadError, hdf5_looked, isolate, read_cube  # noqa: E402


def test_a_killed_child_that_does_not_end_is_left_and_the_file_refused(monkeypatch):
    """A child stuck in uninterruptible I/O (a dead network drive) does not end when killed: the
    wait after the kill had no limit, so the caller (napari's GUI thread) blocked as long. Here
    a real child sleeps and its kill is ignored: the call must come back within its time limit
    and KILL_WAIT_S, refusing the file and saying the process was left."""
    started, popen = [], subprocess.Popen

    class Unkillable(popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

        def kill(self):  # as a process in uninterruptible sleep: SIGKILL waits on the I/O
            pass

    monkeypatch.setattr(subprocess, "Popen", Unkillable)
    monkeypatch.setattr(isolate, "CHILD_GRACE_S", 60)  # it would not stop itself either
    monkeypatch.setattr(isolate, "KILL_WAIT_S", 1, raising=False)
    got = []

    def call():
        try:
            isolate.call_in_child(time.sleep, (60,), "scan.h5", "the look", 0.5)
        except CubeReadError as exc:
            got.append(exc)

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    try:
        worker.join(20)  # 0.5 s + 1 s, and the child's start
        assert not worker.is_alive(), "the caller still waits on a killed child that never ends"
    finally:
        for proc in started:
            popen.kill(proc)
        worker.join(10)
        for proc in started:
            proc.wait(10)
    text = str(got[0])
    assert "the look did not finish within 0.5 s: stopped" in text, text
    assert f"(pid {started[0].pid}) had not ended 1 s after being killed" in text, text


def test_the_ambiguous_axis_warning_of_a_linked_dataset_names_the_users_path(tmp_path):
    """The warning that a cube could hold its channels along either end axis named the dataset's
    path inside the linked file (/entry/det/amb), which the user's file does not have; it names
    the path given and where the link leads, as the refusals do (975398b)."""
    with h5py.File(tmp_path / "frames.h5", "w") as f:
        f["entry/det/amb"] = np.ones((256, 3, 256), np.uint16)  # no energy vector: which end?
    master = tmp_path / "master.h5"
    with h5py.File(master, "w") as f:
        f["entry/data/amb"] = h5py.ExternalLink("frames.h5", "/entry/det/amb")
    with pytest.warns(UserWarning, match="could hold its channels") as record:
        read_cube(master, dataset="entry/data/amb", auto_calibrate=False)
    text = next(str(w.message) for w in record if "could hold" in str(w.message))
    assert (
        f"dataset '/entry/data/amb' (a link to {tmp_path / 'frames.h5'}:/entry/det/amb) "
        "(256, 3, 256) could hold" in text
    ), text


def test_a_command_looks_at_an_hdf5_input_before_its_output_guard_opens_it(tmp_path, monkeypatch):
    """A guard for cli._dispatch._first_looks: quicklook's output guard (fileutil.check_outputs)
    opens an HDF5 input with h5py (fileutil.hdf5_partners) before the reader's own look, and
    libhdf5 loops for ever on some damaged files (tests/data/hdf5_global_heap_hang.h5). Every
    time the command itself lists the input's partners, its look in a child has finished."""
    from xrf_napari import fileutil
    from xrf_napari.cli.main import main

    cube = tmp_path / "scan.h5"
    with h5py.File(cube, "w") as f:
        f["data"] = np.ones((4, 5, 64), np.uint16)
        f["energy"] = np.linspace(0.1, 12.8, 64)
    monkeypatch.setattr(hdf5_looked, "LOOKED", set())
    partners, seen = fileutil.hdf5_partners, []

    def watched(path, *args, **kwargs):
        seen.append(hdf5_looked.file_key(path) in hdf5_looked.LOOKED)
        return partners(path, *args, **kwargs)

    monkeypatch.setattr(fileutil, "hdf5_partners", watched)
    main(["quicklook", str(cube), "-o", str(tmp_path / "out"), "--no-progress"])
    assert seen and all(seen), f"partners listed before the first look finished: {seen}"
