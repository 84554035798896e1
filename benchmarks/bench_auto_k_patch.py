"""Automatic K on one paint with a small patch of another: which rule answers one region.

    python benchmarks/bench_auto_k_patch.py [--seeds 0 1 2] [--levels 200 2000]

Cubes from the forward model (physics.SpectrumModel, a Bruker M6-like profile on 1,024 channels):
a 64 x 64 scan of one paint (yellow ochre 50 % + lead white 50 %, 20 um on gypsum) with Poisson
counts, and a rectangle of another paint covering a share of the pixels. Patch paints, from far to
near: `other` (vermilion + lead white: Hg lines for Fe), `mix30` / `mix10` (the base paint with
30 % / 10 % of that spectrum), `conc` / `conc40` (the same pigments, ochre at 30 % / 40 %).
`none` is the scan of one paint alone: automatic K must answer 1 there.

Per case (over the seeds): automatic K as the dock runs it (pooled below 500 counts per pixel,
one_material_latent's noise reference); the spread ratio (spread_over_noise; one region under
NOISE_SPREAD); the K the silhouettes and their Gaussian-blob null give without the spread rule;
which rule answered 1 (`spread`, `silhouette`, `both`); and, K given by hand (2 and 4), the
intersection over union of the region that best matches the patch.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header  # noqa: E402

SIDE = 64
SHARES = (0.002, 0.005, 0.01, 0.02, 0.05, 0.10)
CONTRASTS = ("other", "mix30", "mix10", "conc", "conc40")


def paints():
    """Normalised native spectra: the base paint and each patch paint."""
    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    profile = dataclasses.replace(bruker_m6(), n_channels=1024, gain=0.03)
    model = SpectrumModel(profile)
    ground = [ground_layer("gypsum", 200.0), support_layer()]

    def spectrum(mix):
        layer = paint_layer([(get_pigment(n), f) for n, f in mix], 20.0, 0.4)
        s = np.clip(model.spectrum([layer] + ground).native, 0, None)
        return s / s.sum()

    base = spectrum([("Yellow ochre", 0.5), ("Lead white", 0.5)])
    other = spectrum([("Vermilion", 0.5), ("Lead white", 0.5)])
    patch = {
        "other": other,
        "mix30": 0.7 * base + 0.3 * other,
        "mix10": 0.9 * base + 0.1 * other,
        "conc": spectrum([("Yellow ochre", 0.3), ("Lead white", 0.7)]),
        "conc40": spectrum([("Yellow ochre", 0.4), ("Lead white", 0.6)]),
    }
    return profile.calibration, base, patch


def patch_mask(share: float, seed: int, side: int = SIDE) -> np.ndarray:
    """A rectangle of round(share * pixels) pixels (nearly square), placed at random."""
    rng = np.random.default_rng(1000 + seed)
    n = max(1, round(share * side * side))
    a = int(np.floor(np.sqrt(n)))
    b = int(np.ceil(n / a))
    m = np.zeros((side, side), bool)
    y0, x0 = rng.integers(2, side - a - 2), rng.integers(2, side - b - 2)
    m[y0 : y0 + a, x0 : x0 + b] = True
    return m


def measure(calibration, mu: np.ndarray, level: float, seed: int, mask):
    from xrf_napari.analysis.embed import (
        NOISE_SPREAD,
        choose_k,
        cluster,
        embed,
        one_material_latent,
        spread_over_noise,
    )
    from xrf_napari.analysis.pooling import decide
    from xrf_napari.cube import Cube

    data = np.random.default_rng(seed).poisson(mu * level).astype(np.uint16)
    cube = Cube(data, calibration)
    pool = decide(cube).pool
    latent = embed(cube, device="cpu", pool=pool)
    null = one_material_latent(cube, device="cpu", pool=pool)
    points = latent.reshape(-1, latent.shape[-1])
    ratio = spread_over_noise(points, null)
    k_sil, _ = choose_k(points)  # silhouettes and their blob null, no spread rule
    k_auto = cluster(latent, None, null_points=null).k
    spread_says_1, sil_says_1 = ratio < NOISE_SPREAD, k_sil == 1
    rule = {(True, True): "both", (True, False): "spread", (False, True): "silhouette"}.get(
        (spread_says_1, sil_says_1), ""
    )
    iou = []
    if mask is not None:
        for k in (2, 4):
            lab = cluster(latent, k).labels
            iou.append(
                max(((lab == j) & mask).sum() / ((lab == j) | mask).sum() for j in range(1, k + 1))
            )
    return pool, k_auto, ratio, rule if k_auto == 1 else "", iou


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--levels", type=float, nargs="+", default=[200.0, 2000.0])
    p.add_argument("--contrasts", nargs="+", default=list(CONTRASTS), choices=CONTRASTS)
    p.add_argument("--shares", type=float, nargs="+", default=list(SHARES))
    args = p.parse_args()
    print(machine_header(), flush=True)
    calibration, base, patch = paints()
    print(
        f"{'patch':<8}{'share':>7}{'px':>5}{'counts':>8}{'pooled':>7}{'auto K':>10}"
        f"{'spread':>13}{'K=1 by':>14}{'IoU K=2':>11}{'IoU K=4':>11}"
    )
    cases = [("none", 0.0)] + [(c, s) for c in args.contrasts for s in args.shares]
    for level in args.levels:
        for name, share in cases:
            rows = []
            for seed in args.seeds:
                mask = None if name == "none" else patch_mask(share, seed)
                mu = np.broadcast_to(base, (SIDE, SIDE, base.size))
                if mask is not None:
                    mu = np.where(mask[..., None], patch[name][None, None], base[None, None])
                rows.append(measure(calibration, mu, level, seed, mask))
            ks = "/".join(str(r[1]) for r in rows)
            ratios = [r[2] for r in rows]
            rules = ",".join(sorted({r[3] for r in rows if r[3]})) or "-"
            pooled = "yes" if rows[0][0] else "no"
            px = 0 if mask is None else int(mask.sum())
            iou = [np.mean([r[4][i] for r in rows]) if mask is not None else np.nan for i in (0, 1)]
            print(
                f"{name:<8}{share * 100:>6.1f}%{px:>5}{level:>8.0f}{pooled:>7}"
                f"{ks:>10}{min(ratios):>7.2f}-{max(ratios):<5.2f}{rules:>14}"
                f"{iou[0]:>11.2f}{iou[1]:>11.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
