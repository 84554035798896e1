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
