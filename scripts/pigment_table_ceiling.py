"""How far apart two pigment tables put the same swatch: the floor of any model of our table.

For every swatch of panels made with another pigment table (`generate --kind panels
--pigment-table reference`), the swatch's true colour (its palette target) against the same
recipe (pigments and fractions from the cube's metadata) coloured with the main table by the
generator's Kubelka-Munk mixing: what a model that knew our table perfectly and read the exact
recipe from the spectrum would answer. Bare ground is skipped.

    PYTHONPATH=src python scripts/pigment_table_ceiling.py PANEL_DIR [PANEL_DIR ...]
"""

from __future__ import annotations

import argparse
import ast
import collections
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main


def _de(a, b) -> float:
    from skimage.color import deltaE_ciede2000, rgb2lab

    la, lb = (rgb2lab(np.reshape(v, (1, 1, 3)))[0, 0] for v in (a, b))
    return float(deltaE_ciede2000(la, lb))


def swatch_floor(folders) -> dict[str, list[float]]:
    """{first pigment of the recipe: [dE00 per swatch, masstone first as the panels list them]}"""
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import load_pigments
    from xrf_napari.synth.dataset import without_native_copies

    main = {p.name.lower(): p for p in load_pigments()}
    per = collections.defaultdict(list)
    for folder in folders:
        found = sorted(Path(folder).glob("cube_*.h5"))
        # not the copy at native channels `generate --native` writes beside each cube (the same
        # swatches: each was scored twice), as training.data.list_cubes skips it
        for f in without_native_copies(found):
            recs = read_cube(f).metadata["regions"]
            recs = ast.literal_eval(recs) if isinstance(recs, str) else recs
            t = read_targets(f)
            lab, pal = t["labels"].astype(int).ravel(), t["palette"].reshape(-1, 3) / 255.0
            for k, r in enumerate(recs):
                names = [n.lower() for n in r["pigments"]]
                if not all(n in main for n in names) or main[names[0]].role == "ground":
                    continue
                ours = km_mix(
                    np.array([main[n].rgb for n in names]), np.asarray(r["fractions"], float)[None]
                )[0]
                per[r["pigments"][0]].append(_de(pal[lab == k].mean(axis=0), ours))
    return per


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "folders", nargs="+", type=existing("folder"), help="generated sets of panels (cube_*.h5)"
    )
    folders = ap.parse_args(argv).folders
    for folder in folders:  # one holding none made "| all 0 swatches | nan (0 above 15) |", exit 0
        if not any(Path(folder).glob("cube_*.h5")):
            ap.error(f"{folder}: a folder holding no cube (cube_*.h5)")
    per = swatch_floor(folders)
    print("| pigment | masstone + tints, mean dE00 | masstone |\n|---|---|---|")
    for name, v in sorted(per.items(), key=lambda kv: -np.mean(kv[1])):
        print(f"| {name} | {np.mean(v):.1f} | {v[0]:.1f} |")
    v = [x for vs in per.values() for x in vs]
    print(f"| all {len(v)} swatches | {np.mean(v):.1f} ({sum(x > 15 for x in v)} above 15) | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
