"""The `xrf-napari` and `xrf-napari-train` commands; CommandParser, the argparse parser they read
their options with, is also the one of the scripts/ and benchmarks/ programs (import it from
here: cli._dispatch, where it lives, is private)."""

from ._dispatch import CommandParser

__all__ = ["CommandParser"]
