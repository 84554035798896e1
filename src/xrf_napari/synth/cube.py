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
        raise ValueError(
            f"a channel holds {peak} counts, more than {np.dtype(out.dtype).name} can store"
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
