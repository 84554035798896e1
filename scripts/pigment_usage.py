"""Count how often each database pigment appears in the regions of synthetic training cubes.

The counts become the base-rate prior that breaks ties between pigments X-rays cannot tell apart
(analysis.pigment_fit, `usage_log_prior`): lead white is in about 2.7 times as many of our
generator's painting regions as red lead, which has the same lines. Count training-split cubes
only, never a set the pigment hypotheses are evaluated on.

    PYTHONPATH=src python scripts/pigment_usage.py TRAIN_DIR [--out data/pigment_usage.json]

(default --out: src/xrf_napari/data/pigment_usage.json, the package data the fit reads)
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import sys
from pathlib import Path


def count(folder: Path) -> dict:
    import h5py

    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("split") != "train":
        raise SystemExit(f"{folder}: split {manifest.get('split')!r}, not 'train'")
    counts: collections.Counter = collections.Counter()
    regions = cubes = 0
    for f in sorted(folder.glob("cube_*.h5")):
        with h5py.File(f, "r") as h:
            meta = json.loads(h.attrs["metadata"])
        recs = meta["regions"]
        recs = ast.literal_eval(recs) if isinstance(recs, str) else recs
        cubes += 1
        for r in recs:
            regions += 1
            counts.update(set(r["pigments"]))
    keep = {
        k: manifest[k]
        for k in (
            "generator",
            "seed",
            "n_cubes",
            "profiles",
            "split",
            "kind",
            "swatch_fraction",
            "character",
            "pigment_table",
        )
        if k in manifest
    }
    return {
        "source": str(folder.name),
        "manifest": keep,
        "cubes": cubes,
        "regions": regions,
        "counts": dict(counts.most_common()),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("train_dir")
    ap.add_argument("--out", default="src/xrf_napari/data/pigment_usage.json")
    args = ap.parse_args(argv)
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
