"""Pixel spectra of a synthetic cube: smooth per-pixel blends of precomputed component spectra,
scaled to the instrument's count level, then Poisson counts.

Per pixel: spectrum = scale(x) * sum_k m_k(x) * sum_c b_kc(x) S_kc, with m_k the soft (blurred)
membership of region k, b_kc the bilinear corner weights from two smooth random fields per region
(thickness and pigment balance) and scale a smooth +-15 % intensity field (surface relief, working
distance). Everything is a non-negative combination, so spectra stay physical; Poisson noise is
drawn last, per channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class SynthCube:
    """One generated cube with its targets (both generators return it)."""

    counts: np.ndarray  # (H, W, 512) canonical: uint16 (uint32 above 65535 counts a channel)
    rgb: np.ndarray
    palette: np.ndarray
    labels: np.ndarray
    metadata: dict
    native: np.ndarray | None = None
    extras: dict = field(default_factory=dict)


def smooth_field(rng: np.random.Generator, shape, scale_px: float) -> np.ndarray:
    """Smooth random field with values in [0, 1], roughly uniform (normal CDF of filtered noise)."""
    from scipy.ndimage import gaussian_filter
    from scipy.special import ndtr

    small = max(4, int(np.ceil(max(shape) / max(scale_px / 2, 1))))
    noise = rng.standard_normal((small, small))
    f = gaussian_filter(noise, 1.0, mode="wrap")
    f = (f - f.mean()) / max(f.std(), 1e-9)
    from scipy.ndimage import zoom

    big = zoom(f, (shape[0] / small, shape[1] / small), order=1, mode="nearest")[
        : shape[0], : shape[1]
    ]
    return ndtr(big)


def soft_memberships(labels: np.ndarray, k: int, sigma_px: float) -> np.ndarray:
    """(k, H, W) region weights summing to 1: blurred one-hot masks
    (soft brush-stroke boundaries)."""
    from scipy.ndimage import gaussian_filter

    m = np.stack([(labels == i).astype(np.float32) for i in range(k)])
    if sigma_px > 0:
        m = np.stack([gaussian_filter(x, sigma_px) for x in m])
    m /= np.maximum(m.sum(axis=0, keepdims=True), 1e-6)
    return m


def pixel_weights(
    labels: np.ndarray,
    k: int,
    rng: np.random.Generator,
    blur_px: float = 1.2,
    field_scale_px: float | None = None,
) -> np.ndarray:
    """(H, W, 4k) non-negative weights of the 4 corner components of each region."""
    h, w = labels.shape
    scale = field_scale_px or max(h, w) / 6
    memb = soft_memberships(labels, k, blur_px)
    out = np.empty((h, w, 4 * k), dtype=np.float32)
    for i in range(k):
        a = smooth_field(rng, (h, w), scale)  # thickness
        b = smooth_field(rng, (h, w), scale)  # pigment balance
        for c, wc in enumerate(((1 - a) * (1 - b), a * (1 - b), (1 - a) * b, a * b)):
            out[..., 4 * i + c] = memb[i] * wc
    relief = 1.0 + 0.15 * (2 * smooth_field(rng, (h, w), scale / 2) - 1)
    out *= relief[..., None].astype(np.float32)
    return out


#: The narrowest unsigned type first: counts are stored as uint16 unless a channel exceeds 65535.
COUNT_DTYPES = (np.uint16, np.uint32)


def _fit_dtype(out: np.ndarray, peak: int, fixed: bool) -> np.ndarray:
    """`out` widened to the first of COUNT_DTYPES that holds `peak` (never clipped): a cube asked
    for high count levels is stored as uint32. With a fixed dtype too large a value raises."""
    if peak <= np.iinfo(out.dtype).max:
        return out
    wider = [t for t in COUNT_DTYPES if np.iinfo(t).max >= peak]
    if fixed or not wider:
        widest = out.dtype if fixed else np.dtype(COUNT_DTYPES[-1])  # not uint16 past uint32
        raise ValueError(
            f"a channel holds {peak} counts, more than {np.dtype(widest).name} can store"
            + ("" if wider else ": lower the counts per pixel")
        )
    return out.astype(wider[0])


def poisson_counts(
    weights: np.ndarray,
    components: np.ndarray,
    counts_per_pixel: float,
    rng: np.random.Generator,
    block_rows: int = 32,
    dtype=None,
    totals: np.ndarray | None = None,
) -> np.ndarray:
    """Poisson counts (H, W, C), computed in row blocks to bound memory.

    totals: per-component total counts defining 'counts per pixel' (default: the components' sums;
    pass the native-channel totals when the components are on the narrower canonical grid).
    dtype: None stores uint16 and switches to uint32 when a channel exceeds 65535 counts (high
    --counts-per-pixel; it used to be clipped at 65535 silently); a given dtype that cannot hold a
    count raises ValueError. Counts are never clipped."""
    h, w, _ = weights.shape
    comp = np.asarray(components, dtype=np.float32)
    totals = comp.sum(axis=1) if totals is None else np.asarray(totals, dtype=np.float32)
    mean_total = float((weights.reshape(-1, weights.shape[-1]) @ totals).mean())
    factor = np.float32(counts_per_pixel / max(mean_total, 1e-30))
    out = np.empty((h, w, comp.shape[1]), dtype=COUNT_DTYPES[0] if dtype is None else dtype)
    for y0 in range(0, h, block_rows):
        blk = weights[y0 : y0 + block_rows]
        lam = (blk.reshape(-1, blk.shape[-1]) @ comp) * factor
        np.maximum(lam, 0, out=lam)
        draw = rng.poisson(lam)
        out = _fit_dtype(out, int(draw.max(initial=0)), dtype is not None)
        out[y0 : y0 + block_rows] = draw.reshape(blk.shape[:2] + (comp.shape[1],))
    return out


def _split_tables(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(targets (C, K), cond (C, K), whole (C,)) of a re-binning matrix: channel c sends its counts
    to the bins targets[c, k] in turn, bin k taking a binomial share cond[c, k] of those not yet
    placed (so the whole split is one multinomial draw with the overlap fractions; what is left
    after the last bin lies outside the target range); whole[c]: all of c goes to one bin."""
    import scipy.sparse as sp

    m = sp.csr_matrix(matrix, dtype=np.float64)
    m.sum_duplicates()
    m.sort_indices()
    n_src = m.shape[0]
    nnz = np.diff(m.indptr)
    kmax = max(int(nnz.max(initial=0)), 1)
    rows = np.repeat(np.arange(n_src), nnz)
    pos = np.arange(m.nnz) - m.indptr[rows]
    targets = np.zeros((n_src, kmax), np.int64)
    prob = np.zeros((n_src, kmax))
    targets[rows, pos] = m.indices
    prob[rows, pos] = np.clip(m.data, 0.0, None)
    total = prob.sum(axis=1)
    # a channel wholly inside the target range keeps every count (the overlaps are float32)
    inside = total > 1 - 1e-5
    prob[inside] /= total[inside, None]
    left = 1.0 - (np.cumsum(prob, axis=1) - prob)
    cond = np.clip(np.divide(prob, left, out=np.zeros_like(prob), where=left > 1e-12), 0.0, 1.0)
    cond[inside, np.maximum(nnz - 1, 0)[inside]] = 1.0
    return targets, cond, inside & (nnz == 1)


