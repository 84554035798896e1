"""Shared argparse plumbing: each subcommand lives in its own module with configure(p) and
run(args), imported only when chosen, so `--help` stays fast and one command's heavy imports never
load for another."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
import warnings


def _terminated(signum, frame):
    raise SystemExit(128 + signum)  # unwinds like Ctrl-C: atomic writers delete their temporaries


def dispatch(prog: str, description: str, commands: dict[str, tuple[str, str]], argv=None) -> int:
    argv_given = argv
    argv = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {n:<14}{h}" for n, (_, h) in commands.items()),
    )
    top.add_argument("command", choices=list(commands), metavar="COMMAND")
    top.add_argument(
        "args", nargs=argparse.REMAINDER, help="arguments of the command (COMMAND --help)"
    )
    ns = top.parse_args(argv[:1] if argv and not argv[0].startswith("-") else argv)
    module, help_text = commands[ns.command]
    mod = importlib.import_module(module)
    parser = argparse.ArgumentParser(prog=f"{prog} {ns.command}", description=help_text)
    mod.configure(parser)
    args = parser.parse_args(argv[1:])
    args.command = ns.command
    if (
        argv_given is None
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        and threading.current_thread() is threading.main_thread()
    ):
        signal.signal(
            signal.SIGTERM, _terminated
        )  # only in a real command, not when called in-process
    if argv_given is None:  # a real command: a warning is one line, not Python's source echo
        warnings.showwarning = lambda message, *_a, **_k: print(
            f"{prog} {ns.command}: warning: {message}", file=sys.stderr
        )
    try:
        return int(mod.run(args) or 0)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `xrf-napari info scan.rpl | head`: the reader stopped listening
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 128 + 13  # as a shell tool killed by SIGPIPE
    except (OSError, ValueError) as exc:  # bad input: one clear line, no traceback
        print(f"{prog} {ns.command}: error: {exc}", file=sys.stderr)
        return 2
