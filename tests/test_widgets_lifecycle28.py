"""Lifecycle and concurrency of the docks' jobs (concurrency audit 28): a job's RuntimeError
reaches its dock, closing a dock ends it at once without freezing napari, the short passes the
user waits on (sum image, element survey) never queue behind long jobs, and results go to their
own scan only. Slow and failing jobs are stand-ins: fast generators gated by an Event."""

import gc
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    clustered_painted_scan,
    open_cube,
    wait_idle,
    write_painted_cube,
)
from qtpy.QtCore import QCoreApplication, QEvent, QThreadPool
from qtpy.QtWidgets import QVBoxLayout, QWidget

import xrf_napari._reader as reader


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _gated(gate, result=None, on_step=None, started=None):
    """A job that steps every 20 ms until `gate` is set (10 s at most), then returns; it sets
    `started` as it starts."""

    def job(*_args):
        if started is not None:
            started.set()
        end = time.monotonic() + 10
        i = 0
        while not gate.is_set() and time.monotonic() < end:
            time.sleep(0.02)
            i += 1
            if on_step is not None:
                on_step(i)
            yield i % 100, 100
        return result

    return job


@pytest.fixture
def full_pool(qtbot):
    """napari's global pool filled with jobs (one per thread, as long model jobs fill it on a
    2-core laptop), released at the end."""
    from xrf_napari.widgets._jobs import JobPanel

    gate = threading.Event()
    panels = [JobPanel("Run") for _ in range(QThreadPool.globalInstance().maxThreadCount())]
    started = [threading.Event() for _ in panels]
    for panel, event in zip(panels, started):
        assert panel.start(_gated(gate, started=event), on_result=lambda v: None) is not None
    qtbot.waitUntil(lambda: all(event.is_set() for event in started), timeout=5000)
    yield gate
    gate.set()
    for panel in panels:
        wait_idle(qtbot, panel, 15000)


# -- F1: a job's RuntimeError -----------------------------------------------------------------
@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8 GB"),
        NotImplementedError("aten::foo is not implemented for the MPS device"),
    ],
)
def test_a_runtime_error_fails_the_job_like_any_error(qtbot, exc):
    """superqt's worker took every RuntimeError for a deleted worker and only warned: the panel
    said "Embedding spectra..." forever, Run stayed disabled."""
    from xrf_napari.widgets._jobs import JobPanel

    def job():
        yield 1, 2
        yield "Embedding spectra\u2026"
        raise exc

    panel = JobPanel("Run")
    with caught_notifications() as seen:
        panel.start(job, on_result=lambda v: None, description="Reading")
        wait_idle(qtbot, panel, 5000)
    assert panel.last_error is not None and panel.last_error.__cause__ is exc
    text = panel.status.text()
    assert text.startswith("Failed: embedding spectra: ")  # the stage it stopped in
    assert str(exc) in text and type(exc).__name__ in text
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert len(seen) == 1 and str(exc) in seen[0].message


