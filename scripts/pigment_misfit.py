#!/usr/bin/env python
"""How much of a region's spectrum the pigment fit leaves unexplained, on held-out cubes: the
evidence for `analysis.pigment_fit.MISFIT_WARN`, the share above which a region's candidates are
flagged unreliable. True regions as labels; the share is `unexplained_share` of the best fit.

    PYTHONPATH=src python scripts/pigment_misfit.py DATA_DIR [DATA_DIR ...] [--cubes 8]
"""

from __future__ import annotations

import numpy as np

from xrf_napari.cli import script_main


def region_shares(data_dir, n_cubes: int) -> np.ndarray:
    import h5py

    from xrf_napari.analysis.pigment_fit import fit_regions, unexplained_share
    from xrf_napari.io import read_cube
    from xrf_napari.training.data import list_cubes

    out = []
    for path in list_cubes(data_dir)[:n_cubes]:
        with h5py.File(path, "r") as f:
            labels = np.asarray(f["targets/labels"], np.int32)
        for r in fit_regions(read_cube(path), labels).regions:
            share = (
                None if r.best is None else unexplained_share(r.spectrum * r.n_pixels, r.best.model)
            )
            if share is not None:
                out.append(share)
    return np.asarray(out)


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import int_in  # one line, not a traceback after the header
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import cube_set

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "data", nargs="+", type=cube_set, help="folders of generated cubes (with targets/labels)"
    )
    # `--cubes -1` dropped each folder's last cube, 0 read none (the percentiles of nothing)
    p.add_argument(
        "--cubes", type=int_in(1, what="a number of cubes"), default=8, help="cubes per folder"
    )
    args = p.parse_args(argv)
    from xrf_napari.analysis.pigment_fit import MISFIT_WARN

    print(f"| set | regions | median | 90th pct | 99th pct | max | over {MISFIT_WARN:g} |")
    print("|---|---|---|---|---|---|---|")
    for d in args.data:
        v = region_shares(d, args.cubes)
        q = np.percentile(v, [50, 90, 99])
        print(
            f"| {d} | {len(v)} | {q[0]:.3f} | {q[1]:.3f} | {q[2]:.3f} | {v.max():.3f} | "
            f"{int((v > MISFIT_WARN).sum())} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
