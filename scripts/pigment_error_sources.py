#!/usr/bin/env python
"""Why the pigment hypotheses miss: search or score? (issue 14's top-1 target, measured.)

For every region of held-out cubes with known recipes (true regions as labels), the region is
ranked twice by `analysis.pigment_fit.rank_region`: as shipped, and with the true recipe's visible
pigments forced into the shortlist (`always=`), so that the true candidate is always enumerated
and scored.
Each region whose top-1 is not the true visible set falls in one class:

* twin: the top-1 shows the same elements from K up as the true recipe, its hidden pigments with
  lines included (X-ray twins: lead white beside another lead pigment, an ochre for Van Dyke
  brown's iron; only colour or base rates can settle it);
* search: with the truth enumerated, it ranks first (a better shortlist would fix it);
* score: with the truth enumerated, a wrong candidate still scores higher (the forward model,
  noise or the penalty prefer it: no search can fix it); the median score gap is printed;
* not a candidate: the truth is outside what the ranking may propose (two X-ray twins at once,
  which no spectrum can apportion; more than two colours; a pigment it cannot fit; or dropped as
  a share under MIN_SHARE).

With --colour it also measures the colour ceiling of an X-ray identification: the colour of the
candidate naming the true visible set (fractions as fitted), split by whether the recipe holds a
pigment X-rays cannot rank (carbon black, indigo, the lakes, ultramarine, Van Dyke brown).

    PYTHONPATH=src python scripts/pigment_error_sources.py DATA_DIR [--colour] [--json OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main


def regions_of(cube, labels, recipes):
    """(lib, ground, energy, [(label, y, leak, true visible indices)]) as iter_fit_regions sees
    them; labels 1..N index `recipes` (dicts with "pigments"), 0 is no region."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.energy import canonical_energy

    profile, notes = pf.instrument_for(cube)
    r = pf.region_inputs(cube, labels, profile, notes)
    lib = r.lib
    known = {p.name.lower() for p in lib.pigments}
    out = []
    for lab, y, leak, good in zip(r.labels, r.sums, r.leaks, r.ok):
        rec = recipes[int(lab) - 1]
        if not good or not all(n.lower() in known for n in rec["pigments"]):
            continue  # too small, or a panel's bare ground
        truth = sorted(lib.index(n) for n in pf.visible_pigments(rec["pigments"], r.profile))
        recipe = sorted(i for i in map(lib.index, rec["pigments"]) if lib.fittable[i])
        out.append((int(lab), y, leak, tuple(truth), tuple(recipe)))
    return lib, r.ground, canonical_energy(), out


def read_generated(path: Path):
    """(cube, labels 1..N, recipes) of a cube written by `xrf-napari-train generate`."""
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets

    cube = read_cube(path)
    labels = read_targets(path)["labels"].astype(np.int32) + 1
    recipes = cube.metadata["regions"]
    return cube, labels, json.loads(recipes) if isinstance(recipes, str) else recipes


def _visible(lib, c) -> set[str]:
    return {n for n in c.pigments if lib.visible[lib.index(n)]}


def truth_enumerated(lib, ground, energy, y, leak, truth, recipe=()):
    """(candidates ranked with the true recipe's pigments forced into the shortlist, index of the
    first naming the true visible set or None)."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis._threads import one_thread

    names = {lib.pigments[i].name for i in truth}
    with one_thread():
        always = tuple(sorted(set(truth) | set(recipe)))  # hidden pigments with lines too
        ranked, _ = pf.rank_region(lib, y, ground, energy, None, 10_000, leak, always=always)
    hit = next((k for k, c in enumerate(ranked) if _visible(lib, c) == names), None)
    return ranked, hit


def shipped_ranking(lib, ground, energy, y, leak):
    """The region's candidates as shipped (physics only)."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis._threads import one_thread

    with one_thread():
        return pf.rank_region(lib, y, ground, energy, None, pf.TOP_N, leak)[0]


def classify(lib, ground, energy, y, leak, truth, recipe=(), shipped=None, forced=None) -> dict:
    """shipped / forced: `shipped_ranking` and `truth_enumerated` of this region, when already
    computed (--colour needs them too)."""
    from xrf_napari.analysis import pigment_fit as pf

    names = {lib.pigments[i].name for i in truth}

    def visible(c):
        return _visible(lib, c)

    if shipped is None:
        shipped = shipped_ranking(lib, ground, energy, y, leak)
    if not shipped:
        return {"class": "no candidates"}
    top = visible(shipped[0])
    if top == names:
        return {"class": "right"}
    shown = pf._xray_key(lib, [lib.index(n) for n in shipped[0].pigments])
    if shown == pf._xray_key(lib, recipe or truth):
        return {"class": "twin", "top": sorted(top)}
    ranked, hit = forced or truth_enumerated(lib, ground, energy, y, leak, truth, recipe)
    if hit is None:
        roles = [p.role for p in lib.pigments]
        if len({int(lib.twin_class[i]) for i in truth}) < len(truth):
            why = "holds two X-ray twins"
        elif not pf._allowed(truth, roles):
            why = "more colours than a candidate may have"
        elif not all(lib.fittable[i] for i in truth):
            why = "a pigment the fit does not use"
        else:
            why = "a pigment's share under MIN_SHARE"
        return {"class": "not a candidate", "why": why}
    if hit == 0:
        return {"class": "search", "top": sorted(top)}
    gap = ranked[0].log_score - ranked[hit].log_score
    return {"class": "score", "gap": gap, "rank": hit + 1, "top": sorted(top)}


