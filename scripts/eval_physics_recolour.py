"""Recolour from the physics: each K-Means region of the DVE latent painted in the colour of its
best pigment hypothesis (analysis.pigment_fit), beside the SmallUViT, their combination and the
flat mean colour, on any evaluation set (the transfer sets of docs/model_card_recolouriser.md).

Per cube: the SmallUViT's recolouring (iter_recolour, which also says per pixel whether the element
lines fix the colour family, analysis/ambiguity.py); K-Means (K fixed, or automatic) on its
latent; the pigment hypotheses of each region; then four images scored against the palette target
with training/metrics.image_metrics:

- uvit: the SmallUViT;
- physics: every region in its top candidate's Kubelka-Munk colour (database colours);
- combined: physics where the lines name the colour family, SmallUViT elsewhere;
- flat: the target's own mean colour (the trivial baseline).

Pigment panels also get the per-swatch dE00 table (training/evaluate.swatch_errors).

    PYTHONPATH=src python scripts/eval_physics_recolour.py SET_DIR [--k 16] [--weights W]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main

MODELS = ("uvit", "physics", "combined", "flat")


def evaluate_cube(
    path: Path, k: int | None, weights=None, space: str = "latent", scales: int | None = None
) -> dict | str:
    """One cube's row, or why it cannot be scored (evaluate.not_scored: an export-set cube whose
    automatic calibration failed, which iter_recolour refuses). `scales`: MS-SSIM's scale count
    (5, or fewer for a set of small cubes, as `evaluate` picks it): 5 scales raised on cubes of
    160 px a side or less."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis.embed import cluster
    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.progress import run_to_end
    from xrf_napari.training.evaluate import _read, flat_mean_image, not_scored, swatch_errors
    from xrf_napari.training.metrics import image_metrics

    cube, targets, meta = _read(path)
    why = not_scored(cube)
    if why:  # it ended the run in a ValueError, after the cubes before it were scored
        return why
    cube.metadata.update(meta)  # the instrument for the physics, as a file's header gives it
    res = run_to_end(iter_recolour(cube, weights=weights, device="cpu"))
    if space == "lines":  # the element-line shares (analysis/line_features.py), 19-D
        from xrf_napari.analysis.line_features import line_features

        h, w = cube.shape[:2]
        points = line_features()(cube.to_canonical().reshape(h * w, -1)).reshape(h, w, -1)
    else:
        points = res.latent
    labels = cluster(points, k).labels
    report = pf.fit_regions(cube, labels)
    physics = np.zeros(labels.shape + (3,), np.float32)
    for r in report.regions:
        colour = r.best.rgb if r.best is not None else (0.5, 0.5, 0.5)
        physics[labels == r.label] = colour
    named = ~res.ambiguity.ambiguous
    combined = np.where(named[..., None], physics, res.rgb)
    preds = {
        "uvit": res.rgb,
        "physics": physics,
        "combined": combined,
        "flat": flat_mean_image(targets["palette"]),
    }
    row = {
        "cube": path.stem,
        "k": int(labels.max()),
        "named_share": float(named.mean()),
        **{m: image_metrics(p, targets["palette"], scales or 5) for m, p in preds.items()},
    }
    if meta.get("swatch_names") and targets.get("labels") is not None:
        row["swatches"] = swatch_errors(preds, targets["labels"], meta)
    return row


def _regions(text: str) -> int:
    """--k: 0 (automatic) or a K K-Means takes (2 to MAX_K), at parsing: --k 1 or 40 ended the
    run in a traceback ("the number of regions K must be between 2 and 30") after the first
    cube's recolouring."""
    from xrf_napari.analysis.embed import MAX_K

    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of regions") from None
    if k != 0 and not 2 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(
            f"{k} is out of range: K must be 0 (automatic) or between 2 and {MAX_K}"
        )
    return k


@script_main
def main(argv=None) -> int:
    from xrf_napari.analysis.embed import MAX_K
    from xrf_napari.argtypes import existing, int_in, output_file
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=existing("folder"), help="a folder of cubes (or an exported set)")
    ap.add_argument(
        "--k", type=_regions, default=16, help=f"K-Means regions (0: automatic, 2-{MAX_K})"
    )
    ap.add_argument("--weights", help="SmallUViT weights (default: the shipped ones)")
    ap.add_argument(
        "--space", choices=("latent", "lines"), default="latent", help="what K-Means clusters"
    )
    # `--max-cubes -1` dropped the set's last cube, 0 scored none (the mean of nothing)
    ap.add_argument("--max-cubes", type=int_in(1, what="a number of cubes"))
    ap.add_argument("--json", type=output_file, help="write per-cube rows here")
    args = ap.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(ap, "--json", args.json, [args.data, args.weights])
    from xrf_napari.synth.export import exported_cubes
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.evaluate import _set_scales

    try:  # an empty folder: one line, not a traceback ("ValueError: no cubes (*.h5) in X")
        files = (exported_cubes(args.data) or list_cubes(args.data))[: args.max_cubes]
    except ValueError as exc:
        ap.error(f"{exc} (a generated set or an export-set folder)")
    scales = _set_scales(files) or 5  # one count for the whole set, as evaluate's
    rows, skipped = [], []
    for f in files:
        t0 = time.perf_counter()
        row = evaluate_cube(Path(f), args.k or None, args.weights, args.space, scales)
        if isinstance(row, str):
            skipped.append(Path(f).name)
            print(f"{Path(f).name}: not scored: {row}", file=sys.stderr)
            continue
        rows.append(row)
        print(f"{Path(f).name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if not rows:
        print(f"{args.data}: no cube could be scored", file=sys.stderr)
        return 1
    if skipped:
        print(f"{args.data}: {len(skipped)} cube(s) not scored: {', '.join(skipped)}")
    named = 100 * np.mean([r["named_share"] for r in rows])
    print(
        f"{args.data}: {len(rows)} cubes, K {args.k or 'auto'} on the {args.space}, "
        f"lines name the colour on {named:.0f} % of pixels"
    )
    ms = "MS-SSIM" if scales == 5 else f"MS-SSIM ({scales} of 5 scales)"
    print(f"| image | {ms} | sRGB distance | dE00 mean | dE00 median |\n|---|---|---|---|---|")
    for m in MODELS:
        v = {q: np.mean([r[m][q] for r in rows]) for q in rows[0][m]}
        print(
            f"| {m} | {v['msssim']:.4f} | {v['srgb']:.4f} | {v['de_mean']:.2f} | "
            f"{v['de_median']:.2f} |"
        )
    sw = [s for r in rows for s in r.get("swatches", [])]
    if sw:
        print(
            "per swatch, mean dE00: "
            + ", ".join(
                f"{m} {np.mean([s[m] for s in sw]):.1f} "
                f"({sum(s[m] > 15 for s in sw)} of {len(sw)} > 15)"
                for m in MODELS
            )
        )
    if args.json:
        from xrf_napari.fileutil import atomic_path

        with atomic_path(args.json) as tmp:
            tmp.write_text(json.dumps(rows, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
