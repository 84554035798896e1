#!/usr/bin/env python
"""Screenshots for the docs: open napari at 1920 x 1080 (under Xvfb when there is no display), load
a sample, open every xrf-napari dock through the plugin manifest (as from the Plugins menu), run
them and save docs/images/screenshot_*.png, ending with all five docks open
(screenshot_all_docks_painting.png) and each dock alone (screenshot_widget_<dock>.png). The docs
show the painting only: shots of another sample carry its name (screenshot_overview_panel.png)
and go to out/screenshots_<sample>/ unless --out says otherwise, so that they neither replace
the docs' images nor sit in docs/images unshown.

    python scripts/screenshots.py [--sample painting|panel] [--out DIR] [--device cpu]

Rerunnable: files are overwritten atomically. Steps whose model weights are missing are skipped
with a message (the other screenshots are still written).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from xrf_napari.cli import script_main

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "xrf-napari"


def default_out(sample: str) -> Path:
    """Where the shots of `sample` go without --out: docs/images for the painting the docs show."""
    if sample == "painting":
        return ROOT / "docs" / "images"
    return ROOT / "out" / f"screenshots_{sample}"


def _ensure_display() -> None:
    """Re-run this script under xvfb-run when no X display is available."""
    if os.environ.get("DISPLAY") or os.environ.get("XRF_SCREENSHOTS_CHILD"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("no display and no xvfb-run: install xvfb or run under a desktop session")
    env = dict(os.environ, XRF_SCREENSHOTS_CHILD="1")
    cmd = [xvfb, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, *sys.argv]
    sys.exit(subprocess.call(cmd, env=env))


def wait(job, timeout: float = 600.0) -> None:
    from qtpy.QtWidgets import QApplication

    t0 = time.time()
    while job.is_running:
        QApplication.processEvents()
        time.sleep(0.02)
        if time.time() - t0 > timeout:
            job.cancel()
            raise TimeoutError("job took too long")
    for _ in range(20):  # let napari draw the new layers
        QApplication.processEvents()
        time.sleep(0.01)
    if job.last_error is not None:
        raise RuntimeError(f"widget job failed: {job.last_error}")


def settle(seconds: float = 0.5) -> None:
    from qtpy.QtWidgets import QApplication

    end = time.time() + seconds
    while time.time() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def wait_for_plots(viewer, timeout: float = 60.0) -> None:
    """Wait until every plot shown, drawn off the GUI thread (widgets/_plot.FigureView), shows its
    latest figure at its size: on a busy machine a draw outlasted settle(), and the Embed &
    cluster shot showed the Spectrum plot without the regions' curves its caption names."""
    from xrf_napari.widgets._plot import FigureView

    views = [v for v in viewer.window._qt_window.findChildren(FigureView) if v.isVisible()]
    end = time.time() + timeout
    while not all(v.is_current() for v in views):
        if time.time() > end:
            raise TimeoutError("a plot was not drawn in time")
        settle(0.05)
    settle(0.1)  # let Qt paint the drawn images


def shot(viewer, out: Path, name: str) -> Path:
    from xrf_napari.fileutil import atomic_path

    settle()
    wait_for_plots(viewer)
    path = out / f"screenshot_{name}.png"
    with atomic_path(path) as tmp:
        viewer.screenshot(str(tmp), canvas_only=False, flash=False)
    _report(path)
    return path


def _report(path: Path) -> None:
    full = path.resolve()
    print(f"wrote {full.relative_to(ROOT) if full.is_relative_to(ROOT) else full}")


def show_only(docks: dict, *names: str) -> None:
    for key, dock in docks.items():
        dock.setVisible(key in names)


def split_column(viewer, docks: dict) -> None:
    """Hiding and showing docks lets Qt re-split the column by size hints (the Spectrum plot
    squeezed under the Elemental maps dock): give it back the split the Plugins menu makes
    (CubeDock._join_tab_group: Spectrum 56 %, the tabs 44 %)."""
    from qtpy.QtCore import Qt

    settle(0.2)
    column = [docks["spectrum"], docks["maps"]]
    total = sum(d.height() for d in column)
    viewer.window._qt_window.resizeDocks(
        column, [int(0.56 * total), total - int(0.56 * total)], Qt.Orientation.Vertical
    )


