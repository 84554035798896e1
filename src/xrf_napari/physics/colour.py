"""Paint colour from pigment colours: single-constant Kubelka-Munk in three bands.

The linear-sRGB channels of each pigment's masstone are taken as band reflectances R; K/S =
(1-R)^2/(2R) adds over pigments in proportion to their volume fractions, and R = 1 + K/S -
sqrt((K/S)^2 + 2 K/S). Crude (three bands, equal tinting strength per volume), but whites lighten
and blacks darken the way paint does. Shared by the generator (synth.recipes) and the pigment
hypotheses (analysis.pigment_fit), so both give a recipe the same colour.
"""

from __future__ import annotations

import numpy as np


def _linear(rgb):
    rgb = np.asarray(rgb, dtype=float)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _srgb(lin):
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def km_mix(rgbs: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """sRGB of mixtures: rgbs (P, 3) pigment colours, fractions (N, P) -> (N, 3) sRGB in [0, 1]."""
    r = np.clip(_linear(rgbs), 0.002, 0.998)
    ks = (1 - r) ** 2 / (2 * r)
    f = np.asarray(fractions, dtype=float)
    f = f / np.maximum(f.sum(axis=1, keepdims=True), 1e-12)
    mix = f @ ks
    refl = 1 + mix - np.sqrt(mix**2 + 2 * mix)
    return _srgb(refl)


#: linear sRGB from CIE XYZ (D65), as skimage uses it
_RGB_FROM_XYZ = np.array(
    [
        [3.2404542, -1.5371385, -0.4985314],
        [-0.9692660, 1.8760108, 0.0415560],
        [0.0556434, -0.2040259, 1.0572252],
    ]
)
#: how far (encoded sRGB, 0-1) a colour may lie outside [0, 1] and still count as inside the gamut:
#: a quarter of an 8-bit step, more than the rounding of a Lab given to 0.1
GAMUT_TOLERANCE = 1e-3


def srgb_gamut_excess(lab) -> float:
    """How far CIELAB (D65) `lab` lies outside sRGB: the largest excursion of its unclipped encoded
    sRGB below 0 or above 1 (<= 0 inside)."""
    from skimage.color import lab2xyz

    lin = _RGB_FROM_XYZ @ lab2xyz(np.asarray(lab, dtype=float).reshape(1, 1, 3))[0, 0]
    a = np.abs(lin)
    enc = np.sign(lin) * np.where(a <= 0.0031308, 12.92 * a, 1.055 * a ** (1 / 2.4) - 0.055)
    return float(max(-enc.min(), enc.max() - 1.0))


def rgb_to_lab(rgb) -> np.ndarray:
    """CIELAB (D65) of sRGB colours in [0, 1], shape (..., 3)."""
    from skimage.color import rgb2lab

    rgb = np.asarray(rgb, dtype=float)
    return rgb2lab(rgb.reshape(-1, 1, 3))[:, 0].reshape(rgb.shape)
