"""argparse value checks shared by the commands: a bad number fails at parsing, naming the option
and the allowed range, instead of being accepted silently (`--tile 0`, `-k 1`, `-k 100`)."""

from __future__ import annotations

import argparse


def int_in(lo: int, hi: int | None = None, what: str = "a whole number"):
    """argparse `type=` accepting integers in lo..hi (hi None: no upper bound)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if value < lo or (hi is not None and value > hi):
            allowed = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            raise argparse.ArgumentTypeError(f"{value} is out of range: {what} must be {allowed}")
        return value

    return parse


def anode_symbol(text: str) -> str:
    """argparse `type=` for a tube anode: an element symbol, capitalised (rh -> Rh)."""
    from ..elements import atomic_number

    symbol = text.strip().capitalize()
    try:
        atomic_number(symbol)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an element symbol (a tube anode such as Rh, Mo, W, Cu or Ag)"
        ) from None
    return symbol


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
