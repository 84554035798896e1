"""What the docs show and quote, checked against the scripts that make it (session 50's doc walk).

docs/images held four screenshots no page showed (the Elemental maps, Embed & cluster and
Recolour panels alone, and all five docks on the panel sample), and benchmarks/bench_io.py's
open_autocal timed an automatic calibration that was refused: docs/performance.md had to say so
beside its figure."""

from __future__ import annotations

import re

import pytest
from _bench_scripts import CHECKOUT, load_module, load_script

#: The docs and images of the checkout under test (a worktree's, with PYTHONPATH=<worktree>/src).
DOCS = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
IMAGES = CHECKOUT / "docs" / "images"


def _shown_images() -> set[str]:
    """The files under docs/images that a Markdown page of the checkout links to."""
    shown = set()
    for page in DOCS:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+\.png)\)", text):
            path = (page.parent / target).resolve()
            if path.parent == IMAGES.resolve():
                shown.add(path.name)
    return shown


def test_every_image_in_docs_images_is_shown_by_a_page():
    """docs/images/screenshot_widget_maps.png, _embed.png, _recolour.png and
    screenshot_all_docks_panel.png were written by scripts/screenshots.py and committed, but no
    page showed them: a reader never saw them, and nobody noticed when they went stale (the maps
    and Recolour panels had since gained their Instrument row and Tube box); the recolouriser
    card named its loss curve's file without linking it."""
    images = {p.name for p in IMAGES.glob("*.png")}
    assert images - _shown_images() == set()


def test_screenshots_of_another_sample_stay_out_of_docs_images():
    """scripts/screenshots.py --sample panel wrote ten shots into docs/images, which the docs
    never show; they go to out/ (ignored by git) unless --out says otherwise."""
    screenshots = load_module(CHECKOUT / "scripts" / "screenshots.py", "_screenshots50")
    assert screenshots.default_out("painting") == CHECKOUT / "docs" / "images"
    panel = screenshots.default_out("panel")
    assert panel.is_relative_to(CHECKOUT / "out"), panel


def test_bench_io_open_autocal_times_a_calibration_that_succeeds(tmp_path):
    """bench_io.py's open_autocal opens its synthetic M6-like cube uncalibrated, to time the pass
    that fits the automatic calibration; its cube had 4 peaks, of which the fit matched 3 (it needs
    4), so the task timed a refusal and the benchmark still passed. A 16 x 16 cube of the same
    spectrum must now calibrate near the energy axis it was generated with."""
    bench = load_script("bench_io")
    rpl = bench.make_cube(tmp_path, (16, 16, 4096))
    result = bench.measure("open_autocal", str(rpl))
    offset, gain, source = result.get("calibration", (0.0, 1.0, "none (no calibration returned)"))
    assert source == "auto", result
    assert abs(offset - (-0.96)) < 0.05 and abs(gain / 0.01 - 1) < 0.01, result
    assert result["note"].startswith("automatic calibration -0.9"), result["note"]
    assert bench.autocal_failure(result["calibration"]) is None
    assert "refused" in bench.autocal_failure([0.0, 1.0, "none"])
    assert "generated" in bench.autocal_failure([-0.5, 0.01, "auto"])


def test_the_maps_screenshot_shows_element_maps_not_the_sum_image():
    """User guide section 3's figure, "Elemental maps: the three strongest elements as red, green
    and blue", showed the scan's sum image in magma: scripts/screenshots.py hid the composite it
    added, which had hidden the single maps, so no map was left on the canvas. Magma holds no
    green-dominant colour; the three maps in red, green and blue do."""
    import numpy as np
    from PIL import Image

    shot = np.asarray(Image.open(IMAGES / "screenshot_maps.png").convert("RGB")).astype(int)
    canvas = shot[30:1030, 330:1370]  # between the layer list and the docks, at 1920 x 1080
    r, g, b = canvas[..., 0], canvas[..., 1], canvas[..., 2]
    green = float(((g > r + 30) & (g > b + 30)).mean())
    assert green > 0.01, f"{green:.1%} of the canvas is green: no element maps shown"


def test_screenshots_wait_until_the_spectrum_plot_is_drawn(qtbot):
    """The Spectrum plot is drawn off the GUI thread (widgets/_plot.FigureView), and
    scripts/screenshots.py gave it half a second: on a busy machine the Embed & cluster shot, whose
    caption names the regions' mean spectra, showed the plot of the step before (the scan's mean
    and a pixel). The script now waits until every plot shows its latest figure."""
    from types import SimpleNamespace

    from matplotlib.figure import Figure
    from qtpy.QtWidgets import QMainWindow

    from xrf_napari.widgets._plot import FigureView

    screenshots = load_module(CHECKOUT / "scripts" / "screenshots.py", "_screenshots50b")
    window = QMainWindow()
    qtbot.addWidget(window)
    view = FigureView((0.5, 0.1, 0.5, 0.1))
    window.setCentralWidget(view)
    window.resize(400, 300)
    window.show()
    qtbot.waitExposed(window)
    figure = Figure()
    figure.add_subplot().plot([0, 1], [0, 1])
    view.show_figure(figure)
    assert not view.is_current()  # drawn in the background, delivered through Qt's events
    screenshots.wait_for_plots(SimpleNamespace(window=SimpleNamespace(_qt_window=window)))
    assert view.is_current()


@pytest.mark.parametrize(
    "name", ["overview", "maps", "embed", "all_docks_painting"], ids=lambda n: n
)
def test_the_window_screenshots_show_a_drawn_spectrum_plot(name):
    """A guard: README's first picture (screenshot_overview.png) was committed in 7bc5c46 with the
    Spectrum panel's plot blank, its drawing not yet delivered when the shot was taken (fixed by
    screenshots.py's wait_for_plots in the next commit). The plot's area at the top right must
    hold its curves and labels (light pixels on the dark theme)."""
    import numpy as np
    from PIL import Image

    shot = Image.open(IMAGES / f"screenshot_{name}.png").convert("L")
    plot = np.asarray(shot).astype(int)[231:514, 1398:1899]
    light = float((plot > 150).mean())
    assert light > 0.01, f"{light:.1%} of the Spectrum plot's area is drawn: the plot is blank"
