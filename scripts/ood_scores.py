"""Print the out-of-distribution report (analysis/ood.py) of every cube in some folders.

    python scripts/ood_scores.py data/test data/heldout_phys src/xrf_napari/sample_data

One line per cube: the reconstruction score, counts per pixel, the anode in the metadata and
whether the scan is flagged (with the reasons); then a summary per folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="folders of cubes (*.h5) or single cube files")
    p.add_argument("--max-cubes", type=int, default=12, help="cubes per folder")
    args = p.parse_args(argv)

    from xrf_napari import read_cube
    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.detector import anode_from_metadata

    for folder in map(Path, args.folders):
        files = [folder] if folder.is_file() else sorted(folder.glob("*.h5"))[: args.max_cubes]
        flagged, scores = 0, []
        for f in files:
            cube = read_cube(f)
            r = check_scan(cube)
            flagged += r.warn
            scores.append(r.score)
            why = "; ".join(r.reasons) if r.warn else "quiet"
            print(
                f"{f}: score {r.score:.2f}, {r.counts_per_pixel:.0f} counts/px, "
                f"anode {anode_from_metadata(cube.metadata)}: {why}"
            )
        if files:
            print(
                f"== {folder}: {flagged}/{len(files)} flagged, scores "
                f"{min(scores):.2f}-{max(scores):.2f}\n"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
