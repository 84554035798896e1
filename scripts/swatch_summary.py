"""Per-pigment ΔE00 over several `xrf-napari-train evaluate` runs on pigment panels (eval.json).

Pools the swatch rows of every panel cube of the given runs (e.g. the same weights through three
instrument families), then prints one markdown row per pigment (its masstone and tints averaged),
the mean over all swatches and how many swatches (each averaged over the panels) are further than
15, per model. Several labelled groups of
runs give one column group each, so a candidate and the shipped pair can share a table:

    python scripts/swatch_summary.py new=runs/eval/new_panels_*/eval.json \
        shipped=runs/eval/shipped_panels_*/eval.json
"""

from __future__ import annotations

import glob
import json
from collections import defaultdict

from xrf_napari.cli import script_main

MODELS = {"uvit": "SmallUViT", "pixel_mlp": "per-pixel MLP", "flat_mean": "flat mean colour"}


def pigment_of(swatch: str) -> str:
    return swatch.split(" + ")[0]


def tint_of(swatch: str) -> str:
    """'Cadmium yellow + 50% zinc white' -> 'Cadmium yellow + 50% white' (panels differ in the
    white they tint with)."""
    pig, _, rest = swatch.partition(" + ")
    return f"{pig} + {rest.split()[0]} white" if rest else pig


def load(pattern: str) -> list[dict]:
    rows = []
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            rows += [r for c in json.load(f)["per_cube"] for r in c.get("swatches", [])]
    return rows


@script_main
def main(argv=None) -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument("groups", nargs="+", help="LABEL=GLOB of eval.json files")
    args = p.parse_args(argv)
    columns, order = [], []
    for spec in args.groups:
        label, eq, pattern = spec.partition("=")
        if not (eq and label and pattern):  # `x.json` said "no swatch rows in " (an empty GLOB)
            p.error(f"{spec!r}: give LABEL=GLOB, e.g. v4='runs/eval_v4/*/eval.json'")
        if not glob.glob(pattern):
            p.error(f"{spec!r}: no file matches {pattern}")
        rows = load(pattern)
        if not rows:
            raise SystemExit(f"no swatch rows in {pattern}")
        per = defaultdict(lambda: defaultdict(list))
        for r in rows:
            order.append(pigment_of(r["swatch"]))
            for m in MODELS:
                if m in r:
                    per[m][pigment_of(r["swatch"])].append(r[m])
        for m in MODELS:
            if per[m]:
                by_swatch = defaultdict(list)  # each swatch's mean over the panels
                for r in rows:
                    by_swatch[tint_of(r["swatch"])].append(r[m])
                means = [sum(v) / len(v) for v in by_swatch.values()]
                columns.append((f"{label} {MODELS[m]}", per[m], means))
    order = list(dict.fromkeys(order))
    print("| pigment | " + " | ".join(c[0] for c in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for pig in order:
        vals = [sum(c[1][pig]) / len(c[1][pig]) if c[1][pig] else float("nan") for c in columns]
        print(f"| {pig} | " + " | ".join(f"{v:.1f}" for v in vals) + " |")
    n = len(columns[0][2])
    print(
        f"| **all {n} swatches (masstone + tints), mean over panels** | "
        + " | ".join(f"**{sum(c[2]) / len(c[2]):.1f}**" for c in columns)
        + " |"
    )
    print(
        "| swatches further than 15 | "
        + " | ".join(f"{sum(v > 15 for v in c[2])} of {len(c[2])}" for c in columns)
        + " |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
