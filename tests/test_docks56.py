"""Docks, session 56: the job panel's bar once a result is dropped or a Cancel keeps part of
it, a dock closed from inside one of its result's steps, another viewer's closing cancelling a
dock's job, and the first Recolour's model loads, which no stop could interrupt."""

from __future__ import annotations

import threading

import pytest
from _napari_helpers import held_job, stand_in_embed_dock, wait_idle
from test_gui2_54 import maps_dock  # noqa: F401 (a fixture)

from xrf_napari.widgets._layers import layer_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _held_embed_run(monkeypatch, embed, gate):
    """Embed & cluster's Run on a job stepping until `gate` opens (held_job): its worker."""
    import xrf_napari.widgets.embed as embed_mod

    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))
    worker = embed.run()
    assert worker is not None
    return worker


def test_closing_another_viewer_leaves_this_viewers_job_running(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A job of viewer A's dock started while viewer B was napari's current viewer was tracked
    by B's window (napari's create_worker), and closing B cancelled it: "Cancelled." in A's
    dock. It is A's window's task now: B's closing leaves it, A's still cancels it."""
    viewer_a = make_napari_viewer()
    embed = stand_in_embed_dock(viewer_a, tmp_path, monkeypatch)
    viewer_b = make_napari_viewer()  # napari's current viewer from now on
    gate = threading.Event()
    try:
        worker = _held_embed_run(monkeypatch, embed, gate)
        viewer_b.close()
        assert not worker.abort_requested
        assert embed.job.is_running and embed.job.status.text() != "Cancelled."
        assert viewer_a.window._task_status_manager.is_busy()
        viewer_a.window._task_status_manager.cancel_all()  # as A's window does as it closes
        assert worker.abort_requested
    finally:
        gate.set()
    wait_idle(qtbot, embed.job, 5000)


def test_a_scan_closed_before_its_finished_jobs_result_came_leaves_the_bar_empty(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The job's last step was over, its result not yet handed to the dock, when the scan was
    closed: the line said "The scan a.h5 was closed; its result was dropped." over a FULL bar,
    as if it had been completed. The bar is empty, as for any result dropped so."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    gate = threading.Event()
    gate.set()  # the job ends at once
    worker = _held_embed_run(monkeypatch, embed, gate)
    assert worker.over.wait(5)  # its result and end are queued for the event loop, not served
    cube = layer_cube(viewer.layers[0])
    for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
        viewer.layers.remove(ly)
    wait_idle(qtbot, embed.job, 5000)
    assert embed.job.status.text() == "The scan a.h5 was closed; its result was dropped."
    assert embed.job.progress.value() == 0


def test_cancel_while_maps_are_added_keeps_the_bar_at_the_maps_kept(maps_dock, qtbot):  # noqa: F811
    """Cancel after the second of five maps: the line says "Cancelled: 2 of 5 maps added
    (...)" and those two stay, but the bar emptied (every line beginning "Cancel" emptied it);
    it stays at 2 of 5, with the line."""
    _, dock, _, _, hooks = maps_dock
    hooks.append(lambda n: n == 2 and dock.job.cancel())
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.status.text().startswith("Cancelled: 2 of 5 maps added")
    assert (dock.job.progress.value(), dock.job.progress.maximum()) == (2, 5)


def test_closing_the_dock_from_inside_an_adding_step(maps_dock, qtbot):  # noqa: F811
    """The dock closed as its second map was added (inside that step of the result): abandon
    closed the running generator and raised "generator already executing" (the line then said
    "Failed: ..." and a notification came). Now the adding stops after that step, quietly."""
    viewer, dock, _, seen, hooks = maps_dock
    errors = []

    def close_dock(n):
        if n == 2:
            try:
                dock.dock_closed()
            except Exception as exc:  # noqa: BLE001 (the defect)
                errors.append(exc)

    hooks.append(close_dock)
    assert dock.run() is not None
    qtbot.waitUntil(lambda: not dock.job.is_running and dock.job._delivery is None, timeout=10000)
    qtbot.wait(3 * dock.job.STEP_PAUSE_MS)  # a step scheduled after the close would run by now
    assert errors == [] and dock.job.last_error is None, (errors, dock.job.last_error)
    assert len(seen) == 2
    assert not dock.job.run_button.isEnabled() or dock.run() is None  # the closed dock runs no job


def test_a_first_recolour_can_stop_between_its_model_loads(monkeypatch):
    """iter_dock_recolour loaded the recolouriser, then the embedder, before its first yield, so
    a stop (Cancel, the scan closed) waited for both (about 3 s on a first run, 13 s on two busy
    cores) under "Stopping...". Each load is now a step of its own: stopped after the first,
    the embedder is never loaded."""
    import sys
    import types

    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.analysis.recolour as recolour_mod
    from xrf_napari.widgets.recolour import iter_dock_recolour

    if "torch" not in sys.modules:  # its first import (2-3 s) is no part of the test
        monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    loaded = []
    monkeypatch.setattr(
        recolour_mod, "load_recolouriser", lambda w=None, d="auto": loaded.append(("uvit", w, d))
    )
    monkeypatch.setattr(
        embed_mod, "load_embedder", lambda w=None, d="auto": loaded.append(("dve", w, d))
    )
    steps = iter_dock_recolour(None, weights="u", embedder_weights="e", device="cpu")
    reports = [next(steps), next(steps)]
    steps.close()  # superqt's stop at that yield
    assert reports == [None, None]
    assert loaded == [("uvit", "u", "cpu")]


def test_closing_the_scan_as_recolour_lands_says_its_colours_stay(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The scan closed between the steps of Recolour's delivery (its colours layer in, the
    outline to come): the line said "... its result was dropped." over the new "recoloured"
    layer, which stayed in the viewer. The line now says that layer stays."""
    from _napari_helpers import close_scan_when_layer_arrives, open_cube, write_painted_cube
    from test_docks51 import _stand_in_recolour

    import xrf_napari.widgets.recolour as module

    monkeypatch.setattr(module, "_recolour_job", _stand_in_recolour)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    cube = layer_cube(viewer.layers[0])
    dock = module.RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    close_scan_when_layer_arrives(monkeypatch, module, viewer, cube, "recoloured")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    names = [ly.name for ly in viewer.layers if ly.name.startswith("recoloured")]
    assert len(names) == 1
    assert dock.job.status.text() == (
        f"The scan a.h5 was closed; its result was dropped and {names[0]}, added before it "
        "closed, stays in the viewer."
    )
    assert dock.job.progress.value() == 0


