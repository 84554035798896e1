"""Copies of the main pigment table with every paint's colour moved at random: pigment colour
randomisation for training data (issue 13), so that a recolouriser cannot learn one table's
colours by heart.

Each paint (roles pigment, white, black; grounds keep theirs) gets a Lab offset drawn from
N(0, sigma) per axis (lightness 0.7 sigma: references disagree more on hue and chroma than on
lightness), the table's seed 1000 + its index. The second table (data/pigments_alt.csv) differs
from the main one by dE00 9.1 per panel swatch on average (scripts/pigment_table_ceiling.py);
sigma 8 spreads the colours about that far. Generate with `--pigment-table` per table:

    python scripts/jitter_pigment_tables.py N SIGMA OUT_DIR      # writes OUT_DIR/jitter_<i>.csv
    xrf-napari-train generate ... --pigment-table OUT_DIR/jitter_<i>.csv --seed <one per table>
"""

from __future__ import annotations

import argparse
import csv
from importlib import resources
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main


def jittered_rows(rows: list[dict], sigma: float, seed: int) -> list[dict]:
    from skimage.color import lab2rgb

    rng = np.random.default_rng(seed)
    out = []
    for row in rows:
        row = dict(row)
        if row["role"] in ("pigment", "white", "black"):
            lab = np.array([float(row["L"]), float(row["a"]), float(row["b"])])
            lab += rng.normal(0.0, sigma, 3) * np.array([0.7, 1.0, 1.0])
            lab[0] = np.clip(lab[0], 3.0, 97.0)
            rgb = np.clip(lab2rgb(lab[None, None])[0, 0], 0.0, 1.0)
            row["srgb_hex"] = "#" + "".join(f"{int(round(255 * c)):02x}" for c in rgb)
            row["L"], row["a"], row["b"] = (f"{v:.1f}" for v in lab)
        out.append(row)
    return out


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import float_in, int_in
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.fileutil import (
        atomic_path,
        atomic_set,
        check_not_a_file_name,
        check_output_folder,
        made_folder,
    )

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # -3 said "wrote -3 tables"; a negative or NaN sigma failed in numpy with a traceback
    ap.add_argument("n", type=int_in(1, what="a number of tables"))
    ap.add_argument("sigma", type=float_in(0))
    ap.add_argument("out_dir")
    args = ap.parse_args(argv)
    text = resources.files("xrf_napari").joinpath("data/pigments.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    out = Path(args.out_dir)
    names = [f"jitter_{i}.csv" for i in range(args.n)]
    try:  # OUT_DIR a file: a FileExistsError traceback; `... tables.csv` made a folder of it
        check_not_a_file_name(out, "jitter_pigment_tables.py", "OUT_DIR")
        check_output_folder(out, names, option="OUT_DIR")
    except ValueError as exc:
        ap.error(str(exc))
    # the tables reach their names together: an interrupted run left a cut-off CSV that
    # `generate --pigment-table` would read
    with made_folder(out), atomic_set():
        for i, name in enumerate(names):
            with atomic_path(out / name) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(jittered_rows(rows, args.sigma, 1000 + i))
    print(f"wrote {args.n} tables to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
