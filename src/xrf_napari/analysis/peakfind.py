"""Local maxima, their prominences and widths, as scipy.signal's find_peaks and peak_widths give
them (wlen None), in numpy: the automatic calibration needs only these, and importing
scipy.signal (it imports scipy.stats) took 1.7 s of the first open of a scan without a
calibration (python -X importtime; benchmarks/bench_peakfind.py). Each side's search, which
scipy runs sample by sample, is a binary search over all peaks at once in sparse tables of
block maxima and minima (log2(n) numpy steps). tests/test_readers55.py checks the results
against scipy.signal's, equal to the last bit, on spectra with plateaus, edges and noise.
"""

from __future__ import annotations

import numpy as np


def local_maxima(x) -> np.ndarray:
    """Indices of the local maxima of 1-D `x`, as scipy.signal.find_peaks finds them: a sample
    (or flat run of equal samples, by its middle, rounded down) higher than both neighbours;
    never the first or last sample, nor a run that reaches either."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 3:
        return np.zeros(0, dtype=np.intp)
    start = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])  # first sample of each flat run
    end = np.r_[start[1:] - 1, x.size - 1]
    v = x[start]
    top = np.flatnonzero((v[1:-1] > v[:-2]) & (v[1:-1] > v[2:])) + 1
    return ((start[top] + end[top]) // 2).astype(np.intp)


def _levels(x: np.ndarray, op) -> list[np.ndarray]:
    """Sparse table: level k holds op (np.maximum, np.minimum) of each x[i : i + 2**k]."""
    out, k = [x], 1
    while 2 * k <= x.size:
        out.append(op(out[-1][:-k], out[-1][k:]))
        k *= 2
    return out


def _run_start(levels: list, end: np.ndarray, passes) -> np.ndarray:
    """For each `end`, the first index of the longest run x[i : end] whose blocks pass
    `passes(block values, which ends)` (end itself where x[end - 1] fails)."""
    pos = end.copy()
    for level in range(len(levels) - 1, -1, -1):
        cand = pos - (1 << level)
        ok = cand >= 0
        ok[ok] = passes(levels[level][cand[ok]], ok)
        pos[ok] = cand[ok]
    return pos


def _run_end(levels: list, start: np.ndarray, passes) -> np.ndarray:
    """For each `start`, the end (exclusive) of the longest run x[start : j] whose blocks pass."""
    pos, n = start.copy(), levels[0].size
    for level in range(len(levels) - 1, -1, -1):
        ok = pos + (1 << level) <= n
        ok[ok] = passes(levels[level][pos[ok]], ok)
        pos[ok] += 1 << level
    return pos


def _lowest(low: list, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest sample of each x[a : b + 1] (`low`: _levels(x, np.minimum)): the smaller
    of the two blocks of 2**k that cover it, k = floor(log2(b - a + 1))."""
    length = b - a + 1
    k = np.zeros(length.size, dtype=np.intp)
    while np.any(m := (2 << k) <= length):
        k[m] += 1
    out = np.empty(a.size)
    for level in np.unique(k).tolist():
        m = k == level
        out[m] = np.minimum(low[level][a[m]], low[level][b[m] - (1 << level) + 1])
    return out


