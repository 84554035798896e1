"""How dock jobs talk to the GUI thread: progress reports thinned out (each repaint of the bar
repaints the whole napari window), no animated busy bar, and results prepared in the worker so the
GUI thread only hands finished arrays to napari (issue 17: the GUI was 2-5x slower than the CLI)."""

import threading
import time

import numpy as np
import pytest
from _napari_helpers import cube_stack_name, open_cube, tiny_weights, wait_idle, write_painted_cube

from xrf_napari.progress import throttle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _job(n_first, n_second):
    for i in range(n_first + 1):
        yield i, n_first
    yield "second stage"
    for i in range(n_second + 1):
        yield i, n_second
    return "result"


def _drain(gen) -> list:
    """Everything a generator yields, then ("returned", its return value)."""
    out = []
    while True:
        try:
            out.append(next(gen))
        except StopIteration as stop:
            return [*out, ("returned", stop.value)]


def test_throttle_keeps_first_last_stages_and_result():
    clock_now = [0.0]

    def clock():  # 1 ms between reports
        clock_now[0] += 0.001
        return clock_now[0]

    out = _drain(throttle(_job(1000, 10), 0.1, clock))
    assert out.pop() == ("returned", "result")
    first = out[: out.index("second stage")]
    second = out[out.index("second stage") + 1 :]
    # ~1 s of reports at 1 ms: about 10 kept, never the 1001 the job yielded
    assert 2 <= len(first) <= 13
    assert first[0] == (0, 1000) and first[-1] == (1000, 1000)
    assert all(b[0] > a[0] for a, b in zip(first, first[1:]))
    # a new stage shows its first report at once, and its last
    assert second[0] == (0, 10) and second[-1] == (10, 10)


def test_throttle_passes_everything_when_reports_are_rare():
    clock_now = [0.0]

    def clock():
        clock_now[0] += 1.0
        return clock_now[0]

    assert _drain(throttle(_job(5, 3), 0.1, clock)) == [*_job(5, 3), ("returned", "result")]


def test_job_panel_repaints_a_few_times_a_second_and_never_animates(qtbot):
    """A job reporting thousands of steps a second updates the bar at most MAX_UPDATES_PER_S
    times a second, a stage without progress shows a still bar (Qt's busy bar, maximum 0,
    animates and repaints the window ~15 times a second), and the last value and result arrive."""
    from xrf_napari.widgets._jobs import JobPanel

    span = {}

    def busy_job():
        span["start"] = time.perf_counter()
        for i in range(3001):
            time.sleep(0.0003)
            yield i, 3000
        yield "Stage two\u2026"
        time.sleep(0.3)
        yield 0, 5
        yield 5, 5
        span["end"] = time.perf_counter()
        return "ok"

    panel = JobPanel("Run")
    reports, ranges, results = [], [], []
    original = panel._on_progress
    panel._on_progress = lambda v: (reports.append(v), original(v))
    set_range = panel.progress.setRange
    panel.progress.setRange = lambda lo, hi: (ranges.append((lo, hi)), set_range(lo, hi))
    panel.start(busy_job, on_result=results.append)
    assert panel.progress.maximum() != 0  # still from the start
    wait_idle(qtbot, panel)
    assert results == ["ok"]
    elapsed = span["end"] - span["start"]
    steps = [r for r in reports if isinstance(r, tuple)]
    assert len(steps) <= elapsed * panel.MAX_UPDATES_PER_S + 4, (len(steps), elapsed)
    assert steps[0] == (0, 3000) and (3000, 3000) in steps and steps[-1] == (5, 5)
    assert "Stage two\u2026" in reports
    assert ranges and all(hi > 0 for _, hi in ranges), ranges  # never the animated busy bar
    assert panel.progress.value() == panel.progress.maximum() == 5


