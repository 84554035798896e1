"""Pigment recipes for colour regions: which paint would give this colour?

Colour mixing model (documented in docs/physics.md): single-constant Kubelka-Munk in three bands,
the linear-sRGB channels of each pigment's masstone taken as band reflectances R; K/S = (1-R)^2/(2R)
adds over pigments in proportion to their volume fractions, and R = 1 + K/S - sqrt((K/S)^2 + 2 K/S).
This is crude (three bands, equal tinting strength per volume), but it makes whites lighten and
blacks darken the way paint does, and the choice among recipes is by CIEDE2000 to the region colour.
Candidates: one chromatic pigment or two (ratios 1:3, 1:1, 3:1), each optionally lightened with a
white or darkened with a black: at most 3 pigments. A recipe is drawn at random among those within
`tolerance` dE of the best, so one colour does not always get the same paint.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from ..physics.colour import km_mix
from ..physics.pigments import Pigment, load_pigments, table_key

WHITE_LEVELS = (0.0, 0.3, 0.6, 0.8, 0.92, 0.97)
BLACK_LEVELS = (0.2, 0.45, 0.7, 0.85)
PAIR_RATIOS = (0.25, 0.5, 0.75)


@dataclass
class Recipe:
    pigments: list[str]
    fractions: list[float]  # volume fractions of the pigment part
    target_lab: list[float]
    mix_lab: list[float]
    delta_e: float

    def to_dict(self) -> dict:
        return asdict(self)


def _palette(year, allowed):
    pigs = [
        p for p in load_pigments() if p.in_use(year) and p.role in ("pigment", "white", "black")
    ]
    if allowed is not None:
        pigs = [p for p in pigs if p.name in allowed]
    return pigs


@lru_cache(maxsize=32)
def _candidates(year: int | None, allowed: tuple | None, table: tuple | None = None):
    """All candidate recipes for a palette of the pigment table in use (`table`,
    physics.pigments.table_key: its path, size and mtime, is only the cache key): (pigments,
    index array (N,3), fractions (N,3), Lab (N,3))."""
    from skimage.color import rgb2lab

    pigs = _palette(year, allowed)
    chrom = [i for i, p in enumerate(pigs) if p.role == "pigment"]
    whites = [i for i, p in enumerate(pigs) if p.role == "white"]
    blacks = [i for i, p in enumerate(pigs) if p.role == "black"]
    if not chrom or not whites:
        raise ValueError(
            f"no usable palette for year {year}: need at least one pigment and one white"
        )
    idx, frac = [], []

    def modifiers():
        for lvl in WHITE_LEVELS:
            for w in whites if lvl > 0 else [None]:
                yield w, lvl
        for lvl in BLACK_LEVELS:
            for b in blacks:
                yield b, lvl

    bases = [((c,), (1.0,)) for c in chrom + blacks]
    bases += [
        ((c1, c2), (r, 1 - r))
        for a, c1 in enumerate(chrom)
        for c2 in chrom[a + 1 :]
        for r in PAIR_RATIOS
    ]
    bases += [((w,), (1.0,)) for w in whites]
    for ids, fr in bases:
        for mod, lvl in modifiers():
            if mod is not None and mod in ids:
                continue
            if mod is None:
                i3, f3 = list(ids), list(fr)
            else:
                i3, f3 = list(ids) + [mod], [x * (1 - lvl) for x in fr] + [lvl]
            i3 += [i3[0]] * (3 - len(i3))
            f3 += [0.0] * (3 - len(f3))
            idx.append(i3)
            frac.append(f3)
    idx = np.array(idx, dtype=np.int64)
    frac = np.array(frac)
    rgbs = np.array([p.rgb for p in pigs])
    dense = np.zeros((len(idx), len(pigs)))
    for c in range(3):
        np.add.at(dense, (np.arange(len(idx)), idx[:, c]), frac[:, c])
    lab = rgb2lab(km_mix(rgbs, dense)[None])[0]
    return tuple(pigs), idx, frac, lab


def painter_prior(target_lab, pigs, idx: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """(N,) the painter's-prior charge of candidate recipes (idx, frac as `_candidates` gives
    them): the fraction-weighted dE00 between the target and each chromatic pigment's own colour,
    0 for recipes of whites and blacks alone. A pigment's own colour is `Pigment.paint_lab` (its
    hex, as the mixing uses it), not the measured Lab, which lies outside sRGB for a few
    pigments."""
    from skimage.color import deltaE_ciede2000

    from ..physics.pigments import paint_labs

    target = np.asarray(target_lab, dtype=float)
    own = deltaE_ciede2000(np.broadcast_to(target, (len(pigs), 3)), paint_labs(pigs))
    chromatic = np.array([p.role == "pigment" for p in pigs])[idx] * frac  # (N, 3) fractions
    weight = chromatic.sum(axis=1)
    charge = (chromatic * own[idx]).sum(axis=1) / np.maximum(weight, 1e-9)
    return np.where(weight > 0, charge, 0.0)


def choose_recipe(
    target_rgb,
    rng: np.random.Generator,
    year: int | None = None,
    tolerance: float = 2.0,
    allowed: tuple | None = None,
    character: float = 0.0,
) -> Recipe:
    """A recipe whose Kubelka-Munk mixture colour is close (CIEDE2000) to target_rgb
    (sRGB in [0, 1]).

    character: weight of a painter's prior. With 0 any mixture that matches is as likely, so a brown
    is as often cadmium yellow dulled with black as an umber, and a pigment's lines say little about
    its colour. With w > 0 a candidate's cost is its dE plus w times the fraction-weighted dE
    between the target and each chromatic pigment's own masstone: paint is mixed from pigments near
    the colour wanted (whites and blacks, which only lighten or darken, are not charged;
    `painter_prior`).
    """
    from skimage.color import deltaE_ciede2000, rgb2lab

    pigs, idx, frac, lab = _candidates(
        year, None if allowed is None else tuple(sorted(allowed)), table_key()
    )
    target = rgb2lab(np.asarray(target_rgb, dtype=float).reshape(1, 1, 3))[0, 0]
    de = de_colour = deltaE_ciede2000(np.broadcast_to(target, lab.shape), lab)
    if character > 0:
        de = de + character * painter_prior(target, pigs, idx, frac)
    best = float(de.min())
    close = np.nonzero(de <= best + tolerance)[0]
    close = close[np.argsort(de[close])][:64]
    p = np.exp(-(de[close] - best) / max(tolerance / 2, 1e-6))
    pick = int(rng.choice(close, p=p / p.sum()))
    names, fracs = [], []
    for i, f in zip(idx[pick], frac[pick]):
        if f <= 0:
            continue
        name = pigs[i].name
        if name in names:
            fracs[names.index(name)] += float(f)
        else:
            names.append(name)
            fracs.append(float(f))
    return Recipe(
        names,
        fracs,
        [float(x) for x in target],
        [float(x) for x in lab[pick]],
        float(de_colour[pick]),
    )


def pigment_list(recipe: Recipe) -> list[tuple[Pigment, float]]:
    from ..physics.pigments import get_pigment

    return [(get_pigment(n), f) for n, f in zip(recipe.pigments, recipe.fractions)]
