"""Procedural 'paintings' for when no source images are given: a graded background, shapes, and
brush strokes in colours drawn from the pigment database (pure or tinted with white/black), with
a little texture. Also a swatch panel (one pigment per square) for sample data and checks."""

from __future__ import annotations

import numpy as np


def _pigment_colours(rng, n, year=None):
    from ..physics.pigments import load_pigments
    from .recipes import km_mix

    pigs = [
        p for p in load_pigments() if p.in_use(year) and p.role in ("pigment", "black", "white")
    ]
    whites = [p for p in pigs if p.role == "white"]
    cols = []
    for _ in range(n):
        p = pigs[int(rng.integers(len(pigs)))]
        wp = whites[int(rng.integers(len(whites)))]
        t = float(rng.choice([0.0, 0.0, 0.3, 0.6, 0.85]))
        cols.append(km_mix(np.array([p.rgb, wp.rgb]), np.array([[1 - t, t]]))[0])
    return np.array(cols)


def procedural_painting(rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """(size, size, 3) uint8 image."""
    from scipy.ndimage import gaussian_filter
    from skimage.draw import disk, ellipse, polygon

    h = w = int(size)
    cols = _pigment_colours(rng, 12)
    img = np.empty((h, w, 3))
    # background: two-colour gradient (sky / ground), horizon at a random height
    horizon = int(rng.uniform(0.3, 0.7) * h)
    y = np.linspace(0, 1, h)[:, None, None]
    c1, c2, c3 = cols[0], cols[1], cols[2]
    img[:horizon] = c1 * (1 - y[:horizon] / y[horizon]) + c2 * (y[:horizon] / y[horizon])
    img[horizon:] = c3
    # shapes
    for _ in range(int(rng.integers(3, 9))):
        c = cols[int(rng.integers(3, len(cols)))]
        kind = rng.integers(3)
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        if kind == 0:
            rr, cc = ellipse(
                cy,
                cx,
                rng.uniform(0.05, 0.25) * h,
                rng.uniform(0.05, 0.25) * w,
                shape=(h, w),
                rotation=rng.uniform(0, np.pi),
            )
        elif kind == 1:
            n = int(rng.integers(3, 7))
            ang = np.sort(rng.uniform(0, 2 * np.pi, n))
            rad = rng.uniform(0.05, 0.3, n) * h
            rr, cc = polygon(cy + rad * np.sin(ang), cx + rad * np.cos(ang), shape=(h, w))
        else:
            y0, x0 = int(cy), int(cx)
            rr, cc = np.mgrid[
                y0 : min(h, y0 + int(rng.uniform(0.1, 0.4) * h)),
                x0 : min(w, x0 + int(rng.uniform(0.1, 0.4) * w)),
            ]
            rr, cc = rr.ravel(), cc.ravel()
        img[rr, cc] = c
    # brush strokes: discs along smooth random walks
    for _ in range(int(rng.integers(8, 30))):
        c = cols[int(rng.integers(len(cols)))]
        r = rng.uniform(0.008, 0.025) * h
        p = np.array([rng.uniform(0, h), rng.uniform(0, w)])
        ang = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(10, 40))):
            ang += rng.normal(0, 0.25)
            p = p + r * 0.7 * np.array([np.sin(ang), np.cos(ang)])
            rr, cc = disk((p[0], p[1]), r, shape=(h, w))
            img[rr, cc] = c
    img += gaussian_filter(rng.normal(0, 0.015, (h, w, 1)), (1, 1, 0))
    img = gaussian_filter(img, (0.6, 0.6, 0))
    return np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)


def swatch_panel(names: list[str], rows: int, cols: int, cell: int, gap: int = 2):
    """A panel of pigment swatches: (image uint8, labels int32) with label i = names[i], and gaps at
    the panel background colour (label len(names), the bare ground)."""
    from ..physics.pigments import get_pigment

    h, w = rows * cell, cols * cell
    labels = np.full((h, w), len(names), dtype=np.int32)
    img = np.full((h, w, 3), 0.93)
    for i, n in enumerate(names[: rows * cols]):
        r, c = divmod(i, cols)
        sl = (
            slice(r * cell + gap, (r + 1) * cell - gap),
            slice(c * cell + gap, (c + 1) * cell - gap),
        )
        labels[sl] = i
        img[sl] = get_pigment(n).rgb
    return np.round(img * 255).astype(np.uint8), labels
