"""End-to-end recolouring speed and memory: a Bruker-M6-sized cube (302 x 414 px (H x W) x 4096
channels, uint8 .rpl/.raw, with realistic peaks, the same file as bench_embed.py) from file to
PNG, on `--threads` CPU cores, next to the usual do-it-yourself pipeline on the same cube in the
same run (numpy load, float32, scikit-learn PCA(3), K-Means, cluster colours to PNG).

    python benchmarks/bench_recolour.py [--threads 2] [--workdir /tmp/xrf_bench_embed]
        [--weights UVIT] [--embedder DVE] [--average-flips] [--device cuda]

Each pipeline runs in its own subprocess, pinned to `--threads` cores. Its peak RSS is its own
process's resident high-water mark (VmHWM, _measure.peak_rss_mb), not ru_maxrss, which a child
inherits from its parent: a first run, which generates the cube here, reported the parent's 1.1 GB.
Model loading is reported apart from the end-to-end time (a napari session loads the models once).
`--average-flips` also times recolour's option of that name (8 orientations per tile) in the same
run. With `--device cuda` the models run on the GPU (the baseline stays on the CPU cores): the
pipeline then runs twice in its process and the second, warm run is reported (the first pays CUDA's
start-up, reported as `cold`), with the GPU's peak allocated memory beside the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import (  # noqa: E402
    machine_header,
    memory_target,
    omp_line,
    omp_state,
    peak_rss_mb,
)
from bench_embed import N_REGIONS, C, H, W, make_cube  # noqa: E402  (shared test cube)


def pin(threads: int) -> None:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > threads:
        os.sched_setaffinity(0, set(cores[:threads]))


def run_ours(
    rpl: Path, out_png: Path, weights, embedder, threads: int, flips=False, device="cpu"
) -> dict:
    import torch
    from PIL import Image

    import xrf_napari
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.analysis.recolour import load_recolouriser, recolour, save_rgb

    torch.set_num_threads(threads)
    t = time.perf_counter()
    load_embedder(embedder, device)
    load_recolouriser(weights, device)
    load_s = time.perf_counter() - t
    cold_s = None
    for _ in range(1 if device == "cpu" else 2):  # on a GPU the first run pays CUDA's start-up
        t0 = time.perf_counter()
        cube = xrf_napari.read_cube(rpl)
        res = recolour(
            cube, weights=weights, embedder_weights=embedder, device=device, average_flips=flips
        )
        t1 = time.perf_counter()
        cold_s = t1 - t0 if cold_s is None else cold_s
    save_rgb(out_png, res.rgb)
    t2 = time.perf_counter()
    back = np.asarray(Image.open(out_png).convert("RGB"))
    rgb = np.asarray(res.rgb, dtype=np.float64)
    return {
        "check": _check_rgb(rgb, back),
        "load_models_s": load_s,
        "recolour_s": t1 - t0,
        "png_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "cold_s": cold_s,
        "gpu": torch.cuda.get_device_name(device) if device.startswith("cuda") else None,
        "gpu_peak_mb": (
            torch.cuda.max_memory_allocated() / 2**20 if device.startswith("cuda") else None
        ),
        "shape": list(res.rgb.shape),
        "omp": omp_state(),
    }


def _check_rgb(rgb, png) -> str:
    """'' or what is wrong with a recolouring: its shape, values outside [0, 1], a single flat
    colour (the painted regions differ), or a PNG that is not the image."""
    if rgb.shape != (H, W, 3) or png.shape != (H, W, 3):
        return f"shape {rgb.shape} / PNG {png.shape}, expected {(H, W, 3)}"
    if not (np.isfinite(rgb).all() and rgb.min() >= 0 and rgb.max() <= 1):
        return "values outside [0, 1] or not finite"
    if rgb.reshape(-1, 3).std(axis=0).max() < 0.01:
        return "one flat colour over regions that differ"
    if np.abs(np.round(rgb * 255) - png).max() > 1:
        return "the PNG differs from the recoloured image"
    return ""


def run_baseline(rpl: Path, out_png: Path, threads: int) -> dict:
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.decomposition import PCA
    from threadpoolctl import threadpool_limits

    from xrf_napari.analysis.embed import MINIBATCH_ABOVE
    from xrf_napari.analysis.recolour import save_rgb

    with threadpool_limits(threads):
        t0 = time.perf_counter()
        x = (
            np.fromfile(str(rpl.with_suffix(".raw")), dtype=np.uint8)
            .reshape(H * W, C)
            .astype(np.float32)
        )
        z = PCA(3, random_state=0).fit_transform(x)
        km = (
            MiniBatchKMeans(N_REGIONS, random_state=0, batch_size=8192, n_init=3)
            if len(z) > MINIBATCH_ABOVE
            else KMeans(N_REGIONS, random_state=0, n_init=4)
        )
        labels = km.fit_predict(z)
        # Colour each cluster by its PCA centre scaled to [0, 1]: the usual false-colour picture.
        c = km.cluster_centers_
        colours = (c - c.min(0)) / np.maximum(c.max(0) - c.min(0), 1e-9)
        t1 = time.perf_counter()
        save_rgb(out_png, colours[labels].reshape(H, W, 3))
        t2 = time.perf_counter()
    return {"total_s": t2 - t0, "png_s": t2 - t1, "peak_rss_mb": peak_rss_mb(), "omp": omp_state()}


def child(part: str, args, flips: bool = False) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--part",
        part,
        "--threads",
        str(args.threads),
        "--workdir",
        args.workdir,
        "--device",
        args.device if part == "ours" else "cpu",
    ]
    for flag in ("weights", "embedder"):
        if getattr(args, flag):
            cmd += [f"--{flag}", getattr(args, flag)]
    if flips:
        cmd.append("--average-flips")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{part} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", default="/tmp/xrf_bench_embed")
    ap.add_argument("--weights", default=None, help="SmallUViT weights (default: shipped)")
    ap.add_argument("--embedder", default=None, help="DVE weights (default: shipped)")
    ap.add_argument(
        "--average-flips", action="store_true", help="also time recolour --average-flips"
    )
    ap.add_argument(
        "--device", default="cpu", help="where the models run: cpu (default), cuda or cuda:N"
    )
    ap.add_argument("--part", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    workdir = Path(args.workdir)
    if args.part:
        pin(args.threads)
        rpl = workdir / "bench.rpl"
        out = workdir / f"recolour_{args.part}.png"
        result = (
            run_ours(
                rpl, out, args.weights, args.embedder, args.threads, args.average_flips, args.device
            )
            if args.part == "ours"
            else run_baseline(rpl, out, args.threads)
        )
        print(json.dumps(result))
        return
    from xrf_napari.cube import pixels_text

    print(machine_header(args.threads))
    t = time.perf_counter()
    rpl, _ = make_cube(workdir)
    print(
        f"cube: {rpl} ({pixels_text((H, W), order=True)} x {C} channels uint8, "
        f"{H * W * C / 2**20:.0f} MiB; ready in "
        f"{time.perf_counter() - t:.1f} s); "
        f"{args.threads} cores"
    )
    ours = child("ours", args)
    base = child("baseline", args)
    flipped = child("ours", args, flips=True) if args.average_flips else None
    print(f"in the task processes: {omp_line(ours['omp'])}")
    print(
        f"xrf-napari recolour (read_cube -> DVE -> SmallUViT tiles -> PNG): {ours['total_s']:.2f} "
        f"s (recolour {ours['recolour_s']:.2f} s + PNG {ours['png_s']:.2f} s; model loading "
        f"{ours['load_models_s']:.2f} s apart), peak RSS {ours['peak_rss_mb']:.0f} MiB, "
        f"output {pixels_text(ours['shape'], order=True)}"
        + (
            f"; on {args.device} ({ours['gpu']}): warm run shown, cold {ours['cold_s']:.2f} s, "
            f"GPU peak {ours['gpu_peak_mb']:.0f} MiB"
            if args.device != "cpu"
            else ""
        )
    )
    print(
        f"numpy load + PCA(3) + K-Means({N_REGIONS}) -> PNG: {base['total_s']:.2f} s, peak RSS "
        f"{base['peak_rss_mb']:.0f} MiB"
    )
    print(
        f"ratios (baseline / ours): time {base['total_s'] / ours['total_s']:.2f}x, "
        f"peak RSS {base['peak_rss_mb'] / ours['peak_rss_mb']:.2f}x"
    )
    if flipped:
        print(
            f"with --average-flips: {flipped['total_s']:.2f} s (recolour "
            f"{flipped['recolour_s']:.2f} s), peak RSS {flipped['peak_rss_mb']:.0f} MiB; "
            f"{flipped['total_s'] / ours['total_s']:.2f}x the plain run's time"
        )
    for name, r in (("recolour", ours), ("--average-flips", flipped)):
        if r is not None and r["check"]:
            print(f"CHECK FAILED: {name}: {r['check']}")
            raise SystemExit(1)
    print(
        f"targets: < 5 s -> {'met' if ours['total_s'] < 5 else 'MISSED'}; >= 3x faster -> "
        f"{'met' if base['total_s'] >= 3 * ours['total_s'] else 'MISSED'}; peak RSS "
        f"{memory_target(ours['peak_rss_mb'], 500)}"
    )


if __name__ == "__main__":
    main()
