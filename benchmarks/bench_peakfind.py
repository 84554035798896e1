"""Benchmark: the first open of a scan without a calibration (read_cube, automatic calibration),
each in a fresh process, and what importing scipy.signal would add to it; the peak finder the
calibration uses (analysis.peakfind) against scipy.signal's find_peaks + peak_widths per call.

    python benchmarks/bench_peakfind.py [--shape 32,32,4096] [--repeat 3]

The automatic calibration imported scipy.signal for find_peaks and peak_widths; that import
(it imports scipy.stats) cost 1.7-3 s on top of the scipy.ndimage and scipy.optimize the
calibration imports anyway. The cube is bench_io's M6-like uint8 ripple pair (its header names
no energy axis); the check fails unless the calibration succeeds within 0.05 keV and 1 % of the
generated one (bench_io.autocal_failure).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import machine_header  # noqa: E402  first: xrf_napari's OpenMP policy


def part(name: str, rpl: str) -> dict:
    """One measurement in this (fresh) process."""
    if name == "open":
        t = time.perf_counter()
        from xrf_napari.io import read_cube

        cube = read_cube(rpl)
        cal = cube.calibration
        return {
            "seconds": time.perf_counter() - t,
            "scipy_signal_imported": "scipy.signal" in sys.modules,
            "calibration": [cal.offset, cal.gain, cal.source],
        }
    if name == "import_signal":  # after what the calibration imports anyway
        import scipy.ndimage  # noqa: F401
        import scipy.optimize  # noqa: F401

        t = time.perf_counter()
        import scipy.signal  # noqa: F401

        return {"seconds": time.perf_counter() - t}
    if name == "calls":
        from scipy.ndimage import gaussian_filter1d
        from scipy.signal import find_peaks, peak_widths

        from xrf_napari.analysis import peakfind
        from xrf_napari.io import read_cube

        s = gaussian_filter1d(read_cube(rpl, auto_calibrate=False).sum_spectrum(), 1.0)

        def scipy_way():
            idx, _ = find_peaks(s, prominence=1e-9, width=1.0)
            return idx, peak_widths(s, idx, rel_height=0.5)[0]

        def numpy_way():
            idx, props = peakfind.find_peaks(s, prominence=1e-9, width=1.0)
            return idx, props["widths"]

        out = {}
        for label, f in (("scipy_ms", scipy_way), ("numpy_ms", numpy_way)):
            f()
            best = min(_timed(f) for _ in range(20))
            out[label] = best * 1e3
        a, b = scipy_way(), numpy_way()
        out["equal"] = bool(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]))
        out["maxima"] = int(peakfind.local_maxima(s).size)
        return out
    raise SystemExit(f"unknown part {name}")


def _timed(f) -> float:
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


def _child(name: str, rpl: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--part", name, "--rpl", str(rpl)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shape", default="32,32,4096", help="height,width,channels")
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per open (best)")
    ap.add_argument("--part", help=argparse.SUPPRESS)
    ap.add_argument("--rpl", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.part:
        print(json.dumps(part(args.part, args.rpl)))
        return 0
    from bench_io import autocal_failure, make_cube

    print(machine_header())
    shape = tuple(int(s) for s in args.shape.split(","))
    with tempfile.TemporaryDirectory(prefix="xrf_bench_") as tmp:
        rpl = make_cube(Path(tmp), shape)
        opens = [_child("open", rpl) for _ in range(args.repeat)]
        imports = [_child("import_signal", rpl) for _ in range(args.repeat)]
        calls = _child("calls", rpl)
    best = min(opens, key=lambda r: r["seconds"])
    print(
        f"first open with automatic calibration, {shape}: {best['seconds']:.2f} s (best of "
        f"{len(opens)} fresh processes); scipy.signal imported: {best['scipy_signal_imported']}"
    )
    print(
        "importing scipy.signal after scipy.ndimage and scipy.optimize: "
        f"{min(r['seconds'] for r in imports):.2f} s (best of {len(imports)})"
    )
    print(
        f"peaks of the smoothed sum spectrum ({calls['maxima']} local maxima): numpy "
        f"{calls['numpy_ms']:.2f} ms, scipy.signal {calls['scipy_ms']:.2f} ms per call; "
        f"equal: {calls['equal']}"
    )
    failed = autocal_failure(best["calibration"])
    if failed or not calls["equal"]:
        print(f"FAILED: {failed or 'the numpy peaks differ from scipy.signal'}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
