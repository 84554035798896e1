"""Count how often each database pigment appears in the regions of synthetic training cubes.

The counts become the base-rate prior that breaks ties between pigments X-rays cannot tell apart
(analysis.pigment_fit, `usage_log_prior`): lead white is in about 2.7 times as many of our
generator's painting regions as red lead, which has the same lines. Count training-split cubes
only, never a set the pigment hypotheses are evaluated on: a set made from --images must record
split 'train'; one of procedural paintings records none (generate's --split chooses among images)
and is counted, a set of pigment panels (made for evaluation) is refused.

    PYTHONPATH=src python scripts/pigment_usage.py TRAIN_DIR [--out data/pigment_usage.json]

or, without generating the cubes (the same recipes, synth.dataset.draw_recipes; about a minute
for 256 cubes instead of 8 and 16 GB), as `generate` would make the training set:

    PYTHONPATH=src python scripts/pigment_usage.py --draw IMAGES_DIR [--n-cubes 256 --size 256
        --seed 71 --profiles wide --swatch-fraction 0.15 --bare-ground 0.2 --character 0]

(the defaults: the set the shipped counts come from; default --out:
src/xrf_napari/data/pigment_usage.json, the package data the fit reads)
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import sys
from pathlib import Path

from xrf_napari.cli import script_main


def count(folder: Path) -> dict:
    import h5py

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    # generate records no split without --images (since 2026-12-05: `--split train` of procedural
    # paintings chose nothing); such a set was counted when made with --split train, and still is
    procedural = manifest.get("split") is None and not manifest.get("images_dir")
    if procedural and manifest.get("kind") == "panels":
        raise SystemExit(
            f"{folder}: a set of pigment panels (every pigment alike, made for evaluation): its "
            "regions are no painting's base rates; count a set of paintings"
        )
    if not procedural and manifest.get("split") != "train":
        raise SystemExit(f"{folder}: split {manifest.get('split')!r}, not 'train'")
    from xrf_napari.synth.dataset import without_native_copies

    found = sorted(folder.glob("cube_*.h5"))
    # not the copy at native channels `generate --native` writes beside each cube (the same
    # painting: its regions were counted twice), as training.data.list_cubes skips it
    cubes = []
    for f in without_native_copies(found):
        with h5py.File(f, "r") as h:
            meta = json.loads(h.attrs["metadata"])
        recs = meta["regions"]
        recs = ast.literal_eval(recs) if isinstance(recs, str) else recs
        cubes.append([r["pigments"] for r in recs])
    return tally(cubes, manifest, str(folder.name))


def draw(images_dir: Path, **options) -> dict:
    """The counts of the training set `generate --split train` would make, from its recipes
    drawn without spectra (synth.dataset.draw_recipes)."""
    from xrf_napari.synth.dataset import GenerateConfig, _manifest_head, draw_recipes, list_images

    images = [str(p) for p in list_images(images_dir, "train")]
    cfg = GenerateConfig(out="", split="train", images=images, **options)
    return tally(draw_recipes(cfg), _manifest_head(cfg, str(images_dir)), "drawn")


def tally(cubes, manifest: dict, source: str) -> dict:
    """Regions holding each pigment, over `cubes` (per cube, per region, its pigments)."""
    counts: collections.Counter = collections.Counter()
    for recs in cubes:
        for pigments in recs:
            counts.update(set(pigments))
    keep = {
        k: manifest[k]
        for k in (
            "generator",
            "seed",
            "n_cubes",
            "size",
            "profiles",
            "split",
            "kind",
            "swatch_fraction",
            "bare_ground",
            "character",
            "pigment_table",
        )
        if k in manifest
    }
    return {
        "source": source,
        "manifest": keep,
        "cubes": len(cubes),
        "regions": sum(len(recs) for recs in cubes),
        "counts": dict(counts.most_common()),
    }


#: draw's options and their defaults: the set the shipped counts come from.
DRAW_DEFAULTS = {
    "n_cubes": 256,
    "size": 256,
    "seed": 71,
    "profiles": "wide",
    "swatch_fraction": 0.15,
    "bare_ground": 0.2,
    "character": 0.0,
}


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing, float_in, int_in, output_file  # not a traceback
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "train_dir",
        nargs="?",
        type=existing("folder"),
        help="a generated training set (split train)",
    )
    ap.add_argument(
        "--draw",
        metavar="IMAGES_DIR",
        type=existing("folder"),
        help="draw the recipes from these paintings",
    )
    # generate's bounds (synth/cli.py): --n-cubes 0 wrote a table of "0 cubes", --swatch-fraction
    # nan one of NaN shares, and --size 0 ended in a traceback (numpy's "a cannot be empty")
    # with --draw only: their defaults (DRAW_DEFAULTS) are filled in after the check that a
    # training set is not given with them (which counted its cubes, the options unread)
    ap.add_argument("--n-cubes", type=int_in(1, what="the number of cubes"))
    ap.add_argument(
        "--size",
        type=int_in(16, what="a side in pixels"),
        help="the set's --size (its regions depend on it)",
    )
    ap.add_argument("--seed", type=int_in(0, what="a seed"))
    from xrf_napari.physics.instrument import FAMILIES

    # generate's choices: --profiles bogus drew every painting, then failed in a traceback
    ap.add_argument("--profiles", choices=FAMILIES, help="generate's --profiles")
    ap.add_argument("--swatch-fraction", type=float_in(0, 1))
    ap.add_argument("--bare-ground", type=float_in(0, 1))
    ap.add_argument("--character", type=float_in(0))
    # checked at parsing: a folder given failed after the count or draw, in a traceback
    ap.add_argument("--out", type=output_file, default="src/xrf_napari/data/pigment_usage.json")
    args = ap.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(ap, "--out", args.out, [args.train_dir, args.draw])
    if (args.train_dir is None) == (args.draw is None):  # "not both" was said to neither too
        both = ", not both" if args.draw else ""
        ap.error(f"give a training set folder or --draw IMAGES_DIR{both}")
    given = [dest for dest in DRAW_DEFAULTS if getattr(args, dest) is not None]
    if args.train_dir is not None and given:
        named = ", ".join("--" + dest.replace("_", "-") for dest in given)
        verb = "applies" if len(given) == 1 else "apply"
        ap.error(
            f"{named} only {verb} with --draw (how the recipes are drawn); a training set "
            f"({args.train_dir}) is counted as it was generated: leave {named} out"
        )
    if args.draw:
        options = {
            dest: default if getattr(args, dest) is None else getattr(args, dest)
            for dest, default in DRAW_DEFAULTS.items()
        }
        res = draw(Path(args.draw), **options)
    else:
        res = count(Path(args.train_dir))
    res["command"] = "PYTHONPATH=src python scripts/pigment_usage.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    from xrf_napari.fileutil import atomic_path

    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    print(f"{res['cubes']} cubes, {res['regions']} regions -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
