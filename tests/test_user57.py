"""A fresh user's walk through the demo, the CLI and napari (session 57): what they saw go wrong."""

import dataclasses

import numpy as np
import pytest


def _inside(fig) -> list[str]:
    """The texts of `fig` (titles, labels) that are drawn past one of its edges."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for ax in fig.axes:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            if not text.get_text():
                continue
            box = text.get_window_extent(renderer)
            if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
                out.append(text.get_text())
    return out


@pytest.mark.parametrize("shape", [(128, 128), (11, 9), (3, 128), (1, 40)])
def test_quicklook_map_titles_lie_inside_their_png(shape):
    """The sample painting's Pb map (`xrf-napari quicklook sample_data/painting.h5`) was titled
    with its 90-character note on one line, cut off at both sides of the 660-pixel PNG ("β used:
    Pb Lα coincides ... taken out by th"); the real APS scan's Si map lost half its note so. The
    note is wrapped and the figure laid out around it, on square, tall, strip and line maps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xrf_napari.analysis.maps import plan_maps
    from xrf_napari.cli.quicklook_cmd import map_figure

    plan = plan_maps(["Pb"], (1.0, 26.0))[0]
    note = (
        "detector FWHM 190 eV at Mn Kα read from this scan's Kα peaks (the file gives none); "
        "Lβ used: Pb Lα coincides with As Kα; overlaps Se Kβ; Se lines taken out by the Se map"
    )
    plan = dataclasses.replace(plan, note=note)
    m = np.random.default_rng(0).random(shape).astype(np.float32)
    fig = map_figure(m, plan, line=min(shape) < 2)
    try:
        assert _inside(fig) == []
        assert "taken out by the Se map" in fig.axes[0].get_title().replace("\n", " ")
    finally:
        plt.close(fig)
