"""Colour regions of an RGB image: K-Means in CIELAB with K chosen by silhouette.

Silhouette scores usually peak at small K; paintings need more colours than that, so we keep the
largest K whose silhouette is within 10 % of the best (documented in docs/physics.md).

Pixel-wise K-Means on a photograph leaves speckle (JPEG noise, craquelure, shading between two
cluster centres): generator v1 had 30-45 % of pixels on a label boundary, so region labels were
partly arbitrary and no method, not even a supervised one, could recover them (LDA oracle ARI 0.79).
A painter lays paint in areas, not single pixels: connected pieces smaller than `min_area_px`
(48 px at 256 x 256, scaled with the image area) are given to the nearest larger region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Regions:
    labels: np.ndarray  # (H, W) int32 in 0..k-1
    palette: np.ndarray  # (k, 3) float sRGB in [0, 1]: mean colour of each region
    lab: np.ndarray  # (k, 3) CIELAB of the palette colours
    silhouettes: dict  # K -> silhouette score

    @property
    def k(self) -> int:
        return len(self.palette)

    def palette_image(self) -> np.ndarray:
        """(H, W, 3) uint8: every pixel at its region's mean colour."""
        return np.round(self.palette[self.labels] * 255).astype(np.uint8)


def to_float_rgb(rgb) -> np.ndarray:
    a = np.asarray(rgb)
    if a.ndim != 3 or a.shape[2] < 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {a.shape}")
    a = a[..., :3]
    return (
        a.astype(np.float64) / 255.0 if a.dtype == np.uint8 else np.clip(a.astype(np.float64), 0, 1)
    )


def k_candidates(k_range, distinct: int, n_silhouette: int) -> range:
    """The cluster counts both generators try (`cluster_regions`, `paper_style.cluster_rgb`):
    k_range, capped by the image's `distinct` colours and kept below the silhouette sample's size
    `n_silhouette` (a silhouette needs 2 <= K <= samples - 1: three pixels of three colours raised
    sklearn's 'Number of labels is 3'). An image of n < k_range[0] distinct colours (a flat graphic
    of 3 colours) is clustered at K = n alone, its own colours (a0ab000 said 2..n; the range is
    n..n): the range used to be empty, and the whole image became one cluster of its mean colour.
    Images with at least k_range[0] colours and more than k_range[1] silhouette samples (every
    painting crop) get k_range itself, as before; an empty range (a flat image) leaves one
    cluster."""
    top = min(k_range[1], distinct, n_silhouette - 1)
    return range(max(2, min(k_range[0], top)), top + 1)


def interior_mask(labels: np.ndarray) -> np.ndarray:
    """True where a pixel's 3 x 3 neighbourhood (edge-replicated) carries a single label: away from
    the blurred boundaries, where a pixel holds one paint and its label is not a judgement call."""
    from scipy.ndimage import maximum_filter, minimum_filter

    return minimum_filter(labels, 3, mode="nearest") == maximum_filter(labels, 3, mode="nearest")


def remove_speckle(labels: np.ndarray, min_area_px: int) -> np.ndarray:
    """Labels with every 8-connected piece smaller than min_area_px replaced by the label of the
    nearest pixel that belongs to a piece at least that large
    (shapes of large pieces are unchanged)."""
    from scipy import ndimage as ndi

    if min_area_px <= 1:
        return labels
    keep = np.zeros(labels.shape, dtype=bool)
    eight = np.ones((3, 3), dtype=bool)
    for v in np.unique(labels):
        pieces, _ = ndi.label(labels == v, structure=eight)
        sizes = np.bincount(pieces.ravel())
        large = sizes >= min_area_px
        large[0] = False
        keep |= large[pieces]
    if keep.all() or not keep.any():
        return labels
    nearest = ndi.distance_transform_edt(~keep, return_distances=False, return_indices=True)
    return labels[tuple(nearest)]


def cluster_regions(
    rgb,
    rng: np.random.Generator,
    k_range=(4, 16),
    n_fit: int = 3000,
    n_sil: int = 1000,
    tolerance: float = 0.9,
    min_area_px: int | None = None,
) -> Regions:
    """min_area_px: smallest paint area kept (None: 48 px per 256 x 256 px, at least 4).

    K runs over k_candidates: k_range, capped by the image's distinct colours (rounded CIELAB of
    the fitted sample): an image of n < k_range[0] colours is clustered at K = n."""
    from skimage.color import rgb2lab
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    from ..analysis._threads import one_thread

    img = to_float_rgb(rgb)
    h, w, _ = img.shape
    lab = rgb2lab(img).reshape(-1, 3)
    n = len(lab)
    fit_idx = rng.choice(n, size=min(n, n_fit), replace=False)
    sil_idx = fit_idx[: min(len(fit_idx), n_sil)]
    seed = int(rng.integers(2**31 - 1))
    scores, models = {}, {}
    distinct = len(np.unique(np.round(lab[fit_idx]), axis=0))
    # one OpenMP and BLAS thread for the fits and the labelling, one limit (analysis._threads),
    # as Embed's K-Means: same labels, and on a busy 2-core host this loop took 6.2 s CPU (21 s
    # wall) with a thread per core, 0.20 s on one (a 256 x 256 image, median of 5); a BLAS
    # limit alone, 5.3 s
    with one_thread():
        for k in k_candidates(k_range, distinct, len(sil_idx)):
            km = KMeans(n_clusters=k, n_init=1, random_state=seed, max_iter=60).fit(lab[fit_idx])
            lbl = km.labels_[: len(sil_idx)]
            if len(np.unique(lbl)) < 2:
                continue
            scores[k] = float(silhouette_score(lab[sil_idx], lbl))
            models[k] = km
        if not scores:  # a flat image: one region
            labels = np.zeros((h, w), dtype=np.int32)
            mean = img.reshape(-1, 3).mean(axis=0, keepdims=True)
            return Regions(labels, mean, rgb2lab(mean[None])[0], {})
        best = max(scores.values())
        k = max(kk for kk, s in scores.items() if s >= tolerance * best)
        labels = models[k].predict(lab).astype(np.int32).reshape(h, w)
    if min_area_px is None:
        min_area_px = max(4, round(48 * h * w / 256**2))
    labels = remove_speckle(labels, min_area_px)
    # drop empty clusters, renumber 0..k-1
    used, labels = np.unique(labels, return_inverse=True)
    labels = labels.reshape(h, w).astype(np.int32)
    flat = img.reshape(-1, 3)
    counts = np.bincount(labels.ravel(), minlength=len(used))
    palette = np.stack(
        [np.bincount(labels.ravel(), weights=flat[:, c], minlength=len(used)) for c in range(3)], 1
    )
    palette /= counts[:, None]
    return Regions(labels, palette, rgb2lab(palette[None])[0], scores)