def test_a_survey_runtime_error_frees_the_survey(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """The survey failing with a RuntimeError stayed 'running' for the session: Spectrum read
    "Reading the cube..." and Maps refused its maps ("still being found")."""
    import xrf_napari.widgets._common as common
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    def bad_survey(cube):
        yield 0, 1
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr(common, "_survey_job", bad_survey)
    viewer = make_napari_viewer()
    path = write_painted_cube(tmp_path / "painted.h5")
    open_cube(viewer, path)
    spec = SpectrumWidget(viewer)
    maps = ElementMapsWidget(viewer)
    cube = spec.current_cube()
    with caught_notifications() as seen:
        wait_idle(qtbot, spec.job, 5000)
    assert not common.SURVEYS.is_running(cube)
    said = f"{path}: reading the cube: RuntimeError: DefaultCPUAllocator: can't allocate memory"
    assert str(spec.job.last_error).startswith(said)
    assert len(seen) == 1 and seen[0].message.startswith(said)
    # the dock that ran it keeps its reason (session 29: it was replaced by the generic line that
    # only the docks waiting on the survey should get)
    assert spec.job.status.text().startswith(f"Failed: {said}"), spec.job.status.text()
    assert "survey stopped or failed" in maps.job.status.text()


# -- F2 / F4: destroying a panel never waits long ---------------------------------------------
def test_a_panel_collected_mid_job_does_not_freeze_the_gui(qtbot):
    """A dock is in a reference cycle; the garbage collector destroying it mid-job waited 10 s
    on the GUI thread (the Event it waited for was itself garbage, so nothing set it)."""
    from xrf_napari.widgets._jobs import JobPanel

    gate, started = threading.Event(), threading.Event()
    gc.disable()
    try:
        host = QWidget()
        panel = JobPanel("Run")
        QVBoxLayout(host).addWidget(panel)
        host.cycle = host
        worker = panel.start(_gated(gate, started=started), on_result=lambda v, h=host: h)
        qtbot.waitUntil(started.is_set, timeout=5000)
        qtbot.wait(100)
        del host, panel
        t0 = time.perf_counter()
        gc.collect()
        took = time.perf_counter() - t0
    finally:
        gc.enable()
        gate.set()
    assert took < 1.5, f"collecting the panel blocked the GUI thread {took:.1f} s"
    assert worker.abort_requested
    qtbot.waitUntil(lambda: not worker.is_running, timeout=5000)


def test_a_queued_job_cancels_and_dies_at_once(qtbot, full_pool):
    """With every pool thread busy, Cancel on a queued job said "Cancelling..." until a thread
    freed up, and destroying its panel blocked the GUI thread as long (10 s at most)."""
    from xrf_napari.widgets._jobs import JobPanel

    gate, started = threading.Event(), threading.Event()
    steps = []
    panel = JobPanel("Run")
    worker = panel.start(_gated(gate, steps.append, started), on_result=lambda v: None)
    qtbot.wait(100)
    assert not started.is_set()  # queued
    panel.cancel()
    assert not panel.is_running and panel.run_button.isEnabled()
    assert panel.status.text() == "Cancelled."

    host = QWidget()
    other = JobPanel("Run")
    QVBoxLayout(host).addWidget(other)
    queued = other.start(_gated(gate, on_step=steps.append), on_result=lambda v: None)
    qtbot.wait(50)
    t0 = time.perf_counter()
    host.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    took = time.perf_counter() - t0
    assert took < 1.0, f"destroying a panel with a queued job blocked {took:.1f} s"
    assert queued.abort_requested
    full_pool.set()  # the pool frees up: both quit before their first step
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=10000)
    assert worker.abort_requested and steps == [] and not started.is_set()


def test_sum_and_survey_of_a_new_scan_do_not_wait_for_running_jobs(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, full_pool
):
    """Two long jobs filled napari's 2-thread pool; a scan opened meanwhile showed "(computing...)"
    and no survey until they ended (an hour for a long recolour)."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.spectrum import SpectrumWidget

    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # this small scan's sum is computed later
    viewer = make_napari_viewer()
    spec = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spec)
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    cube = spec.current_cube()
    qtbot.waitUntil(lambda: "painted sum" in [ly.name for ly in viewer.layers], timeout=6000)
    qtbot.waitUntil(lambda: SURVEYS.get(cube) is not None, timeout=6000)
    assert not full_pool.is_set()  # the long jobs still run
    assert SURVEYS.get(cube)[1]  # elements suggested


# -- F3: closing a dock ends it ---------------------------------------------------------------
def test_closing_a_dock_stops_its_job_and_disconnects_it(make_napari_viewer, qtbot, tmp_path):
    """napari's title-bar x (remove_dock_widget) only takes the dock out: it ran its job to the
    end and added its layer, followed new scans and surveyed them, until the GC destroyed it."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    before = len(viewer.layers.events.removed.callbacks)
    gate, started = threading.Event(), threading.Event()
    gc.disable()  # the closed docks stay alive, as they do until a full collection
    try:
        embed = EmbedClusterWidget(viewer)
        viewer.window.add_dock_widget(embed)
        embed.start_job(
            _gated(gate, result="late", started=started),
            cube=embed.current_cube(),
            on_result=lambda v: viewer.add_image(np.zeros((4, 4)), name=v) and None,
            keep=False,
        )
        qtbot.waitUntil(started.is_set, timeout=5000)
        maps = ElementMapsWidget(viewer)
        viewer.window.add_dock_widget(maps)
        t0 = time.perf_counter()
        viewer.window.remove_dock_widget(embed)
        viewer.window.remove_dock_widget(maps)
        # without waiting for the job, whose end (_gated) is 10 s away: at most QUIT_WAIT_S for
        # it to stop at its next step (0.5 s in all failed on 2 busy cores: Qt's own work)
        assert time.perf_counter() - t0 < 5.0
        wait_idle(qtbot, embed.job, 2000)  # stopped, not run out
        assert not gate.is_set()
        assert embed.job.start(_gated(gate), on_result=print) is None
        assert len(viewer.layers.events.removed.callbacks) == before
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
        qtbot.wait(300)
        assert embed.cube_combo.count() == 0 and maps.current_cube() is None
        assert not maps.job.is_running  # no survey of the new scan in the closed dock
        assert all(entry[0] is not maps.job for entry in SURVEYS._running.values())
        qtbot.wait(200)
        assert "late" not in [ly.name for ly in viewer.layers]
        assert embed.viewer is None and maps.viewer is None  # and find_spectrum_widget skips it
    finally:
        gate.set()
        gc.enable()


