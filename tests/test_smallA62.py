"""Session 62, smallA62: the Spectrum panel's pixel curve named beside maps scaled to the median
live time."""

from __future__ import annotations

import numpy as np
import pytest


def test_the_pixel_legend_says_the_pixels_live_time_where_the_scans_differ(
    make_napari_viewer, qtbot, monkeypatch
):
    """Maps and the sum image are brought to the scan's median live time, the pixel curve is
    counts as counted: on a scan whose first column was counted 1.2 s (the rest 0.5 s) the
    legend said only "pixel y=3, x=0", and the curve read 2.4 times its neighbours' where the
    map did not. It now says the pixel's live time; a scan of one live time is named as before."""
    pytest.importorskip("napari")
    from _napari_helpers import in_memory_scans, quick_survey, wait_idle

    from xrf_napari.widgets.spectrum import PIXEL_CURVE, SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Fe"], "scan1": ["Fe"]})
    viewer = make_napari_viewer()
    varied, even = in_memory_scans(viewer, (0, 1))
    varied.live_time = np.full(varied.shape[:2], 0.5)
    varied.live_time[:, 0] = 1.2
    even.live_time = np.full(even.shape[:2], 0.5)
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)

    def legend():
        qtbot.waitUntil(widget.plot_is_current, timeout=20000)
        return [t.get_text() for t in widget.ax.get_legend().get_texts()]

    for name, pixel, said in [
        ("scan0", (3, 0), "pixel y=3, x=0, live 1.2 s"),
        ("scan0", (3, 2), "pixel y=3, x=2, live 0.5 s"),
        ("scan1", (3, 0), "pixel y=3, x=0"),
    ]:
        widget.cube_combo.set_layer(viewer.layers[name])
        wait_idle(qtbot, widget.job)
        assert widget.show_pixel(*pixel)
        assert PIXEL_CURVE in widget.curves
        assert said in legend(), (said, legend())


def test_bench_recolour_says_its_sizes_height_first_as_the_code_does(monkeypatch, capsys, tmp_path):
    """bench_recolour printed the 302-row, 414-column cube's PNG as "output 414 x 302", width
    first, where every message of the package says "H x W px" (cube.pixels_text): it says
    "302 x 414 px (H x W)" of both the cube and the output."""
    from _bench_scripts import load_script

    bench = load_script("bench_recolour")
    h, w = bench.H, bench.W
    assert h != w  # the order shows
    run = {"total_s": 1.0, "recolour_s": 0.9, "png_s": 0.1, "load_models_s": 0.1}
    run.update(peak_rss_mb=400.0, shape=[h, w, 3], omp={}, check="")
    monkeypatch.setattr(bench, "make_cube", lambda workdir: (tmp_path / "bench.rpl", None))
    monkeypatch.setattr(bench, "child", lambda part, args, flips=False: dict(run))
    monkeypatch.setattr(bench, "omp_line", lambda omp: "")
    monkeypatch.setattr("sys.argv", ["bench_recolour.py", "--workdir", str(tmp_path)])
    bench.main()
    out = capsys.readouterr().out
    said = f"{h} x {w} px (H x W)"
    assert f"({said} x {bench.C} channels" in out, out
    assert f"output {said}" in out, out
    assert f"{w} x {h}" not in out


@pytest.mark.parametrize(
    "dock_class",
    [
        "spectrum.SpectrumWidget",
        "maps.ElementMapsWidget",
        "embed.EmbedClusterWidget",
        "recolour.RecolourWidget",
        "pigments.PigmentsWidget",
    ],
)
def test_a_dock_dragged_to_its_narrowest_cuts_none_of_its_form(
    make_napari_viewer, qtbot, dock_class
):
    """Dragged out and narrowed as far as it went, Recolour showed its 438 px form in 182 px (256
    px of it scrolled sideways, its controls cut at the dock's edge), Embed & cluster its 322 px
    form in 216 px, the Spectrum dock hid 254 px of its 487 px form; Pigments' minimum
    (59855d6e: the form and the scroll bar) was 2 px short, the scroll area's 1 px frame
    (napari's style sheet) left out. Each now is at least its form, bar and frame (Elemental
    maps already was)."""
    import importlib

    from _napari_helpers import in_memory_scans, wait_idle
    from qtpy.QtWidgets import QApplication

    module, name = dock_class.split(".")
    cls = getattr(importlib.import_module(f"xrf_napari.widgets.{module}"), name)
    viewer = make_napari_viewer()
    in_memory_scans(viewer, (0,))
    widget = cls(viewer)
    dock = viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)
    dock.setFloating(True)
    dock.resize(1, 600)  # as narrow as it lets itself be dragged
    QApplication.processEvents()
    cut = widget.scroll.horizontalScrollBar().maximum()
    assert cut == 0, (widget.width(), widget.body.minimumSizeHint().width(), cut)
