"""Session 59's dock fixes: the Spectrum legend of many regions stays inside a narrow plot, Embed &
cluster's bar runs under its own stage's words, the docs' dock shots end below their last row, a
model's load reads a stop, and torch's libraries are loaded with the GIL let go."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_legend_of_thirty_regions_lies_inside_a_narrow_plot():
    """Embed & cluster's regions as curves in a 350-px Spectrum dock: the legend's 7-row
    columns ran past the figure's left edge (22 names: x = -32 px; 31 names: -128 px), the
    first names cut off. It takes a smaller font and fewer columns until it fits."""
    from test_revU58 import drawn_legend

    names = ["mean of the scan"] + [f"cluster {i}" for i in range(1, 31)]
    fig, legend, box = drawn_legend(names, 64, 350)
    assert box.x0 >= 0 and box.y0 >= 0 and box.y1 <= fig.bbox.height, (box, fig.bbox)
    assert [t.get_text() for t in legend.get_texts()] == names


def test_embeddings_bar_runs_under_its_own_stage_not_under_checking(monkeypatch):
    """Embed & cluster's bar went 50 %, full under "Checking the scan against the embedder's
    training data..." (the check's two halves), then ran from 0 again over the embedding with
    the line still saying "Checking...". The embedding announces its own stage first."""
    import types

    from test_docks58 import _torch_pending

    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.analysis.ood as ood_mod
    import xrf_napari.analysis.pooling as pooling_mod
    from xrf_napari.widgets.embed import _embed_cluster_job

    def check(*a, **k):
        yield 1, 2
        yield 2, 2

    def embed(*a, **k):
        yield 0, 10

    _torch_pending(monkeypatch).set()
    monkeypatch.setattr(embed_mod, "load_embedder", lambda *a: types.SimpleNamespace(device="cpu"))
    monkeypatch.setattr(ood_mod, "iter_check_scan", check)
    monkeypatch.setattr(pooling_mod, "decide", lambda *a: (None, ""))
    monkeypatch.setattr(embed_mod, "iter_embed", embed)
    steps = _embed_cluster_job(None, "w", "cpu", None)
    seen = []
    while (0, 10) not in seen:
        seen.append(next(steps))
    steps.close()
    stages = [v for v in seen if isinstance(v, str)]
    assert stages[-1] == "Embedding spectra\u2026" and seen.index(stages[-1]) > seen.index(
        (2, 2)
    ), seen


def test_a_docks_screenshot_ends_below_its_last_row(make_napari_viewer, qtbot):
    """scripts/screenshots.py grabbed a dock's scrolling body at the dock's height: in a dock
    taller than its rows the empty room stood as a blank band above the pinned Run strip (60 px
    in docs/images/screenshot_widget_embed.png). The shot ends below the body's last row."""
    from _bench_scripts import CHECKOUT, load_module
    from qtpy.QtCore import QCoreApplication

    from xrf_napari.widgets.embed import EmbedClusterWidget

    screenshots = load_module(CHECKOUT / "scripts" / "screenshots.py", "_screenshots59")
    viewer = make_napari_viewer()
    widget = EmbedClusterWidget(viewer)
    dock = viewer.window.add_dock_widget(widget)
    dock.setFloating(True)
    dock.resize(500, 900)
    qtbot.waitUntil(lambda: widget.body.height() > 600)
    QCoreApplication.processEvents()
    shot = screenshots._whole_dock(widget)
    rows = widget.body.sizeHint().height() + widget.footer.height()
    assert shot.height() <= rows + 12, (shot.height(), rows, widget.body.height())
    assert shot.height() >= rows - 12  # nothing cut


def test_a_first_embed_stops_inside_the_embedders_load(monkeypatch):
    """Embed & cluster (and Recolour) read no stop while a model was loaded (the recolouriser:
    1-6 s on two busy cores): a Cancel meanwhile waited for the load's end. The load runs on a
    thread of its own (_jobs.steps_beside), the job stepping meanwhile: stopped there, the scan
    is not checked."""
    import threading
    import types

    from test_docks58 import _torch_pending

    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.analysis.ood as ood_mod
    from xrf_napari.widgets.embed import _embed_cluster_job

    gate, done = threading.Event(), []

    def load(*a):
        gate.wait(2)  # the parent's job waits here, in its own step
        done.append("load")
        return types.SimpleNamespace(device="cpu")

    _torch_pending(monkeypatch).set()
    monkeypatch.setattr(embed_mod, "load_embedder", load)
    monkeypatch.setattr(ood_mod, "check_scan", lambda *a, **k: done.append("check"))
    steps = _embed_cluster_job(None, "w", "cpu", None)
    assert isinstance(next(steps), str)
    try:
        assert next(steps) is None and done == []  # a step while the load runs
    finally:
        steps.close()
        gate.set()
    assert "check" not in done


def test_torchs_libraries_are_loaded_by_a_call_that_lets_go_of_the_gil():
    """torch's first import on a thread of its own still froze napari up to 0.73 s (2.4-5.3 s
    on two busy cores): Python's import of torch._C holds the GIL while dlopen maps and
    relocates libtorch_cpu. _importing_torch first loads libtorch_cpu and torch's global deps with
    the C library's dlopen called through ctypes, which lets go of the GIL meanwhile."""
    from pathlib import Path

    from xrf_napari.widgets import _jobs

    paths = _jobs.torch_native_libraries()
    assert [Path(p).name.split(".")[0] for p in paths] == [
        "libtorch_global_deps",
        "libtorch_cpu",
    ], paths
    assert _jobs.preload_torch_libraries() == paths  # (loaded already here: found again)


def test_a_jobs_bar_paints_at_the_next_turn_not_at_each_step(qtbot):
    """QProgressBar.setValue repainted at once, and beside napari's OpenGL canvas a repaint
    composes the whole window (160-330 ms each under Xvfb on two busy cores): Elemental maps'
    13 added maps spent 13.5 s of a 38 s landing in the bar's setValue, each beside the
    layer's own repaint. The bar now paints at the event loop's next turn, once."""
    from qtpy.QtCore import QEvent, QObject

    from xrf_napari.widgets._jobs import JobPanel

    panel = JobPanel("Run")
    qtbot.addWidget(panel)
    panel.progress.setRange(0, 10)
    painted = []

    class Paints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                painted.append(panel.progress.value())
            return False

    paints = Paints()
    panel.progress.installEventFilter(paints)
    panel.show()
    qtbot.waitUntil(lambda: painted == [0])  # its first paint, as shown
    painted.clear()
    for done in range(1, 6):
        panel.progress.setValue(done)
    assert painted == [] and panel.progress.value() == 5, painted
    qtbot.waitUntil(lambda: painted == [5])  # one paint, of the last value
    panel._idle_bar()  # a job's next stage: its setRange reset the bar, painting it at once
    assert painted == [5] and panel.progress.value() == 0, painted
    qtbot.waitUntil(lambda: painted == [5, 0])