def test_hiding_a_dock_keeps_its_job(make_napari_viewer, qtbot, tmp_path):
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = EmbedClusterWidget(viewer)
    dock = viewer.window.add_dock_widget(embed)
    gate = threading.Event()
    embed.start_job(
        _gated(gate, result="kept"),
        cube=embed.current_cube(),
        on_result=lambda v: viewer.add_image(np.zeros((4, 4)), name=v) and None,
        keep=False,
    )
    dock.close()  # the title bar's hide button
    dock.toggleViewAction().trigger()  # Window menu: shown again
    dock.toggleViewAction().trigger()  # and hidden
    qtbot.wait(100)
    assert embed.job.is_running
    gate.set()
    wait_idle(qtbot, embed.job, 5000)
    assert "kept" in [ly.name for ly in viewer.layers]


def test_closing_the_surveying_dock_hands_the_survey_on(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The survey ran on in the closed Spectrum dock's hidden panel; Maps said "(in another
    dock)" meanwhile."""
    import xrf_napari.widgets._common as common
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    real = common._survey_job
    gate = threading.Event()
    panels = []

    def slow_survey(cube):
        panels.append(threading.current_thread())
        while not gate.wait(0.02):
            yield 0, 1
        return (yield from real(cube))

    monkeypatch.setattr(common, "_survey_job", slow_survey)
    viewer = make_napari_viewer()
    gc.disable()
    try:
        spec = SpectrumWidget(viewer)
        viewer.window.add_dock_widget(spec)
        maps = ElementMapsWidget(viewer)
        viewer.window.add_dock_widget(maps)
        open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
        cube = maps.current_cube()
        qtbot.waitUntil(lambda: spec.job.is_running, timeout=5000)
        assert not maps.job.is_running  # waits for Spectrum's survey
        viewer.window.remove_dock_widget(spec)
        # took the survey over (at the event loop's next turn: docks closed in one go do not)
        qtbot.waitUntil(lambda: maps.job.is_running, timeout=5000)
        gate.set()
        wait_idle(qtbot, maps.job, 15000)
        assert common.SURVEYS.get(cube) is not None
        assert not spec.job.is_running
    finally:
        gate.set()
        gc.enable()


def test_cluster_spectra_go_to_the_spectrum_dock_opened_again(make_napari_viewer, qtbot, tmp_path):
    """Closed and opened again (a new dock), Spectrum lost Embed's cluster curves to the closed
    one until the GC found it."""
    import xrf_napari.widgets.spectrum as spectrum
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget, find_spectrum_widget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    gc.disable()
    try:
        old = SpectrumWidget(viewer)
        viewer.window.add_dock_widget(old)
        viewer.window.remove_dock_widget(old)
        new = SpectrumWidget(viewer)
        viewer.window.add_dock_widget(new)
        assert find_spectrum_widget(viewer) is new
        # deterministic, whatever order the WeakSet lists them in: the closed one is no candidate
        candidates = [w for w in list(spectrum._INSTANCES) if w.viewer is viewer]
        assert candidates == [new]
        embed = EmbedClusterWidget(viewer)
        cube = embed.current_cube()
        labels = viewer.add_labels(np.ones(cube.shape[:2], np.int32), name="regions")
        embed._send_spectra(cube, [np.ones(cube.shape[2])], labels)
        assert "cluster 1" in new.curves and "cluster 1" not in old.curves
        # the closed dock's pixel-under-the-mouse callback is gone with it, the new one's is kept
        assert old._mouse_cb not in viewer.mouse_move_callbacks
        assert new._mouse_cb in viewer.mouse_move_callbacks
    finally:
        gc.enable()


