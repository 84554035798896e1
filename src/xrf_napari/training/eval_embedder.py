"""Held-out evaluation of the embedder: does K-Means on the latent find the generator's regions?

For every cube of a dataset folder (held-out paintings and instrument profiles), K-Means with K =
the number of true regions is run on (a) the DVE latent, (b) PCA(3) of the normalised spectra, (c)
PCA(3) of the raw counts and (d) the normalised 512-channel spectra themselves; the adjusted Rand
index against the true labels is reported per cube, as medians, and per instrument profile
(anode + FWHM bucket). Same cubes, same K-Means settings, same run.

Pixels next to a region boundary hold a physical mixture of two paints (the generator blurs region
memberships by 0.6-2 px), so their "true" label is partly arbitrary. The `_interior` columns score
the same labellings on interior pixels only (the 3 x 3 neighbourhood carries one label): an error
there is a real confusion of two paints, not a boundary call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..synth.regions import interior_mask

METHODS = (
    "dve",
    "dve_interior",
    "pca3",
    "pca3_interior",
    "pca3_raw",
    "kmeans_norm",
    "ceiling_lda3",
    "oracle_lda",
    "oracle_lda_interior",
)
LABELS = {
    "dve": "DVE (3-D)",
    "dve_interior": "DVE, interior px",
    "pca3": "PCA(3) norm.",
    "pca3_interior": "PCA(3) norm., interior px",
    "pca3_raw": "PCA(3) raw",
    "kmeans_norm": "K-Means 512-ch norm.",
    "ceiling_lda3": "K-Means on supervised LDA 3-D (ceiling)",
    "oracle_lda": "LDA oracle (supervised)",
    "oracle_lda_interior": "LDA oracle, interior px",
}
NOT_METHODS = ("k", "n_pixels", "cube", "profile", "interior_fraction", "pooled")


def _kmeans_labels(x: np.ndarray, k: int, seed: int) -> np.ndarray:
    """K-Means labels, its BLAS on one thread: k-means++ seeding asks BLAS for thousands of
    thin products (each point's distance to a few candidate centres), which BLAS's threads
    slowed (their waits): the 512-channel K-Means of a 128 x 128 cube took 17-20 s CPU, 55-97 s
    wall on a busy 2-core host, 4 s and 12 s on one thread, with the same labels (sklearn's
    Lloyd steps run on one BLAS thread already; its OpenMP threads, which the labels depend on,
    are left as they are)."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)


def _oracle_labels(x: np.ndarray, truth: np.ndarray, seed: int) -> np.ndarray | None:
    """Region labels predicted by a linear classifier that was SHOWN the true labels (2-fold
    cross-validated LDA on the normalised spectra): how separable the regions are per pixel at all,
    a ceiling reference, not a competitor. A region of one pixel is predicted from the other half
    without it (it cannot be in both halves); None when fewer than two regions have the two
    pixels a half each needs (a cube with a one-pixel region got its true labels back before:
    an oracle ARI of 1.0 even on spectra without any structure)."""
    import warnings

    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    _, counts = np.unique(truth, return_counts=True)
    if (counts >= 2).sum() < 2:
        return None
    cv = StratifiedKFold(2, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "the least populated class has only 1 member": said above
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        return cross_val_predict(
            LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"), x, truth, cv=cv
        )


def _lda_kmeans_ari(
    x: np.ndarray, truth: np.ndarray, k: int, seed: int, dims: int = 3
) -> float | None:
    """ARI of K-Means on the best linear `dims`-D map of this cube's spectra given its true labels
    (LDA fitted on a random half of the pixels; scored on the other half). A 3-D latent shared by
    all paintings, learnt without labels, can hardly separate a cube's regions better than this
    per-cube supervised one: the ceiling for the issue's 3-D K-Means target."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.metrics import adjusted_rand_score

    fit = np.random.default_rng(seed).random(len(x)) < 0.5
    if len(np.unique(truth[fit])) < k or (~fit).sum() < k:
        return None  # too few pixels of some region to fit on one half and score on the other
    lda = LinearDiscriminantAnalysis(
        solver="eigen", shrinkage="auto", n_components=min(dims, k - 1)
    )
    z = lda.fit(x[fit], truth[fit]).transform(x)
    return float(adjusted_rand_score(truth[~fit], _kmeans_labels(z, k, seed)[~fit]))


def evaluate_cube(
    embedder,
    counts: np.ndarray,
    labels: np.ndarray,
    *,
    seed: int = 0,
    normalisations=None,
    max_pixels: int | None = None,
    oracle: bool = True,
    pool_low_counts: bool = True,
) -> dict:
    """ARI of each method on one cube: counts (H, W, 512), labels (H, W). A cube under
    POOL_BELOW_COUNTS counts per pixel is pooled 3 x 3 first for every method, as the plugin
    clusters it (analysis.pooling), unless pool_low_counts is False."""
    import torch
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score

    from ..analysis.pooling import pool_for_clustering
    from ..models.dve import normalise

    # the plugin's decision (a few rows' count level), on these canonical counts
    counts, pooled = pool_for_clustering(counts, pool_low_counts)

    flat = counts.reshape(-1, counts.shape[-1]).astype(np.float32)
    truth = labels.reshape(-1)
    inner = interior_mask(labels).reshape(-1)
    if max_pixels and len(flat) > max_pixels:
        idx = np.random.default_rng(seed).choice(len(flat), max_pixels, replace=False)
        flat, truth, inner = flat[idx], truth[idx], inner[idx]
    k = int(len(np.unique(truth)))
    method = embedder.config.get("normalisation", "hellinger")
    res = {
        "k": k,
        "n_pixels": int(len(flat)),
        "interior_fraction": float(inner.mean()),
        "pooled": bool(pooled),
    }
    if k < 2:
        return res

    def score(name, predicted):
        res[name] = adjusted_rand_score(truth, predicted)
        if f"{name}_interior" in METHODS and inner.any():
            res[f"{name}_interior"] = adjusted_rand_score(truth[inner], predicted[inner])

    score("dve", _kmeans_labels(embedder.encode(flat), k, seed))
    norm = normalise(torch.from_numpy(flat), method).numpy()
    score("pca3", _kmeans_labels(PCA(3, random_state=seed).fit_transform(norm), k, seed))
    score("pca3_raw", _kmeans_labels(PCA(3, random_state=seed).fit_transform(flat), k, seed))
    if oracle:  # the slow references (512-D K-Means, the 3-D ceiling, the LDA oracle) go together
        score("kmeans_norm", _kmeans_labels(norm, k, seed))
        ceiling = _lda_kmeans_ari(norm, truth, k, seed)
        if ceiling is not None:
            res["ceiling_lda3"] = ceiling
        oracle_labels = _oracle_labels(norm, truth, seed)
        if oracle_labels is not None:
            score("oracle_lda", oracle_labels)
    for extra in normalisations or ():
        other = normalise(torch.from_numpy(flat), extra).numpy()
        res[f"pca3_{extra}"] = adjusted_rand_score(
            truth, _kmeans_labels(PCA(3, random_state=seed).fit_transform(other), k, seed)
        )
    return res


def evaluate_embedder(
    data_dir,
    weights=None,
    *,
    device: str = "auto",
    max_cubes: int | None = None,
    seed: int = 0,
    normalisations=None,
    max_pixels: int | None = None,
    oracle: bool = True,
    progress: bool = True,
    pool_low_counts: bool = True,
    arrays: dict | None = None,
) -> dict:
    """ARI table of the DVE (weights: a file, or None for the shipped one) against the baselines on
    every cube of data_dir. Returns {"per_cube", "summary", "per_profile", "weights", ...}.
    oracle=False skips the slow reference columns (512-D K-Means, the supervised 3-D ceiling and
    the supervised LDA oracle). arrays: Path -> read_cube_arrays(path, rebin=True) of the cubes
    the caller has read (evaluate's colour pass), each taken (and let go) as it is scored; the
    others are read here."""
    from tqdm import tqdm

    from ..analysis.embed import load_embedder
    from .data import list_cubes, profile_key, read_cube_arrays

    emb = load_embedder(weights, device)
    files = list_cubes(data_dir)[: max_cubes or None]
    rows = []
    for path in tqdm(
        files, desc="evaluating embedder", unit="cube", disable=not progress, dynamic_ncols=True
    ):
        kept = arrays.pop(Path(path), None) if arrays else None
        # as the colour table reads it
        counts, labels, meta = kept if kept is not None else read_cube_arrays(path, rebin=True)
        r = evaluate_cube(
            emb,
            counts,
            labels,
            seed=seed,
            normalisations=normalisations,
            max_pixels=max_pixels,
            oracle=oracle,
            pool_low_counts=pool_low_counts,
        )
        r.update(cube=Path(path).name, profile=profile_key(meta))
        rows.append(r)
    # every cube's columns, in METHODS' order (extra normalisations after): the first cube's
    # alone dropped a method from the whole table when that cube lacked it (one region: no
    # method at all; too few pixels of a region for the supervised ceiling: no ceiling column)
    found = dict.fromkeys(m for r in rows for m in r if m not in NOT_METHODS)
    methods = sorted(found, key=lambda m: METHODS.index(m) if m in METHODS else len(METHODS))

    def stats(sel):
        out = {}
        for m in methods:
            v = np.array([r[m] for r in sel if m in r], dtype=float)
            if v.size:
                out[m] = {
                    "median": float(np.median(v)),
                    "mean": float(v.mean()),
                    "min": float(v.min()),
                    "n": int(v.size),
                }
        return out

    profiles = sorted({r["profile"] for r in rows})
    return {
        "data": str(data_dir),
        "weights": str(emb.path),
        "sha256": emb.sha256,
        "n_cubes": len(rows),
        "methods": methods,
        "summary": stats(rows),
        "interior_fraction_median": float(
            np.median([r.get("interior_fraction", np.nan) for r in rows])
        )
        if rows
        else None,
        "per_profile": {p: stats([r for r in rows if r["profile"] == p]) for p in profiles},
        "n_pooled": sum(bool(r.get("pooled")) for r in rows),
        "per_cube": rows,
    }


def format_table(results: dict) -> str:
    """Markdown table: median ARI per method, overall and per instrument profile."""
    methods = results["methods"]
    head = "| profile | cubes | " + " | ".join(LABELS.get(m, m) for m in methods) + " |"
    sep = "|" + "---|" * (len(methods) + 2)
    lines = [
        "Adjusted Rand index (median over cubes), K = true number of regions; data "
        f"{results['data']}",
        "",
        head,
        sep,
    ]

    def row(name, st):
        n = max((s["n"] for s in st.values()), default=0)
        return (
            f"| {name} | {n} | "
            + " | ".join(f"{st[m]['median']:.3f}" if m in st else "-" for m in methods)
            + " |"
        )

    lines.append(row("**all**", results["summary"]))
    for p, st in results["per_profile"].items():
        lines.append(row(p, st))
    s = results["summary"]
    if results.get("n_pooled"):
        from ..analysis.pooling import POOL_BELOW_COUNTS

        lines += [
            "",
            f"{results['n_pooled']} of {results['n_cubes']} cubes under {POOL_BELOW_COUNTS:.0f} "
            "counts per pixel pooled 3 x 3 before every method, as the plugin clusters them",
        ]
    if results.get("interior_fraction_median") is not None:
        lines += [
            "",
            f"interior pixels (3 x 3 neighbourhood of one label): median "
            f"{100 * results['interior_fraction_median']:.0f} % of a cube",
        ]
    if "dve" in s:
        lines += [
            "",
            "means: "
            + ", ".join(f"{LABELS.get(m, m)} {s[m]['mean']:.3f}" for m in methods if m in s),
        ]
    return "\n".join(lines)
