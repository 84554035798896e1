"""Session 52, test-suite speed and robustness: K-Means regions keep BLAS to one thread."""

import numpy as np
import pytest

from xrf_napari.analysis import embed


def _two_blobs():
    rng = np.random.default_rng(0)
    latent = rng.normal(0.0, 0.05, (12, 12, 3)).astype(np.float32)
    latent[:, 6:] += 1.0
    return latent


@pytest.mark.parametrize("k", [2, None], ids=["k_given", "automatic_k"])
def test_every_silhouette_of_cluster_runs_on_one_blas_thread(monkeypatch, k):
    """The final silhouette (up to 6000 points' distances) ran outside one_thread: on 2 busy
    cores BLAS's two threads made it 16 s where one took 2.5 s. Each silhouette, the final one
    included, must see one BLAS thread, even under an outer limit of two."""
    from threadpoolctl import ThreadpoolController, threadpool_limits

    seen = []
    real = embed._silhouette

    def spy(points, labels, seed):
        blas = ThreadpoolController().select(user_api="blas").info()
        seen.append(max(lib["num_threads"] for lib in blas))
        return real(points, labels, seed)

    monkeypatch.setattr(embed, "_silhouette", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        outer = max(
            lib["num_threads"] for lib in ThreadpoolController().select(user_api="blas").info()
        )
        result = embed.cluster(_two_blobs(), k, k_range=(2, 3))
    assert result.k == 2 and result.silhouette is not None
    assert outer == 2  # the limit below means something
    assert seen and seen == [1] * len(seen), seen


@pytest.mark.parametrize("n, k, sample", [(40, 3, 6000), (900, 7, 6000), (500, 4, 300)])
def test_silhouette_is_sklearns_score_on_the_same_sample(monkeypatch, n, k, sample):
    """_silhouette computes sklearn's silhouette_score from exact distances (sklearn's float32
    path took 1.5-3.8 s for 6000 points on busy cores, up to 14 times in automatic K): the same
    score, on the same sampled pixels above SILHOUETTE_SAMPLE, a region of one point scoring 0."""
    from sklearn.metrics import silhouette_score

    monkeypatch.setattr(embed, "SILHOUETTE_SAMPLE", sample)
    rng = np.random.default_rng(n)
    labels = rng.integers(0, k, n)
    points = (rng.normal(0, 0.6, (n, 3)) + labels[:, None]).astype(np.float32)
    labels[0] = k  # a region of one point
    want = silhouette_score(
        points, labels, sample_size=sample if n > sample else None, random_state=3
    )
    assert embed._silhouette(points, labels, 3) == pytest.approx(want, abs=1e-6)