def test_embed_preview_is_made_in_the_worker(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """The latent RGB preview is computed in the job's thread and reaches napari as uint8 with its
    contrast limits given, so adding the layer scans nothing in the GUI thread."""
    import xrf_napari.analysis.embed as embed_module
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dve, _ = tiny_weights(tmp_path)
    threads = []
    real = embed_module.latent_to_rgb

    def recording(latent, *a, **kw):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(latent, *a, **kw)

    monkeypatch.setattr(embed_module, "latent_to_rgb", recording)
    widget = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.weights_edit.setText(str(dve))
    widget.device.setCurrentText("cpu")
    widget.k_spin.setValue(3)
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    assert threads == [False]  # once, not in the GUI thread
    layer = viewer.layers[f"latent RGB [{cube_stack_name(viewer)}]"]
    assert layer.data.dtype == np.uint8 and tuple(layer.contrast_limits) == (0, 255)
    np.testing.assert_array_equal(layer.data, real(layer.metadata["xrf_latent"]))


def test_map_layers_get_their_contrast_limits_from_the_job(make_napari_viewer, qtbot, tmp_path):
    """The maps job returns each map's display maximum (99.5th percentile), which the layers
    use as given (the GUI thread used to compute 18 percentiles while adding the layers)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the element survey
    widget.set_checked_elements(["Pb", "Fe", "Cu"])
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    assert set(widget.map_layers) == {"Pb", "Fe", "Cu"}
    for layer in widget.map_layers.values():
        top = float(np.percentile(layer.data, 99.5))
        assert top > 0
        np.testing.assert_allclose(layer.contrast_limits, (0.0, top), rtol=1e-6)


def test_spectrum_plot_is_drawn_off_the_gui_thread(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The Spectrum plot is drawn by Agg in a background thread (0.2-1 s of drawing used to freeze
    napari at every new curve); a burst of redraws draws only the latest figure, which is shown
    (those of one turn of the event loop are one build: FigureView.show_built)."""
    import xrf_napari.widgets._plot as plot_module
    from xrf_napari.widgets.spectrum import SpectrumWidget

    drawn = []  # (in the GUI thread?, still the latest figure when its turn came?)
    real = plot_module._draw
    gate = threading.Event()
    gate.set()

    def recording(ref, generation, *args):
        gate.wait(20)
        view = ref()
        drawn.append(
            (
                threading.current_thread() is threading.main_thread(),
                view is not None and view._generation == generation,
            )
        )
        del view
        return real(ref, generation, *args)

    monkeypatch.setattr(plot_module, "_draw", recording)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the survey: mean curve and suggested elements
    qtbot.waitUntil(lambda: widget.plot_is_current() and "mean" in widget.curves, timeout=20000)
    qtbot.waitUntil(widget.plot_is_current, timeout=20000)
    assert drawn and not any(in_gui for in_gui, _ in drawn)
    image = widget.canvas.image()
    dpr = widget.canvas.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(widget.canvas.width() * dpr),
        round(widget.canvas.height() * dpr),
    )
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    pixels = np.frombuffer(ptr, np.uint8).reshape(image.height(), -1)[:, : 4 * image.width()]
    assert len(np.unique(pixels.reshape(-1, 4), axis=0)) > 20  # curves, markers and text drawn

    drawn.clear()
    gate.clear()  # the drawing thread waits while 30 redraws queue up
    for _ in range(30):
        widget.redraw()
    gate.set()
    qtbot.waitUntil(widget.plot_is_current, timeout=20000)
    assert drawn == [(False, True)], drawn  # only the last, built and drawn once
    assert widget.ax.lines  # the figure shown is the one the widget describes


