"""From recipes to physical layer stacks: the per-cube ground and the per-region paint states.

Each region gets four 'corner' stacks: paint thickness low/high x pigment balance A/B (the first
pigment's share raised or lowered by ~30 %). A pixel is a bilinear, non-negative blend of its
region's corners, so concentrations and thickness vary smoothly inside a region while the physics
runs only per corner (4 per region), never per pixel. Blending spectra linearly between two nearby
physical states approximates the non-linear thickness/concentration dependence; the corners are
kept close (factor ~2 in thickness) to keep that error small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..physics.layers import Layer, ground_layer, paint_layer, priming_layer, support_layer
from .recipes import Recipe, pigment_list


@dataclass
class Ground:
    layers: list[Layer]  # below the paint, top first (priming?, ground, support)

    def to_dict(self) -> list[dict]:
        return [
            {"name": la.name, "thickness_um": la.thickness_um, "density": la.density}
            for la in self.layers
        ]


def random_ground(rng: np.random.Generator) -> Ground:
    kind = "gypsum" if rng.random() < 0.55 else "chalk"
    layers = []
    if rng.random() < 0.35:
        layers.append(priming_layer(float(rng.uniform(10, 40))))
    layers.append(ground_layer(kind, float(rng.uniform(100, 400))))
    layers.append(support_layer())
    return Ground(layers)


@dataclass
class RegionPaint:
    recipe: Recipe
    thickness_um: tuple[float, float]  # low, high
    pvc: float
    balance: tuple[list[float], list[float]]  # fractions of state A and B

    def corner_stacks(self, ground: Ground) -> list[list[Layer]]:
        """Four stacks: (thin, A), (thick, A), (thin, B), (thick, B)."""
        pigs = pigment_list(self.recipe)
        out = []
        for fr in self.balance:
            mix = [(p, f) for (p, _), f in zip(pigs, fr)]
            for t in self.thickness_um:
                out.append([paint_layer(mix, t, self.pvc)] + list(ground.layers))
        return out

    def to_dict(self) -> dict:
        d = self.recipe.to_dict()
        d.update(
            thickness_um=list(self.thickness_um),
            pvc=self.pvc,
            balance=[list(b) for b in self.balance],
        )
        return d


def region_paint(recipe: Recipe, rng: np.random.Generator) -> RegionPaint:
    t = float(rng.uniform(5.0, 60.0))
    lo, hi = max(3.0, t / 1.4), min(80.0, t * 1.4)
    pvc = float(rng.uniform(0.25, 0.5))
    fr = np.asarray(recipe.fractions, dtype=float)
    if len(fr) > 1:
        shift = float(rng.uniform(0.15, 0.35))
        a = fr.copy()
        a[0] *= 1 + shift
        b = fr.copy()
        b[0] *= 1 - shift
        a, b = a / a.sum(), b / b.sum()
    else:
        a = b = fr
    return RegionPaint(recipe, (lo, hi), pvc, ([float(x) for x in a], [float(x) for x in b]))
