"""Synthetic-cube generator speed: spectra per second of the forward model, seconds per cube
(canonical 512 channels) with a breakdown, and the extrapolated time for 200 cubes.

    python benchmarks/bench_synth.py [--size 256] [--cubes 3] [--style paper] [--workers N]

Baseline in the same run: physics per pixel (what the generator avoids), extrapolated from the
measured spectra/s. With --workers N, `generate`'s process pool also makes 4N cubes more and the
run prints its cubes/s beside N times the one-process rate: the parallel efficiency (12 workers on
16 cores ran at a fraction of it while numpy's OpenBLAS ran a thread per core in every worker).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header, peak_rss_mb  # noqa: E402


def main():
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--cubes", type=int, default=3)
    ap.add_argument("--spectra", type=int, default=60)
    ap.add_argument("--images", default=None, help="folder of paintings (default: procedural)")
    ap.add_argument("--style", choices=("physics", "paper"), default="physics")
    ap.add_argument("--workers", type=int, default=0, help="also time the pool with N workers")
    args = ap.parse_args()
    print(machine_header(), flush=True)

    from xrf_napari.physics.instrument import random_profile
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import load_pigments
    from xrf_napari.physics.spectrum import SpectrumModel
    from xrf_napari.synth.dataset import GenerateConfig, generate_one, list_images

    rng = np.random.default_rng(0)
    prof = random_profile(rng, "train")
    t0 = time.perf_counter()
    model = SpectrumModel(prof)
    t_model = time.perf_counter() - t0
    pigs = [p for p in load_pigments() if p.role != "ground"]
    stacks = []
    for _ in range(args.spectra):
        sel = rng.choice(len(pigs), 3, replace=False)
        mix = [(pigs[i], float(f)) for i, f in zip(sel, rng.dirichlet(np.ones(3)))]
        stacks.append(
            [
                paint_layer(mix, float(rng.uniform(5, 60))),
                ground_layer("gypsum", 200.0),
                support_layer(),
            ]
        )
    from xrf_napari.physics.xsec import element_fluorescence, mu_fine

    t0 = time.perf_counter()
    model.spectrum(stacks[0])
    elements = {el for p in pigs for el in p.composition()} | {"C", "H", "O", "N", "Ca", "S", "Sr"}
    for el in elements:  # per-element caches, filled once per process
        element_fluorescence(el)
        mu_fine(el)
    for s in stacks:
        model.spectrum(s)
    t_cold = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    for s in stacks:
        model.spectrum(s)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    sps = len(stacks) / dt
    print(f"per-process cache warm-up ({len(elements)} elements) + first pass: {t_cold:.2f} s")
    print(f"instrument model setup ({prof.anode}, {prof.n_channels} ch): {t_model:.2f} s")
    print(
        f"forward model: {sps:.0f} spectra/s ({1e3 / sps:.1f} ms wall, "
        f"{1e3 * cpu / len(stacks):.1f} ms CPU per layer-stack spectrum, native + canonical)"
    )

    images = [str(p) for p in list_images(args.images)] if args.images else None
    times, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cubes):
            cfg = GenerateConfig(
                out=tmp,
                n_cubes=args.cubes,
                size=args.size,
                seed=123,
                profiles="train",
                images=images,
                style=args.style,
            )
            t0, c0 = time.perf_counter(), time.process_time()
            generate_one(i, cfg)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
            size_mib = (Path(tmp) / f"cube_{i:05d}.h5").stat().st_size / 2**20
            print(
                f"cube {i}: {times[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU "
                f"({args.size}x{args.size}x512, {args.style} style, file {size_mib:.1f} MiB)"
            )
    first, rest = times[0], times[1:] or times
    per = float(np.mean(rest))
    pixels = args.size**2
    cpu_per = float(np.mean(cpus[1:] or cpus))
    print(
        f"seconds per {args.size}x{args.size} cube: {per:.2f} wall, {cpu_per:.2f} CPU "
        f"(first cube incl. cache warm-up {first:.2f}); load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"200 cubes at the measured wall time, 1 worker: {200 * per / 60:.1f} min; "
        f"at the CPU cost on free cores: 1 worker {200 * cpu_per / 60:.1f} min, 2 workers "
        f"{100 * cpu_per / 60:.1f} min"
    )
    print(
        f"baseline, physics per pixel: {pixels / sps:.0f} s per cube -> ratio "
        f"{pixels / sps / per:.0f}x slower"
    )
    if args.workers:
        from xrf_napari.synth.dataset import generate_dataset

        n = 4 * args.workers
        with tempfile.TemporaryDirectory() as tmp:
            cfg = GenerateConfig(
                out=tmp, n_cubes=n, size=args.size, seed=124, images=images, style=args.style
            )
            t0 = time.perf_counter()
            generate_dataset(cfg, workers=args.workers, progress=False)
            dt = time.perf_counter() - t0
        ideal = args.workers / per
        print(
            f"{args.workers} workers: {n} cubes in {dt:.1f} s = {n / dt:.2f} cubes/s (pool start "
            f"and cache warm-up included); {args.workers} x the 1-process rate = {ideal:.2f} "
            f"cubes/s -> parallel efficiency {n / dt / ideal:.2f} on {os.cpu_count()} cores"
        )
    print(f"peak RSS: {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
