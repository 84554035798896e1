"""Find regions' automatic K (colour_prior.REGION_K) keeps paints the pigment fit would name apart
in regions of their own: the fit names each region as one paint, so a region that merges two
names one of them wrong on all its pixels (session 64: a tolerance of 0.1 raised the ARI against
the true regions but lowered pixels named right, docs/pigments_guide.md, "Find regions' K")."""

import numpy as np


def _paints(centres, noise: float, side: int = 40, seed: int = 0):
    """(side, side, dims) points: one rectangle per row of `centres` (a grid of them), plus
    Gaussian noise of sd `noise` per pixel; and the true paint of each pixel."""
    centres = np.asarray(centres, np.float64)
    n_paint = len(centres)
    cols = int(np.ceil(np.sqrt(n_paint)))
    rows = int(np.ceil(n_paint / cols))
    truth = np.zeros((side, side), int)
    for i in range(n_paint):
        r, c = divmod(i, cols)
        truth[
            r * side // rows : (r + 1) * side // rows, c * side // cols : (c + 1) * side // cols
        ] = i
    noise = np.random.default_rng(seed).normal(0, noise, (side, side, centres.shape[1]))
    return (centres[truth] + noise).astype(np.float32), truth


def test_two_pairs_of_close_paints_stay_four_regions():
    """Four paints in two pairs (the pairs 8 apart, the paints of a pair 2.75, noise 0.5): the
    silhouette is best at K 2 (about 0.76), 0.68 at 3, 0.60 at 4 and 0.50 at 5. Within 0.1 of the
    best (session 64's tolerance) K was 3, one region holding two paints, a quarter of the pixels
    named wrong; within 0.2 it is 4, one paint each."""
    from xrf_napari.analysis.colour_prior import REGION_K
    from xrf_napari.analysis.embed import cluster

    centres = [[0, 0, 0], [0, 2.75, 0], [8, 0, 0], [8, 2.75, 0]]
    points, truth = _paints(centres, noise=0.5)
    found = cluster(points, **REGION_K)
    assert found.k == 4
    for region in range(1, found.k + 1):
        paints = np.bincount(truth[found.labels == region], minlength=4)
        assert paints.max() >= 0.98 * paints.sum(), paints  # one paint per region


def test_one_paint_stays_one_region():
    """A guard: one paint, its points spread in 6 features, is one region."""
    from xrf_napari.analysis.colour_prior import REGION_K
    from xrf_napari.analysis.embed import cluster

    points, _ = _paints(np.random.default_rng(0).normal(0, 1.75, (1, 6)), noise=1.0)
    assert cluster(points, **REGION_K).k == 1
