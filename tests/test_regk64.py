"""Find regions' automatic K (colour_prior.REGION_K) stops at the number of paints where the
silhouette curve is low and flat, instead of on its bound of 20 regions."""

import numpy as np


def _paints(n_paint: int, seed: int = 0, side: int = 40, dims: int = 6, sep: float = 1.75):
    """(side, side, dims) points: n_paint rectangles, each paint a centre drawn at `sep` times the
    noise, plus unit noise per pixel (low silhouettes, as in Find regions' 22 features)."""
    rng = np.random.default_rng(seed)
    cols = int(np.ceil(np.sqrt(n_paint)))
    rows = int(np.ceil(n_paint / cols))
    truth = np.zeros((side, side), int)
    for i in range(n_paint):
        r, c = divmod(i, cols)
        truth[
            r * side // rows : (r + 1) * side // rows, c * side // cols : (c + 1) * side // cols
        ] = i
    centres = rng.normal(0, sep, (n_paint, dims))
    noise = rng.normal(0, 1, (side, side, dims))
    return (centres[truth] + noise).astype(np.float32), truth


def test_six_paints_give_six_regions_not_the_bound():
    """Six paints whose best silhouette is about 0.4 and whose curve falls slowly past it: the
    parent's tolerance (0.2 below the best) took in every K up to 20; now K is 6."""
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.analysis.colour_prior import REGION_K
    from xrf_napari.analysis.embed import cluster

    points, truth = _paints(6)
    found = cluster(points, **REGION_K)
    assert found.k == 6
    assert adjusted_rand_score(truth.ravel(), found.labels.ravel()) > 0.7


def test_one_paint_stays_one_region():
    """A guard: the same scene with one paint is one region."""
    from xrf_napari.analysis.colour_prior import REGION_K
    from xrf_napari.analysis.embed import cluster

    points, _ = _paints(1)
    assert cluster(points, **REGION_K).k == 1
