"""GUI-thread time of a regions run landing on a large Labels layer (Embed & cluster's clusters,
Pigments' Find regions): telling the user's painting from the run's regions by digests.

Before (session 44's first form, measured here as the baseline in the same run): both digests
in the GUI thread, the run's labels' and the layer's (replace_regions with no RegionsCheck).
After: the run's worker thread digests both (RegionsCheck.take, timed apart as worker time), and
the landing compares the layer with the worker's copy (np.array_equal). Three GUI-thread times:
the painted check alone (keep_painted on an unpainted layer), the run's record (run_labels), and
the whole landing (replace_regions; it includes napari's own setting of the layer's data, the
same on both sides). Best and median of --repeat landings, alternating two label sets so that
each lands on a layer holding the other's regions (unpainted: no copy is made).

    python benchmarks/bench_labels_digest.py [--size 4000] [--repeat 7]

No display needed: a napari ViewerModel holds the layers (no drawing; a window adds its own
redraw to both sides alike).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine_header  # noqa: E402


class _Cube:  # what replace_regions needs of a scan: a weak reference
    pass


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(size: int, repeat: int) -> dict:
    import numpy as np
    from napari.components import ViewerModel

    from xrf_napari.widgets._layers import (
        RegionsCheck,
        find_result,
        keep_painted,
        replace_regions,
        run_labels,
    )

    rng = np.random.default_rng(0)
    runs = [rng.integers(1, 9, (size, size), dtype=np.int32) for _ in range(2)]
    viewer, cube, name = ViewerModel(), _Cube(), "clusters [bench]"
    replace_regions(viewer, name, runs[1].copy(), cube=cube)
    times = {key: [] for key in ("check", "record", "landing", "worker")}

    def land(labels, after: bool) -> None:
        """One run's landing; `after`: with its RegionsCheck taken first (worker time)."""
        side = "after" if after else "before"
        layer = find_result(viewer, cube, name)
        check = RegionsCheck(layer) if after else None
        if after:
            times["worker"].append(_timed(lambda: check.take(labels)))
            kept = check._copy, check._copy_digest, check._regions
        # the painted check and the record alone, then the whole landing
        times["check"].append((side, _timed(lambda: keep_painted(viewer, layer, check=check))))
        times["record"].append((side, _timed(lambda: run_labels(labels, check))))
        if after:  # keep_painted let the copy go: the landing gets the same check again
            check._copy, check._copy_digest, check._regions = kept
        landing = _timed(lambda: replace_regions(viewer, name, labels, cube=cube, check=check))
        times["landing"].append((side, landing))
        assert len(viewer.layers) == 1, "an unpainted layer was kept as painted"

    for i in range(2 * repeat):  # before and after interleaved: the same load on both
        land(runs[i // 2 % 2].copy(), after=i % 2 == 1)
    return times


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    parser = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    parser.add_argument("--size", type=int, default=4000, help="labels are size x size int32")
    parser.add_argument("--repeat", type=int, default=7, help="landings on each side")
    args = parser.parse_args()
    print(machine_header())
    times = measure(args.size, args.repeat)
    print(f"{args.size} x {args.size} int32 labels, {args.repeat} landings each side (GUI thread)")
    print(f"{'':<38}{'before ms':>18}{'after ms':>18}{'after/before':>14}")
    print(f"{'':<38}{'best   median':>18}{'best   median':>18}{'(medians)':>14}")
    rows = (
        ("painted check (keep_painted)", "check"),
        ("run's record (run_labels)", "record"),
        ("whole landing (replace_regions)", "landing"),
    )
    for label, key in rows:
        sides = {
            side: [1000 * t for s, t in times[key] if s == side] for side in ("before", "after")
        }
        best = {side: min(v) for side, v in sides.items()}
        med = {side: statistics.median(v) for side, v in sides.items()}
        print(
            f"{label:<38}{best['before']:>8.1f}{med['before']:>10.1f}"
            f"{best['after']:>8.1f}{med['after']:>10.1f}{med['after'] / med['before']:>14.2f}"
        )
    worker = [1000 * t for t in times["worker"]]
    print(
        f"{'worker thread, after (RegionsCheck.take)':<38}{'':>18}"
        f"{min(worker):>8.1f}{statistics.median(worker):>10.1f}"
    )


if __name__ == "__main__":
    main()
