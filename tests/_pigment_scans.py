"""Stripe scans of known recipes for the pigment tests (CLI, dock, evaluation script)."""

from __future__ import annotations

import numpy as np

from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize
from xrf_napari.synth.recipes import Recipe

#: The canonical grid as a file calibration: the synthesized counts are already on it.
CANON = Calibration.canonical()
RH = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=145.0, counts_per_pixel=1500.0)


def stripe_scan(recipes, size: int, seed: int = 1, counts_per_pixel: float | None = None):
    """(synthesized scan, labels 0..n-1): one vertical stripe per (pigments, fractions) recipe,
    Rh tube (1,500 counts per pixel unless given), 1-pixel blur; seed 1 draws a gypsum ground
    without a lead priming."""
    from dataclasses import replace

    rng = np.random.default_rng(seed)
    profile = RH if counts_per_pixel is None else replace(RH, counts_per_pixel=counts_per_pixel)
    n = len(recipes)
    labels = np.repeat(np.arange(n), size // n)[None, :].repeat(size, 0).astype(np.int32)
    recs = [Recipe(p, f, [0, 0, 0], [0, 0, 0], 0.0) for p, f in recipes]
    syn = synthesize(
        np.zeros((size, size, 3), np.uint8), rng, profile, labels=labels, recipes=recs, blur_px=1.0
    )
    return syn, labels