def colour_when_named(
    lib, ground, energy, y, leak, truth, recipe, true_rgb, shipped=None, forced=None
) -> dict:
    """The colour an X-ray identification can give at best: dE00 to the region's true colour of
    the shipped top-1 and of the best-scored candidate naming the true visible set (fractions as
    fitted), i.e. the top-1's colour were every identification right. shipped / forced as in
    `classify`."""
    from xrf_napari.training.metrics import ciede2000

    def de(rgb):
        return ciede2000(np.reshape(rgb, (1, 1, 3)), np.reshape(true_rgb, (1, 1, 3)))[0]

    if shipped is None:
        shipped = shipped_ranking(lib, ground, energy, y, leak)
    ranked, hit = forced or truth_enumerated(lib, ground, energy, y, leak, truth, recipe)
    return {
        "de_top1": de(shipped[0].rgb) if shipped else float("nan"),
        "de_named": de(ranked[hit].rgb) if hit is not None else float("nan"),
    }


def colour_summary(rows: list[dict]) -> str:
    """Mean / median dE00 of the shipped top-1 and of the true visible set as fitted, over all
    regions and split by whether the recipe holds a pigment X-rays cannot rank."""

    def stat(rs, key):
        v = np.array([r[key] for r in rs], float)
        v = v[np.isfinite(v)]
        return f"{v.mean():.1f} / {np.median(v):.1f} (n {len(v)})" if len(v) else "n/a"

    lines = ["colour, dE00 mean / median: shipped top-1 | the true visible set named (fitted)"]
    for name, rs in (
        ("all regions", rows),
        ("recipe holds a pigment X-rays cannot rank", [r for r in rows if r["hides"]]),
        ("recipe fully visible", [r for r in rows if not r["hides"]]),
    ):
        lines.append(f"  {name}: {stat(rs, 'de_top1')} | {stat(rs, 'de_named')}")
    return "\n".join(lines)


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import output_file  # one line, not a traceback
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import cube_set

    ap = CommandParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=cube_set, help="folder of generated cubes (with their recipes)")
    ap.add_argument("--json", type=output_file, help="write the per-region classes here")
    ap.add_argument(
        "--colour",
        action="store_true",
        help="also the colour ceiling: dE00 of the candidate naming the true visible set",
    )
    args = ap.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(ap, "--json", args.json, [args.data])
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis.colour_prior import region_mean_colours
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.training.data import list_cubes

    rows = []
    for path in list_cubes(args.data):
        cube, labels, recipes = read_generated(path)
        lib, ground, energy, regions = regions_of(cube, labels, recipes)
        true_rgb = region_mean_colours(read_targets(path)["palette"], labels)
        for lab, y, leak, truth, recipe in regions:
            region = (lib, ground, energy, y, leak)
            shipped = shipped_ranking(*region)
            # the forced ranking once per region, for both the class and the colour
            forced = truth_enumerated(*region, truth, recipe) if args.colour else None
            row = classify(*region, truth, recipe, shipped=shipped, forced=forced)
            row.update(cube=path.name, region=lab, truth=[lib.pigments[i].name for i in truth])
            if args.colour:
                full = recipes[lab - 1]["pigments"]
                row.update(
                    colour_when_named(
                        *region, truth, recipe, true_rgb[lab], shipped=shipped, forced=forced
                    ),
                    hides=len(pf.visible_pigments(full, lib.profile)) < len(full),
                )
            rows.append(row)
        print(f"{path.name}: {len(regions)} regions", file=sys.stderr)
    n = len(rows)
    print(f"{n} regions of {args.data}")
    for cls in ("right", "twin", "search", "score", "not a candidate", "no candidates"):
        k = [r for r in rows if r["class"] == cls]
        extra = ""
        if cls == "score" and k:
            fewer = sum(len(r["top"]) < len(r["truth"]) for r in k)
            more = sum(len(r["top"]) > len(r["truth"]) for r in k)
            extra = (
                f" (score gap median {np.median([r['gap'] for r in k]):.1f}, true candidate's "
                f"rank median {np.median([r['rank'] for r in k]):.0f}; top-1 has fewer pigments "
                f"than the truth in {fewer}, more in {more}, as many in {len(k) - fewer - more})"
            )
        if cls == "not a candidate" and k:
            whys = sorted({r["why"] for r in k})
            extra = " (" + "; ".join(f"{w}: {sum(r['why'] == w for r in k)}" for w in whys) + ")"
        print(f"  {cls}: {len(k)} ({100 * len(k) / max(n, 1):.1f} %){extra}")
    if args.colour:
        print(colour_summary(rows))
    if args.json:
        from xrf_napari.fileutil import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(rows, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
