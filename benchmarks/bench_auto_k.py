"""Automatic K against the true K: the adjusted Rand index (ARI) of the Embed dock's regions, with
the shipped embedder, on held-out synthetic cubes whose recipe labels are known.

    xrf-napari-train generate --images /work/shared/data/paintings --split test --profiles test \\
        --n-cubes 12 --size 128 --out /tmp/gui_heldout --seed 5
    python benchmarks/bench_auto_k.py /tmp/gui_heldout/*.h5 [src/xrf_napari/sample_data/painting.h5]

Per cube: true K and the ARI of K-Means with it; the K picked automatically now (largest K within
SILHOUETTE_TOLERANCE of the best silhouette) and its ARI; the K of the best silhouette alone (the
former rule) and its ARI; `auto s`, the seconds the automatic run's clustering took (the K
search and the final fit, as the dock runs it, after the embedding). Means over the cubes at the
end, and the clustering's seconds summed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header  # noqa: E402


def main() -> None:
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.analysis.embed import (
        SILHOUETTE_TOLERANCE,
        auto_k_null,
        choose_k,
        cluster,
        embed,
    )
    from xrf_napari.analysis.pooling import decide
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets

    p = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    p.add_argument("cubes", nargs="+", help="project .h5 cubes with a 'labels' target")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    print(machine_header(), flush=True)
    rows = []
    print(f"automatic K: largest K in 2..12 within {SILHOUETTE_TOLERANCE} of the best silhouette")
    print(
        f"{'cube':<28}{'true K':>7}{'ARI':>7}{'auto K':>8}{'ARI':>7}{'best-sil K':>11}{'ARI':>7}"
        f"{'auto s':>8}"
    )
    auto_s = 0.0
    for path in args.cubes:
        cube = read_cube(path)
        truth = read_targets(path)["labels"]
        pool = decide(cube).pool
        as_dock = {"device": args.device, "pool": pool}
        latent = embed(cube, **as_dock)  # as the dock
        k_true = len(np.unique(truth))
        points = latent.reshape(-1, latent.shape[-1])
        k_sil, _ = choose_k(points, tolerance=0.0)
        res, took = {}, 0.0
        for name, k in (("true", min(k_true, 30)), ("auto", None), ("sil", k_sil)):
            null = auto_k_null(cube, k, **as_dock)
            start = time.perf_counter()
            res[name] = cluster(latent, k, null_points=null)
            if k is None:
                took = time.perf_counter() - start
        auto_s += took
        ari = {
            name: adjusted_rand_score(truth.ravel(), r.labels.ravel()) for name, r in res.items()
        }
        rows.append([ari["true"], ari["auto"], ari["sil"]])
        print(
            f"{str(path)[-28:]:<28}{k_true:>7}{ari['true']:>7.3f}{res['auto'].k:>8}{ari['auto']:>7.3f}"
            f"{k_sil:>11}{ari['sil']:>7.3f}{took:>8.2f}",
            flush=True,
        )
    mean = np.mean(rows, axis=0)
    print(
        f"{'mean of ' + str(len(rows)) + ' cubes':<28}{'':>7}{mean[0]:>7.3f}"
        f"{'':>8}{mean[1]:>7.3f}{'':>11}{mean[2]:>7.3f}{auto_s:>8.2f}"
    )


if __name__ == "__main__":
    main()
