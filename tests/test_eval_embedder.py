"""Held-out ARI evaluation of the embedder: label alignment, interior pixels, baselines, table."""

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("torch")

from xrf_napari.synth.regions import interior_mask  # noqa: E402
from xrf_napari.training.eval_embedder import evaluate_cube, format_table  # noqa: E402
from xrf_napari.training.toy_data import toy_cube  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    """One BLAS and OpenMP thread: the baselines' 512-D LDA (eigh, lstsq) and K-Means on a few
    hundred pixels gain nothing from more, and CI's two xdist workers each running OpenBLAS's two
    threads on its 2 cores made them crawl (evaluate_cube's test 25.6 s alone under load 15,
    2.7 s on one thread). The results are the same figures to float rounding."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_interior_mask_marks_pixels_away_from_boundaries():
    labels = np.zeros((6, 8), np.int32)
    labels[:, 4:] = 1
    inner = interior_mask(labels)
    assert inner[:, :3].all() and inner[:, 5:].all()  # edges replicate: image borders are interior
    assert not inner[:, 3:5].any()  # both sides of the boundary


class _LabelOracle:
    """An 'embedder' that maps each pixel to its true label's corner of a cube: K-Means must then
    recover the labels exactly, whatever the pixel order and subsampling."""

    config = {"normalisation": "hellinger"}

    def __init__(self, counts, labels):
        self.lookup = {
            c.tobytes(): lab
            for c, lab in zip(
                counts.reshape(-1, counts.shape[-1]).astype(np.float32), labels.reshape(-1)
            )
        }

    def encode(self, flat):
        lab = np.array([self.lookup[row.tobytes()] for row in flat])
        return np.stack([(lab >> b) & 1 for b in range(3)], 1).astype(np.float32) * 10


def test_evaluate_cube_aligns_labels_and_scores_baselines():
    counts, labels, _ = toy_cube(32, 32, n_regions=4, seed=3, counts_per_pixel=3000)
    counts = counts.astype(np.int64)
    counts[..., -1] = np.arange(32 * 32).reshape(32, 32)
    res = evaluate_cube(_LabelOracle(counts, labels), counts, labels, max_pixels=700, seed=1)
    assert res["k"] == len(np.unique(labels)) and res["n_pixels"] == 700
    assert res["dve"] == pytest.approx(1.0) and res["dve_interior"] == pytest.approx(1.0)
    assert 0.0 < res["interior_fraction"] < 1.0
    # High counts and distinct toy pigments: every baseline separates the regions...
    baselines = ("pca3", "pca3_raw", "kmeans_norm", "ceiling_lda3", "oracle_lda")
    for m in baselines + ("oracle_lda_interior",):
        assert res[m] > 0.9, (m, res[m])
    # ...and each is scored against the truth: labels shuffled over the pixels give chance (ARI ~0)
    shuffled = np.random.default_rng(0).permutation(labels.reshape(-1)).reshape(labels.shape)
    res = evaluate_cube(_LabelOracle(counts, shuffled), counts, shuffled, max_pixels=700, seed=1)
    for m in baselines:
        assert abs(res[m]) < 0.05, (m, res[m])
    table = format_table(
        {
            "data": "x",
            "methods": ["dve", "pca3"],
            "interior_fraction_median": 0.5,
            "summary": {
                "dve": {"median": 1.0, "mean": 1.0, "min": 1.0, "n": 1},
                "pca3": {"median": 0.5, "mean": 0.5, "min": 0.5, "n": 1},
            },
            "per_profile": {},
        }
    )
    assert "| **all** | 1 | 1.000 | 0.500 |" in table and "50 %" in table


def test_lda3_ceiling_is_chance_without_structure_and_finds_real_regions():
    """Labels unrelated to the spectra give chance (ARI about 0); regions that differ in three
    channels are found; a region too small to appear in both halves gives no figure at all."""
    from xrf_napari.training.eval_embedder import _lda_kmeans_ari as _lda3_kmeans_ari

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 512)).astype(np.float32)
    truth = rng.integers(0, 4, 600)
    assert abs(_lda3_kmeans_ari(x, truth, 4, seed=0)) < 0.05
    # the same function does find regions that are there
    x[:, :3] += 6 * np.eye(4)[truth][:, :3]
    assert _lda3_kmeans_ari(x, truth, 4, seed=0) > 0.9
    truth[:] = 0
    truth[0] = 1
    assert _lda3_kmeans_ari(x, truth, 2, seed=0) is None


def test_a_low_count_cube_is_scored_as_the_plugin_clusters_it():
    """Under POOL_BELOW_COUNTS counts per pixel every method sees the 3 x 3 pooled counts, as the
    Embed dock and `xrf-napari embed` do (and the table says how many cubes were pooled);
    pool_low_counts=False scores the pixels alone."""
    from xrf_napari.analysis.pooling import POOL_BELOW_COUNTS

    class _FirstChannels:  # any fixed map will do: the flag and the input are what is tested
        config = {"normalisation": "hellinger"}

        def __init__(self):
            self.seen = []

        def encode(self, flat):
            self.seen.append(flat.sum(axis=1).mean())
            return flat[:, :3].astype(np.float32)

    counts, labels, _ = toy_cube(24, 24, n_regions=3, seed=2, counts_per_pixel=6)
    assert counts.sum(axis=-1).mean() < POOL_BELOW_COUNTS
    emb = _FirstChannels()
    res = evaluate_cube(emb, counts, labels, oracle=False)
    plain = evaluate_cube(emb, counts, labels, oracle=False, pool_low_counts=False)
    assert res["pooled"] and not plain["pooled"]
    assert emb.seen[0] == pytest.approx(9 * emb.seen[1], rel=0.05)  # nine pixels' counts
    assert res["pca3"] > plain["pca3"]  # 6 counts per pixel: pooling helps PCA(3) too
    table = format_table(
        {
            "data": "x",
            "n_cubes": 4,
            "n_pooled": 3,
            "methods": ["dve"],
            "summary": {"dve": {"median": 1.0, "mean": 1.0, "min": 1.0, "n": 4}},
            "per_profile": {},
        }
    )
    assert "3 of 4 cubes under" in table
