"""An HDF5 file on which libhdf5 loops for ever (tests/data/hdf5_global_heap_hang.h5: a corrupt
global heap, met reading the root's 'format' attribute) is refused in time on every path napari
and the command line take, naming the file: its first look runs in a child process with a time
limit (io.hdf5.first_look). Each damaged-file case runs in a child of its own under a hard
timeout, so that a regression fails here instead of hanging the suite. A sound file opens as
before, and pays one first look however often it is detected and read."""

import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from _io_helpers import child_looks

from xrf_napari.energy import Calibration
from xrf_napari.io import hdf5, read_cube

HANG = Path(__file__).parent / "data" / "hdf5_global_heap_hang.h5"
#: The product's limit in the children (FIRST_LOOK_TIMEOUT_S, 60 s), and theirs.
LOOK_S, HARD_S = 3, 40

SHORTEN = f"import xrf_napari.io.hdf5 as h; h.FIRST_LOOK_TIMEOUT_S = {LOOK_S}\n"
ENTRIES = {
    "read_cube": (
        "from xrf_napari.io import CubeReadError, read_cube\n"
        "try:\n"
        "    read_cube(sys.argv[1])\n"
        "except CubeReadError as e:\n"
        "    print('refused:', e)\n"
    ),
    "napari reader": (
        "from xrf_napari._reader import napari_get_reader\n"
        "from xrf_napari.io import CubeReadError\n"
        "reader = napari_get_reader(sys.argv[1])\n"
        "try:\n"
        "    reader(sys.argv[1])\n"
        "except CubeReadError as e:\n"
        "    print('refused:', e)\n"
    ),
    "xrf-napari info": (
        "from xrf_napari.cli.main import main\n"
        "code = main(['info', sys.argv[1]])\n"
        "print('exit', code)\n"
    ),
}


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_a_file_libhdf5_loops_on_is_refused_in_time_naming_it(tmp_path, entry):
    copy = tmp_path / "scan.h5"
    copy.write_bytes(HANG.read_bytes())
    code = "import sys\n" + SHORTEN + ENTRIES[entry]
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(copy)], capture_output=True, text=True, timeout=HARD_S
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{entry} on {HANG.name} did not end within {HARD_S} s")
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-2000:]
    if entry == "xrf-napari info":
        assert "exit 2" in done.stdout, said[-2000:]
        assert "xrf-napari info: error:" in done.stderr
    else:
        assert "refused:" in done.stdout, said[-2000:]
    assert str(copy) in said
    assert (
        "the HDF5 library did not finish reading the file's structure (its groups, links and "
        f"attributes) within {LOOK_S} s: the file is probably damaged"
    ) in said.replace("\n", " ")
    assert copy.read_bytes() == HANG.read_bytes()


def _plain_h5(path, values=None):
    """A cube as many labs write one: a 'datacube' and its energy axis, no layout marker."""
    counts = (
        np.arange(4 * 5 * 128, dtype=np.uint16).reshape(4, 5, 128) % 7 if values is None else values
    )
    with h5py.File(path, "w") as f:
        f.create_dataset("datacube", data=counts)
        f.create_dataset("energy", data=np.linspace(0.0, 12.7, 128)).attrs["units"] = "keV"
        f.attrs["instrument"] = "test bench"
    return path


def test_a_sound_file_opens_as_it_did_without_the_look(tmp_path, monkeypatch):
    path = _plain_h5(tmp_path / "plain.h5")
    calls = child_looks(monkeypatch)
    looked = read_cube(path, auto_calibrate=False)
    assert calls == ["_look"]
    with monkeypatch.context() as m:
        m.setattr(hdf5, "first_look", lambda _p, _d: None)
        plain = read_cube(path, auto_calibrate=False)
    assert looked.shape == plain.shape == (4, 5, 128)
    assert looked.calibration == plain.calibration
    assert looked.metadata == plain.metadata
    np.testing.assert_array_equal(np.asarray(looked.data[:]), np.asarray(plain.data[:]))


def test_one_look_per_file_until_it_changes(tmp_path, monkeypatch):
    """Detection then read (find_cube, read_cube, napari's reader) pay one child; a file
    rewritten is looked at again; one the plugin wrote (project_h5.write_cube) never."""
    from xrf_napari._reader import napari_get_reader
    from xrf_napari.io.project_h5 import write_cube

    path = _plain_h5(tmp_path / "plain.h5")
    calls = child_looks(monkeypatch)
    assert hdf5.find_cube(path) == "discovered"
    read_cube(path, auto_calibrate=False)
    napari_get_reader(str(path))(str(path))
    assert calls == ["_look"]
    path.unlink()
    _plain_h5(path, np.ones((4, 5, 128), dtype=np.uint16))
    read_cube(path, auto_calibrate=False)
    assert calls == ["_look", "_look"]
    own = write_cube(
        tmp_path / "own.h5", np.ones((3, 3, 128), dtype=np.uint16), Calibration(0.0, 0.1)
    )
    read_cube(own, auto_calibrate=False)
    assert calls == ["_look", "_look"]


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """The child is a fresh interpreter: multiprocessing's spawn ran the parent's main script
    again in the child, so a user's script reading an .h5 (now every HDF5 read asks a child)
    without `if __name__ == "__main__":` did its own work twice, and the second run's read,
    asking for a child during the child's start-up, failed."""
    script = tmp_path / "analyse.py"
    script.write_text(
        "from xrf_napari.io.bruker import call_in_child\n"
        "print('top level ran')\n"
        "print('child said', call_in_child(abs, (-3,), 'scan.h5', 'looking', 60))\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=HARD_S
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["top level ran", "child said 3"]