def test_a_scans_sum_pass_is_a_task_of_the_window_showing_it(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A scan opened in viewer A, viewer B opened before A's sum pass started: the pass was a
    task of B's window (napari's create_worker: the current viewer's), so closing B stopped it
    and closing A did not; it is A's now."""
    from _napari_helpers import gated_method, open_cube, write_painted_cube

    import xrf_napari._reader as reader
    from xrf_napari.cube import Cube

    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # a pass of its own, as for a large scan
    viewer_a = make_napari_viewer()
    with gated_method(monkeypatch, Cube, "sum_image") as gate:
        open_cube(viewer_a, write_painted_cube(tmp_path / "a.h5"))
        viewer_b = make_napari_viewer()
        qtbot.waitUntil(lambda: bool(gate.calls), timeout=5000)
        assert viewer_a.window._task_status_manager.is_busy()
        assert not viewer_b.window._task_status_manager.is_busy()


def test_a_window_lets_go_of_its_finished_tasks_and_what_they_were_given(make_napari_viewer, qtbot):
    """napari's task list keeps every task of a window while it is open, and held each worker
    through its quit method, with the arguments of a FunctionWorker (a Pigments repaint's fit,
    a sum pass's scan) for the window's life; it holds them weakly now."""
    import gc
    import weakref

    import numpy as np
    from superqt.utils import FunctionWorker

    from xrf_napari.widgets._jobs import create_worker

    class Fit:  # stands in for what a repaint is given
        rgb = np.zeros((64, 64, 3), np.float32)

    viewer = make_napari_viewer()
    fit = Fit()
    given = weakref.ref(fit)
    worker = create_worker(len, [fit], _worker_class=FunctionWorker, _viewer=viewer)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start()
    del worker, fit
    qtbot.wait(10)
    gc.collect()
    assert given() is None
    assert not viewer.window._task_status_manager.is_busy()
