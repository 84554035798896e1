"""Synthetic spectra with lines of known area, for the maps/peaks/widget tests (no physics).

Built independently of the code under test: the detector width, the Gaussian integrated over each
channel and the xraylib line intensities are written out here, not taken from `analysis.maps` or
`xrf_napari.detector`, so that a wrong peak width or wrong relative line intensities there make
the map tests fail instead of cancelling out.
"""

from __future__ import annotations

import math

import numpy as np

from xrf_napari.cube import cube_from_array
from xrf_napari.elements import element_lines
from xrf_napari.energy import (
    CANONICAL_N_CHANNELS,
    Calibration,
)

#: The canonical grid as a calibration: channel centres 1.025, 1.075, ... keV.
CANONICAL_CAL = Calibration.canonical()
#: Rough relative intensities inside a family group, good enough for tests.
RATIOS = {"Ka": 1.0, "Kb": None, "La": 1.0, "Lb": 0.8, "Lg": 0.15, "Ma": 0.5}

#: Silicon: Fano factor and energy per electron-hole pair (keV); Mn K-alpha (keV).
FANO, PAIR_KEV, MN_KA_KEV = 0.114, 3.85e-3, 5.899
#: FWHM = 2 sqrt(2 ln 2) sigma.
FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def fwhm_kev(energy: float, fwhm_mn_ev: float = 140.0) -> float:
    """Detector FWHM: its square grows by (FWHM/sigma)^2 * F * eps per keV above Mn K-alpha."""
    return math.sqrt(
        (fwhm_mn_ev * 1e-3) ** 2 + FWHM_PER_SIGMA**2 * FANO * PAIR_KEV * (energy - MN_KA_KEV)
    )


def gaussian_counts(edges: np.ndarray, centre: float, fwhm: float, area: float) -> np.ndarray:
    """Counts per channel of a Gaussian peak of `area`: its CDF differenced at the channel edges."""
    sigma = fwhm / FWHM_PER_SIGMA
    cdf = [0.5 * (1.0 + math.erf((e - centre) / (sigma * math.sqrt(2.0)))) for e in edges]
    return area * np.diff(np.array(cdf))


def line_spectrum(
    lines: list[tuple[float, float]],
    *,
    cal=CANONICAL_CAL,
    n=CANONICAL_N_CHANNELS,
    fwhm_mn_ev=140.0,
    background=(0.0, 0.0),
) -> np.ndarray:
    """A Gaussian of the given area at each (energy, area), plus a + b*E counts per channel."""
    edges = cal.edges(n)
    y = np.zeros(n)
    for energy, area in lines:
        y += gaussian_counts(edges, energy, fwhm_kev(energy, fwhm_mn_ev), area)
    e = cal.energy(n)
    return y + background[0] + background[1] * e


def element_spectrum_lines(symbol: str, area: float, e_max: float = 26.0) -> list[tuple]:
    """(energy, area) of an element's lines: K-beta from the table's rates, L/M fixed ratios."""
    lines = {ln.family: ln for ln in element_lines(symbol)}
    out = []
    for fam, ln in lines.items():
        if ln.energy < 1.0 or ln.energy > e_max:
            continue
        if fam == "Kb":
            r = ln.weight / lines["Ka"].weight
        else:
            r = RATIOS[fam]
        out.append((ln.energy, area * r))
    return out


def cube_of(pixels: list[list[np.ndarray]], cal=CANONICAL_CAL, **metadata):
    """A Cube from a nested list (rows of spectra)."""
    arr = np.asarray(pixels, dtype=np.float32)
    return cube_from_array(arr, cal, **metadata)


#: Main radiative transitions (IUPAC) per line family, with the excitation energy (keV) at which
#: their fluorescence cross sections set the relative intensities: the physics the element-map fit
#: must reproduce (a 40-50 kV tube's effective energy; ratios inside a shell barely depend on it).
TRANSITIONS_BY_FAMILY = {
    "Ka": ("KL2", "KL3"),
    "Kb": ("KM2", "KM3", "KN2", "KN3"),
    "La": ("L3M4", "L3M5"),
    "Lb": ("L2M4", "L3N5", "L1M3", "L1M2", "L3N4"),
    "Lg": ("L2N4", "L1N3", "L1N2"),
    "Ll": ("L3M1",),
    "Ln": ("L2M1",),
    "Lother": ("L2N1", "L3N1"),
    "Ma": ("M5N6", "M5N7"),
    "Mb": ("M4N6",),
    "Mg": ("M3N5",),
}
EXCITATION_KEV = 20.0


def xraylib_lines(symbol: str, e_lo: float, e_hi: float) -> list[tuple[float, float, str]]:
    """(energy keV, fluorescence cross section at EXCITATION_KEV, family) of each transition."""
    import xraylib

    z = xraylib.SymbolToAtomicNumber(symbol)
    out = []
    for family, transitions in TRANSITIONS_BY_FAMILY.items():
        for t in transitions:
            code = getattr(xraylib, f"{t}_LINE")
            try:
                e = xraylib.LineEnergy(z, code)
                cs = xraylib.CS_FluorLine_Kissel_Cascade(z, code, EXCITATION_KEV)
            except ValueError:
                continue
            if e_lo <= e <= e_hi and cs > 0:
                out.append((e, cs, family))
    return out


def template_spectrum(
    symbol: str,
    main_area: float,
    *,
    cal=CANONICAL_CAL,
    n=CANONICAL_N_CHANNELS,
    fwhm_mn_ev=140.0,
    family: str | None = None,
    escape: bool = False,
) -> np.ndarray:
    """All lines of an element between 0.5 and 27 keV with xraylib relative intensities; the
    transitions of its main family (K-alpha, else L-alpha, else M-alpha, or `family`) have
    total area main_area. escape: each line's Si escape peak too, as a silicon detector records
    it (the forward model's physics.detector.escape_probability, at E - 1.740 keV)."""
    from xrf_napari.physics.detector import SI_KA, escape_probability

    lines = xraylib_lines(symbol, 0.5, 27.0)
    present = {f for _, _, f in lines}
    ref = family or next(f for f in ("Ka", "La", "Ma") if f in present)
    norm = sum(cs for _, cs, f in lines if f == ref)
    edges = cal.edges(n)
    y = np.zeros(n)
    for e, cs, _ in lines:
        area = main_area * cs / norm
        y += gaussian_counts(edges, e, fwhm_kev(e, fwhm_mn_ev), area)
        p = float(escape_probability(e)[0]) if escape else 0.0
        if p > 0:
            y += gaussian_counts(edges, e - SI_KA, fwhm_kev(e - SI_KA, fwhm_mn_ev), area * p)
    return y
