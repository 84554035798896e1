"""Pool each pixel's 3 x 3 neighbourhood before embedding when a scan has few counts per pixel.

At 100-300 counts per pixel a spectrum's counting noise blurs the regions K-Means finds on the
DVE latent; summing the 3 x 3 neighbourhood (nine times the counts, boundaries softened by one
pixel) recovers them, and above about a thousand counts it only softens the boundaries (paired
count-level sweep, docs/model_card_embedder.md). So clustering pools below POOL_BELOW_COUNTS; the
recolouriser's input is never pooled (its quality hardly depends on counts).

Pooling streams with the row blocks of `Cube.iter_canonical_blocks`: each block is finished once
the next block's first row is known, so memory stays that of two blocks.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Mean counts per pixel (canonical grid) below which clustering pools 3 x 3 neighbourhoods.
#: Chosen on a tuning sweep (seed 8, other paintings), not on the sweep that reports it.
POOL_BELOW_COUNTS = 500.0
#: Rows read, evenly spread, to estimate a scan's counts per pixel before embedding.
SAMPLE_ROWS = 16


class Pooling(NamedTuple):
    """Whether clustering pools this scan, and the line that tells the user ("" when its
    counts need no pooling; a single pixel's says it has nothing to pool with)."""

    pool: bool
    note: str


def spread_rows(h: int, rows: int = SAMPLE_ROWS) -> np.ndarray:
    """Indices of `rows` rows (all when fewer) spread evenly over a scan of `h` rows, first and
    last included: the rows a quick look reads (counts_per_pixel, peaks.count_step, automatic
    K's noise reference), the same rows for all so a scan's level and scale come from one place."""
    return np.unique(np.linspace(0, h - 1, min(rows, h)).round().astype(int))


def counts_per_pixel(cube, rows: int = SAMPLE_ROWS) -> float:
    """Mean counts per pixel on the canonical grid, from `rows` rows spread over the scan (a
    small fraction of one pass; scans keep one dwell time, so a few rows tell the level)."""
    h, w = cube.shape[:2]
    ys = spread_rows(h, rows)
    rebin = cube.canonical_rebinner()
    total = sum(float(rebin(cube.read_rows(slice(y, y + 1))).sum()) for y in ys)
    return total / (len(ys) * w)


def decide(cube, enabled: bool = True, before: str = "embedding") -> Pooling:
    """The one pooling decision of the dock, the CLIs and the evaluation: pool when `enabled`
    and the scan has fewer than POOL_BELOW_COUNTS counts per pixel, and more than one pixel: a
    single pixel "pooled" is only its own spectrum nine times (pool3 repeats the edges), which
    the note said was pooled with nothing while `pool` was True."""
    level = counts_per_pixel(cube) if enabled else POOL_BELOW_COUNTS
    if level >= POOL_BELOW_COUNTS:
        return Pooling(False, "")
    h, w = cube.shape[:2]
    rows, cols = min(h, 3), min(w, 3)  # pool3 repeats the edges: no more pixels than the scan's
    if rows * cols == 1:
        return Pooling(False, f"{counts_phrase(level)}: a single pixel, nothing to pool it with")
    return Pooling(
        True,
        f"{counts_phrase(level)}: each pixel's {rows} x {cols} neighbourhood pooled before "
        f"{before} (below {POOL_BELOW_COUNTS:.0f}; region edges soften by a pixel)",
    )


def counts_phrase(level: float) -> str:
    """'N counts per pixel' as the notes print a level: "1 count per pixel" at 1, which the notes
    once printed as "1 counts per pixel"."""
    n = f"{level:.0f}"
    return f"{n} count per pixel" if n == "1" else f"{n} counts per pixel"


def pool_for_clustering(counts: np.ndarray, enabled: bool = True) -> tuple[np.ndarray, bool]:
    """(H, W, C) canonical counts as clustering reads them, and whether they were pooled: pooled
    3 x 3 (`pool3`) where `decide` pools such a scan. The evaluations of the clustering
    (training.eval_embedder, scripts/ari_ceilings.py) take their counts through this one
    function, so their figures are of what the plugin clusters, and comparable with each other
    (the ceilings script scored every pixel alone after the evaluation had started pooling)."""
    from ..cube import cube_from_array
    from ..energy import Calibration

    pooled = decide(cube_from_array(counts, Calibration.canonical()), enabled).pool
    return (pool3(counts) if pooled else counts), pooled


def pool3(counts: np.ndarray) -> np.ndarray:
    """(H, W, C) counts -> float32 sums over each pixel's 3 x 3 neighbourhood (edges repeated)."""
    from scipy.ndimage import uniform_filter

    return uniform_filter(np.asarray(counts, np.float32), size=(3, 3, 1), mode="nearest") * 9.0


def canonical_blocks(cube, pool: bool, block_bytes: int | None = None):
    """The cube's canonical row blocks (`Cube.iter_canonical_blocks`), pooled when `pool`."""
    blocks = cube.iter_canonical_blocks(*(() if block_bytes is None else (block_bytes,)))
    return pooled_blocks(blocks) if pool else blocks


def pooled_blocks(blocks):
    """Row blocks (slice, (rows, W, C)) -> the same blocks pooled by `pool3` over the whole
    image: each block is pooled with the row above it and the next block's first row."""
    above = pending = None
    for sl, block in blocks:
        if pending is not None:
            psl, pblock, pabove = pending
            yield psl, _pool_between(pabove, pblock, block[:1])
            above = pblock[-1:]
        pending = (sl, block, block[:1] if above is None else above)
    if pending is not None:
        psl, pblock, pabove = pending
        yield psl, _pool_between(pabove, pblock, pblock[-1:])


def _pool_between(above: np.ndarray, block: np.ndarray, below: np.ndarray) -> np.ndarray:
    return pool3(np.concatenate([above, block, below], axis=0))[1:-1]
