"""Element suggestions against the survey pass they follow: what the Spectrum and Maps docks run
as a scan opens (analysis.spectra.iter_survey(groups=True), then analysis.peaks.suggest_for_cube
on the sum spectrum and each of the ~100-550 tile and group spectra).

    python benchmarks/bench_suggest.py [--workdir /tmp/xrf_bench_embed] [--repeat 3]
                                       [--cube other.h5 ...]   # instead of the two below

Times the painting sample (128 x 128 x 512) and the Bruker-M6-sized cube of bench_embed.make_cube
(414 x 302 x 4096 .rpl/.raw, generated once), each in a fresh process (cold caches, as when a
session opens its first scan; the imports loaded before the timing), `--repeat` times alternating
the cubes. Prints the survey's time (the baseline: one pass over the file, read into the page
cache first), the suggestions' time (first, and again on the same spectra: a second scan on the
same energy axis), the number of spectra and the ratio of the suggestions' first time to the
survey's. Runs against any checkout: `PYTHONPATH=<checkout>/src python benchmarks/...`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header, run_child  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "xrf_napari" / "sample_data" / "painting.h5"


def part(path: str) -> dict:
    """In this (fresh) process: survey, then suggestions twice; seconds and counts."""
    import scipy.ndimage  # noqa: F401  (imports the suggestions make, outside the timing)
    import scipy.signal  # noqa: F401
    import xraylib  # noqa: F401
    import xraylib_np  # noqa: F401

    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    cube = read_cube(path)
    t = time.perf_counter()
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    survey = time.perf_counter() - t
    total = mean * cube.shape[0] * cube.shape[1]
    t = time.perf_counter()
    found = suggest_for_cube(cube, total, spectra)
    first = time.perf_counter() - t
    t = time.perf_counter()
    again = suggest_for_cube(cube, total, spectra)
    second = time.perf_counter() - t
    if list(again) != list(found) or again.warning != found.warning:
        raise SystemExit("the second suggestions differ from the first")
    return {
        "shape": list(cube.shape),
        "survey": survey,
        "suggest": first,
        "again": second,
        "spectra": 1 + len(spectra),
        "found": list(found),
    }


def main() -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    p.add_argument("--workdir", default="/tmp/xrf_bench_embed", type=Path)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--cube", nargs="+", type=Path, help="time these cube files instead")
    p.add_argument("--part", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.part:
        print(json.dumps(part(args.part)))
        return 0
    print(machine_header(), flush=True)
    if args.cube:
        cubes = args.cube
    else:
        from bench_embed import make_cube

        cubes = [SAMPLE, make_cube(args.workdir)[0]]
    for path in cubes:
        raw = path.with_suffix(".raw") if path.with_suffix(".raw").is_file() else path
        with open(raw, "rb") as fh:  # into the page cache: the survey's time is not the disk's
            while fh.read(64 << 20):
                pass
    runs: dict[Path, list[dict]] = {path: [] for path in cubes}
    for i in range(args.repeat):
        for path in cubes:  # alternated: a shared machine's load falls on both
            r, _ = run_child([__file__, "--part", str(path)])
            runs[path].append(r)
            print(
                f"run {i + 1} {path.name}: survey {r['survey']:.2f} s, suggestions "
                f"{r['suggest']:.2f} s (again {r['again']:.2f} s), {r['spectra']} spectra",
                flush=True,
            )
    print(
        f"{'cube':<28}{'spectra':>8}{'survey s':>10}{'suggest s':>11}{'again s':>9}"
        f"{'suggest/survey':>16}   (medians of {args.repeat})"
    )
    for path, rs in runs.items():
        h, w, c = rs[0]["shape"]
        med = {k: statistics.median(r[k] for r in rs) for k in ("survey", "suggest", "again")}
        ratio = statistics.median(r["suggest"] / r["survey"] for r in rs)
        print(
            f"{f'{path.name} {h}x{w}x{c}':<28}{rs[0]['spectra']:>8}{med['survey']:>10.2f}"
            f"{med['suggest']:>11.2f}{med['again']:>9.2f}{ratio:>16.2f}"
        )
        print(f"  suggested: {' '.join(rs[0]['found'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
