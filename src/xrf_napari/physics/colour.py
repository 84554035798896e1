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