def _checked(x, peaks) -> tuple[np.ndarray, np.ndarray]:
    """(x as float64, peaks as intp) for prominences and widths, refused as scipy.signal refuses
    them: x not 1-D, peaks not 1-D integers, a peak outside x. Taken as they came, index -1 read
    the last sample (a prominence of 0 and base -1) and a float index was cut to an integer,
    silently, and one past the end raised numpy's bare IndexError."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"`x` must be a 1-D array, not {x.ndim}-D (shape {x.shape})")
    p = np.asarray(peaks)
    if p.ndim != 1:
        raise ValueError(f"`peaks` must be a 1-D array of indices, not {p.ndim}-D")
    if p.size == 0:
        return x, np.zeros(0, np.intp)
    if p.dtype.kind not in "iu":
        raise TypeError(f"`peaks` must be integer indices, not {p.dtype}")
    bad = (p < 0) | (p >= x.size)
    if bad.any():
        raise ValueError(f"peak {p[bad][0]} is not a valid index for `x` (of {x.size} samples)")
    return x, p.astype(np.intp)


def prominences(x, peaks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prominences, left bases, right bases) of `peaks` in `x`, as
    scipy.signal.peak_prominences(x, peaks) (wlen None) gives them: on each side, the lowest
    sample before a higher one than the peak (or the end), the one nearest the peak where
    several are as low; the prominence is the peak's height above the higher of the two."""
    x, p = _checked(x, peaks)
    if p.size == 0:
        return np.zeros(0), np.zeros(0, np.intp), np.zeros(0, np.intp)
    return _prominences(x, p, _levels(x, np.maximum), _levels(x, np.minimum))


def _prominences(x, p, top, low):
    v = x[p]
    first = _run_start(top, p, lambda blk, ok: blk <= v[ok])  # x[first : p] <= x[p]
    after = _run_end(top, p + 1, lambda blk, ok: blk <= v[ok])  # x[p + 1 : after] <= x[p]
    left_min, right_min = _lowest(low, first, p), _lowest(low, p, after - 1)
    # each base: the nearest sample to the peak as low as its side's lowest
    left = _run_start(low, p + 1, lambda blk, ok: blk > left_min[ok]) - 1
    right = _run_end(low, p, lambda blk, ok: blk > right_min[ok])
    return v - np.maximum(left_min, right_min), left, right


def widths(x, peaks, rel_height: float = 0.5) -> np.ndarray:
    """Widths of `peaks` in samples at `rel_height` of their prominence below the top, as
    scipy.signal.peak_widths(x, peaks, rel_height)[0]: each side's last sample above that
    height, no further than the side's base, and the crossing interpolated beyond it."""
    x, p = _checked(x, peaks)
    if p.size == 0:
        return np.zeros(0)
    low = _levels(x, np.minimum)
    return _widths(x, p, rel_height, _prominences(x, p, _levels(x, np.maximum), low), low)


def _widths(x, p, rel_height: float, prominence_data, low) -> np.ndarray:
    prom, lo, hi = prominence_data
    h = x[p] - prom * rel_height
    above = _run_start(low, p + 1, lambda blk, ok: blk > h[ok])  # x[above : p + 1] > h
    i = np.maximum(above - 1, lo)
    left_ip = i.astype(np.float64)
    m = x[i] < h
    left_ip[m] += (h[m] - x[i[m]]) / (x[i[m] + 1] - x[i[m]])
    i = np.minimum(_run_end(low, p, lambda blk, ok: blk > h[ok]), hi)  # x[p : end] > h
    right_ip = i.astype(np.float64)
    m = x[i] < h
    right_ip[m] -= (h[m] - x[i[m]]) / (x[i[m] - 1] - x[i[m]])
    return right_ip - left_ip


def find_peaks(x, prominence: float = 0.0, width: float = 0.0):
    """(indices, {"prominences", "widths"}) of the local maxima of `x` of at least `prominence`
    and then at least `width` samples wide at half their prominence, as
    scipy.signal.find_peaks(x, prominence=prominence, width=width) gives them."""
    x = np.asarray(x, dtype=np.float64)
    idx = local_maxima(x)
    if idx.size == 0:
        return idx, {"prominences": np.zeros(0), "widths": np.zeros(0)}
    low = _levels(x, np.minimum)
    prom, left, right = _prominences(x, idx, _levels(x, np.maximum), low)
    keep = prom >= prominence
    idx, data = idx[keep], (prom[keep], left[keep], right[keep])
    w = _widths(x, idx, 0.5, data, low)
    keep = w >= width
    return idx[keep], {"prominences": data[0][keep], "widths": w[keep]}
