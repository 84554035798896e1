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
    """Counts of one pixel as float64, or None outside the scan (one small read: mouse-over),
    read as every pass reads (Cube.read_pixel: a failure in words, a file changed told)."""
    h, w, _ = cube.shape
    if not (0 <= row < h and 0 <= col < w):
        return None
    return np.asarray(cube.read_pixel(row, col), dtype=np.float64)


#: Survey tiles: at most this many, so their spectra stay small whatever the scan size.
MAX_SURVEY_TILES = 1024
MIN_SURVEY_TILE = 16
#: Survey cells (grouped by their spectra after the pass, iter_survey(groups=True)): at most this
#: many (64 MB of float32 sums at 4096 channels), and no smaller than MIN_SURVEY_CELL pixels a side.
MAX_SURVEY_CELLS = 4096
MIN_SURVEY_CELL = 2
#: Groups of similar cells whose sums are surveyed beside the tiles: k-means at each of these k
#: (coarse levels pool a small paint's noisy cells that k = 32 splits, fine ones keep it apart).
SURVEY_GROUPS = (4, 8, 16, 32)
#: Groups holding more of the scan's counts than this are left out: a large area shows in a tile,
#: and alone its high counts only brought out overlaps (Ti from lithopone's Ba L lines, a quarter
#: of a generated scan).
MAX_GROUP_SHARE = 0.125
#: Channel bins of the cells' spectra compared when grouping them.
GROUP_BINS = 64