def test_spectrum_plot_is_empty_until_there_is_a_curve(make_napari_viewer, qtbot, tmp_path):
    """No figure is built before there is a spectrum to plot (the dock opens without loading
    matplotlib in the GUI thread); the survey's mean curve then shows up."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.figure is None and widget.canvas.image() is None
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    wait_idle(qtbot, widget.job)
    qtbot.waitUntil(lambda: widget.plot_is_current() and widget.canvas.image() is not None)
    assert widget.figure is not None and [ln.get_label() for ln in widget.ax.lines][0] == (
        "mean of the scan"
    )


def test_staged_result_lets_the_event_loop_run_between_steps(qtbot):
    """A generator on_result (a dock adding several layers) runs one step per turn of the event
    loop: a timer fires between the steps (napari takes 100-150 ms to add one layer here, so all at
    once froze the viewer for their sum), and the job counts as running until the last step."""
    from qtpy.QtCore import QTimer

    from xrf_napari.widgets._jobs import JobPanel

    events, finished = [], []
    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(lambda: events.append("tick"))
    ticker.start()

    def add_layers(value):
        for i in range(3):
            events.append(f"step {i}")
            assert panel.is_running  # not yet finished: Run stays disabled
            assert not panel.cancel_button.isEnabled()  # done: nothing left to cancel
            time.sleep(0.02)
            yield

    def job():
        yield 1, 1
        return "v"

    panel = JobPanel("Run")
    panel.finished.connect(lambda: finished.append(True))
    panel.start(job, on_result=add_layers)
    wait_idle(qtbot, panel)
    ticker.stop()
    steps = [e for e in events if e.startswith("step")]
    assert steps == ["step 0", "step 1", "step 2"]
    first, last = events.index("step 0"), events.index("step 2")
    between = events[first:last]
    assert between.count("tick") >= 2, between  # the loop ran between every two steps
    assert finished == [True] and panel.run_button.isEnabled()
    assert panel.progress.value() == panel.progress.maximum()


def test_staged_result_failing_midway_reports_and_frees_the_panel(qtbot):
    from xrf_napari.widgets._jobs import JobPanel

    def add_layers(value):
        yield
        raise ValueError("layer refused")

    def job():
        yield 1, 1
        return "v"

    panel = JobPanel("Run")
    panel.start(job, on_result=add_layers)
    wait_idle(qtbot, panel)
    assert isinstance(panel.last_error, ValueError)
    assert "layer refused" in panel.status.text()
    assert panel.run_button.isEnabled() and not panel.is_running


def test_dock_drops_a_staged_result_when_its_cube_closes_midway(
    make_napari_viewer, qtbot, tmp_path
):
    """Closing the scan between two result layers: the rest is not added, nothing is kept."""
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = EmbedClusterWidget(viewer)
    cube = dock.current_cube()
    added = []

    def on_result(value):
        added.append("first")
        yield
        viewer.layers.clear()  # the user closes the scan meanwhile
        yield
        added.append("second")
        return "kept"

    def job():
        yield 1, 1
        return None

    dock.start_job(job, cube=cube, on_result=on_result)
    wait_idle(qtbot, dock.job)
    assert added == ["first"]
    assert "closed" in dock.job.status.text()
    assert dock.recall(cube, "result") is None


def test_jobs_run_at_a_lower_priority_than_the_gui_thread(qtbot):
    """Linux: the worker thread (and the threads it starts) yields the CPU to napari's GUI
    thread, whose own priority is untouched."""
    import os

    import pytest

    from xrf_napari.widgets._jobs import WORKER_NICENESS, JobPanel

    if not hasattr(os, "setpriority"):
        pytest.skip("thread priorities are a POSIX feature")
    gui_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = []

    def job():
        me = threading.get_native_id()
        child = []
        t = threading.Thread(target=lambda: child.append(os.getpriority(os.PRIO_PROCESS, 0)))
        t.start()
        t.join()
        seen.append((os.getpriority(os.PRIO_PROCESS, me), child[0]))
        yield 1, 1
        return None

    panel = JobPanel("Run")
    panel.start(job, on_result=lambda v: None)
    wait_idle(qtbot, panel)
    assert seen and seen[0][0] >= min(WORKER_NICENESS, 19), seen
    assert seen[0][1] >= min(WORKER_NICENESS, 19), seen  # inherited by threads it starts
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui_before
