"""An HDF5 file's first look in a child process (io.hdf5.first_look) with the read that follows
it: the read uses the layout the look found (no second walk of the file in-process) where that
layout depends on the file's own bytes, and a read given dataset= has that dataset's read looked
at, not the default one."""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from _io_helpers import child_looks

from xrf_napari.io import CubeReadError, hdf5, read_cube

HANG = Path(__file__).parent / "data" / "hdf5_global_heap_hang.h5"
#: The product's limit in the child (FIRST_LOOK_TIMEOUT_S, 60 s), and the test's.
LOOK_S, HARD_S = 2, 30


def _scans(folder: Path) -> dict:
    """A discovered cube with its energy axis, a file holding no cube, and a cube reached
    through an external link (what the walk saw depends on another file: not handed over)."""
    folder.mkdir()
    with h5py.File(folder / "plain.h5", "w") as f:
        f["datacube"] = np.arange(4 * 5 * 128, dtype=np.uint16).reshape(4, 5, 128) % 7
        f["energy"] = np.linspace(0.0, 12.7, 128)
        f["energy"].attrs["units"] = "keV"
    with h5py.File(folder / "maps.h5", "w") as f:
        f["maps/Fe"] = np.ones((4, 5))
    with h5py.File(folder / "master.h5", "w") as f:
        f["entry/data"] = h5py.ExternalLink("plain.h5", "/datacube")
    return {name: folder / f"{name}.h5" for name in ("plain", "maps", "master")}


def _read(path):
    try:
        cube = read_cube(path, auto_calibrate=False)
    except CubeReadError as exc:
        return str(exc)
    return cube.shape, cube.calibration, cube.metadata, np.asarray(cube.data[:])


def _same(got, want):
    if isinstance(want, str):
        assert got == want
        return
    assert got[:3] == want[:3]
    np.testing.assert_array_equal(got[3], want[3])


def test_the_read_after_a_look_uses_the_layout_it_found(tmp_path, monkeypatch):
    """The look's child walked and detected the file, then the read walked and detected it
    again in-process (about 1 s of a 5,000-dataset file's open at load, docs/performance.md).
    The cube, or the refusal, is the same as without the look. Fails on the parent: the read
    after the look walked the plain file again (1 walk, not 0)."""
    scans = _scans(tmp_path / "scans")
    with monkeypatch.context() as m:
        m.setattr(hdf5, "first_look", lambda _p, _d: None)  # in-process alone, as before the look
        want = {name: _read(path) for name, path in scans.items()}
    calls = child_looks(monkeypatch)
    walks = []
    real = hdf5._walk
    monkeypatch.setattr(hdf5, "_walk", lambda *a, **k: walks.append(1) or real(*a, **k))
    for name, layout, walked in (
        ("plain", "discovered", 0),
        ("maps", None, 0),
        ("master", "discovered", 2),
    ):
        walks.clear()
        assert hdf5.find_cube(scans[name]) == layout  # detection, then the read: one look
        _same(_read(scans[name]), want[name])
        assert len(walks) == walked, name
    assert calls == ["_look"] * 3
    assert "no datacube found" in want["maps"]


def test_the_look_detects_the_layout_once(tmp_path, monkeypatch):
    """The child ran _detect for find_cube, then the read it looked at ran it again. Fails on
    the parent: 2 detections."""
    path = _scans(tmp_path / "scans")["plain"]
    detections = []
    real = hdf5._detect
    monkeypatch.setattr(hdf5, "_detect", lambda *a: detections.append(1) or real(*a))
    got = hdf5._look(str(path))  # the child's work, here in-process
    assert detections == [1]
    assert got == ("discovered", "datacube")


def test_a_named_dataset_is_looked_at_as_it_will_be_read(tmp_path):
    """With dataset=, the look read the default cube, not the named one: a name below more
    groups than the walk descends (MAX_WALK_DEPTH), linking to a file on which libhdf5 loops for
    ever (tests/data/hdf5_global_heap_hang.h5), passed the look and froze the read. Now that
    read runs in the look, which is stopped in time. Fails on the parent: read_cube did not end
    within 30 s."""
    (tmp_path / "hang.h5").write_bytes(HANG.read_bytes())
    deep = "/".join(["g"] * (hdf5.MAX_WALK_DEPTH + 2))
    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["datacube"] = np.ones((4, 5, 128), np.uint16)
        f.create_group(deep)["counts"] = h5py.ExternalLink("hang.h5", "/counts")
    code = (
        "import sys\n"
        "import xrf_napari.io.hdf5 as h\n"
        "from xrf_napari.io import CubeReadError, read_cube\n"
        "read_cube(sys.argv[1], auto_calibrate=False)\n"  # the default cube: read
        # only now: on a loaded machine the default read's look took longer than LOOK_S
        f"h.FIRST_LOOK_TIMEOUT_S = {LOOK_S}\n"
        "try:\n"
        "    read_cube(sys.argv[1], dataset=sys.argv[2])\n"
        "except CubeReadError as e:\n"
        "    print('refused:', e)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path), f"{deep}/counts"],
            capture_output=True,
            text=True,
            timeout=HARD_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"read_cube(dataset=...) did not end within {HARD_S} s")
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-2000:]
    assert f"refused: {path}: the HDF5 library did not finish reading the file's structure" in (
        said
    ), said[-2000:]


