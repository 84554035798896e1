"""Elemental maps' RGB composite (Add composite) at 4000 x 4000 px: analysis.maps.composite_rgb
before (np.percentile of each map, which partitions a copy of the whole map; m / top, np.clip
and np.stack, three map-sized temporaries per map) and after (high_percentile: a sample's
threshold, one pass keeping the maps' top values, those partitioned; the scaling written into
the image a chunk at a time). Alternated in one process (the same load on both); the two
images are compared, bit for bit: a difference prints FAILED and the exit status is 1.

    python benchmarks/bench_composite.py [--size 4000] [--repeat 5]

Since session 45 the dock's button makes the composite in a job (a thread), so what the GUI
thread does is napari's adding of the RGB layer (bench_landing.py's "recoloured, float32 RGB"
rows: the same kind of layer); this is the job's time, which was the freeze before.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine_header  # noqa: E402


def composite_before(maps, percentile: float = 99.5) -> np.ndarray:
    """analysis.maps.composite_rgb as it was until session 45."""
    chans = []
    for m in maps:
        m = np.asarray(m, dtype=np.float32)
        top = float(np.percentile(m, percentile)) if m.size else 0.0
        chans.append(np.clip(m / top, 0, 1) if top > 0 else np.zeros_like(m))
    return np.stack(chans, axis=-1)


def main() -> int:
    from xrf_napari.analysis.maps import composite_rgb
    from xrf_napari.cli import CommandParser  # options given in full

    parser = CommandParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=4000, help="maps of size x size px")
    parser.add_argument("--repeat", type=int, default=5, help="composites of each side")
    args = parser.parse_args()
    print(machine_header())
    rng = np.random.default_rng(0)
    # net line counts: a few negative pixels (background noise), a long bright tail
    maps = [
        (rng.gamma(2.0, 20.0, (args.size, args.size)) - 10.0).astype(np.float32) for _ in range(3)
    ]
    times: dict[str, list[float]] = {"before": [], "after": []}
    same, before = True, None
    for i in range(2 * args.repeat):
        side, fn = ("after", composite_rgb) if i % 2 else ("before", composite_before)
        start = time.perf_counter()
        rgb = fn(maps)
        times[side].append(time.perf_counter() - start)
        if side == "after":  # against the "before" round just run: same maps, same result
            same = same and np.array_equal(rgb, before)
        else:
            before = rgb
        del rgb
    print(f"{args.size} x {args.size} px, three float32 maps, ms: best, median")
    for side, ts in times.items():
        ms = [1000 * t for t in ts]
        print(f"{side:<8}{min(ms):8.1f}{statistics.median(ms):8.1f}")
    ratio = statistics.median(times["after"]) / statistics.median(times["before"])
    print(f"after/before (medians) {ratio:.2f}")
    if not same:
        print("FAILED: the composite's values changed")
        return 1
    print("same values: yes (bit for bit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
