"""Comparing simulated and measured spectra: a minimal Bruker .spx reader and a peak fit.

Used by tests/test_realism.py and scripts/make_physics_figures.py against the real Bruker M6
spectrum. The reader takes only what the comparison needs (channel counts and the linear energy
calibration); the full reader belongs to xrf_napari.io.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np


def read_spx(path) -> tuple[np.ndarray, float, float]:
    """(counts, offset keV, gain keV/channel) of a Bruker .spx XML spectrum."""
    path = Path(path)
    text = path.read_text(encoding="cp1252", errors="replace")
    ch = re.search(r"<Channels>([^<]*)</Channels>", text)
    off = re.search(r"<CalibAbs>([^<]*)</CalibAbs>", text)
    lin = re.search(r"<CalibLin>([^<]*)</CalibLin>", text)
    if not (ch and off and lin):
        raise ValueError(
            f"{path}: not a Bruker .spx spectrum (no <Channels>/<CalibAbs>/<CalibLin>)"
        )
    counts = np.array([float(x) for x in ch.group(1).split(",") if x.strip()])
    return counts, float(off.group(1)), float(lin.group(1))


def fit_peak(energy, counts, lo: float, hi: float, centre: float | None = None):
    """Gaussian on a linear background fitted in [lo, hi] keV: (centre keV, FWHM keV, area)."""
    from scipy.optimize import curve_fit

    e = np.asarray(energy, dtype=float)
    y = np.asarray(counts, dtype=float)
    m = (e >= lo) & (e <= hi)
    x, yy = e[m], y[m]
    c0 = x[np.argmax(yy)] if centre is None else centre

    def g(x, a, mu, s, b0, b1):
        return a * np.exp(-0.5 * ((x - mu) / s) ** 2) + b0 + b1 * (x - c0)

    p0 = [yy.max() - yy.min(), c0, 0.06, yy.min(), 0.0]
    sigma = np.sqrt(np.maximum(yy, 1.0)) if yy.max() > 50 else None
    p, _ = curve_fit(g, x, yy, p0=p0, sigma=sigma, maxfev=20000)
    return float(p[1]), float(2.3548 * abs(p[2])), float(p[0] * abs(p[2]) * np.sqrt(2 * np.pi))


def m6_like_stack():
    """A bone-black paint with a little chalk, ochre, lead and zinc white over a chalk ground: the
    elements seen in the real M6 spectrum (P, Ca, Fe, Zn, Pb) at roughly its proportions
    (by eye)."""
    from .layers import ground_layer, paint_layer, support_layer
    from .pigments import get_pigment

    paint = paint_layer(
        [
            (get_pigment("Bone black"), 0.9),
            (get_pigment("Chalk"), 0.06),
            (get_pigment("Yellow ochre"), 0.02),
            (get_pigment("Lead white"), 0.015),
            (get_pigment("Zinc white"), 0.005),
        ],
        30.0,
        0.35,
    )
    return [paint, ground_layer("chalk", 300.0), support_layer()]
