"""Synthetic spectra with lines of known area, for the maps/peaks/widget tests (no physics)."""

from __future__ import annotations

import numpy as np

from xrf_napari.analysis.maps import detector_fwhm_kev, gaussian_channels
from xrf_napari.cube import cube_from_array
from xrf_napari.elements import element_lines
from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, CANONICAL_N_CHANNELS, Calibration

#: The canonical grid as a calibration: channel centres 1.025, 1.075, ... keV.
CANONICAL_CAL = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH, source="file")
#: Rough relative intensities inside a family group, good enough for tests.
RATIOS = {"Ka": 1.0, "Kb": None, "La": 1.0, "Lb": 0.8, "Lg": 0.15, "Ma": 0.5}


def line_spectrum(lines: list[tuple[float, float]], *, cal=CANONICAL_CAL, n=CANONICAL_N_CHANNELS,
                  fwhm_mn_ev=140.0, background=(0.0, 0.0)) -> np.ndarray:
    """sum of area * unit Gaussian at each (energy, area), plus a linear background a + b*E per channel."""
    edges = cal.edges(n)
    y = np.zeros(n)
    for energy, area in lines:
        y += area * gaussian_channels(edges, energy, float(detector_fwhm_kev(energy, fwhm_mn_ev)))
    e = cal.energy(n)
    return y + background[0] + background[1] * e


def element_spectrum_lines(symbol: str, area: float, e_max: float = 26.0) -> list[tuple[float, float]]:
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


def template_spectrum(symbol: str, main_area: float, *, cal=CANONICAL_CAL, n=CANONICAL_N_CHANNELS,
                      fwhm_mn_ev=140.0, family: str | None = None) -> np.ndarray:
    """All lines of an element with xraylib relative intensities; its main line (or `family`) has
    area main_area."""
    from xrf_napari.analysis.maps import line_template
    from xrf_napari.elements import main_line

    fam = family or main_line(symbol).family
    return main_area * line_template(symbol, cal.edges(n), fwhm_mn_ev, (1.0, 26.6), fam)
