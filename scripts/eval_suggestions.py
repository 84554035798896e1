#!/usr/bin/env python
"""Element suggestions against the truth of generated cubes: the docks' survey (mean spectrum,
tile sums and, with groups, sums of groups of similar cells: analysis.spectra.iter_survey) through
analysis.peaks.suggest_for_cube, per cube and in total.

    PYTHONPATH=src python scripts/eval_suggestions.py CUBE.h5 [CUBE.h5 ...]

A suggested element is *false* when no pigment, ground, priming, the tube anode or the air
(argon) of the cube holds it. The elements a region *shows* are those suggest_elements finds in
that true region's own sum spectrum (a perfect segmentation; cubes without stored region labels
count false elements only); *recall* is the share of those the survey finds. Both survey modes
are printed: "tiles" (without groups) and "groups" (what the docks and quicklook run). About
1.5 s per 128 x 128 cube.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from xrf_napari.cli import script_main


def shown(cube, labels) -> set[str]:
    """Elements suggested from some true region's own sum spectrum."""
    from xrf_napari.analysis.peaks import suggest_elements
    from xrf_napari.detector import DEFAULT_FWHM_MN_EV, anode_from_metadata, fwhm_from_metadata

    kw = {
        "anode": anode_from_metadata(cube.metadata),
        "fwhm_mn_ev": fwhm_from_metadata(cube.metadata) or DEFAULT_FWHM_MN_EV,
    }
    data = np.asarray(cube.data)
    out: set[str] = set()
    for k in np.unique(labels):
        out |= set(suggest_elements(cube.energy, data[labels == k].sum(axis=0), **kw))
    return out


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing  # a missing file: one line, not a traceback
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "cubes",
        nargs="+",
        type=existing("file"),
        help="generated cubes (xrf-napari-train generate)",
    )
    args = p.parse_args(argv)

    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.io import read_cube
    from xrf_napari.io.hdf5 import open_hdf5
    from xrf_napari.io.project_h5 import targets_of
    from xrf_napari.progress import run_to_end
    from xrf_napari.synth.dataset import elements_in

    modes = {"tiles": False, "groups": True}
    total = {m: {"false": {}, "found": 0, "shown": 0} for m in modes}
    # every file opened first, then let go: a file that is no cube (a .txt, a text .h5) was a
    # CubeReadError traceback once the cubes before it had been surveyed; cubes held open to the
    # end kept each its chunk cache (+345 MiB over 30 copies of the sample panel)
    # A scan that is no generated cube (a real .rpl, an APS .h5) read on to a KeyError 'profile'
    # traceback, or h5py's "file signature not found" for its true regions: refused here, as the
    # readers word it, with the true regions kept (small) for the survey below
    regions = {}
    for path in args.cubes:
        try:
            with warnings.catch_warnings():  # said by the survey's read below
                warnings.simplefilter("ignore")
                meta = read_cube(path).metadata
            # what elements_in reads; a cube of `generate --style paper` records its ground as
            # paint.ground, and was told it was "not a cube of xrf-napari-train generate"
            if not (
                "profile" in meta and "regions" in meta and ("ground" in meta or "paint" in meta)
            ):
                p.error(
                    f"{path}: not a cube of xrf-napari-train generate: its metadata records no "
                    "synthesis (tube, regions' pigments, ground), so no true elements to judge "
                    "the suggestions by"
                )
            with open_hdf5(path) as f:  # h5py's "file signature not found": the readers' words
                regions[path] = targets_of(f, path, ["labels"]).get("labels")
        except (OSError, ValueError) as exc:
            p.error(str(exc))
    for path in args.cubes:
        cube = read_cube(path)
        true = elements_in(cube.metadata)
        labels = regions[path]
        vis = None if labels is None else shown(cube, labels) & true
        print(path)
        for mode, groups in modes.items():
            mean, spectra = run_to_end(iter_survey(cube, groups=groups))
            found = set(suggest_for_cube(cube, mean * cube.shape[0] * cube.shape[1], spectra))
            false = sorted(found - true)
            t = total[mode]
            for el in false:
                t["false"][el] = t["false"].get(el, 0) + 1
            line = f"  {mode}: {sorted(found)} false {false}"
            if vis is not None:
                t["found"] += len(vis & found)
                t["shown"] += len(vis)
                line += f" missed {sorted(vis - found)}"
            print(line, flush=True)
    for mode, t in total.items():
        print(
            f"{mode}: false {sum(t['false'].values())} {dict(sorted(t['false'].items()))}, "
            f"recall {t['found']} of {t['shown']} elements the regions show"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
