"""Which tube anode a scan's own spectra show: a cheap look at the mean spectrum's scatter lines.

A file without a header names no tube; the training-data note (ood.check_scan) then could only say
the tube is not named. A Mo, Rh or Ag tube's K lines scatter off the painting: Rayleigh peaks at
the lines' energies over a Compton band below them. A pigment can put the same element's K lines
in the spectrum (molybdate orange: Mo) but without the Compton band, so an anode is named only
when its K-alpha stands above the continuum and so does the Compton band just below it, and no
other anode's does (K-beta is too weak to add evidence: through a polycapillary the generated Rh
tubes' stood 0-0.12 above the continuum). W and Cu tubes have no K lines in
1-26.6 keV that pigments do not share (W L, Cu K among Cu, Zn, Hg and Pb lines): 'cannot tell'.
"""

from __future__ import annotations

import numpy as np

#: K-alpha energies (keV, weighted mean of alpha1 and alpha2) of the anodes whose K lines the
#: canonical axis (1-26.6 keV) holds.
K_ALPHA = {"Mo": 17.44, "Rh": 20.17, "Ag": 22.10}
#: Half-width (keV) of the window summed over a line: about one FWHM at 20 keV.
HALF_KEV = 0.15
#: K-alpha and its Compton band stand out when each holds this much more than the continuum.
#: Generated cubes of each anode at 20-50 kV and 100-10,000 counts per pixel: an anode other
#: than the tube's reached at most 0.07 on both, the tube's own 0.2-2.8 where its voltage
#: excites its K lines well (less at 20-30 kV).
MIN_CONTRAST = 0.2
#: ... and each stands this many standard deviations of its counting noise above it: a single
#: generated pixel of 100-10,000 counts named a wrong anode 6 times in 100 on contrast alone, and
#: at 5 a W tube at 35 kV was called Ag (K-alpha 5.6 sigma above the continuum) in 200 cubes.
MIN_SIGMA = 10.0
#: Compton band: this far (keV) below K-alpha, as a share of K-alpha's energy (scatter through
#: 90-150 deg shifts 17-22 keV by 0.6-1.6 keV), against the continuum further down.
COMPTON_SHIFT = (0.03, 0.07)


def _window(total: np.ndarray, lo: float, hi: float) -> tuple[float, int]:
    """(counts, canonical bins) between lo and hi keV; (NaN, 0) outside the axis."""
    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN

    a = int(np.floor((lo - CANONICAL_E_MIN) / CANONICAL_BIN_WIDTH))
    b = int(np.ceil((hi - CANONICAL_E_MIN) / CANONICAL_BIN_WIDTH))
    if a < 0 or b > len(total) or b <= a:
        return float("nan"), 0
    return float(total[a:b].sum()), b - a


def _excess(window: tuple[float, int], continuum: list[tuple[float, int]]) -> tuple[float, float]:
    """(contrast, significance) of a window's counts over the lowest continuum per bin among the
    given windows: contrast = counts / continuum - 1, significance in Poisson sigmas."""
    (n, bins), per_bin = window, [c / b for c, b in continuum if b and np.isfinite(c)]
    if not bins or not np.isfinite(n) or not per_bin or min(per_bin) <= 0:
        return float("nan"), float("nan")
    expected = min(per_bin) * bins
    return n / expected - 1.0, (n - expected) / np.sqrt(expected)


def line_contrast(total: np.ndarray, e: float) -> tuple[float, float]:
    """A line at e keV against the continuum 0.3-0.5 keV either side (the lower of the two):
    (contrast, significance), about (0, 0) where there is no line."""
    sides = [_window(total, e - 0.5, e - 0.3), _window(total, e + 0.3, e + 0.5)]
    return _excess(_window(total, e - HALF_KEV, e + HALF_KEV), sides)


def compton_contrast(total: np.ndarray, e: float) -> tuple[float, float]:
    """Counts 3-7 % below e against those 9-13 % below: the Compton band of a line the tube emits
    (about 0 or negative for a fluorescence line). (contrast, significance)."""
    band = _window(total, e * (1 - COMPTON_SHIFT[1]), e * (1 - COMPTON_SHIFT[0]))
    return _excess(band, [_window(total, e * 0.87, e * 0.91)])


def scatter_evidence(counts: np.ndarray) -> dict[str, tuple[tuple[float, float], ...]]:
    """Per K-line anode: ((K-alpha contrast, sigma), (Compton contrast, sigma)) of the sum of
    (m, 512) canonical spectra."""
    total = np.asarray(counts, dtype=np.float64).reshape(-1, np.shape(counts)[-1]).sum(axis=0)
    return {a: (line_contrast(total, e), compton_contrast(total, e)) for a, e in K_ALPHA.items()}


def guess_anode(counts: np.ndarray) -> str | None:
    """The anode whose scattered K-alpha and Compton band the spectra show, or None: none or
    more than one does (a W or Cu tube, too low a voltage, too few counts: cannot tell)."""
    shown = [
        a
        for a, evidence in scatter_evidence(counts).items()
        if all(c > MIN_CONTRAST and z > MIN_SIGMA for c, z in evidence)
    ]
    return shown[0] if len(shown) == 1 else None
