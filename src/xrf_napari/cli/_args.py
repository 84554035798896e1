"""How the `xrf-napari` commands read a scan (--anode, --dataset), the same in each; the value
types they parse with are in `xrf_napari.argtypes`."""

from __future__ import annotations

from ..argtypes import anode_symbol

#: What --anode does in the commands that only read a scan (pigments says more).
ANODE_HELP = (
    "X-ray tube anode for the automatic energy calibration of a file that has none and does not "
    "name its anode (a file that names one keeps it; default Rh)"
)


def add_scan_options(parser, anode_help: str = ANODE_HELP) -> None:
    """How INPUT is read, the same in every command that reads a scan: without them a file with
    no calibration and no anode in its metadata was auto-calibrated for a Rh tube by `recolour`,
    `embed` and `pigments` whatever the user knew."""
    parser.add_argument("--anode", type=anode_symbol, default=None, help=anode_help)
    parser.add_argument("--dataset", help="HDF5 dataset / zarr array path (skip discovery)")


def read_scan(args, **options):
    """INPUT opened with the scan options (`add_scan_options`)."""
    from ..io import read_cube

    return read_cube(args.input, anode=args.anode or "Rh", dataset=args.dataset, **options)
