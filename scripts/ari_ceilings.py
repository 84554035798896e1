"""Why the DVE's K-Means ARI stops where it does: references that are GIVEN the true labels.

For every held-out cube, ARI against the generator's region labels (K = true number of regions,
K-Means n_init 4, seed 0, every pixel) of:

- `km`: K-Means on the latent (what the plugin does; the evaluate table's "DVE" column);
- `centroid`: each pixel given to the nearest TRUE region centroid in the latent (perfect K-Means
  centres: does the latent separate the regions at all?);
- `qda`: a Gaussian classifier with a full covariance per region fitted on all pixels with their
  true labels (resubstitution, so optimistic: the most any Gaussian clustering of this latent could
  reach);
- `lda3_km` / `lda10_km`: K-Means on the best per-cube LINEAR map of the normalised 512-channel
  spectra to 3 (10) dimensions given the true labels (LDA fitted on a random half of the pixels,
  scored on the other half).

The same for PCA(3) of the normalised spectra. If even the supervised per-cube 3-D map stays below a
target, a 3-D latent shared by all paintings and learnt without labels will not reach it.

A cube under 500 counts per pixel is pooled 3 x 3 before every reference, as the plugin clusters it
and `evaluate` scores it (analysis.pooling.pool_for_clustering), so `dve_km` and `pca3_km` are the
evaluate table's DVE and PCA(3) figures; --no-pool scores every pixel alone (`evaluate --no-pool`,
and this script's figures before 2026-12-05).

    python scripts/ari_ceilings.py --data data/test [--embedder W] [--max-cubes N] [--no-pool]
"""

from __future__ import annotations

import numpy as np

from xrf_napari.cli import script_main


def cube_ceilings(z: np.ndarray, norm: np.ndarray, truth: np.ndarray, seed: int = 0) -> dict:
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
    from sklearn.metrics import adjusted_rand_score as ari

    from xrf_napari.training.eval_embedder import _kmeans_labels, _lda_kmeans_ari

    classes = np.unique(truth)
    k = len(classes)
    out = {}
    for name, x in (("dve", z), ("pca3", PCA(3, random_state=seed).fit_transform(norm))):
        centres = np.stack([x[truth == c].mean(0) for c in classes])
        nearest = classes[((x[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)]
        out[f"{name}_km"] = ari(truth, _kmeans_labels(x, k, seed))
        out[f"{name}_centroid"] = ari(truth, nearest)
        out[f"{name}_qda"] = ari(
            truth, QuadraticDiscriminantAnalysis(reg_param=1e-3).fit(x, truth).predict(x)
        )
    for dims in (3, 10):
        ceiling = _lda_kmeans_ari(norm, truth, k, seed, dims)
        if (
            ceiling is not None
        ):  # None: a region too small to fit on one half and score on the other
            out[f"lda{dims}_km"] = ceiling
    return out


def cube_row(emb, counts: np.ndarray, labels: np.ndarray, pool: bool = True) -> dict:
    """cube_ceilings of one cube's canonical counts (H, W, C) and labels (H, W), on the counts as
    the plugin clusters them (pooled 3 x 3 under 500 counts per pixel unless `pool` is False),
    with "pooled" saying whether they were."""
    import torch

    from xrf_napari.analysis.pooling import pool_for_clustering
    from xrf_napari.models.dve import normalise

    counts, pooled = pool_for_clustering(counts, pool)
    flat = counts.reshape(-1, counts.shape[-1]).astype(np.float32)
    norm = normalise(torch.from_numpy(flat), emb.config.get("normalisation", "hellinger")).numpy()
    return {**cube_ceilings(emb.encode(flat), norm, labels.reshape(-1)), "pooled": pooled}


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import int_in  # a missing or empty set: one line
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import cube_set

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, type=cube_set, help="a generated set")
    p.add_argument("--embedder", default=None, help="DVE weights (default: the shipped ones)")
    # `--max-cubes -1` dropped the set's last cube, 0 scored none
    p.add_argument("--max-cubes", type=int_in(1, what="a number of cubes"), default=None)
    p.add_argument(
        "--no-pool",
        action="store_true",
        help="score every pixel alone (default: cubes under 500 counts per pixel pooled 3 x 3, "
        "as the plugin clusters them and evaluate scores them)",
    )
    args = p.parse_args(argv)

    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.training.data import list_cubes, read_cube_arrays

    emb = load_embedder(args.embedder, "cpu")
    rows = []
    for path in list_cubes(args.data)[: args.max_cubes]:
        counts, labels, _ = read_cube_arrays(path)
        row = cube_row(emb, counts, labels, pool=not args.no_pool)
        rows.append(row)
        said = " ".join(f"{k}={v:.3f}" for k, v in row.items() if k != "pooled")
        print(path.name, said + (" (pooled 3 x 3)" if row["pooled"] else ""), flush=True)
    pooled = sum(r["pooled"] for r in rows)
    print(
        f"median ARI over {len(rows)} cube{'' if len(rows) == 1 else 's'} of {args.data} "
        f"(embedder {emb.path}; {pooled} pooled 3 x 3 as the plugin clusters them):"
    )
    for key in dict.fromkeys(k for r in rows for k in r if k != "pooled"):
        v = np.array([r[key] for r in rows if key in r])
        print(f"  {key:14s} median {np.median(v):.3f}  mean {v.mean():.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
