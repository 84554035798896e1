"""The `xrf-napari` and `xrf-napari-train` commands; CommandParser, the argparse parser they read
their options with, is also the one of the scripts/ and benchmarks/ programs (import it from
here: cli._dispatch, where it lives, is private); script_main wraps a scripts/ program's main so
that a Ctrl-C ends it as it ends a command (one line, exit 130)."""

from ._dispatch import CommandParser, script_main

__all__ = ["CommandParser", "script_main"]
