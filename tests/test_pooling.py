"""Pooling 3 x 3 neighbourhoods before embedding a low-count scan (analysis.pooling): streamed
row blocks give exactly the whole-image pool, the count level is read from a few rows, and the
embedder's clusters recover regions that counting noise hides pixel by pixel."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.analysis import pooling  # noqa: E402
from xrf_napari.cube import cube_from_array  # noqa: E402
from xrf_napari.energy import Calibration  # noqa: E402

CANON = Calibration.canonical()


@pytest.mark.parametrize("rows", [1, 2, 5, 40])
def test_streamed_blocks_pool_as_the_whole_image(rows):
    rng = np.random.default_rng(0)
    img = rng.poisson(3.0, (23, 9, 7)).astype(np.float32)
    blocks = [(slice(y, min(23, y + rows)), img[y : y + rows]) for y in range(0, 23, rows)]
    got = list(pooling.pooled_blocks(iter(blocks)))
    assert [sl for sl, _ in got] == [sl for sl, _ in blocks]
    whole = pooling.pool3(img)
    np.testing.assert_allclose(np.concatenate([b for _, b in got]), whole, rtol=1e-5)
    # a pixel's pool is the sum of its 3 x 3 neighbourhood (edges repeated)
    np.testing.assert_allclose(whole[5, 4], img[4:7, 3:6].sum(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(
        whole[0, 0], img[[0, 0, 1]][:, [0, 0, 1]].sum(axis=(0, 1)), rtol=1e-5
    )


def test_count_level_is_read_from_a_few_rows_and_decides():
    counts = np.zeros((40, 10, 512), np.uint16)
    counts[..., 100] = 120  # 120 counts per pixel, all on the canonical grid
    cube = cube_from_array(counts, CANON)
    assert pooling.counts_per_pixel(cube) == pytest.approx(120.0)
    pool, note = pooling.decide(cube)
    assert pool and "3 x 3" in note and "120 counts per pixel" in note and "embedding" in note
    assert "reading its lines" in pooling.decide(cube, before="reading its lines").note
    assert pooling.decide(cube, enabled=False) == (False, "")  # the user's tick box / --no-pool
    counts[..., 100] = int(pooling.POOL_BELOW_COUNTS) + 1
    assert pooling.decide(cube_from_array(counts, CANON)) == (False, "")


def test_the_evaluation_pools_exactly_the_scans_the_plugin_pools():
    """evaluate_cube decides on the same few rows as the dock: a scan whose sampled rows are
    low in counts is pooled even where its other rows are not (and the other way round)."""
    from xrf_napari.training.eval_embedder import evaluate_cube

    class Flat:  # an embedder stub: one latent for all, the ARI is not what is checked here
        config = {}

        def encode(self, x):
            return np.zeros((len(x), 3), np.float32)

    h = 40
    sampled = set(np.linspace(0, h - 1, pooling.SAMPLE_ROWS).round().astype(int))
    counts = np.zeros((h, 6, 512), np.uint16)
    labels = np.zeros((h, 6), np.int32)
    labels[:, 3:] = 1
    rows = np.array([y in sampled for y in range(h)])
    counts[rows, :, 100] = 100  # the rows the plugin reads: low
    counts[~rows, :, 100] = 5000  # the others: high, so the whole-cube mean is above 500
    assert counts.sum(-1).mean() > pooling.POOL_BELOW_COUNTS
    assert evaluate_cube(Flat(), counts, labels, oracle=False)["pooled"]
    counts[rows, :, 100], counts[~rows, :, 100] = 600, 0  # sampled rows above 500, mean below
    assert counts.sum(-1).mean() < pooling.POOL_BELOW_COUNTS
    assert not evaluate_cube(Flat(), counts, labels, oracle=False)["pooled"]


def test_pooling_separates_regions_the_noise_mixes():
    """Lead white with 20 % and with 40 % vermilion at 40 counts per pixel (shipped DVE): pixel
    by pixel K-Means mixes them up (ARI 0.23 here), pooled it finds the two halves (0.92)."""
    from _pigment_scans import stripe_scan
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.analysis.embed import cluster, embed

    recipes = [(["Vermilion", "Lead white"], [0.2, 0.8]), (["Vermilion", "Lead white"], [0.4, 0.6])]
    syn, labels = stripe_scan(recipes, 40, counts_per_pixel=40.0)
    cube = cube_from_array(syn.counts, CANON)
    assert pooling.decide(cube).pool
    plain = cluster(embed(cube, device="cpu"), 2).labels
    pooled = embed(cube, device="cpu", pool=True)
    ari_plain = adjusted_rand_score(labels.ravel(), plain.ravel())
    ari_pooled = adjusted_rand_score(labels.ravel(), cluster(pooled, 2).labels.ravel())
    assert ari_pooled > 0.8 and ari_plain < 0.5, (ari_plain, ari_pooled)
    # the same as embedding the pooled counts directly
    from xrf_napari.analysis.embed import load_embedder

    direct = load_embedder(None, "cpu").encode(pooling.pool3(syn.counts).reshape(-1, 512))
    np.testing.assert_allclose(pooled.reshape(-1, 3), direct, rtol=1e-4, atol=1e-5)


def test_element_lines_for_regions_read_the_pooled_counts():
    """The Pigments dock's "Find regions" reads each pixel's element lines from its pooled
    neighbourhood when asked (a low-count scan), the photograph's colour as it is."""
    from xrf_napari.analysis.colour_prior import lines_and_photo_points
    from xrf_napari.analysis.line_features import line_features

    rng = np.random.default_rng(4)
    counts = rng.poisson(0.3, (10, 8, 512)).astype(np.uint16)
    cube = cube_from_array(counts, CANON)
    photo = rng.random((10, 8, 3))
    pooled = lines_and_photo_points(cube, photo, pool=True)
    plain = lines_and_photo_points(cube, photo)
    feats = line_features()
    want = feats(pooling.pool3(counts).reshape(80, 512)).reshape(10, 8, -1)
    np.testing.assert_allclose(pooled[..., :-3], want, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(pooled[..., -3:], plain[..., -3:])
    assert not np.allclose(pooled[..., :-3], plain[..., :-3])
