"""Print the out-of-distribution report (analysis/ood.py) of every cube in some folders.

    python scripts/ood_scores.py data/test data/heldout_phys src/xrf_napari/sample_data
    python scripts/ood_scores.py gen/c300 gen/c10000 --axis true,+0.3keV,-0.2keV,x1.25,rev

One line per cube: the reconstruction mismatch score, counts per pixel, the anode in the metadata
and whether the scan is flagged (with the reasons); then a summary per folder. `--axis` checks each
cube again with a wrong energy axis (an offset in keV, a gain factor or the axis reversed): what
the score should catch, at any count level.
"""

from __future__ import annotations

import sys
from pathlib import Path

from xrf_napari.cli import script_main


def axis_change(spec: str) -> tuple[str, float | None]:
    """One --axis spec read: ("true", None), ("rev", None), ("offset", keV) for '+0.3keV' or
    ("gain", factor) for 'x1.25'; argparse.ArgumentTypeError for any other, or a number that
    is none."""
    import argparse

    from xrf_napari.argtypes import float_in, positive_float

    if spec.endswith("keV"):
        return "offset", float_in()(spec[:-3])
    if spec.startswith("x"):
        return "gain", positive_float(spec[1:])
    if spec in ("true", "rev"):
        return spec, None
    raise argparse.ArgumentTypeError("not one of true, +0.3keV, x1.25 or rev")


def with_axis(cube, spec: str):
    """The cube read with a wrong energy axis: 'true', '+0.3keV' (offset), 'x1.25' (gain) or
    'rev' (channels reversed, same calibration); `spec` as axis_specs let through."""
    from dataclasses import replace

    import numpy as np

    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    c = cube.calibration
    kind, value = axis_change(spec)
    if kind == "true":
        return cube
    if kind == "rev":
        data = np.ascontiguousarray(np.asarray(cube.data[()])[..., ::-1])
        return Cube(data, c, metadata=cube.metadata)
    if kind == "offset":
        cal = Calibration(c.offset + value, c.gain, c.quadratic, "file")
    else:
        cal = Calibration(c.offset, c.gain * value, c.quadratic * value, "file")
    return replace(cube, calibration=cal)


def axis_specs(text: str) -> list[str]:
    """argparse `type=` of --axis: its comma-separated specs, each one axis_change reads. A
    number that is none (x1,2.5, +0.3xkeV) reached with_axis's float() inside the per-cube try,
    and every cube was printed "refused: could not convert string to float", as if the models
    had refused the scan; an unknown spec exited 1 after the first cube was read."""
    import argparse

    specs = text.split(",")
    for i, spec in enumerate(specs):
        if spec in specs[:i]:  # its lines and summary came twice, "0/2 flagged" of one cube
            raise argparse.ArgumentTypeError(f"{spec!r} is given twice: name each axis once")
        try:
            axis_change(spec)
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{spec!r}: {exc}") from None
    return specs


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing, int_in
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "folders",
        nargs="+",
        type=existing("file or folder"),  # a missing one printed nothing, exit 0
        help="folders of cubes (*.h5) or single cube files",
    )
    # an int: `--max-cubes -1` dropped each folder's last cube, 0 printed nothing, exit 0
    p.add_argument(
        "--max-cubes", type=int_in(1, what="a number of cubes"), default=12, help="cubes per folder"
    )
    p.add_argument(
        "--axis",
        type=axis_specs,
        default="true",
        help="comma-separated energy axes to check each cube with: true, an offset (+0.3keV), "
        "a gain (x1.25) or rev (default: true)",
    )
    args = p.parse_args(argv)

    from xrf_napari import read_cube
    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.detector import anode_from_metadata
    from xrf_napari.synth.dataset import without_native_copies

    specs = args.axis
    for folder in map(Path, args.folders):
        if folder.is_dir() and not any(folder.glob("*.h5")):
            p.error(f"{folder}: a folder holding no cube (*.h5)")
    for folder in map(Path, args.folders):
        found = [folder] if folder.is_file() else sorted(folder.glob("*.h5"))
        # not the copy at native channels `generate --native` writes beside each cube (the same
        # painting: it took half of --max-cubes and counted twice in the summary)
        files = (without_native_copies(found) if folder.is_dir() else found)[: args.max_cubes]
        if not files:
            continue
        flagged, scores = {s: 0 for s in specs}, {s: [] for s in specs}
        for f in files:
            cube = read_cube(f)  # once, then seen through each axis
            for spec in specs:
                try:
                    r = check_scan(with_axis(cube, spec))
                except ValueError as exc:  # refused as by the models: no energy calibration
                    print(f"{f} [{spec}]: refused: {exc}")
                    continue
                flagged[spec] += r.warn
                scores[spec].append(r.score)
                why = "; ".join(r.reasons) if r.warn else "quiet"
                print(
                    f"{f} [{spec}]: score {r.score:.2f}, {r.counts_per_pixel:.0f} counts/px, "
                    f"anode {anode_from_metadata(cube.metadata)}: {why}"
                )
        for spec in specs:
            n, got = len(files), scores[spec]
            said = f"scores {min(got):.2f}-{max(got):.2f}" if got else "none scored"
            refused = f" ({n - len(got)} refused)" if len(got) < n else ""
            print(f"== {folder} [{spec}]: {flagged[spec]}/{len(got)} flagged{refused}, {said}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