def show_first_maps(maps, n: int = 3) -> None:
    """Show the first `n` element maps, as Make maps does (each in red, green or blue, mixing),
    and hide the rest: a composite added hides its scan's single maps (widgets/maps.py)."""
    first = list(maps.map_layers.values())[:n]
    for layer in maps.map_layers.values():
        layer.visible = any(layer is f for f in first)


def regions_k(text: str) -> int:
    """argparse `type=` of --k: 0 (automatic) or a K the Embed & cluster dock's spin box takes."""
    from xrf_napari.analysis.embed import MAX_K
    from xrf_napari.argtypes import int_in

    allowed = f"give 2 to {MAX_K}, or 0 (automatic)"
    # any whole number, then the range in one sentence: int_in's own "between 0 and 30" (of
    # --k 50) offered the 1 refused here
    k = int_in(-sys.maxsize, None, "the number of regions K")(text)
    if k == 1:  # the spin box's 1 is its "automatic": one region is no segmentation
        raise argparse.ArgumentTypeError(f"1 is no segmentation: {allowed}")
    if k < 0 or k > MAX_K:
        raise argparse.ArgumentTypeError(f"{k} is out of range: {allowed}")
    return k


@script_main
def main(argv=None) -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sample", default="painting", choices=("painting", "panel"))
    p.add_argument("--out", help="folder for the shots (default: see above)")
    # the docks' own choices and range: a device not among them (--device cuda:1) and a K out of
    # the spin box's range (--k 50, --k -3) were set silently to what the dock held or clamped
    from xrf_napari.widgets._common import DEVICES

    p.add_argument("--device", default="auto", choices=DEVICES, help="the docks' Device")
    p.add_argument(
        "--k", type=regions_k, default=0, help="regions for Embed & cluster (0 = automatic)"
    )
    args = p.parse_args(argv)
    _ensure_display()

    import napari
    import numpy as np

    out = Path(args.out) if args.out else default_out(args.sample)
    out.mkdir(parents=True, exist_ok=True)
    viewer = napari.Viewer(show=True, title="xrf-napari")
    viewer.window.resize(1920, 1080)
    layers = viewer.open_sample(PLUGIN, args.sample)
    print(f"opened sample {args.sample!r}: {[ly.name for ly in layers]}")
    # The docs show the painting; another sample's shots get its name, not the docs' images.
    tag = "" if args.sample == "painting" else f"_{args.sample}"

    # Every dock through the manifest, as from the Plugins menu: Spectrum on top, the four job
    # docks as tabs below it (what a 1080p screen holds).
    docks, widgets = {}, {}
    for key, title in (
        ("spectrum", "Spectrum"),
        ("maps", "Elemental maps"),
        ("embed", "Embed & cluster"),
        ("recolour", "Recolour"),
        ("pigments", "Pigments"),
    ):
        docks[key], widgets[key] = viewer.window.add_plugin_dock_widget(PLUGIN, title)
        settle(0.2)
    spectrum = widgets["spectrum"]
    wait(spectrum.job)
    viewer.reset_view()

    # 1. Overview: true colours and the mean spectrum with suggested elements.
    show_only(docks, "spectrum")
    cube = spectrum.cube_combo.current_cube()
    h, w, _ = cube.shape
    spectrum.show_pixel(h // 2, w // 2)
    shot(viewer, out, f"overview{tag}")

    # 2. Elemental maps of the suggested elements, with an RGB composite of the first three.
    maps = widgets["maps"]
    wait(maps.job)
    if not maps.checked_elements():
        maps.set_checked_elements(["Pb", "Fe", "Ca"])
    maps.run()
    wait(maps.job)
    chosen = list(maps.map_layers)[:3]
    if len(chosen) == 3:
        composite = maps.add_composite(chosen)
        composite.visible = False
    show_first_maps(maps)  # the composite hid them: the shot shows the three maps themselves
    for ly in viewer.layers:
        if ly.name.endswith("true colours"):
            ly.visible = False
    show_only(docks, "spectrum", "maps")
    split_column(viewer, docks)
    shot(viewer, out, f"maps{tag}")

    # 3. Embed & cluster: latent colours and regions, cluster spectra in the Spectrum widget.
    embed = widgets["embed"]
    embed.device.setCurrentText(args.device)
    embed.k_spin.setValue(args.k)
    for ly in maps.map_layers.values():
        ly.visible = False
    try:
        embed.run()
        wait(embed.job)
        embed.latent_layer.visible = False  # the regions over the scan read better alone
        embed.labels_layer.visible = True
        show_only(docks, "spectrum", "embed")
        spectrum.remove_curves("pixel")
        shot(viewer, out, f"embed{tag}")
        embed.latent_layer.visible = False
        embed.labels_layer.visible = False
    except RuntimeError as exc:
        print(f"skipped the embed screenshot: {exc}")

    # 4. Recolour beside the true colours.
    rec = widgets["recolour"]
    rec.device.setCurrentText(args.device)
    for ly in viewer.layers:
        if ly.name.endswith("true colours"):
            ly.visible = True
    try:
        rec.run()
        wait(rec.job)
        show_only(docks, "recolour")
        viewer.reset_view()
        shot(viewer, out, f"recolour{tag}")
    except RuntimeError as exc:
        print(f"skipped the recolour screenshot: {exc}")

    # 5. Pigments on the Embed & cluster regions (the widget screenshot below shows its table).
    pig = widgets["pigments"]
    pig.device.setCurrentText(args.device)
    if embed.labels_layer is not None:
        pig.labels_combo.set_layer(embed.labels_layer)
        pig.run()
        wait(pig.job)
        if pig.result_layer is not None:
            pig.result_layer.visible = False  # the recolour screenshot's layout stays as it was

    # All five docks open at 1920 x 1080, the maps tab in front.
    for dock in docks.values():
        dock.setVisible(True)
    docks["maps"].raise_()
    split_column(viewer, docks)
    show_first_maps(maps)
    viewer.reset_view()
    shot(viewer, out, f"all_docks_{args.sample}")

    # Widgets alone, for the guide (the whole scrollable body and the strip pinned below it).
    from xrf_napari.fileutil import atomic_path

    for key, widget in widgets.items():
        docks[key].raise_()
        settle(0.2)
        wait_for_plots(viewer)
        path = out / f"screenshot_widget_{key}{tag}.png"
        with atomic_path(path) as tmp:
            _whole_dock(widget).save(str(tmp))
        _report(path)
    np.seterr(all="ignore")
    viewer.close()
    return 0


def _whole_dock(widget):
    """The dock's scrollable body, all of it, with the Run/Save strip pinned below it. The body
    fills a dock taller than its rows: grabbed whole, that empty room stood as a blank band
    above the pinned strip (60 px in Embed & cluster's); it is cut below the body's last row."""
    from qtpy.QtCore import QRect, Qt
    from qtpy.QtGui import QPainter, QPixmap
    from qtpy.QtWidgets import QWidget

    body = widget.body
    rows = [
        child.geometry().bottom() + 1
        for child in body.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if child.isVisibleTo(body)
    ]
    end = max(rows, default=body.height()) + body.layout().contentsMargins().bottom()
    parts = [body.grab(QRect(0, 0, body.width(), min(end, body.height())))]
    if not widget.footer.isHidden():
        parts.append(widget.footer.grab())
    out = QPixmap(max(p.width() for p in parts), sum(p.height() for p in parts))
    out.fill(widget.palette().window().color())
    painter = QPainter(out)
    y = 0
    for part in parts:
        painter.drawPixmap(0, y, part)
        y += part.height()
    painter.end()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
