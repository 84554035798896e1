"""Element maps: one streaming pass with a (channels x elements) weight matrix vs the naive way
(one window pass over the file per element, plus two more for its background windows).

    python benchmarks/bench_maps.py [--size 256] [--elements 8]

Prints wall time, throughput (pixels/s) and the ratio to the baseline, on an HDF5 cube written in
the project layout (gzip, 16 x 16 pixel chunks) so that reading dominates as it does for real files.
element_maps is given the scan's sum spectrum (taken before the clock starts, as the docks' survey
gives it before Make maps), so that it plans as the Elemental maps dock and quicklook do. Both
results are checked against the counts held in memory (element_maps against the same weight
matrix applied to them, the baseline against their window sums): a wrong result prints FAILED
instead of a speed-up, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def naive_maps(cube, symbols, fwhm_mn_ev=140.0):
    """Baseline: a window pass per element for the peak and one for each side window."""
    from xrf_napari.analysis.maps import plan_maps

    e = cube.energy
    plans = plan_maps(symbols, (float(e[0]), float(e[-1])), fwhm_mn_ev=fwhm_mn_ev)
    out = {}
    for p in plans:
        peak = cube.window_maps([p.peak])[0]
        sides = [cube.window_maps([w])[0] for w in p.background]
        # two side windows of half the peak width: their sum estimates the background under the peak
        out[p.symbol] = peak - sum(sides) * (2 / max(len(sides), 1))
    return out


def check_maps(cube, counts, symbols, one, naive, spectrum) -> list[str]:
    """What is wrong with the two results (none: []), from the counts in memory: element_maps must
    equal counts @ W with the weight matrix W it plans (not clipped at 0: maps keep their negative
    pixels so totals stay unbiased), the baseline its own formula on the counts' window sums."""
    from xrf_napari.analysis.maps import plan_for_cube, plan_maps

    flat = counts.reshape(-1, counts.shape[-1]).astype(np.float64)
    _, w = plan_for_cube(cube, symbols, spectrum=spectrum)
    want = (flat @ w.astype(np.float64)).reshape(counts.shape[:2] + (-1,))
    fails = []
    for i, sym in enumerate(symbols):
        err = np.abs(np.asarray(one[sym], np.float64) - want[..., i]).max()
        if not err <= 1e-4 * max(1.0, np.abs(want[..., i]).max()):
            fails.append(
                f"element_maps {sym}: total {np.sum(one[sym], dtype=np.float64):,.0f}, the counts "
                f"give {want[..., i].sum():,.0f} (largest pixel error {err:.3g})"
            )
    e = cube.energy

    def window(lo, hi):
        return flat[:, (e >= lo) & (e < hi)].sum(axis=1).reshape(counts.shape[:2])

    for p in plan_maps(symbols, (float(e[0]), float(e[-1])), fwhm_mn_ev=140.0):
        sides = [window(*b) for b in p.background]
        ref = window(*p.peak) - sum(sides) * (2 / max(len(sides), 1))
        if not np.allclose(naive[p.symbol], ref, rtol=1e-5, atol=1e-2):
            fails.append(f"baseline {p.symbol}: differs from the counts' window sums")
    return fails


def main() -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--elements", type=int, default=8)
    args = ap.parse_args()
    print(machine_header())

    from _napari_helpers import painted_counts  # the tests' synthetic pigment spectra
    from _spectra import CANONICAL_CAL

    from xrf_napari.analysis.maps import element_maps
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    symbols = ["Pb", "Fe", "Ca", "Cu", "Hg", "Zn", "Ti", "Co", "Mn", "Ba", "Sr", "K"][
        : args.elements
    ]
    rng = np.random.default_rng(0)
    base, _ = painted_counts()
    tile = np.tile(base, (args.size // base.shape[0] + 1, args.size // base.shape[1] + 1, 1))
    counts = tile[: args.size, : args.size]
    counts = rng.poisson(counts.astype(np.float32)).astype(np.uint16)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_cube(Path(tmp) / "bench.h5", counts, CANONICAL_CAL)
        cube = read_cube(path)
        n_px = args.size * args.size
        print(
            f"cube {counts.shape} uint16, {path.stat().st_size / 2**20:.1f} MiB gzip HDF5, "
            f"{len(symbols)} elements"
        )
        t0 = time.perf_counter()
        naive = naive_maps(cube, symbols)
        t_naive = time.perf_counter() - t0
        # the scan's sum, as the dock's survey has it before Make maps (plan_for_cube)
        spectrum = counts.sum(axis=(0, 1), dtype=np.float64)
        t0 = time.perf_counter()
        one = element_maps(cube, symbols, spectrum=spectrum)
        t_one = time.perf_counter() - t0
        fails = check_maps(cube, counts, symbols, one, naive, spectrum)
        print(
            f"baseline (window pass per element and side window): {t_naive:6.2f} s  "
            f"{n_px / t_naive:10.0f} px/s"
        )
        print(
            f"element_maps (one pass, weight matrix):             {t_one:6.2f} s  "
            f"{n_px / t_one:10.0f} px/s"
        )
        for line in fails:
            print(f"CHECK FAILED: {line}")
        if fails:
            print(f"FAILED: {len(fails)} wrong map(s); no speed-up is reported on wrong output")
            return 1
        print("results checked: both agree with the counts in memory")
        print(f"speed-up: {t_naive / t_one:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
