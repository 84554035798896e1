"""Evaluate pigment hypotheses (analysis.pigment_fit) on synthetic cubes whose recipes are known.

For every region of the true label map: does the top candidate's X-ray-visible pigment set equal the
true recipe's (top-1), is it among the top 3 (top-3), both exactly by name and up to pigments X-rays
tie (same elements from K up: lead white / red lead, azurite / malachite ...)? Colour: CIEDE2000 of
the top-1 candidate's Kubelka-Munk colour, and of the best of the top 3, to the region's true colour
(the mean source-image colour of the region, targets/palette), beside the SmallUViT's region colour.
Each cube is fitted twice: physics only, and with the SmallUViT region colour as a prior.

    PYTHONPATH=src python scripts/eval_pigments.py CUBE_DIR_OR_FILES... [--json out.json]

Regions with fewer than MIN_PIXELS interior pixels are reported as skipped, not scored.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main


def _dict_list(v):
    return ast.literal_eval(v) if isinstance(v, str) else v


def _de(rgb_a, rgb_b) -> float:
    from skimage.color import deltaE_ciede2000, rgb2lab

    la = rgb2lab(np.asarray(rgb_a, float).reshape(1, 1, 3))[0, 0]
    lb = rgb2lab(np.asarray(rgb_b, float).reshape(1, 1, 3))[0, 0]
    return float(deltaE_ciede2000(la, lb))


def cast_photo(rgb, gains) -> np.ndarray:
    """An sRGB image (uint8 or float in [0, 1]) with each channel's linear light scaled by
    `gains` (R, G, B), clipped: a photograph under a wrong white balance or a yellowed varnish."""
    x = np.asarray(rgb, np.float64)
    if np.issubdtype(np.asarray(rgb).dtype, np.integer):
        x = x / 255.0
    lin = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    lin = np.clip(lin * np.asarray(gains, np.float64), 0.0, 1.0)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def rgb_gains(text: str) -> tuple[float, float, float]:
    """argparse `type=` of --photo-cast: three gains above 0, R,G,B. A lambda said "invalid
    <lambda> value: '1,x'", and two gains or a negative one passed to a broadcast traceback or
    a photograph of clipped channels."""
    from xrf_napari.argtypes import positive_float

    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not three gains R,G,B separated by commas, e.g. 1.1,1.0,0.8"
        )
    try:
        return tuple(positive_float(p) for p in parts)
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None


def evaluate_cube(
    path: Path,
    use_uvit: bool = True,
    oracle: bool = False,
    no_base_rates: bool = False,
    photo: bool = False,
    clusters: str | None = None,
    photo_cast=None,
    pool: bool = True,
) -> list[dict]:
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis.colour_prior import photo_on_scan, region_mean_colours
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets

    cube = read_cube(path)
    t = read_targets(path)
    if photo_cast is not None:  # the photograph's white balance off (or a yellowed varnish)
        t["rgb"] = cast_photo(t["rgb"], photo_cast)
    labels = t["labels"].astype(np.int32) + 1
    # the source painting as a registered photograph on the scan's grid, the way --photo reads one
    needs_photo = photo or clusters in ("lines", "lines+photo")
    shot_img = photo_on_scan(t["rgb"], labels.shape) if needs_photo else None
    recipes = _dict_list(cube.metadata["regions"])
    purity = {int(k): 1.0 for k in np.unique(labels)}
    true, true_recipes = labels, recipes
    if clusters:  # what a user has: K-Means with automatic K on the DVE latent, as the CLI
        if clusters != "latent":  # or on the element-line shares, beside the photograph's colour
            from xrf_napari.analysis.colour_prior import REGION_K, lines_and_photo_points
            from xrf_napari.analysis.embed import cluster
            from xrf_napari.analysis.pooling import decide

            # a low-count scan pooled 3 x 3 first, as the dock and the CLI do
            points = lines_and_photo_points(cube, shot_img, decide(cube, pool).pool)
            # lines + photograph: as the dock and the CLI; lines alone: Embed & cluster's K
            kw = REGION_K if clusters == "lines+photo" else {}
            if clusters == "lines":
                points = points[..., :-3]
            labels = cluster(points, **kw).labels.astype(np.int32)
        else:
            from xrf_napari.cli.pigments_cmd import cluster_labels

            labels = np.asarray(cluster_labels(cube, None, "cpu", False, pool), np.int32)
        # each found region is judged against the recipe of the true region most of it covers
        majority = {}
        for k in np.unique(labels[labels > 0]):
            counts = np.bincount(true[labels == k])
            majority[int(k)] = int(np.argmax(counts))
            purity[int(k)] = float(counts.max() / counts.sum())
        recipes = [
            recipes[majority[k] - 1] if k in majority else None for k in range(1, labels.max() + 1)
        ]
    profile, _ = pf.instrument_for(cube)
    lib = pf.component_library(profile)
    true_rgb = region_mean_colours(t["palette"], labels)
    uvit = {}
    if use_uvit:
        from xrf_napari.analysis.recolour import iter_recolour
        from xrf_napari.progress import run_to_end

        uvit = region_mean_colours(run_to_end(iter_recolour(cube, device="cpu")).rgb, labels)
    runs = {"physics": None}
    t0 = time.perf_counter()
    runs["physics"] = pf.fit_regions(cube, labels)
    t_fit = time.perf_counter() - t0
    if no_base_rates:  # what the pigments' base rates (pigment_fit.USAGE_FILE) change
        runs["physics, no base rates"] = pf.fit_regions(cube, labels, usage_prior=False)
    if use_uvit:
        runs["physics+uvit"] = pf.fit_regions(cube, labels, colour_priors=uvit)
    if photo:
        shot = region_mean_colours(shot_img, labels)
        runs["physics+photograph"] = pf.fit_regions(
            cube, labels, colour_priors=shot, colour_source="photograph"
        )
    if oracle:  # the ceiling of the combination: a colour engine as good as the truth
        runs["physics+true colour (oracle)"] = pf.fit_regions(
            cube, labels, colour_priors=true_rgb, colour_source="photograph"
        )
    known = {p.name.lower() for p in lib.pigments}
    rows = []
    for mode, rep in runs.items():
        for r in rep.regions:
            rec = recipes[r.label - 1]
            if not all(n.lower() in known for n in rec["pigments"]):  # a panel's bare ground
                continue
            truth = pf.visible_pigments(rec["pigments"], profile)
            row = {
                "cube": path.name,
                "mode": mode,
                "region": r.label,
                "pixels": r.n_pixels,
                "counts": round(r.counts),
                "recipe": rec["pigments"],
                "purity": round(purity[r.label], 3),
                "visible": sorted(truth),
                "fit_s": round(t_fit, 2),
                "ground": rep.ground,
                "true_ground": [g["name"] for g in _dict_list(cube.metadata["ground"])],
            }
            if not r.candidates:
                row["skipped"] = r.message
                rows.append(row)
                continue
            vis = [{n for n in c.pigments if lib.visible[lib.index(n)]} for c in r.candidates]

            def twin(s):
                return sorted(int(lib.twin_class[lib.index(n)]) for n in s)

            # pixels named right: those whose own true recipe's visible set is the top-1's
            inside = np.bincount(true[labels == r.label], minlength=len(true_recipes) + 1)
            px_right = sum(
                int(inside[t])
                for t in np.nonzero(inside)[0]
                if t > 0
                and all(n.lower() in known for n in true_recipes[t - 1]["pigments"])
                and pf.visible_pigments(true_recipes[t - 1]["pigments"], profile) == vis[0]
            )
            row.update(
                px_right=px_right,
                px_total=int(inside[1:].sum()),
                top1=vis[0] == truth,
                top3=truth in vis[:3],
                top1_twin=twin(vis[0]) == twin(truth),
                top3_twin=twin(truth) in [twin(v) for v in vis[:3]],
                best=r.best.pigments,
                best_visible=sorted(vis[0]),
                fractions=[round(f, 4) for f in r.best.fractions],
                prob=round(r.best.probability, 3),
                de_top1=_de(r.best.rgb, true_rgb[r.label]),
                de_top3=min(_de(c.rgb, true_rgb[r.label]) for c in r.candidates[:3]),
                de_recipe=float(rec.get("delta_e", np.nan)),
            )
            if uvit:
                row["de_uvit"] = _de(uvit[r.label], true_rgb[r.label])
            # hidden pigments: those of the recipe the top-1 does not already hold
            row["hidden_recipe"] = sorted(
                n
                for n in rec["pigments"]
                if not lib.visible[lib.index(n)] and n not in r.best.pigments
            )
            mix = r.suggested  # the top-1 with the hidden partner a photograph suggests
            row["suggested"] = mix.suggested_partner if mix else None
            # the colour pigment_recolour.png gives with --paint-suggested
            row["de_top1_partner"] = _de(mix.rgb, true_rgb[r.label]) if mix else row["de_top1"]
            rows.append(row)
    return rows


def summarise(rows: list[dict]) -> str:
    out = []
    for mode in sorted({r["mode"] for r in rows}):
        rs = [r for r in rows if r["mode"] == mode and "skipped" not in r]
        sk = sum(1 for r in rows if r["mode"] == mode and "skipped" in r)
        if not rs:
            continue

        def m(k, rs=rs):
            return float(np.mean([r[k] for r in rs]))

        line = (
            f"| {mode} | {len(rs)} (+{sk} skipped) | {m('top3'):.1%} | {m('top1'):.1%} | "
            f"{m('top3_twin'):.1%} | {m('top1_twin'):.1%} | {m('de_top1'):.1f} | "
            f"{m('de_top3'):.1f} | " + (f"{m('de_uvit'):.1f} |" if "de_uvit" in rs[0] else "n/a |")
        )
        out.append(line)
    head = (
        "| mode | regions | top-3 visible set | top-1 exact | top-3 (twins equal) "
        "| top-1 (twins equal) | dE00 top-1 | dE00 best of top-3 | dE00 SmallUViT |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    for mode in sorted({r["mode"] for r in rows}):
        rs = [r for r in rows if r["mode"] == mode and "px_total" in r]
        if rs:
            right = sum(r["px_right"] for r in rs) / max(sum(r["px_total"] for r in rs), 1)
            out.append(
                f"({mode}: pixels whose true visible set is their region's top-1: {right:.1%})"
            )
    for mode in sorted({r["mode"] for r in rows}):
        rs = [r for r in rows if r["mode"] == mode and "de_top1_partner" in r]
        if any(r["suggested"] for r in rs):
            de = np.mean([r["de_top1_partner"] for r in rs])
            out.append(f"({mode}: dE00 top-1 with its suggested hidden partner mixed in: {de:.1f})")
    pur = [r["purity"] for r in rows if r["mode"] == "physics"]
    if pur and min(pur) < 1.0:
        out.append(
            f"(found regions: mean purity {np.mean(pur):.1%}, the share of a region's pixels in "
            "the true region it is judged against)"
        )
    return head + "\n" + "\n".join(out)


def hidden_summary(rows: list[dict]) -> str:
    """Per mode with a colour prior: how often the suggested hidden partner is in the recipe,
    against always naming the recipes' most common hidden pigment (which knows the answers'
    statistics), and how often one is suggested where the recipe hides nothing."""
    from collections import Counter

    out = []
    for mode in sorted({r["mode"] for r in rows}):
        rs = [r for r in rows if r["mode"] == mode and "skipped" not in r]
        if not any(r["suggested"] for r in rs):
            continue
        hid = [r for r in rs if r["hidden_recipe"]]
        clean = [r for r in rs if not r["hidden_recipe"]]
        right = sum(r["suggested"] in r["hidden_recipe"] for r in hid)
        ranked = Counter(n for r in hid for n in r["hidden_recipe"]).most_common(1)
        common = ranked[0][0] if ranked else "-"
        base = sum(common in r["hidden_recipe"] for r in hid)
        out.append(
            f"hidden partners ({mode}): {len(hid)} regions hide a pigment the top-1 lacks; "
            f"one suggested in {sum(bool(r['suggested']) for r in hid)}, in the recipe in {right} "
            f"({right / max(len(hid), 1):.1%}; always '{common}': {base}, "
            f"{base / max(len(hid), 1):.1%}); suggested where nothing is hidden: "
            f"{sum(bool(r['suggested']) for r in clean)} of {len(clean)}"
        )
    return "\n".join(out)


def breakdown(rows: list[dict], mode: str = "physics") -> str:
    """Why top-1 missed, per region of `mode`: a twin swapped in (same elements), pigments added,
    pigments lost, or a different set; and which pigments were added and lost most often."""
    from collections import Counter

    rs = [r for r in rows if r["mode"] == mode and "skipped" not in r and not r["top1"]]
    kinds, added, lost = Counter(), Counter(), Counter()
    for r in rs:
        truth, vis = set(r["visible"]), set(r["best_visible"])
        kind = (
            "twin swapped in"
            if r["top1_twin"]
            else "pigment added"
            if vis > truth
            else "pigment lost"
            if vis < truth
            else "other set"
        )
        kinds[kind] += 1
        if kind != "twin swapped in":
            added.update(vis - truth)
            lost.update(truth - vis)
    n = sum(1 for r in rows if r["mode"] == mode and "skipped" not in r)
    out = [f"top-1 misses ({mode}): {len(rs)} of {n} regions"]
    out += [f"  {k}: {v} ({v / max(n, 1):.1%})" for k, v in kinds.most_common()]
    out.append("  added most often: " + ", ".join(f"{k} {v}" for k, v in added.most_common(6)))
    out.append("  lost most often: " + ", ".join(f"{k} {v}" for k, v in lost.most_common(6)))
    return "\n".join(out)


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing, output_file
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "inputs",
        nargs="+",
        type=existing("file or folder"),  # a missing one: a CubeReadError traceback
        help="cube files or folders of cube_*.h5",
    )
    ap.add_argument("--json", type=output_file, help="write per-region rows here")
    ap.add_argument(
        "--no-uvit", action="store_true", help="skip the SmallUViT (no colour prior, no UViT dE)"
    )
    ap.add_argument(
        "--oracle",
        action="store_true",
        help="also rank with the true region colour as the prior (the combination's ceiling)",
    )
    ap.add_argument(
        "--photo",
        action="store_true",
        help="also rank with the cube's source painting (targets/rgb) as a registered photograph",
    )
    ap.add_argument(
        "--photo-cast",
        type=rgb_gains,
        metavar="R,G,B",
        help="with --photo: scale the photograph's linear R, G, B by these gains first (a wrong "
        "white balance or a yellowed varnish, e.g. 1.1,1.0,0.8)",
    )
    ap.add_argument(
        "--clusters",
        nargs="?",
        const="latent",
        choices=("latent", "lines", "lines+photo"),
        help="regions from K-Means with automatic K on the shipped DVE's latent (as the CLI "
        "without --labels), on the element-line shares, or on those and the photograph's colour "
        "(as the CLI with --photo and without --labels), instead of the true regions; each is "
        "judged against the recipe of the true region it mostly covers",
    )
    ap.add_argument(
        "--no-pool",
        action="store_true",
        help="with --clusters: never pool a low-count scan 3 x 3 before finding regions (the "
        "plugin does, below analysis.pooling.POOL_BELOW_COUNTS counts per pixel)",
    )
    ap.add_argument(
        "--no-base-rates",
        action="store_true",
        help="also rank without the pigments' base rates (what they change)",
    )
    args = ap.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(ap, "--json", args.json, args.inputs)
    if args.photo_cast and not (args.photo or args.clusters in ("lines", "lines+photo")):
        ap.error("--photo-cast changes the photograph: give --photo (or --clusters lines+photo)")
    from xrf_napari.synth.dataset import without_native_copies

    files = []
    for s in args.inputs:
        p = Path(s)
        if not p.is_dir():  # a file named is scored: a named _native.h5 was said "a folder"
            files.append(p)
            continue
        # each painting once: a cube's copy at native channels beside it left out
        found = without_native_copies(sorted(p.glob("cube_*.h5")))
        if not found:  # it printed "0 of 0 regions" tables, exit 0
            ap.error(f"{s}: a folder holding no cube (cube_*.h5)")
        files += found
    rows = []
    for f in files:
        t0 = time.perf_counter()
        rows += evaluate_cube(
            f,
            use_uvit=not args.no_uvit,
            oracle=args.oracle,
            no_base_rates=args.no_base_rates,
            photo=args.photo,
            clusters=args.clusters,
            photo_cast=args.photo_cast,
            pool=not args.no_pool,
        )
        print(f"{f.name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.json:
        from xrf_napari.fileutil import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    print(summarise(rows))
    print(breakdown(rows))
    print(hidden_summary(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