def _square_side(shape, least: int, most: int) -> int:
    """Side of square blocks (>= least) that cut a scan into at most `most`: from the side of a
    square scan, widened for an elongated one (a 1 x 100,000 line scan took 20,000 cells, 328 MB
    of sums at 4096 channels, where the bound promised 64 MB)."""
    h, w = shape[:2]
    side = max(least, int(np.ceil(np.sqrt(h * w / most))))
    while -(-h // side) * -(-w // side) > most:
        side += 1
    return side


def survey_tile(shape) -> int:
    """Tile side (pixels) for the survey: >= MIN_SURVEY_TILE, at most MAX_SURVEY_TILES tiles."""
    return _square_side(shape, MIN_SURVEY_TILE, MAX_SURVEY_TILES)


def survey_cell(shape) -> int:
    """Cell side (pixels) for the survey's groups: >= MIN_SURVEY_CELL, at most MAX_SURVEY_CELLS."""
    return _square_side(shape, MIN_SURVEY_CELL, MAX_SURVEY_CELLS)


def iter_survey(cube, block_bytes: int | None = None, groups: bool = False):
    """One pass for element suggestions: progress generator returning (mean spectrum (C,) float64,
    tile sum spectra (ny, nx, C) float32). A pigment used in one small area is lost in the mean
    of a large scan but stands out in the sum over its tile.

    groups: the second value is instead (n, C) float32: the tiles' sums, then the sums of groups
    of similar small cells (group_sums at each SURVEY_GROUPS k, those over MAX_GROUP_SHARE left
    out). A region no tile fits (the painting sample's 589 cadmium red pixels: every 16 x 16 tile
    held its neighbours' paint) is pooled whole, wherever its pixels lie, so its weak lines reach
    the two-line test.
    """
    h, w, c = cube.shape
    t = survey_tile((h, w))
    ny, nx = -(-h // t), -(-w // t)
    tiles = np.zeros((ny, nx, c), dtype=np.float32)
    s = survey_cell((h, w)) if groups else h  # without groups: one run per tile row, as before
    cells = np.zeros((-(-h // s), -(-w // s), c), dtype=np.float32) if groups else None
    kw = {} if block_bytes is None else {"block_bytes": block_bytes}
    yield 0, h
    for sl, block in cube.iter_blocks(**kw):
        for ty in range(sl.start // t, (sl.stop - 1) // t + 1):
            # rows first (a block spans one or two tile rows), then columns on that one row:
            # casting and reducing the whole block along its middle axis took 6x longer. The
            # tile row's rows are a slice of the block (a view: a boolean index copied them first,
            # 10 % of the pass). With groups, they are reduced in runs that also stay in one
            # cell row, each run going to its cells and to the tile row
            a, b = max(sl.start, ty * t), min(sl.stop, (ty + 1) * t)
            line = None
            for ra in _cuts(a, b, s):
                rb = min(b, (ra // s + 1) * s)
                part = block[ra - sl.start : rb - sl.start].sum(axis=0, dtype=np.float32)
                if cells is not None:
                    cells[ra // s] += _column_sums(part, s)
                line = part if line is None else line + part
            tiles[ty] += _column_sums(line, t)
        yield sl.stop, h
    mean = tiles.sum(axis=(0, 1), dtype=np.float64) / (h * w)
    if cells is None:
        return mean, tiles
    grouped = group_sums(cells.reshape(-1, c))
    share = grouped.sum(axis=1, dtype=np.float64) / max(mean.sum() * h * w, 1.0)
    return mean, np.concatenate([tiles.reshape(-1, c), grouped[share <= MAX_GROUP_SHARE]])


def _column_sums(line: np.ndarray, s: int) -> np.ndarray:
    """(ceil(W / s), C) sums of a (W, C) row over runs of s columns: a reshape, 30x faster than
    np.add.reduceat along the first axis (5 ms a 414 x 4096 row), adding in the same order."""
    w = line.shape[0]
    m = w - w % s
    out = line[:m].reshape(w // s, s, line.shape[1]).sum(axis=1)  # no -1: w < s is 0 rows
    if m < w:
        out = np.concatenate([out, line[m:].sum(axis=0, keepdims=True)])
    return out


def _cuts(a: int, b: int, s: int):
    """Starts of the runs of rows [a, b) cut at multiples of s."""
    return [a] + list(range((a // s + 1) * s, b, s))


def group_sums(cells: np.ndarray, levels=SURVEY_GROUPS, seed: int = 0) -> np.ndarray:
    """(m, C) float32 sums of the cells (n, C) in groups of similar spectra, for each k in levels
    (at most k groups each, level after level): k-means on the square roots of their count
    shares in GROUP_BINS channel bins (Poisson noise evened out, so a weak line's share counts
    beside a strong one's). Empty cells are in no group; seeded, so the same scan gives the same
    groups."""
    cells = np.asarray(cells, dtype=np.float32)
    counts = cells.sum(axis=1, dtype=np.float64)
    full = np.nonzero(counts > 0)[0]
    if len(full) <= 1:
        return cells[full]
    c = cells.shape[1]
    edges = np.linspace(0, c, min(GROUP_BINS, c) + 1).astype(int)[:-1]
    # bin by bin over views: reduceat(..., dtype=float64) cast all the cells first (+115 MB)
    bounds = zip(edges, [*edges[1:], c])
    binned = np.stack([cells[:, a:b].sum(axis=1, dtype=np.float64) for a, b in bounds], axis=1)
    x = np.sqrt(binned[full] / counts[full, None])
    from ._threads import one_thread

    out = []
    with one_thread():  # tiny products: BLAS threads made it 2-40x slower on a busy machine
        for k in levels:
            label, used = _kmeans(x, k, np.random.default_rng(seed))
            # each group's sum as one product over all cells: indexing a group's rows out first
            # copied up to all the cells (64 MB on a 4096-channel scan)
            member = np.zeros((used, len(cells)), dtype=np.float32)
            member[label, full] = 1.0
            out.append(member @ cells)
    return np.concatenate(out)


def _kmeans(x: np.ndarray, k: int, rng) -> tuple[np.ndarray, int]:
    """Labels 0..used-1 of the rows of x in at most k clusters (k-means++ seeding, then Lloyd's
    iterations), every label used. Not sklearn's KMeans (the same suggestions on the 36 held-out
    cubes and both samples, recall 513 of 609 with either): importing sklearn takes 1-1.4 s here,
    in the survey that runs as each scan opens, while the viewer is drawing it."""
    n = len(x)
    centres = [x[rng.integers(n)]]
    d2 = ((x - centres[0]) ** 2).sum(axis=1)
    while len(centres) < min(k, n) and d2.sum() > 0:
        centres.append(x[rng.choice(n, p=d2 / d2.sum())])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(axis=1))
    centres = np.array(centres)
    label = None
    for _ in range(50):
        new = ((centres**2).sum(axis=1)[None, :] - 2.0 * x @ centres.T).argmin(axis=1)
        if label is not None and np.array_equal(new, label):
            break
        label = new
        member = label[None, :] == np.arange(len(centres))[:, None]  # (k, n)
        sizes = member.sum(axis=1)
        centres[sizes > 0] = (member @ x)[sizes > 0] / sizes[sizes > 0, None]
    used, label = np.unique(label, return_inverse=True)
    return label, len(used)
