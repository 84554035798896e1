"""Regenerate the two sample cubes shipped for napari's File > Open Sample (deterministic):

    src/xrf_napari/sample_data/panel.h5     96 x 128 panel of 12 pigment swatches (one pigment each)
    src/xrf_napari/sample_data/painting.h5  128 x 128 procedural painting, pigment recipes by colour

Both: canonical 512-channel grid (uint16, gzip), targets rgb/palette/labels, metadata with the
instrument profile and recipes. Usage: python sample_data/make_samples.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PANEL_PIGMENTS = [
    "Lead white",
    "Vermilion",
    "Red lead",
    "Lead-tin yellow I",
    "Naples yellow",
    "Yellow ochre",
    "Malachite",
    "Emerald green",
    "Azurite",
    "Smalt",
    "Prussian blue",
    "Bone black",
]


def sample_profile():
    from xrf_napari.physics.instrument import InstrumentProfile

    return InstrumentProfile(
        anode="Rh",
        kv=40.0,
        n_channels=2048,
        offset=-0.02,
        gain=0.015,
        fwhm_mn_ev=140.0,
        counts_per_pixel=1000.0,
        optic="polycapillary",
        optic_cutoff_kev=20.0,
        incidence_deg=90.0,
        takeoff_deg=55.0,
        path_cm=1.0,
        name="sample scanner (Rh 40 kV)",
    )


def write(path: Path, cube, profile, extra: dict):
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, Calibration, canonical_energy
    from xrf_napari.io.project_h5 import write_cube

    e = canonical_energy()
    cal = Calibration(float(e[0]), CANONICAL_BIN_WIDTH, 0.0, source="file")
    meta = dict(cube.metadata, **extra, name=path.stem, grid="canonical")
    write_cube(
        path,
        cube.counts,
        cal,
        targets={"rgb": cube.rgb, "palette": cube.palette, "labels": cube.labels},
        metadata=meta,
    )
    print(
        f"{path}: {cube.counts.shape}, {path.stat().st_size / 2**20:.2f} MiB, "
        f"mean counts/pixel {cube.counts.sum(axis=2).mean():.0f}"
    )


def make_panel(out: Path):
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.synth.dataset import synthesize
    from xrf_napari.synth.procedural import swatch_panel
    from xrf_napari.synth.recipes import Recipe

    rgb, labels = swatch_panel(PANEL_PIGMENTS, rows=3, cols=4, cell=32, gap=0)
    recipes = [
        Recipe([n], [1.0], list(get_pigment(n).lab), list(get_pigment(n).lab), 0.0)
        for n in PANEL_PIGMENTS
    ]
    rng = np.random.default_rng(np.random.SeedSequence([2024, 1]))
    cube = synthesize(rgb, rng, sample_profile(), labels=labels, recipes=recipes, blur_px=0.8)
    write(
        out / "panel.h5",
        cube,
        sample_profile(),
        {"seed": 2024, "source": {"image": "swatch panel"}, "pigments": PANEL_PIGMENTS},
    )


def make_painting(out: Path):
    from xrf_napari.synth.dataset import synthesize
    from xrf_napari.synth.procedural import procedural_painting

    rng = np.random.default_rng(np.random.SeedSequence([2024, 2]))
    rgb = procedural_painting(rng, 128)
    cube = synthesize(rgb, rng, sample_profile())
    write(
        out / "painting.h5",
        cube,
        sample_profile(),
        {"seed": 2024, "source": {"image": "procedural"}},
    )


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", default=str(ROOT / "src" / "xrf_napari" / "sample_data"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    make_panel(out)
    make_painting(out)


if __name__ == "__main__":
    main()
