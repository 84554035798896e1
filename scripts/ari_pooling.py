#!/usr/bin/env python
"""Does 3 x 3 pooling of low-count scans help the regions? Median / mean ARI (K = true K) of the
DVE and of PCA(3) on each held-out folder, each pixel alone and pooled as the plugin pools
(`analysis.pooling.decide`), every method on the same input. --force pools every cube, which the
plugin does not (a check that the threshold is not too low). Slow references are skipped.

    PYTHONPATH=src python scripts/ari_pooling.py DATA_DIR [DATA_DIR ...] [--force] [--json OUT]
"""

from __future__ import annotations

import json

from xrf_napari.cli import script_main


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import output_file  # one line, not a traceback
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import cube_set

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "data",
        nargs="+",
        type=cube_set,
        help="folders of generated cubes (with targets/labels)",
    )
    p.add_argument("--embedder", default=None, help="DVE weights (default: the shipped ones)")
    p.add_argument("--force", action="store_true", help="pool every cube, whatever its counts")
    p.add_argument("--json", type=output_file, help="write every row here")
    args = p.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(p, "--json", args.json, [*args.data, args.embedder])
    from xrf_napari.analysis import pooling
    from xrf_napari.training.eval_embedder import evaluate_embedder

    if args.force:
        pooling.POOL_BELOW_COUNTS = float("inf")
    print("| set | pooled | cubes pooled | DVE median / mean | PCA(3) median / mean |")
    print("|---|---|---|---|---|")
    rows = {}
    for d in args.data:
        for pool in (False, True):
            r = evaluate_embedder(
                d, args.embedder, device="cpu", oracle=False, progress=False, pool_low_counts=pool
            )
            s, n = r["summary"], r["n_cubes"]
            rows[f"{d} pool={pool}"] = r
            print(
                f"| {d} | {'forced' if pool and args.force else pool} | {r['n_pooled']} of {n} | "
                f"{s['dve']['median']:.3f} / {s['dve']['mean']:.3f} | "
                f"{s['pca3']['median']:.3f} / {s['pca3']['mean']:.3f} |",
                flush=True,
            )
    if args.json:
        from xrf_napari.fileutil import atomic_path

        with atomic_path(args.json) as tmp, open(tmp, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
