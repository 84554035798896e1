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

#: Opens a small cube as a large one in each of two viewers (one child for both endings:
#: starting napari is most of its time) and ends while both sum passes run, one viewer closed
#: and the other left open. Closing a viewer cancels every task of napari's (the other viewer's
#: pass too): so the second viewer's scan is opened once the first is closed. Each pass, held:
#: a stage that checks for no stop (the calibration's fit) and lasts until the script ends (an
#: exit function registered last opens its gate), then blocks every 10 ms that stop when asked
#: (3 s of them). An exit function registered between PyQt's and napari's and the pass's pool's
#: (exit functions run last registered first) says whether each pass was over before PyQt's
#: deleted the Qt objects (in any order: the pool, waiting for the pass, or its signals first).
SCRIPT = """
import atexit, sys, threading, time
sys.path.insert(0, {tests!r})
import napari
from qtpy.QtWidgets import QApplication
from _napari_helpers import open_cube, write_painted_cube
import xrf_napari._reader as reader
from xrf_napari.cube import Cube

reader.ASYNC_SUM_BYTES = 0  # these small cubes count as large: their sums are background passes
passes = {{}}  # each held pass's file name: its over event
ending = threading.Event()  # the script has ended
real = Cube.sum_image

def held_sum(self, *args, on_block=None, **kwargs):
    over = passes.setdefault(self.path.name, threading.Event())
    try:
        ending.wait(20)
        for i in range(300):
            time.sleep(0.01)
            if on_block is not None:
                on_block(slice(i, i + 1), None)
        return real(self, *args, **kwargs)
    finally:
        over.set()

def states():
    return sorted((name, over.is_set()) for name, over in passes.items())

def open_and_wait(viewer, name):
    open_cube(viewer, write_painted_cube({folder!r} + "/" + name))
    app, t0 = QApplication.instance(), time.perf_counter()
    while name not in passes and time.perf_counter() - t0 < 10:
        app.processEvents()
        time.sleep(0.005)
    assert name in passes, f"the sum pass of {{name}} never started"

Cube.sum_image = held_sum
closed = napari.Viewer(show=False)  # Qt's and napari's exit functions are registered
left_open = napari.Viewer(show=False)
atexit.register(lambda: print("passes over at exit:", states(), flush=True))
open_and_wait(closed, "closed.h5")
closed.close()  # removes its layers: its pass is asked to stop, and not waited for
open_and_wait(left_open, "left_open.h5")
atexit.register(ending.set)  # the first exit function: the passes go on to their blocks
print("ended with the passes over:", states(), flush=True)
"""


def test_a_script_ending_while_background_passes_run_exits_cleanly(tmp_path):
    """Both endings in one script: a viewer closed (its layers removed, its pass asked to stop
    and not waited for) and one left open (its pass asked to stop only at the exit)."""
    script = SCRIPT.format(tests=str(TESTS), folder=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    err = proc.stderr[-2000:]
    # both passes still ran when the script ended: the exit had them to stop
    ran = "ended with the passes over: [('closed.h5', False), ('left_open.h5', False)]"
    assert ran in proc.stdout, (proc.stdout, err)
    # each pass was stopped and awaited before the interpreter tore down Qt's wrappers
    over = "passes over at exit: [('closed.h5', True), ('left_open.h5', True)]"
    assert over in proc.stdout, (proc.stdout, err)
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