def test_the_command_line_looks_at_the_dataset_it_reads(tmp_path, monkeypatch, capsys):
    """`info --dataset` had the default read looked at (cli._dispatch), and its read of the
    dataset was then taken as looked at. Fails on the parent: the one look was asked
    (path,), without the dataset."""
    from xrf_napari.cli.main import main
    from xrf_napari.io import hdf5_looked, isolate

    path = _scans(tmp_path / "scans")["plain"]
    hdf5_looked.LOOKED.clear()
    asked = []
    real = isolate.call_in_child
    monkeypatch.setattr(
        isolate,
        "call_in_child",
        lambda func, args, *a, **k: asked.append(args) or real(func, args, *a, **k),
    )
    assert main(["info", "--dataset", "datacube", str(path)]) == 0
    assert asked == [(str(path), "datacube")]
    assert "datacube" in capsys.readouterr().out


def test_a_file_hdf5_cannot_open_is_said_by_the_open_after_its_look(tmp_path):
    """The look's child named its walk before opening the file, so a file HDF5 cannot open
    (cut short: its open fails in the child too) failed the look itself: 'the HDF5 library
    reading the file's structure ... failed (UnboundLocalError: cannot access local variable
    'tree' ...)'. The open says why again. Fails on the parent with that UnboundLocalError."""
    path = _scans(tmp_path / "scans")["plain"]
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CubeReadError) as err:
        read_cube(cut, auto_calibrate=False)
    assert str(err.value).startswith(f"{cut}: the HDF5 file is truncated: it has 1000 bytes")


def _partners_counted(monkeypatch) -> list:
    from xrf_napari import fileutil

    asked, real = [], fileutil.hdf5_partners
    monkeypatch.setattr(fileutil, "hdf5_partners", lambda p, *a: asked.append(p) or real(p, *a))
    return asked


def test_the_look_lists_partners_only_where_its_walk_did_not_see_the_whole_file(
    tmp_path, monkeypatch
):
    """The look's child walked the whole file, reading every object and attribute, then walked
        it again for fileutil.hdf5_partners (the commands' output guard): a fifth of a 5,000-dataset
        file's look (docs/performance.md). The look's walk now reads what that one reads (each
        dataset's external files and virtual sources), and the guard's walk runs in the look only
        where the look's did not see the whole file (an external link, a limit reached). Fails on
        the parent: hdf5_partners ran in the look of the plain file and of the virtual one (and the
    look's walk read no virtual sources)."""
    scans = _scans(tmp_path / "scans")
    virtual = tmp_path / "scans" / "virtual.h5"
    layout = h5py.VirtualLayout(shape=(4, 5, 128), dtype=np.uint16)
    layout[:] = h5py.VirtualSource(scans["plain"], "datacube", shape=(4, 5, 128))
    with h5py.File(virtual, "w") as f:
        f.create_virtual_dataset("datacube", layout)
    sources = []
    real_sources = h5py.Dataset.virtual_sources
    monkeypatch.setattr(
        h5py.Dataset, "virtual_sources", lambda d: sources.append(d.name) or real_sources(d)
    )
    asked = _partners_counted(monkeypatch)
    for name, path, partners in (
        ("plain", scans["plain"], []),
        ("virtual", virtual, []),
        # an external link: the guard's walk of it, and of the file it leads to
        ("master", scans["master"], [str(scans["master"]), str(scans["plain"])]),
    ):
        asked.clear()
        hdf5._look(str(path))  # the child's work, here in-process
        assert [str(p) for p in asked] == partners, name
    sources.clear()
    with h5py.File(virtual, "r") as f:
        hdf5._walk(f, attributes=True)  # the look's walk
    assert sources == ["/datacube"]


def test_the_look_whose_walk_stops_early_lists_partners(tmp_path, monkeypatch):
    """A guard: a walk cut short (here MAX_WALK_DEPTH groups deep) has not read all the output
    guard's walk reads (which descends every group), so that one still runs in the look."""
    path = tmp_path / "deep.h5"
    with h5py.File(path, "w") as f:
        f["datacube"] = np.ones((4, 5, 128), np.uint16)
        f.create_group("/".join(["g"] * (hdf5.MAX_WALK_DEPTH + 2)))
    asked = _partners_counted(monkeypatch)
    hdf5._look(str(path))
    assert [str(p) for p in asked] == [str(path)]
