"""Pure-swatch panels of every pigment in a table (grounds excepted), one per tube anode.

A conservator's first test is a swatch of one known pigment. `generate --kind panels` paints only
the pigments whose lines fix their colour family, with white tints, under its families' anodes;
these panels hold one masstone cell of every white, black and colour of the table (40 of the main
table) on a gypsum ground, under each anode the fit knows, so that
`scripts/eval_pigments.py OUT/panel_*.h5 --no-uvit` gives top-1 / top-3 per pigment and anode:

    PYTHONPATH=src python scripts/table_panels.py OUT --seeds 1 2 3
    PYTHONPATH=src python scripts/table_panels.py OUT_ALT --seeds 4 --table reference

Each panel's instrument is `random_profile(rng, "all")` with its anode set (40 kV; 30 kV for Cu and
Cr), its counts per pixel, resolution and ground drawn from the seed and the anode.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main
from xrf_napari.physics.tube import ANODES

COLS = 7


def table_panel(names: list[str], cell: int = 24):
    """(labels, recipes): one cell per pigment, label i = pigment i, the last label the bare
    gypsum between the cells."""
    from xrf_napari.synth.swatches import make_recipe

    rows = -(-len(names) // COLS)
    side = max(rows, COLS) * cell
    labels = np.full((side, side), len(names), np.int32)
    gap = max(2, cell // 8)
    for i in range(len(names)):
        r, c = divmod(i, COLS)
        labels[r * cell + gap : (r + 1) * cell - gap, c * cell + gap : (c + 1) * cell - gap] = i
    recipes = [make_recipe([n], [1.0]) for n in names] + [make_recipe(["Gypsum"], [1.0])]
    return labels, recipes


@script_main
def main(argv=None) -> None:
    from xrf_napari.argtypes import seed_int
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, Calibration, canonical_energy
    from xrf_napari.fileutil import check_not_a_file_name, check_output_folder
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.physics.instrument import random_profile
    from xrf_napari.physics.pigments import load_pigments, use_table
    from xrf_napari.synth.dataset import synthesize
    from xrf_napari.synth.swatches import recipe_rgb

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output folder")
    ap.add_argument("--anodes", nargs="+", default=list(ANODES), choices=ANODES)
    # a negative seed failed in numpy's default_rng with a traceback
    ap.add_argument("--seeds", nargs="+", type=seed_int, default=[1])
    ap.add_argument("--table", default="main", help="main, reference or PATH.csv")
    args = ap.parse_args(argv)
    out = Path(args.out)
    names = [f"panel_{a}_{s}.h5" for a in args.anodes for s in args.seeds]
    try:  # OUT a file: a FileExistsError traceback; `OUT panels.h5` made a folder of that name
        check_not_a_file_name(out, "table_panels.py", "OUT")
        check_output_folder(out, names, option="OUT")
    except ValueError as exc:
        ap.error(str(exc))
    try:  # a missing table or one lacking names: a traceback once OUT was made (left empty)
        with use_table(args.table):
            load_pigments()
    except (OSError, ValueError) as exc:
        ap.error(f"--table: {exc}")
    out.mkdir(parents=True, exist_ok=True)
    cal = Calibration(float(canonical_energy()[0]), CANONICAL_BIN_WIDTH, 0.0, source="file")
    with use_table(args.table):
        names = [p.name for p in load_pigments() if p.role != "ground"]
        labels, recipes = table_panel(names)
        colours = np.array([recipe_rgb(r) for r in recipes])
        rgb = np.round(colours[labels] * 255).astype(np.uint8)
        for anode in args.anodes:
            for seed in args.seeds:
                rng = np.random.default_rng([seed, ord(anode[0]), ord(anode[-1])])
                kv = 30.0 if anode in ("Cu", "Cr") else 40.0
                prof = replace(random_profile(rng, "all"), anode=anode, kv=kv, name=anode)
                cube = synthesize(rgb, rng, prof, labels=labels, recipes=recipes)
                targets = {"rgb": cube.rgb, "palette": cube.palette, "labels": cube.labels}
                meta = dict(cube.metadata, kind="panels", swatch_names=names + ["bare ground"])
                path = out / f"panel_{anode}_{seed}.h5"
                write_cube(path, cube.counts, cal, targets=targets, metadata=meta)
                print(f"{path.name}: {prof.counts_per_pixel:.0f} counts/px, {prof.fwhm_mn_ev} eV")


if __name__ == "__main__":
    raise SystemExit(main())
