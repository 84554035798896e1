"""HDF5 reads through links and the first look in a child process (io.hdf5.first_look): which
path a message names, what the look covers, and the child's life (session 46's review)."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from _io_helpers import child_looks  # noqa: E402

from xrf_napari.io import CubeReadError, hdf5, read_cube  # noqa: E402

C = 128


def _linked(folder):
    """master.h5, whose paths lead through soft and external links to frames.h5 (a 3-D cube with
    its energy vector, and a 4-D one whose element axis cannot be told) or nowhere."""
    with h5py.File(folder / "frames.h5", "w") as f:
        f["entry/data/data"] = np.ones((4, 5, C), np.uint16)
        f["entry/data/energy"] = np.linspace(0.1, 12.8, C)
        f["entry/det/data"] = np.ones((4, 10, 4, C), np.uint16)  # (4 | 4) elements: which?
        f["entry/det/map"] = np.ones((4, 10))
    with h5py.File(folder / "master.h5", "w") as f:
        g = f.create_group("entry/data")
        g["grp"] = h5py.ExternalLink("frames.h5", "/entry")
        g["miss"] = h5py.ExternalLink("nofile.h5", "/entry")
        g["elements"] = h5py.ExternalLink("frames.h5", "/entry/det/data")
        g["map"] = h5py.ExternalLink("frames.h5", "/entry/det/map")
        f["entry/chain"] = h5py.SoftLink("/entry/data/miss")
        f["entry/rel"] = h5py.SoftLink("data/grp")
    return folder / "master.h5"


def test_paths_through_chained_links_read_and_say_where_they_break(tmp_path):
    """A guard for one walker of a path's links (hdf5._follow, which replaced _link_problem and
    _link_target): a soft link into a missing linked file is named by the path given; a
    relative soft link into an external link reaches the cube and the energy beside it."""
    master = _linked(tmp_path)
    with pytest.raises(CubeReadError, match="entry/chain is a link to /entry/data/miss, which "):
        read_cube(master, dataset="entry/chain/data/data")
    with pytest.raises(CubeReadError, match="entry/data/miss is a link to nofile.h5, which is "):
        read_cube(master, dataset="/entry/data/miss/x")
    got = read_cube(master, dataset="entry/rel/data/data", auto_calibrate=False)
    assert got.metadata["dataset"] == "/entry/rel/data/data"
    assert got.metadata["linked_to"] == f"{tmp_path / 'frames.h5'}:/entry/data/data"
    assert got.calibration.source == "file"


def test_a_linked_4d_dataset_that_cannot_be_read_is_named_by_the_users_path(tmp_path):
    """The refusal named the dataset's path inside the linked file (/entry/det/data), which the
    user's file does not have and dataset= does not take; it names the path given, and where
    the link leads. So does the refusal of a linked dataset that is not 3-D."""
    master = _linked(tmp_path)
    with pytest.raises(CubeReadError) as err:
        read_cube(master, dataset="entry/data/elements")
    text = str(err.value)
    assert (
        f"dataset '/entry/data/elements' (a link to {tmp_path / 'frames.h5'}:/entry/det/data) "
        "of shape (4, 10, 4, 128) is 4-D" in text
    ), text
    with pytest.raises(CubeReadError) as err:
        read_cube(master, dataset="entry/data/map")
    assert (
        f"the dataset '/entry/data/map' (a link to {tmp_path / 'frames.h5'}:/entry/det/map) has "
        "shape (4, 10)" in str(err.value)
    ), str(err.value)


def test_a_file_without_a_cube_is_walked_once_for_its_message(tmp_path, monkeypatch):
    """The no-cube message lists what discovery's walk saw (hdf5._detect returns it): it had
    walked the file again. The message is as before (a guard of it; the count fails on the
    parent: 2 walks)."""
    path = tmp_path / "maps.h5"
    with h5py.File(path, "w") as f:
        f["maps/Fe"] = np.ones((4, 5))
        f["maps/gone"] = h5py.SoftLink("/nowhere")
    walks = []
    real = hdf5._walk
    monkeypatch.setattr(hdf5, "first_look", lambda _p, _d: None)  # in-process walks only
    monkeypatch.setattr(hdf5, "_walk", lambda *a, **k: walks.append(1) or real(*a, **k))
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    assert str(err.value) == (
        f"{path}: no datacube found: no 3-D numeric dataset with a spectral axis (>= 64 "
        "channels), nor a 4-D one of detector elements; datasets: maps/Fe (4, 5) float64; "
        "maps/gone is a link to /nowhere, which does not exist"
    )
    assert len(walks) == 1


def _crono_with_an_unreadable_attribute(path):
    """A Crono file (read by its names, not walked) with a group whose NX_class attribute h5py
    cannot read (an HDF5 time type: TypeError), which stops the walk of the file."""
    with h5py.File(path, "w") as f:
        f["XRF/Spectra"] = np.ones((20, C), np.uint16)
        f["XRF/SpectraSelectedIndex"] = np.arange(20).reshape(4, 5)
        g = f.create_group("notes")
        space = h5py.h5s.create(h5py.h5s.SCALAR)
        h5py.h5a.create(g.id, b"NX_class", h5py.h5t.UNIX_D32LE, space).close()
    return path


def test_the_look_reads_the_layout_when_the_walk_stops_early(tmp_path, monkeypatch):
    """first_look's child (_look) had one guard for its walk, detection and read: the walk
    stopped by one unreadable attribute skipped the rest, so the Crono read that napari then
    did in-process had not been looked at (a loop there would freeze it). Fails on the parent:
    _crono never ran in the look."""
    path = _crono_with_an_unreadable_attribute(tmp_path / "scan.h5")
    read = []
    real = hdf5._crono
    monkeypatch.setattr(hdf5, "_crono", lambda *a: read.append(1) or real(*a))
    hdf5._look(str(path))  # the child's work, here in-process
    assert read == [1]
    with monkeypatch.context() as m:
        m.setattr(hdf5, "first_look", lambda _p, _d: None)
        assert read_cube(path, auto_calibrate=False).shape == (4, 5, C)  # and it reads


def test_a_group_whose_nx_class_cannot_be_read_does_not_stop_discovery(tmp_path, monkeypatch):
    """One group's NX_class of a type h5py cannot read (an HDF5 time) made the whole file 'could
    not be read as hdf5 (TypeError: No NumPy equivalent for TypeTimeID exists)', its cube beside
    it fine; the hint is now taken as absent. Fails on the parent with that error."""
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["entry/cube"] = np.ones((4, 5, C), np.uint16)
        f.create_group("notes")
        for name in ("notes", "entry"):  # a group, and the NXdata candidate's own attributes
            space = h5py.h5s.create(h5py.h5s.SCALAR)
            for attr in (b"NX_class", b"signal", b"axes"):
                h5py.h5a.create(f[name].id, attr, h5py.h5t.UNIX_D32LE, space).close()
    got = read_cube(path, auto_calibrate=False)
    assert got.shape == (4, 5, C) and got.metadata["dataset"] == "/entry/cube"


def _plain(path, value):
    with h5py.File(path, "w") as f:
        f["datacube"] = np.full((4, 5, C), value, np.uint16)
    return path


def test_a_file_replaced_between_its_look_and_its_open_is_looked_at_again(tmp_path, monkeypatch):
    """The look ran on the file there when it started; one replaced while the look ran (or before
    the open) was then opened and read in-process without a look of its own. It is now looked at
    again. Fails on the parent: one look (['_look'])."""
    path = _plain(tmp_path / "scan.h5", 1)

    def replace_once(calls):
        if len(calls) == 1:  # another program saves over it, while the first look ran
            _plain(tmp_path / "new.h5", 2).replace(path)

    calls = child_looks(monkeypatch, replace_once)
    cube = read_cube(path, auto_calibrate=False)
    assert calls == ["_look", "_look"]
    assert int(cube.data[0, 0, 0]) == 2


def test_a_file_that_changes_at_every_look_is_read_after_three(tmp_path, monkeypatch):
    """A file still being written (changed during every look) is looked at LOOKS_PER_OPEN
    times, then read as it is, as before there was a look: not refused. A guard."""
    path = _plain(tmp_path / "scan.h5", 1)

    def replace_every_time(calls):
        _plain(tmp_path / "new.h5", len(calls) + 1).replace(path)

    calls = child_looks(monkeypatch, replace_every_time)
    cube = read_cube(path, auto_calibrate=False)
    assert calls == ["_look"] * hdf5.LOOKS_PER_OPEN == ["_look"] * 3
    assert int(cube.data[0, 0, 0]) == 4


ORPHAN = """
import subprocess, sys, time
class Told(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        print("child", self.pid, flush=True)
subprocess.Popen = Told
from xrf_napari.io.isolate import call_in_child
call_in_child(time.sleep, (600,), "scan.h5", "looking", 3)
"""


def _gone(pid: int) -> bool:
    """The process has ended (a zombie left for init to reap counts as ended)."""
    import os

    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="POSIX only")
def test_a_child_whose_parent_was_killed_stops_itself_after_its_limit(tmp_path):
    """A parent killed while it waited (napari force-quit, frozen on a damaged file, `kill -9`)
    could not stop its child: a look stuck in libhdf5 looped on for good at full CPU. The child
    now ends itself CHILD_GRACE_S (5 s) after its limit (here 3 s). Fails on the parent: the
    child still runs 25 s later."""
    import os
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    child = None
    try:
        line = parent.stdout.readline()
        child = int(line.split()[1])
        parent.kill()  # SIGKILL: no handler of its own runs
        parent.wait(10)
        deadline = time.monotonic() + 25
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _gone(child), "the orphaned child still runs"
    finally:
        parent.kill()
        parent.wait(10)
        if child is not None and not _gone(child):
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize("interpreter", ["missing", "not python"])
def test_without_a_child_python_the_file_is_read_and_the_fault_named(
    tmp_path, monkeypatch, interpreter
):
    """sys.executable missing, or an application that is no Python (one embedding it): every
    HDF5 file was refused, blamed on the file ('crashed (exit status 1); the file is probably
    corrupt') or naming only the interpreter ('could not be read as hdf5 (FileNotFoundError:
    ... /nonexistent/python)'). The look is a guard: the file is read as before it, with a
    warning naming the file and the installation's fault. Fails on the parent with those
    errors."""
    import sys

    from xrf_napari.io import hdf5_looked, isolate

    path = _plain(tmp_path / "scan.h5", 3)
    exe = tmp_path / "app"
    if interpreter == "not python":
        if sys.platform == "win32":
            pytest.skip("a shell script")
        exe.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
        exe.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(exe))
    hdf5_looked.LOOKED.clear()
    with pytest.warns(UserWarning) as said:
        cube = read_cube(path, auto_calibrate=False)
    assert int(cube.data[0, 0, 0]) == 3
    text = " ".join(str(w.message) for w in said)
    assert str(path) in text and "a problem of the installation, not of the file" in text
    assert f"interpreter {exe}" in text and "read without that first look" in text
    with pytest.raises(CubeReadError, match="decoding needs a separate Python process, which "):
        isolate.call_in_child(abs, (-3,), tmp_path / "scan.bcf", "decoding", 5)  # .bcf: refused


def test_a_child_whose_start_up_prints_still_answers(tmp_path, monkeypatch):
    """What the child's interpreter prints to stdout as it starts (a sitecustomize, a .pth, a
    package's import), before its code points fd 1 away from the answer, corrupted the answer:
    every HDF5 file was refused as 'crashed (exit status 0); the file is probably corrupt'. It
    is left out of the answer now. Fails on the parent: a warning that the look could not run
    ('it ended at once, exit status 0')."""
    import warnings

    from xrf_napari.io import isolate

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("print('hello from start-up')\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(site))
    isolate._close_worker()  # the look's worker started anew, with that PYTHONPATH
    path = _plain(tmp_path / "scan.h5", 5)
    calls = child_looks(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert hdf5.first_look(path) is not None
    assert calls == ["_look"]
    assert isolate.call_in_child(abs, (-3,), path, "looking", 60) == 3


def test_a_module_in_the_working_folder_does_not_replace_the_childs(tmp_path):
    """`python -c` puts the working folder first on sys.path, so a user's struct.py there (a
    script of their own, in the folder napari or a script was started from) replaced the
    standard module the child's `import pickle` needs: the child failed before it ran, and no
    look was possible. The child now starts with -P. Fails on the parent: NoChild ('it ended
    at once, exit status 1')."""
    import subprocess
    import sys

    work, scripts = tmp_path / "work", tmp_path / "scripts"
    work.mkdir()
    scripts.mkdir()
    (work / "struct.py").write_text("raise ImportError('the user struct.py')\n", encoding="utf-8")
    (scripts / "run.py").write_text(
        "from xrf_napari.io.isolate import call_in_child\n"
        "print('child said', call_in_child(abs, (-3,), 'scan.h5', 'looking', 60))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(scripts / "run.py")],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "child said 3", (done.stdout + done.stderr)[-2000:]
