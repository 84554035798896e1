"""Swatch cubes: regions painted with simple, known paints (a pigment, its tints and shades).

Two uses. In training, a share of cubes whose paint is a pigment as a painter lays it (masstone,
white tint, black shade, a two-pigment mix), so that the model sees every pigment at its own colour
and not only where a painting's palette happened to need it. In evaluation, pigment panels: every
pigment whose X-ray lines fix its colour family, as masstone and two white tints, the first check a
conservator makes. The colour target of a swatch is its recipe's Kubelka-Munk colour.
"""

from __future__ import annotations

import numpy as np

from .recipes import Recipe, km_mix

#: Pigments whose characteristic lines fix the colour family (the element set is not shared with a
#: pigment of another family in data/pigments.csv): Hg red, Cd yellow/orange/red, Co blue,
#: Cu+As green, Pb+Sb / Pb+Sn yellow, Pb+Cr yellow, Cr green, Fe+Mn brown, As+S yellow/red.
IDENTIFIABLE = (
    "Vermilion",
    "Cadmium yellow",
    "Cadmium orange",
    "Cadmium red",
    "Cobalt blue",
    "Smalt",
    "Cerulean blue",
    "Emerald green",
    "Scheele's green",
    "Naples yellow",
    "Lead-tin yellow I",
    "Lead-tin yellow II",
    "Chrome yellow",
    "Viridian",
    "Raw umber",
    "Orpiment",
    "Realgar",
)
#: White fractions of the two tints on a panel (masstone is 0).
PANEL_TINTS = (0.0, 0.5, 0.8)


def make_recipe(names: list[str], fractions: list[float]) -> Recipe:
    """A Recipe (with its Kubelka-Munk colour as mix_lab) for given pigments and volume
    fractions."""
    from skimage.color import rgb2lab

    from ..physics.pigments import get_pigment

    rgbs = np.array([get_pigment(n).rgb for n in names])
    f = np.asarray(fractions, dtype=float)[None]
    lab = rgb2lab(km_mix(rgbs, f)[None])[0, 0]
    frac = [float(x) for x in f[0] / f.sum()]
    return Recipe(list(names), frac, [float(x) for x in lab], [float(x) for x in lab], 0.0)


def recipe_rgb(recipe: Recipe) -> np.ndarray:
    from skimage.color import lab2rgb

    return np.clip(lab2rgb(np.array([[recipe.mix_lab]], dtype=float))[0, 0], 0, 1)


def random_simple_recipe(rng: np.random.Generator, year: int | None = None) -> Recipe:
    """A paint as laid from the pot: a pigment alone, tinted with a white, shaded with a black, or
    two pigments mixed; whites and blacks alone too."""
    from ..physics.pigments import load_pigments

    pigs = [p for p in load_pigments() if p.in_use(year)]
    chrom = [p.name for p in pigs if p.role == "pigment"]
    whites = [p.name for p in pigs if p.role == "white"]
    blacks = [p.name for p in pigs if p.role == "black"]
    u = rng.random()
    if u < 0.08:
        return make_recipe([str(rng.choice(whites))], [1.0])
    if u < 0.12:
        return make_recipe([str(rng.choice(blacks))], [1.0])
    base = str(rng.choice(chrom))
    u = rng.random()
    if u < 0.35:
        return make_recipe([base], [1.0])
    if u < 0.75:
        w = float(rng.choice([0.3, 0.5, 0.7, 0.85]))
        return make_recipe([base, str(rng.choice(whites))], [1 - w, w])
    if u < 0.85:
        b = float(rng.choice([0.15, 0.3]))
        return make_recipe([base, str(rng.choice(blacks))], [1 - b, b])
    other = str(rng.choice([c for c in chrom if c != base]))
    r = float(rng.choice([0.25, 0.5, 0.75]))
    return make_recipe([base, other], [r, 1 - r])


def voronoi_labels(rng: np.random.Generator, size: int, k: int) -> np.ndarray:
    """(size, size) int32 labels 0..k-1: Voronoi cells of k random sites with wavy boundaries (a
    low-frequency displacement field), each label used at least once."""
    from scipy.ndimage import gaussian_filter

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    warp = [gaussian_filter(rng.normal(0, 1, (size, size)), size / 10) for _ in range(2)]
    warp = [w / (np.abs(w).max() + 1e-9) * size * 0.05 for w in warp]
    sites = rng.uniform(0, size, (k, 2))
    d = (yy[..., None] + warp[0][..., None] - sites[:, 0]) ** 2 + (
        xx[..., None] + warp[1][..., None] - sites[:, 1]
    ) ** 2
    labels = np.argmin(d, axis=-1).astype(np.int32)
    _, labels = np.unique(labels, return_inverse=True)  # drop sites that own no pixel
    return labels.reshape(size, size).astype(np.int32)


def swatch_cube_layout(
    rng: np.random.Generator, size: int, year: int | None = None, bare_ground: float = 0.0
):
    """(rgb uint8, labels, recipes) of a training swatch cube: 6-16 cells of simple paints; each
    cell is, with probability `bare_ground`, a ground material alone (unpainted ground, as between
    the swatches of a panel: without it a model never learns the colour of a bare chalk or gypsum
    ground and paints it as bone black, the other Ca-rich paint)."""
    from ..physics.pigments import load_pigments

    k = int(rng.integers(6, 17))
    labels = voronoi_labels(rng, size, k)
    recipes = [random_simple_recipe(rng, year) for _ in range(int(labels.max()) + 1)]
    if bare_ground > 0:  # no draw at 0, so earlier datasets regenerate unchanged
        grounds = [p.name for p in load_pigments() if p.role == "ground"]
        recipes = [
            make_recipe([str(rng.choice(grounds))], [1.0]) if rng.random() < bare_ground else r
            for r in recipes
        ]
    return _paint(labels, recipes), labels, recipes


def panel_layout(
    pigments: tuple[str, ...] = IDENTIFIABLE,
    white: str = "Lead white",
    cell: int = 32,
    tints: tuple[float, ...] = PANEL_TINTS,
):
    """(rgb uint8, labels, recipes, names) of a pigment panel: one row of cells per pigment
    (masstone and its white tints), label i = swatch i, the last label the bare ground between
    swatches."""
    names, recipes = [], []
    for p in pigments:
        for t in tints:
            recipes.append(
                make_recipe([p], [1.0]) if t == 0 else make_recipe([p, white], [1 - t, t])
            )
            names.append(p if t == 0 else f"{p} + {int(round(t * 100))}% {white.lower()}")
    cols = len(tints) * 2  # two pigments per row keeps the panel near square
    rows = -(-len(recipes) // cols)
    side = max(rows, cols) * cell
    side = max(side, 192)  # MS-SSIM needs > 160 px per side
    labels = np.full((side, side), len(recipes), dtype=np.int32)
    gap = max(2, cell // 8)
    for i in range(len(recipes)):
        r, c = divmod(i, cols)
        labels[r * cell + gap : (r + 1) * cell - gap, c * cell + gap : (c + 1) * cell - gap] = i
    ground = make_recipe(["Gypsum"], [1.0])
    return _paint(labels, recipes + [ground]), labels, recipes + [ground], names + ["bare ground"]


def _paint(labels: np.ndarray, recipes: list[Recipe]) -> np.ndarray:
    colours = np.array([recipe_rgb(r) for r in recipes])
    return np.round(colours[labels] * 255).astype(np.uint8)
