"""Session 60's dock fixes: Spectrum's legend takes its full size again as the plot grows, the
jobs' bar paints setMinimum/setMaximum at the next turn, a plot drawn once as resizes settle, and
a dropped Embed & cluster result taken off in one batch (one gc.collect of napari's)."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_legend_shrunk_for_a_narrow_plot_grows_back_with_the_plot():
    """10 names in a 250-px plot take a smaller font (fit_legend); the plot widened to 1400 x
    700 px kept that font, as the fit only tried smaller fonts from the legend shown (31 names
    at 350 px: 5 pt at 1400 px). It is tried as built (7 rows a column, 7 pt) first. The
    figure is laid out as a draw does (its layout engine fits the legend), its pixels not
    rendered."""
    import numpy as np

    from xrf_napari.widgets._plot import _draw_size
    from xrf_napari.widgets._spectrum_plot import LEGEND_FONTS, Curve, PlotSpec, SpectrumPlot
    from xrf_napari.widgets.spectrum import SpectrumWidget

    names = ["mean of the scan"] + [f"cluster {i}" for i in range(1, 10)]
    x = np.array([1.0, 26.6])
    curves = tuple(Curve(n, n, x, np.full(2, 1.0 + i), "C0", 1.0) for i, n in enumerate(names))
    colors = (("bg", "black"), ("canvas", "black"), ("text", "white"), ("grid", "grey"))
    fig = SpectrumPlot().render(PlotSpec(curves, (), "Energy (keV)", (1.0, 26.6), True, colors))

    def font_at(width, height):
        _draw_size(fig, width, height, 1.0, SpectrumWidget.MARGINS_IN)
        fig.draw_without_rendering()
        return fig.axes[0].get_legend().get_texts()[0].get_fontsize()

    assert font_at(250, 150) < LEGEND_FONTS[0]  # shrunk to fit
    assert font_at(1400, 700) == LEGEND_FONTS[0]  # the room to show it as built
    assert len(fig.axes[0].get_legend().get_texts()) == len(names)


def test_a_jobs_bar_paints_set_minimum_and_maximum_at_the_next_turn(qtbot):
    """PaintLaterBar put setValue, setRange and reset off to the event loop's next turn, but
    setMinimum and setMaximum (each resets the bar) still repainted it at once, composing the
    whole napari window."""
    from qtpy.QtCore import QEvent, QObject

    from xrf_napari.widgets._jobs import JobPanel

    panel = JobPanel("Run")
    qtbot.addWidget(panel)
    bar = panel.progress
    painted = []

    class Paints(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                painted.append((bar.minimum(), bar.maximum()))
            return False

    paints = Paints()
    bar.installEventFilter(paints)
    panel.show()
    qtbot.waitUntil(lambda: len(painted) == 1)
    painted.clear()
    bar.setMaximum(40)
    bar.setMinimum(2)
    assert painted == [] and (bar.minimum(), bar.maximum()) == (2, 40), painted
    qtbot.waitUntil(lambda: painted == [(2, 40)])


def test_a_burst_of_resizes_asks_for_one_draw(qtbot, monkeypatch):
    """FigureView drew a whole figure (0.2-1 s) for every resize, at sizes already gone while
    the dock's edge was dragged. A burst of resizes asks the drawing thread for one draw, at
    the last size, once they settle; the image shown meanwhile is not current."""
    from matplotlib.figure import Figure
    from qtpy.QtCore import QCoreApplication

    import xrf_napari.widgets._plot as plot

    relay, executor, imported = plot._relay()
    asked = []

    class Recorder:
        def submit(self, fn, *args):
            asked.append(args[3:5])  # (width, height)
            return executor.submit(fn, *args)

    monkeypatch.setattr(plot, "_RELAY", (relay, Recorder(), imported))
    monkeypatch.setattr(plot.FigureView, "RESIZE_SETTLE_MS", 300, raising=False)  # busy turns
    view = plot.FigureView((0.5, 0.1, 0.4, 0.1))
    qtbot.addWidget(view)
    view.resize(300, 200)
    view.show()
    view.show_figure(Figure())
    qtbot.waitUntil(view.is_current, timeout=10000)
    asked.clear()
    for width in range(310, 400, 10):  # one turn of the event loop each, as a drag gives
        view.resize(width, 200)
        QCoreApplication.processEvents()
    assert not view.is_current()
    qtbot.waitUntil(view.is_current, timeout=10000)
    assert asked == [(390, 200)], asked
    assert view.image().width() == round(390 * view.devicePixelRatioF())


def test_a_dropped_embed_result_is_taken_off_in_one_batch(make_napari_viewer, monkeypatch):
    """A delivery of Embed & cluster dropped after its clusters step (its scan or dock
    closed) took its layers off one by one, and napari runs a full gc.collect() at each
    removal (1 s each at load 14 once torch is loaded). They go in one batch: one collection."""
    import types

    import napari._vispy.canvas as canvas_mod
    from _napari_helpers import CANONICAL_CAL, add_cube, painted_counts, two_band_cluster_job

    from xrf_napari.cube import cube_from_array
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    # the painted scan held in memory, as the reader lays it out: read from a file, its
    # calibration check took most of this test's 13-15 s
    cube = cube_from_array(painted_counts()[0], CANONICAL_CAL, name="painted")
    add_cube(viewer, cube)
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    layers_before = list(viewer.layers)
    job = two_band_cluster_job(embed.current_cube(), None, "cpu", 2, False)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            res = stop.value
            break
    delivery = embed._add_results(embed.current_layer(), res)
    next(delivery)
    next(delivery)  # the latent RGB and the clusters in
    assert len(viewer.layers) == len(layers_before) + 2
    collected = []
    monkeypatch.setattr(
        canvas_mod, "gc", types.SimpleNamespace(collect=lambda: collected.append(1))
    )
    delivery.close()
    assert list(viewer.layers) == layers_before
    assert collected == [1], collected
