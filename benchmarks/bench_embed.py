"""Embedding speed and memory: DVE encoder throughput, and embed + cluster of a full Bruker-M6-sized
cube (414 x 302 x 4096 uint8 .rpl/.raw) next to what a user would do with scikit-learn (load the
cube into numpy, PCA(3), K-Means) on the same cube.

    python benchmarks/bench_embed.py [--threads 2] [--workdir /tmp/xrf_bench_embed] [--weights W]

Each end-to-end method runs in its own subprocess. Its peak RSS is its own process's resident
high-water mark (VmHWM, _measure.peak_rss_mb): imports, models, the memmap's file pages. Not
ru_maxrss, which a child inherits from its parent (a first run, which generates the cube here,
reported the parent's 1.1 GB).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header, omp_line, omp_state, peak_rss_mb  # noqa: E402

H, W, C = 302, 414, 4096
OFFSET, GAIN = -0.9555, 0.009999
N_REGIONS = 8


#: Sanity floor for the ARI of the painted regions (as bench_scale's): random labels score ~0.
MIN_ARI = 0.25


def make_cube(workdir: Path) -> tuple[Path, Path]:
    """The .rpl/.raw test cube and its true labels (.npy), generated once in row blocks."""
    from xrf_napari.energy import Calibration
    from xrf_napari.training.toy_data import toy_scene

    rpl, raw, lab = workdir / "bench.rpl", workdir / "bench.raw", workdir / "bench_labels.npy"
    if rpl.is_file() and raw.is_file() and lab.is_file() and raw.stat().st_size == H * W * C:
        return rpl, lab
    workdir.mkdir(parents=True, exist_ok=True)
    energy = Calibration(OFFSET, GAIN).energy(C)
    labels, comps, weights = toy_scene(
        H,
        W,
        n_regions=N_REGIONS,
        anode="Rh",
        fwhm_mn_ev=142.0,
        counts_per_pixel=600.0,
        energy=energy,
        seed=11,
    )
    mm = np.memmap(raw, dtype=np.uint8, mode="w+", shape=(H, W, C))
    rng = np.random.default_rng(12)
    for y0 in range(0, H, 16):
        rows = slice(y0 * W, min(H, y0 + 16) * W)
        lam = weights[rows] @ comps
        mm[y0 : y0 + 16] = np.minimum(rng.poisson(lam), 255).astype(np.uint8).reshape(-1, W, C)
    mm.flush()
    del mm
    np.save(lab, labels)
    rpl.write_text(
        "key\tvalue\nwidth\t414\nheight\t302\ndepth\t4096\noffset\t0\ndata-Length\t1\n"
        "data-type\tunsigned\nbyte-order\tdont-care\nrecord-by\tvector\n"
        f"depthscaleorigin\t{OFFSET}\ndepthscaleincrement\t{GAIN}\ndepthscaleunits\tkeV\n"
    )
    return rpl, lab


def bench_throughput(weights, threads: int) -> dict:
    import torch

    from xrf_napari.analysis.embed import load_embedder

    torch.set_num_threads(threads)
    emb = load_embedder(weights, "cpu")
    rng = np.random.default_rng(0)
    x = rng.poisson(1.5, (65536, 512)).astype(np.float32)
    emb.encode(x[:4096])
    best = 0.0
    for _ in range(5):
        t = time.perf_counter()
        emb.encode(x)
        best = max(best, len(x) / (time.perf_counter() - t))
    return {"encoder_spectra_per_s": best, "threads": threads, "omp": omp_state()}


def run_dve(rpl: Path, lab: Path, weights, threads: int) -> dict:
    import torch
    from sklearn.metrics import adjusted_rand_score

    import xrf_napari
    from xrf_napari.analysis.embed import cluster, embed, load_embedder

    torch.set_num_threads(threads)
    load_embedder(weights, "cpu")  # model loading is not part of the timing
    truth = np.load(lab)
    t0 = time.perf_counter()
    cube = xrf_napari.read_cube(rpl)
    latent = embed(cube, weights=weights, device="cpu")
    t1 = time.perf_counter()
    res = cluster(latent, N_REGIONS)
    t2 = time.perf_counter()
    return {
        "finite": bool(np.isfinite(np.asarray(latent)).all()),
        "embed_s": t1 - t0,
        "cluster_s": t2 - t1,
        "total_s": t2 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "ari": adjusted_rand_score(truth.ravel(), res.labels.ravel()),
        "omp": omp_state(),
    }


def run_pca(rpl: Path, lab: Path, threads: int) -> dict:
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score
    from threadpoolctl import threadpool_limits

    from xrf_napari.analysis.embed import MINIBATCH_ABOVE

    truth = np.load(lab)
    with threadpool_limits(threads):
        t0 = time.perf_counter()
        x = (
            np.fromfile(str(rpl.with_suffix(".raw")), dtype=np.uint8)
            .reshape(H * W, C)
            .astype(np.float32)
        )
        t1 = time.perf_counter()
        z = PCA(3, random_state=0).fit_transform(x)
        t2 = time.perf_counter()
        n = len(z)
        km = (
            MiniBatchKMeans(N_REGIONS, random_state=0, batch_size=8192, n_init=3)
            if n > MINIBATCH_ABOVE
            else KMeans(N_REGIONS, random_state=0, n_init=4)
        )
        labels = km.fit_predict(z)
        t3 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "pca_s": t2 - t1,
        "cluster_s": t3 - t2,
        "total_s": t3 - t0,
        "peak_rss_mb": peak_rss_mb(),
        "ari": adjusted_rand_score(truth.ravel(), labels),
        "omp": omp_state(),
    }


def child(part: str, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--part",
        part,
        "--threads",
        str(args.threads),
        "--workdir",
        args.workdir,
    ]
    if args.weights:
        cmd += ["--weights", args.weights]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", default="/tmp/xrf_bench_embed")
    ap.add_argument("--weights", default=None, help="DVE weights (default: shipped)")
    ap.add_argument("--part", choices=["dve", "pca", "throughput"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    workdir = Path(args.workdir)
    if args.part:
        rpl, lab = workdir / "bench.rpl", workdir / "bench_labels.npy"
        result = {
            "dve": lambda: run_dve(rpl, lab, args.weights, args.threads),
            "pca": lambda: run_pca(rpl, lab, args.threads),
            "throughput": lambda: bench_throughput(args.weights, args.threads),
        }[args.part]()
        print(json.dumps(result))
        return
    print(machine_header(args.threads))
    t = time.perf_counter()
    rpl, lab = make_cube(workdir)
    print(
        f"cube: {rpl} ({H} x {W} x {C} uint8, {H * W * C / 2**20:.0f} MiB, {N_REGIONS} true "
        f"regions; ready in {time.perf_counter() - t:.1f} s)"
    )
    tp = child("throughput", args)
    print(f"in the task processes: {omp_line(tp['omp'])}")
    print(
        f"DVE encoder throughput ({tp['threads']} torch threads, 512 channels): "
        f"{tp['encoder_spectra_per_s']:,.0f} spectra/s (target >= 200,000)"
    )
    dve = child("dve", args)
    pca = child("pca", args)
    print(
        f"DVE embed + K-Means (read_cube, streaming): embed {dve['embed_s']:.2f} s + cluster "
        f"{dve['cluster_s']:.2f} s = {dve['total_s']:.2f} s, peak RSS {dve['peak_rss_mb']:.0f} "
        f"MiB, ARI {dve['ari']:.3f}"
    )
    print(
        f"numpy load + PCA(3) + K-Means (sklearn): load {pca['load_s']:.2f} s "
        f"+ PCA {pca['pca_s']:.2f} s + cluster {pca['cluster_s']:.2f} s = {pca['total_s']:.2f} s, "
        f"peak RSS {pca['peak_rss_mb']:.0f} MiB, ARI {pca['ari']:.3f}"
    )
    print(
        f"ratios (PCA / DVE): time {pca['total_s'] / dve['total_s']:.2f}x, "
        f"peak RSS {pca['peak_rss_mb'] / dve['peak_rss_mb']:.2f}x"
    )
    failed = [
        f"{name} ARI {r['ari']:.3f} < {MIN_ARI} (random labels score about 0)"
        for name, r in (("DVE embed + K-Means", dve), ("PCA + K-Means", pca))
        if not r["ari"] >= MIN_ARI
    ]
    if not dve["finite"]:
        failed.append("the DVE latent image has NaN or infinite values")
    for line in failed:  # a fast wrong answer is not a result
        print(f"CHECK FAILED: {line}")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
