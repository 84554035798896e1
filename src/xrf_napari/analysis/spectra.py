"""Spectra a conservator looks at: the mean over the scan, over a region, or one pixel.

All are in mean counts per pixel, so the spectrum of one pixel, of a region and of the whole scan
can share one axis. Region means read only the rows the region touches.
"""

from __future__ import annotations

import numpy as np


def iter_mean_spectrum(cube, mask: np.ndarray | None = None, block_bytes: int | None = None):
    """Progress generator (rows done, rows total); returns the (C,) float64 mean spectrum of the
    pixels where mask is True (all pixels if mask is None)."""
    h, w, c = cube.shape
    kw = {} if block_bytes is None else {"block_bytes": block_bytes}
    if mask is None:
        return (yield from cube.iter_sum_spectrum(**kw)) / (h * w)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (h, w):
        raise ValueError(f"region mask shape {mask.shape} does not match the cube's {(h, w)}")
    n = int(mask.sum())
    if n == 0:
        raise ValueError("the region holds no pixel of the cube")
    rows = np.nonzero(mask.any(axis=1))[0]
    y0, y1 = int(rows[0]), int(rows[-1]) + 1
    from ..cube import DEFAULT_BLOCK_BYTES, release_mapped_pages

    step = cube.rows_per_block(kw.get("block_bytes", DEFAULT_BLOCK_BYTES))
    total = np.zeros(c, dtype=np.float64)
    yield 0, y1 - y0
    for a in range(y0, y1, step):
        b = min(y1, a + step)
        # As the other passes (Cube.iter_blocks): a file's bad values are a CubeReadError naming
        # it, and the memory-mapped pages just read are released (resident memory ~ one block).
        block = cube.read_rows(slice(a, b))
        total += block[mask[a:b]].sum(axis=0, dtype=np.float64)
        del block
        release_mapped_pages(cube.data)
        yield b - y0, y1 - y0
    return total / n


def mean_spectrum(cube, mask: np.ndarray | None = None) -> np.ndarray:
    from ..progress import run_to_end

    return run_to_end(iter_mean_spectrum(cube, mask))


def pixel_spectrum(cube, row: int, col: int) -> np.ndarray | None:
    """Counts of one pixel as float64, or None outside the scan (one small read: mouse-over)."""
    h, w, _ = cube.shape
    if not (0 <= row < h and 0 <= col < w):
        return None
    return np.asarray(cube.data[row, col, :], dtype=np.float64)


#: Survey tiles: at most this many, so their spectra stay small whatever the scan size.
MAX_SURVEY_TILES = 1024
MIN_SURVEY_TILE = 16


def survey_tile(shape) -> int:
    """Tile side (pixels) for the survey: >= MIN_SURVEY_TILE, at most MAX_SURVEY_TILES tiles."""
    h, w = shape[:2]
    return max(MIN_SURVEY_TILE, int(np.ceil(np.sqrt(h * w / MAX_SURVEY_TILES))))


def iter_survey(cube, block_bytes: int | None = None):
    """One pass for element suggestions: progress generator returning (mean spectrum (C,) float64,
    tile sum spectra (ny, nx, C) float32). A pigment used in one small area is lost in the mean
    of a large scan but stands out in the sum over its tile."""
    h, w, c = cube.shape
    t = survey_tile((h, w))
    ny, nx = -(-h // t), -(-w // t)
    tiles = np.zeros((ny, nx, c), dtype=np.float32)
    starts = np.arange(0, w, t)
    kw = {} if block_bytes is None else {"block_bytes": block_bytes}
    yield 0, h
    for sl, block in cube.iter_blocks(**kw):
        for ty in range(sl.start // t, (sl.stop - 1) // t + 1):
            # rows first (a block spans one or two tile rows), then columns on that one row:
            # casting and reducing the whole block along its middle axis took 6x longer. The
            # tile row's rows are a slice of the block (a view: a boolean index copied them first,
            # 10 % of the pass); same values in the same order, so the same float32 sums
            a, b = max(sl.start, ty * t) - sl.start, min(sl.stop, (ty + 1) * t) - sl.start
            line = block[a:b].sum(axis=0, dtype=np.float32)  # (W, C)
            tiles[ty] += np.add.reduceat(line, starts, axis=0)
        yield sl.stop, h
    mean = tiles.sum(axis=(0, 1), dtype=np.float64) / (h * w)
    return mean, tiles
