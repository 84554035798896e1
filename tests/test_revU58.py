"""Review of session 58's Spectrum dock layout (issue 17 item 1): what a conservator reads in the
Spectrum dock with the five docks open on a 1920 x 1080 screen."""

from _dock_layout import hidden_part, settle
from _napari_helpers import open_cube, survey_held_for, wait_idle, write_painted_cube

#: The Spectrum dock's height with the five docks open at 1920 x 1080 (573-574 px measured on
#: the painting sample and the APS scan; tests/_dock_layout.five_docks).
FIVE_DOCK_HEIGHT = 573


def test_whole_plot_and_suggested_line_in_view_at_the_five_dock_height(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """With the five docks open (Spectrum 573 px tall, its body's fold at 448 px once b78559c8
    pinned the Run row and Export below it) the plot was laid out at its 300 px preferred height
    (202-502 px), its energy axis and labels below the fold, and the Suggested line below the
    element list at 604-638 px: the conservator saw neither which elements were found nor the
    keV of a peak without scrolling. The plot asks for its 180 px minimum (the dock's stretch
    gives it more room when there is some) and the Suggested line sits right under it."""
    viewer = make_napari_viewer(show=True)
    with survey_held_for(monkeypatch, "painted"):  # the layout needs no survey: 4 s saved
        open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
        window = viewer.window._qt_window
        dock, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
        window.resize(1280, 900)
        settle()
        window.resize(1280, 900 - (dock.height() - FIVE_DOCK_HEIGHT))
        settle()
        assert abs(dock.height() - FIVE_DOCK_HEIGHT) <= 4, dock.height()
        for widget in (spectrum.canvas, spectrum.suggested_label, spectrum.job.run_button):
            where = hidden_part(widget, dock)
            assert where == "", (type(widget).__name__, where)
        assert spectrum.canvas.height() >= 180  # the plot keeps its minimum height
        window.resize(1280, 1080)  # a taller dock: the plot takes the room
        settle()
        assert spectrum.canvas.height() > 400, spectrum.canvas.height()
        spectrum.job.cancel_button.click()
        wait_idle(qtbot, spectrum.job)


def test_spectrum_legend_of_twelve_clusters_lies_inside_the_plot_at_its_minimum_height():
    """Embed & cluster's 12 regions on the sample painting give the plot 13 curves: at the plot's
    180 px (the five docks at 1920 x 1080, 0922f71f) the one-column legend ran past the figure's
    bottom and clusters 10-12 had no name (docs/images/screenshot_all_docks_painting.png). A
    legend of more than 7 names takes as many columns as it needs."""
    fig, _, legend = drawn_legend([f"cluster {i}" for i in range(13)], 512, 500)
    assert legend.y0 >= 0 and legend.y1 <= fig.bbox.height, (legend, fig.bbox)


def drawn_legend(names, channels: int, width_px: int):
    """The Spectrum dock's dark plot of one flat curve of `channels` per name, drawn `width_px`
    x 180 px (the plot's minimum height): (figure, its legend, the legend's window extent)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from xrf_napari.widgets._plot import _draw_size
    from xrf_napari.widgets._spectrum_plot import Curve, PlotSpec, SpectrumPlot
    from xrf_napari.widgets.spectrum import SpectrumWidget

    x = np.linspace(1.0, 26.6, channels)
    curves = tuple(
        Curve(n, n, x, np.full(channels, 1.0 + i), f"C{i % 10}", 1.0) for i, n in enumerate(names)
    )
    colors = (("bg", "black"), ("canvas", "black"), ("text", "white"), ("grid", "grey"))
    fig = SpectrumPlot().render(PlotSpec(curves, (), "Energy (keV)", (1.0, 26.6), True, colors))
    _draw_size(fig, width_px, 180, 1.0, SpectrumWidget.MARGINS_IN)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    legend = fig.axes[0].get_legend()
    return fig, legend, legend.get_window_extent(canvas.get_renderer())
