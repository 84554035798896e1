"""Session 59's dock fixes: the Spectrum legend of many regions stays inside a narrow plot."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")


def test_a_legend_of_thirty_regions_lies_inside_a_narrow_plot():
    """Embed & cluster's regions as curves in a 350-px Spectrum dock: the legend's 7-row
    columns ran past the figure's left edge (22 names: x = -32 px; 31 names: -128 px), the
    first names cut off. It takes a smaller font and fewer columns until it fits."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from xrf_napari.widgets._plot import _draw_size
    from xrf_napari.widgets._spectrum_plot import Curve, PlotSpec, SpectrumPlot
    from xrf_napari.widgets.spectrum import SpectrumWidget

    x = np.linspace(1.0, 26.6, 64)
    colors = (("bg", "black"), ("canvas", "black"), ("text", "white"), ("grid", "grey"))
    names = ["mean of the scan"] + [f"cluster {i}" for i in range(1, 31)]
    curves = tuple(
        Curve(n, n, x, np.full(64, 1.0 + i), f"C{i % 10}", 1.0) for i, n in enumerate(names)
    )
    fig = SpectrumPlot().render(PlotSpec(curves, (), "Energy (keV)", (1.0, 26.6), True, colors))
    _draw_size(fig, 350, 180, 1.0, SpectrumWidget.MARGINS_IN)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    legend = fig.axes[0].get_legend()
    box = legend.get_window_extent(canvas.get_renderer())
    assert box.x0 >= 0 and box.y0 >= 0 and box.y1 <= fig.bbox.height, (box, fig.bbox)
    assert [t.get_text() for t in legend.get_texts()] == names
