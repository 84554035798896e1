"""Line labels of the Spectrum plot stay readable with many elements ticked (walk audit 27,
finding 10): they stood in one row at the top, so about ten elements drew them over each other."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from xrf_napari.widgets._spectrum_plot import Curve, Marker, PlotSpec, SpectrumPlot

#: Ka / La lines of a painting's usual suspects (keV): several closer than a label's width.
LINES = {
    "Ca Kα": 3.69, "Ba Lα": 4.47, "Ti Kα": 4.51, "Cr Kα": 5.41, "Mn Kα": 5.90, "Fe Kα": 6.40,
    "Co Kα": 6.93, "Ni Kα": 7.48, "Cu Kα": 8.05, "Zn Kα": 8.64, "Hg Lα": 9.99, "As Kα": 10.54,
    "Pb Lα": 10.55, "Sr Kα": 14.16, "Sn Kα": 25.27, "Sb Kα": 26.36, "Cd Kα": 23.17,
}  # fmt: skip
COLOURS = (("bg", "#262930"), ("canvas", "#000000"), ("text", "#ffffff"), ("grid", "#444444"))


def _rendered_labels(xlim):
    e = np.linspace(0.5, 30, 1024)
    spec = PlotSpec(
        curves=(Curve("mean", "mean", e, np.exp(-e / 8) * 100 + 1, "white", 1.0),),
        markers=tuple(Marker(v, i, True, k) for i, (k, v) in enumerate(LINES.items())),
        x_label="Energy (keV)",
        xlim=xlim,
        log=True,
        colors=COLOURS,
    )
    plot = SpectrumPlot()
    fig = plot.render(spec)
    fig.set_size_inches(4, 3)  # a 400-px wide dock at the plot's 100 dpi
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    return {t.get_text(): t.get_window_extent(renderer) for t in plot.ax.texts}


@pytest.mark.parametrize("xlim", [(0.5, 30.0), (2.0, 12.0)])
def test_no_two_line_labels_overlap(xlim):
    boxes = _rendered_labels(xlim)
    shown = {k for k in LINES if xlim[0] <= LINES[k] <= xlim[1]}
    assert shown <= set(boxes)
    names = sorted(shown)
    clashes = [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if boxes[a].overlaps(boxes[b])
    ]
    assert clashes == []


def test_labels_use_the_top_row_when_there_is_room():
    from xrf_napari.widgets._spectrum_plot import label_heights

    assert label_heights([1.0, 5.0, 9.0], (0.0, 10.0)) == [0.98, 0.98, 0.98]
    rows = label_heights([4.47, 4.51, 4.52, 4.53], (0.0, 10.0))
    assert rows[:3] == [0.98, 0.74, 0.50] and rows[3] in (0.98, 0.74, 0.50)