def _grouped_sum(y: np.ndarray, labels: np.ndarray, acc: np.ndarray) -> None:
    """acc[:, j] += the sum of y's columns labelled j (labels non-decreasing): one cumulative sum
    and two gathers per bin, instead of a fancy-indexed scatter."""
    if y.shape[1] == 0:
        return
    cs = np.zeros((y.shape[0], y.shape[1] + 1), np.int64)
    np.cumsum(y, axis=1, out=cs[:, 1:])
    starts = np.concatenate([[0], np.flatnonzero(np.diff(labels)) + 1])
    ends = np.append(starts[1:], len(labels))
    acc[:, labels[starts]] += cs[:, ends] - cs[:, starts]


def rebin_counts(
    counts: np.ndarray, matrix, rng: np.random.Generator, max_elements: int = 1 << 22
) -> np.ndarray:
    """Integer counts (H, W, C) on other bins, (H, W, C'), with `matrix` (C, C') the overlap
    fractions (`energy.rebin_matrix`). Each channel's n counts are split among the bins it overlaps
    by a multinomial draw with those fractions (successive binomials, drawn only where a channel
    straddles a bin edge), so every count lands in exactly one bin: totals inside the target range
    are exact, and Poisson counts stay Poisson (a fixed total stays multinomial). The share of a
    channel outside every target bin (1 - its row sum; below 1 keV and above 26.6 keV for the
    canonical grid) is dropped by the same draw. Rounding the fractional shares instead
    (`np.round(counts @ M)`) gained or lost counts: -2.1 % on paper-style cubes, +0.9 % on a
    physics --native cube. Deterministic for the rng's state. uint16, or uint32 when a bin exceeds
    65535 counts."""
    counts = np.asarray(counts)
    if counts.ndim != 3 or counts.dtype.kind not in "ui":
        raise ValueError(f"rebin_counts needs (H, W, C) integer counts, got {counts.dtype}")
    h, w, c = counts.shape
    targets, cond, whole = _split_tables(matrix)
    if targets.shape[0] != c:
        raise ValueError(f"the matrix maps {targets.shape[0]} channels, the counts have {c}")
    n_dst = int(matrix.shape[1])
    one = np.flatnonzero(whole)  # channels inside one target bin: summed, no draw
    if np.any(np.diff(targets[one, 0]) < 0):
        raise ValueError("rebin_counts needs bins of increasing energy")
    split = np.flatnonzero(~whole)  # straddling a bin edge or the range's ends
    s_targets, s_cond = targets[split], cond[split]
    out = np.zeros((h, w, n_dst), dtype=COUNT_DTYPES[0])
    rows = max(1, max_elements // max(w * c, 1))
    for y0 in range(0, h, rows):
        blk = counts[y0 : y0 + rows].reshape(-1, c)
        acc = np.zeros((len(blk), n_dst), np.int64)
        _grouped_sum(blk[:, one], targets[one, 0], acc)
        part = blk[:, split].reshape(-1)
        idx = np.flatnonzero(part)
        left = part[idx].astype(np.int64)
        pix, col = np.divmod(idx, len(split))
        keys, weights = [], []
        for k in range(s_targets.shape[1]):
            p = s_cond[col, k]
            x = np.where(p >= 1.0, left, 0)
            single = (left == 1) & (p > 0) & (p < 1)  # most counts of sparse spectra
            x[single] = rng.random(int(single.sum())) < p[single]
            many = (left > 1) & (p > 0) & (p < 1)
            x[many] = rng.binomial(left[many], p[many])
            keys.append(pix * n_dst + s_targets[col, k])
            weights.append(x)
            left = left - x
        if keys:
            extra = np.bincount(
                np.concatenate(keys), np.concatenate(weights), minlength=len(blk) * n_dst
            )
            acc += np.rint(extra).astype(np.int64).reshape(len(blk), n_dst)  # exact sums
        out = _fit_dtype(out, int(acc.max(initial=0)), False)
        out[y0 : y0 + rows] = acc.reshape(-1, w, n_dst)
    return out
