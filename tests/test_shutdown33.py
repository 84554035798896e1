"""A script that opens a large scan in a viewer and ends (viewer.close() or not) while the scan's
background pass runs exits cleanly: with no event loop there is no aboutToQuit, and the pass's
thread, left reading, emitted a signal of a wrapper the interpreter's exit had deleted: PyQt
aborted the process (SIGABRT, exit code 134) in about half of such scripts."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("napari")

TESTS = Path(__file__).resolve().parent

#: Opens a small cube as a large one and ends once its sum pass began. The pass, held: a stage
#: that checks for no stop (the calibration's fit), then blocks every 10 ms that stop when asked
#: (3 s of them). An exit function registered between PyQt's and napari's and the pass's pool's
#: (exit functions run last registered first) says whether the pass was over before PyQt's
#: deleted the Qt objects (in any order: the pool, waiting for the pass, or its signals first).
SCRIPT = """
import atexit, sys, threading, time
sys.path.insert(0, {tests!r})
import napari
from qtpy.QtWidgets import QApplication
from _napari_helpers import open_cube, write_painted_cube
import xrf_napari._reader as reader
from xrf_napari.cube import Cube

reader.ASYNC_SUM_BYTES = 0  # this small cube counts as large: its sum is a background pass
began = threading.Event()
real = Cube.sum_image

def held_sum(self, *args, on_block=None, **kwargs):
    began.set()
    try:
        time.sleep(0.5)
        for i in range(300):
            time.sleep(0.01)
            if on_block is not None:
                on_block(slice(i, i + 1), None)
        return real(self, *args, **kwargs)
    finally:
        over.set()

Cube.sum_image = held_sum
viewer = napari.Viewer(show=False)  # Qt's and napari's exit functions are registered
over = threading.Event()
atexit.register(lambda: print("pass over at exit:", over.is_set(), flush=True))
open_cube(viewer, write_painted_cube({path!r}))
app, t0 = QApplication.instance(), time.perf_counter()
while not began.is_set() and time.perf_counter() - t0 < 10:
    app.processEvents()
    time.sleep(0.005)
assert began.is_set(), "the sum pass never started"
if {close}:
    viewer.close()  # removes the layers: the pass is asked to stop, and not waited for
print("ended", flush=True)
"""


@pytest.mark.parametrize("close", [True, False], ids=["viewer_closed", "viewer_left_open"])
def test_a_script_ending_while_a_background_pass_runs_exits_cleanly(tmp_path, close):
    script = SCRIPT.format(tests=str(TESTS), path=str(tmp_path / "painted.h5"), close=close)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    err = proc.stderr[-2000:]
    assert "ended" in proc.stdout, err
    # the pass was stopped and awaited before the interpreter tore down Qt's wrappers
    assert "pass over at exit: True" in proc.stdout, (proc.stdout, err)
    assert "Destroyed while" not in err and "Abort" not in err, err
    assert "has been deleted" not in err, err
    assert proc.returncode == 0, err


def test_a_dock_destroyed_after_its_pass_pool_was_deleted_does_not_raise():
    """At the interpreter's exit PyQt deletes the Qt objects in no set order: a dock's panel
    destroyed after the pass pool waited on the deleted pool, and the RuntimeError raised in
    a Qt slot aborted the process."""
    import threading
    import types

    sip = pytest.importorskip("qtpy.sip")
    from qtpy.QtCore import QThreadPool

    from xrf_napari.widgets._jobs import _quitter

    pool = QThreadPool()
    sip.delete(pool)
    over = threading.Event()
    over.set()
    worker = types.SimpleNamespace(quit=lambda: None, began=over, over=over, pool=pool)
    _quitter(worker)()  # the job is over: nothing to wait for, and nothing raised
