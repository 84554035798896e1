"""GUI-thread time of a run's result landing in a napari window at 4000 x 4000 px: the call that
adds or updates the result layer (what a dock's landing does in the GUI thread) and the window's
next repaint (vispy's texture upload), each a freeze of the viewer.

Regions (Embed & cluster's clusters, with their 65535-colour colormap; Pigments' Find regions
alike): before = the run's int32 labels handed to napari as they are (session 44: napari hashed
them into its texture's dtype on every slice, in the GUI thread); after = the uint16 array the
run's worker makes (_layers.regions_array, RegionsCheck.take). Both through replace_regions with
the worker's RegionsCheck, alternated in one viewer, the first run (layer added) and a re-run
(layer updated). Then, for reference, the image results as the docks land them (no change: their
contrast limits come from the worker and napari scans nothing): Embed's latent RGB (uint8),
Recolour's colours (float32 RGB), an element map (float32).

    xvfb-run -a -s "-screen 0 1920x1080x24" python benchmarks/bench_landing.py [--size 4000]
        [--repeat 5]

Needs a display (Xvfb here: software OpenGL, which makes the repaint slower than a GPU's).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine_header  # noqa: E402


class _Cube:  # what a result layer needs of a scan: a weak reference
    pass


def _old_regions_array(labels):
    """Session 44's layer array: a copy of the run's labels in their own dtype (int32)."""
    return labels.copy()


def measure(size: int, repeat: int) -> dict:
    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets import _layers
    from xrf_napari.widgets._layers import RegionsCheck, find_result, replace_regions, upsert_layer
    from xrf_napari.widgets.embed import clusters_colormap

    viewer = napari.Viewer(show=True)
    app = QApplication.instance()
    native = viewer.window._qt_viewer.canvas._scene_canvas.native
    new_regions_array = _layers.regions_array
    cube = _Cube()
    rng = np.random.default_rng(0)
    runs = [rng.integers(1, 9, (size, size), dtype=np.int32) for _ in range(2)]

    def settle():
        for _ in range(3):
            app.processEvents()

    def timed(fn) -> tuple[float, float]:
        """(the call, the repaint after it), seconds."""
        settle()
        start = time.perf_counter()
        fn()
        mid = time.perf_counter()
        native.repaint()  # the window's next paint, now: vispy uploads the new texture
        end = time.perf_counter()
        settle()
        return mid - start, end - mid

    # napari's first layer of each kind imports and builds its controls: not a landing's cost
    for kind in ("image", "labels"):
        warm = upsert_layer(viewer, f"warm {kind}", np.ones((2, 2), np.uint8), kind, cube=cube)
        settle()
        viewer.layers.remove(warm)
    clusters_colormap()

    times: dict = {}

    def land_regions(labels, side: str, step: str) -> None:
        _layers.regions_array = new_regions_array if side == "after" else _old_regions_array
        try:
            name = "clusters [bench]"
            layer = find_result(viewer, cube, name)
            check = RegionsCheck(layer)
            check.take(labels)  # the worker's part, not timed
            call, paint = timed(
                lambda: replace_regions(
                    viewer,
                    name,
                    labels,
                    cube=cube,
                    colormap=clusters_colormap,
                    check=check,
                    opacity=0.6,
                )
            )
        finally:
            _layers.regions_array = new_regions_array
        dtype = find_result(viewer, cube, name).data.dtype
        times.setdefault(("regions", step, side), []).append((call, paint, str(dtype)))

    for i in range(2 * repeat):  # before and after alternated: the same load on both
        side = "after" if i % 2 else "before"
        for layer in list(viewer.layers):
            viewer.layers.remove(layer)
        settle()
        land_regions(runs[0].copy(), side, "added (first run)")
        land_regions(runs[1].copy(), side, "updated (re-run)")

    for layer in list(viewer.layers):
        viewer.layers.remove(layer)
    images = {
        "latent RGB, uint8": (
            lambda: rng.integers(0, 256, (size, size, 3), dtype=np.uint8),
            dict(rgb=True, contrast_limits=(0, 255)),
        ),
        "recoloured, float32 RGB": (
            lambda: rng.random((size, size, 3), dtype=np.float32),
            dict(rgb=True, contrast_limits=(0.0, 1.0)),
        ),
        "element map, float32": (
            lambda: 100 * rng.random((size, size), dtype=np.float32),
            dict(contrast_limits=(0.0, 99.5), colormap="magenta", blending="additive"),
        ),
    }
    for label, (make, kwargs) in images.items():
        for i in range(repeat + 1):
            data = make()
            step = "added (first run)" if i == 0 else "updated (re-run)"
            call, paint = timed(
                lambda d=data, n=label, kw=kwargs: upsert_layer(viewer, n, d, cube=cube, **kw)
            )
            times.setdefault((label, step, "now"), []).append((call, paint, str(data.dtype)))
    viewer.close()
    return times


def _ms(values) -> str:
    ms = [1000 * v for v in values]
    return f"{min(ms):7.1f}{statistics.median(ms):8.1f}"


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    parser = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    parser.add_argument("--size", type=int, default=4000, help="results are size x size px")
    parser.add_argument("--repeat", type=int, default=5, help="landings of each kind and side")
    args = parser.parse_args()
    print(machine_header())
    times = measure(args.size, args.repeat)
    print(f"{args.size} x {args.size} px, GUI thread, ms: best and median of each")
    print(
        f"{'result':<26}{'layer':<20}{'side (dtype)':<16}{'call':>15}{'repaint':>15}"
        f"{'call+repaint':>15}"
    )
    medians = {}
    for (label, step, side), rows in times.items():
        calls = [c for c, _, _ in rows]
        paints = [p for _, p, _ in rows]
        totals = [c + p for c, p, _ in rows]
        medians[(label, step, side)] = statistics.median(totals)
        print(
            f"{label:<26}{step:<20}{side + ' (' + rows[0][2] + ')':<16}{_ms(calls)}"
            f"{_ms(paints)}{_ms(totals)}"
        )
    for step in ("added (first run)", "updated (re-run)"):
        before = times[("regions", step, "before")]
        after = times[("regions", step, "after")]
        call_ratio = statistics.median(c for c, _, _ in after) / statistics.median(
            c for c, _, _ in before
        )
        total_ratio = medians[("regions", step, "after")] / medians[("regions", step, "before")]
        print(
            f"regions, {step}: after/before (medians) call {call_ratio:.2f}, "
            f"call+repaint {total_ratio:.2f}"
        )


if __name__ == "__main__":
    main()