# -- F5: Save while a job runs ---------------------------------------------------------------
def test_save_of_edited_regions_during_a_job_says_why_not(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    embed, cube, layer = clustered_painted_scan(viewer, qtbot, tmp_path, k=2)
    data = np.array(layer.data)
    data[0, 0] = 2 if data[0, 0] == 1 else 1
    layer.data = data  # the user paints on the clusters
    asked = []
    monkeypatch.setattr(
        embed_mod, "ask_save_path", lambda *a, **k: asked.append(a) or str(tmp_path / "c.png")
    )
    gate = threading.Event()
    embed.start_job(_gated(gate), cube=cube, on_result=lambda v: None, keep=False)
    try:
        with caught_notifications() as seen:
            embed.save_button.click()
        assert "wait for it to end" in embed.job.status.text()
        assert seen and "wait for it to end" in seen[0].message
        assert asked == []  # refused before the file dialog
    finally:
        gate.set()
        wait_idle(qtbot, embed.job, 5000)
    embed.save_button.click()  # the job is over: saved
    wait_idle(qtbot, embed.job, 10000)
    assert (tmp_path / "c.png").is_file() and (tmp_path / "c_spectra.csv").is_file()


# -- F6 / F7: results and status lines stay with their scan ---------------------------------
def test_regions_found_on_a_scan_left_are_chosen_on_its_return(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    import xrf_napari.widgets.pigments as pigments_mod
    from xrf_napari.widgets._layers import labels_for, layer_cube

    gate = threading.Event()
    labels = np.repeat(np.arange(1, 3), 12)[:, None].repeat(20, axis=1).astype(np.int32)
    found = SimpleNamespace(labels=labels, k=2, silhouette=None)
    monkeypatch.setattr(pigments_mod, "_regions_job", _gated(gate, result=found))
    viewer = make_napari_viewer()
    (alpha, *_) = open_cube(viewer, write_painted_cube(tmp_path / "alpha.h5"))
    viewer.add_image(np.zeros((24, 20, 3), np.uint8), rgb=True, name="photo")
    pig = pigments_mod.PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pig)
    pig.photo_combo.set_layer(viewer.layers["photo"])
    assert pig.find_regions() is not None
    open_cube(viewer, write_painted_cube(tmp_path / "beta.h5", seed=1))
    beta = pig.current_cube()
    assert beta is not layer_cube(alpha)
    drawn = viewer.add_labels(labels.copy(), name="drawn")  # the user's regions, for beta
    assert pig.labels_combo.current_layer() is drawn
    gate.set()
    wait_idle(qtbot, pig.job, 5000)
    shown = pig.labels_combo.current_layer()
    assert shown is drawn and labels_for(shown, beta), shown.name  # not alpha's regions
    viewer.layers.selection.active = alpha  # the user goes back to alpha
    assert pig.current_cube() is layer_cube(alpha)
    assert pig.labels_combo.current_layer().name == "regions (lines + photograph) [alpha]"


def test_a_job_stopped_by_closing_its_scan_leaves_no_status_on_the_next(
    make_napari_viewer, qtbot, tmp_path
):
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    alpha_layers = open_cube(viewer, write_painted_cube(tmp_path / "alpha.h5"))
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    gate = threading.Event()
    embed.start_job(_gated(gate), cube=embed.current_cube(), on_result=lambda v: None)
    open_cube(viewer, write_painted_cube(tmp_path / "beta.h5", seed=1))
    beta = embed.current_cube()
    try:
        for ly in list(alpha_layers):
            viewer.layers.remove(ly)
        wait_idle(qtbot, embed.job, 5000)
    finally:
        gate.set()
    assert embed.current_cube() is beta and layer_cube(alpha_layers[0]) is not beta
    # not "Cancelled." (the user cancelled nothing): why the job stopped, kept over beta's
    # blank line (30bb47b), which comes back once beta is chosen again
    assert embed.job.status.text() == "Stopped: the scan alpha.h5 was closed."


# -- F8: the writer and a worker's metadata key --------------------------------------------
def test_writer_metadata_survives_a_key_added_meanwhile(tmp_path):
    """The first full pass over a cube (the sum pass, the survey: worker threads) adds
    'values_checked' to cube.metadata; the writer iterated the dict itself on the GUI thread."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.cube import cube_from_array

    cube = cube_from_array(np.ones((2, 2, 8), np.uint16))

    class Meanwhile(type(Path())):
        def __str__(self):  # json's default() reads it while a worker ends its pass
            cube.metadata["values_checked"] = True
            return super().__str__()

    cube.metadata["source"] = Meanwhile("/data/scan.h5")
    out = _file_metadata(cube)  # raised "dictionary changed size during iteration"
    assert str(out["source"]) == "/data/scan.h5" and "values_checked" in cube.metadata
