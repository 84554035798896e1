"""Small, fast toy MA-XRF cubes with known regions, for tests, benchmarks and smoke runs.

Not physics: each region is a mix of Gaussian element lines (real line energies), a Compton/Rayleigh
pair at the anode's line and a continuum, with per-pixel mixing jitter, per-pixel count level and
Poisson noise, seen through an instrument (FWHM, anode). Use the physics generator
(`xrf-napari-train generate`) for training data that matters.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

#: Main line energies (keV) and relative weights of elements common in paintings.
LINES = {
    "Ca": [(3.69, 1.0), (4.01, 0.13)],
    "Ti": [(4.51, 1.0), (4.93, 0.14)],
    "Cr": [(5.41, 1.0), (5.95, 0.14)],
    "Mn": [(5.90, 1.0), (6.49, 0.14)],
    "Fe": [(6.40, 1.0), (7.06, 0.14)],
    "Co": [(6.93, 1.0), (7.65, 0.14)],
    "Cu": [(8.05, 1.0), (8.90, 0.14)],
    "Zn": [(8.64, 1.0), (9.57, 0.14)],
    "As": [(10.54, 1.0), (11.73, 0.15)],
    "Hg": [(9.99, 1.0), (11.82, 0.8), (2.20, 0.3)],
    "Pb": [(10.55, 1.0), (12.61, 0.9), (2.35, 0.4)],
    "Ba": [(4.47, 1.0), (4.83, 0.6)],
    "K": [(3.31, 1.0)],
    "S": [(2.31, 1.0)],
    "Sn": [(25.27, 1.0), (3.44, 0.3)],
    "Sr": [(14.16, 1.0), (15.84, 0.15)],
    "Sb": [(26.36, 1.0), (3.60, 0.4)],
}


@cache
def anode_line(anode: str) -> float:
    """keV of the tube line a toy cube scatters: the anode's K-alpha (elements.element_lines, as the
    physics draws it), or its L-alpha where K-alpha lies above the canonical axis (W). Any anode
    of physics.tube.ANODES, so the toy takes every tube the physics does."""
    from ..elements import lines_by_family
    from ..energy import canonical_edges
    from ..physics.tube import ANODES

    if anode not in ANODES:
        raise ValueError(f"unknown anode {anode!r}; expected one of {ANODES}")
    lines = lines_by_family(anode)
    return lines["Ka"].energy if lines["Ka"].energy <= canonical_edges()[-1] else lines["La"].energy


def line_spectrum(energy: np.ndarray, lines, fwhm_mn_ev: float) -> np.ndarray:
    """Sum of Gaussian lines with a Fano-like width growing with energy, normalised to sum 1."""
    out = np.zeros_like(energy)
    for e0, wt in lines:
        fwhm = np.sqrt((fwhm_mn_ev / 1000.0) ** 2 + 2.5e-3 * (e0 - 5.9))
        sig = max(fwhm, 0.06) / 2.355
        out += wt * np.exp(-0.5 * ((energy - e0) / sig) ** 2)
    return out / max(out.sum(), 1e-12)


def voronoi_labels(h: int, w: int, n_regions: int, rng) -> np.ndarray:
    """(h, w) int32 labels 1..n_regions: nearest of random seeds (with a random anisotropy)."""
    yy, xx = np.mgrid[0:h, 0:w]
    seeds = rng.uniform([0, 0], [h, w], size=(max(n_regions * 2, 2), 2))
    d = (yy[..., None] - seeds[:, 0]) ** 2 + (xx[..., None] - seeds[:, 1]) ** 2
    nearest = d.argmin(-1)
    # Several seeds per region: irregular, sometimes disconnected regions like real paint.
    owner = np.concatenate(
        [np.arange(n_regions), rng.integers(0, n_regions, len(seeds) - n_regions)]
    )
    return (owner[nearest] + 1).astype(np.int32)


def toy_scene(
    h: int,
    w: int,
    *,
    n_regions: int = 5,
    anode: str = "Rh",
    fwhm_mn_ev: float = 140.0,
    counts_per_pixel: float = 1000.0,
    energy: np.ndarray | None = None,
    seed: int = 0,
):
    """(labels (h, w), components (R + 3, C), expected-count weights (h * w, R + 3)): the expected
    spectrum of pixel i is weights[i] @ components (draw Poisson counts from it)."""
    from ..energy import canonical_energy

    rng = np.random.default_rng(seed)
    e = canonical_energy() if energy is None else np.asarray(energy, dtype=np.float64)
    elements = list(LINES)
    labels = voronoi_labels(h, w, n_regions, rng)
    line = anode_line(anode)
    scatter = line_spectrum(e, [(line, 1.0), (line * 0.96, 1.6)], fwhm_mn_ev)
    continuum = np.exp(-0.5 * ((e - 9.0) / 6.0) ** 2)
    continuum /= continuum.sum()
    ground = line_spectrum(e, LINES["Ca"] + LINES["S"], fwhm_mn_ev)
    basis = []
    for _ in range(n_regions):
        chosen = rng.choice(len(elements), size=rng.integers(1, 4), replace=False)
        spec = sum(
            rng.uniform(0.3, 1.0) * line_spectrum(e, LINES[elements[i]], fwhm_mn_ev) for i in chosen
        )
        basis.append(spec / spec.sum())
    comps = np.concatenate(
        [np.stack(basis), ground[None], scatter[None], continuum[None]]
    )  # (R+3, C)
    n = h * w
    lab = labels.reshape(-1) - 1
    weights = np.zeros((n, len(comps)))
    weights[np.arange(n), lab] = rng.uniform(0.6, 1.0, n)
    weights[:, -3] = rng.uniform(0.05, 0.3, n)  # ground shows through
    weights[:, -2] = rng.uniform(0.1, 0.25, n)  # scatter
    weights[:, -1] = rng.uniform(0.1, 0.2, n)  # continuum
    weights /= weights.sum(1, keepdims=True)
    weights *= (counts_per_pixel * rng.lognormal(0.0, 0.3, n))[:, None]
    return labels, comps, weights


def toy_cube(
    h: int,
    w: int,
    *,
    n_regions: int = 5,
    anode: str = "Rh",
    fwhm_mn_ev: float = 140.0,
    counts_per_pixel: float = 1000.0,
    energy: np.ndarray | None = None,
    seed: int = 0,
    dtype=np.uint16,
):
    """(counts (h, w, C), labels (h, w), metadata). energy: channel centres in keV (canonical grid
    by default)."""
    labels, comps, weights = toy_scene(
        h,
        w,
        n_regions=n_regions,
        anode=anode,
        fwhm_mn_ev=fwhm_mn_ev,
        counts_per_pixel=counts_per_pixel,
        energy=energy,
        seed=seed,
    )
    rng = np.random.default_rng([seed, 1])
    counts = rng.poisson(weights @ comps).astype(dtype).reshape(h, w, comps.shape[1])
    meta = {
        "profile": {
            "anode": anode,
            "fwhm_mn_ev": fwhm_mn_ev,
            "counts_per_pixel": counts_per_pixel,
            "n_channels": comps.shape[1],
        },
        "seed": seed,
        "toy": True,
    }
    return counts, labels, meta


def write_toy_dataset(
    folder,
    n_cubes: int = 6,
    size: int = 48,
    *,
    seed: int = 0,
    anodes=None,
    fwhm_range=None,
) -> Path:
    """A dataset folder in the synthetic layout (manifest.json + cubes/*.h5) made of toy cubes.
    anodes, fwhm_range (eV at Mn K-alpha): by default the "train" profile family's
    (physics.instrument), the ranges the shipped models were trained on."""
    import json

    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from ..io.project_h5 import write_cube
    from ..physics import instrument

    anodes = instrument.TRAIN_ANODES if anodes is None else anodes
    fwhm_range = instrument.TRAIN_FWHM_MN_EV if fwhm_range is None else fwhm_range

    folder = Path(folder)
    (folder / "cubes").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    names = []
    for i in range(n_cubes):
        anode = anodes[i % len(anodes)]
        counts, labels, meta = toy_cube(
            size,
            size,
            n_regions=int(rng.integers(3, 7)),
            anode=anode,
            fwhm_mn_ev=float(rng.uniform(*fwhm_range)),
            counts_per_pixel=float(np.exp(rng.uniform(np.log(150), np.log(5000)))),
            seed=int(rng.integers(1 << 31)),
        )
        name = f"toy_{i:04d}.h5"
        # colour targets: a random colour per region (palette) and a noisy version of it (rgb)
        palette = rng.integers(0, 256, (int(labels.max()) + 1, 3)).astype(np.uint8)[labels]
        rgb = np.clip(palette.astype(int) + rng.integers(-8, 9, palette.shape), 0, 255).astype(
            np.uint8
        )
        write_cube(
            folder / "cubes" / name,
            counts,
            cal,
            metadata=meta,
            targets={"labels": labels, "palette": palette, "rgb": rgb},
        )
        names.append(name)
    (folder / "manifest.json").write_text(
        json.dumps({"cubes": names, "toy": True}, indent=2), encoding="utf-8"
    )
    return folder
