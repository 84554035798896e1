"""Find regions' one-region answer (colour_prior.REGION_K) is tested against the scan's own
neighbour differences, not a Gaussian blob plus the embedder's NULL_MARGIN (session 63)."""

import numpy as np


def _scan(seed: int, k: int):
    """(32, 32, 12) points of `k` paints in blocks (means apart in two features, noise in all,
    as element lines beside a photograph's colour), and the paint of each pixel."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(32)[:, None] // 16) * (k // 2) + np.arange(32)[None, :] * (k // 2) // 32
    means = np.zeros((k, 12))
    means[:, :2] = rng.uniform(-1, 1, (k, 2))
    noise = rng.normal(0, 1, (32, 32, 12)) * np.r_[0.25, 0.25, [0.1] * 10]
    return (means[labels] + noise).astype(np.float32), labels


def test_find_regions_splits_paints_a_gaussian_blob_would_call_one_and_keeps_one_paint_whole():
    """Held-out cube 0 (8 paints, element lines + photograph) scored silhouette 0.41 against
    the one-blob reference's 0.34 + 0.10: Find regions answered one region (ARI 0), as it did
    on these 8 paints. Now the points' spread over that of pixels 3 apart decides (about 1 for
    one paint): the paints are split, and a scan of one paint's noise stays one region."""
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.analysis.colour_prior import REGION_K
    from xrf_napari.analysis.embed import cluster

    points, truth = _scan(1, 8)
    found = cluster(points, **REGION_K)
    assert found.k > 1
    assert adjusted_rand_score(truth.ravel(), found.labels.ravel()) > 0.2
    one_paint, _ = _scan(1, 1)
    assert cluster(one_paint, **REGION_K).k == 1
