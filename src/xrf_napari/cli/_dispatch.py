"""Shared argparse plumbing: each subcommand lives in its own module with configure(p) and
run(args), imported only when chosen, so `--help` stays fast and one command's heavy imports never
load for another."""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import re
import signal
import sys
import threading
import warnings

from .. import __version__
from ..argtypes import meant_choice
from ..device import DEVICE_CHOICES


class Terminated(SystemExit):
    """SIGTERM: unwinds like Ctrl-C (atomic writers delete their temporaries), exit 143."""


def _terminated(signum, frame):
    raise Terminated(128 + signum)


def _keep_interrupts(hook):
    """sys.unraisablehook that does not lose a Ctrl-C (or SIGTERM): one that lands in a __del__,
    a weakref callback (h5py, GC) or an atexit function is printed as "Exception ignored" and
    dropped by Python, and the command ran on to exit 0. It is raised again instead, at the main
    thread's next call outside this hook (a profile function: the signal itself, re-sent from
    here, would land in this hook and be dropped again)."""

    def unraisable(info):
        exc = info.exc_value
        if not isinstance(exc, (KeyboardInterrupt, Terminated)):
            return hook(info)

        def again(frame, event, arg):
            if frame.f_code is not unraisable.__code__:
                sys.setprofile(None)
                raise type(exc)(*exc.args)

        sys.setprofile(again)

    return unraisable


def _exit_at_once(prog: str):
    """Signal handler for after the work: a Ctrl-C in the interpreter's shutdown (torch's atexit
    functions) printed a traceback and exited 0; everything is written and flushed by then, so
    stop there with the usual line and code. prog: the line's start, the command named
    ("xrf-napari recolour")."""

    def handler(signum, frame):
        word = "interrupted" if signum == signal.SIGINT else "terminated"
        os.write(2, f"{prog}: {word}\n".encode())
        os._exit(128 + signum)

    return handler


def _stopped(name: str, exc: BaseException) -> int:
    """The one line and the exit code of a command or script stopped by Ctrl-C (130) or SIGTERM
    (143); its atomic writers have deleted their temporaries by then."""
    terminated = isinstance(exc, Terminated)
    print(f"{name}: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
    return 143 if terminated else 130


def script_main(main):
    """Decorator of a scripts/ program's main: a Ctrl-C is one line, "<script>.py: interrupted",
    exit 130 (SIGTERM "terminated", 143), as the commands' (_run), where it was a traceback. Only
    a main called from the main thread with SIGTERM at its default (a real run) turns SIGTERM into
    Terminated, and only while it runs. A Ctrl-C landing in a finaliser is kept, as the commands
    keep it (_keep_interrupts): it was "Exception ignored ... KeyboardInterrupt", the script
    running on to exit 0. After a script run as a program (its module __main__) returns, a
    Ctrl-C or SIGTERM in the interpreter's shutdown (atexit functions: torch's, a pool's) ends
    it at once with the line, as a command's (_exit_at_once): it was "Exception ignored in
    atexit callback ... KeyboardInterrupt", exit 0."""
    import functools

    name = os.path.basename(main.__globals__.get("__file__") or sys.argv[0])
    program = main.__globals__.get("__name__") == "__main__"

    @functools.wraps(main)
    def run(*args, **kwargs):
        in_main = threading.current_thread() is threading.main_thread()
        real = in_main and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        if real:
            signal.signal(signal.SIGTERM, _terminated)
        hook = sys.unraisablehook
        if in_main:
            sys.unraisablehook = _keep_interrupts(hook)
        kept = sys.unraisablehook
        try:
            return main(*args, **kwargs)
        except (Terminated, KeyboardInterrupt) as exc:
            return _stopped(name, exc)
        finally:
            ending = program and in_main  # what follows is the interpreter's shutdown
            if real:
                signal.signal(signal.SIGTERM, _exit_at_once(name) if ending else signal.SIG_DFL)
            if ending and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, _exit_at_once(name))
            if sys.unraisablehook is kept:  # unless main set its own
                sys.unraisablehook = hook

    return run


def _checked_outputs(parser, args) -> None:
    """--output/--out as the user meant it, for every command: a leading ~ expanded (no shell does
    after `--output=`, and a quoted one made a folder literally named ~), and an empty one (an
    unset $OUT) refused instead of writing into the working folder; a leading ~ of the paths read
    (INPUT_PATHS) expanded too, and an empty one refused alike: read as ".", `--labels ""` or
    `--weights "$W"` was "output folder OUT is, or lies inside, the input folder .", and an empty
    INPUT ". : unsupported file type"; so is a lone '-', read as standard input by many tools
    (it was "-: no such file or directory"), unless a file has that name."""
    for dest in OUTPUT_PATHS:
        value = getattr(args, dest, None)
        if isinstance(value, str):
            if not value:
                parser.error(f"argument --{dest}: is empty (an unset variable?); name the output")
            if value == "-":  # made a folder "-", or embed's files "-latent.h5", ...
                parser.error(
                    f"argument --{dest}: '-' (standard output) cannot take the files written; "
                    "name a folder or file (./- for one named '-')"
                )
            setattr(args, dest, os.path.expanduser(value))
            from ..fileutil import name_too_long  # before the checks that stat it

            why = name_too_long(getattr(args, dest))
            if why:
                parser.error(f"argument --{dest}: {why}; choose a shorter one")
    for dest in INPUT_PATHS:  # the same ~ in the files read: `--weights=~/w` was "not found"
        value = getattr(args, dest, None)
        if value in ("", "-"):
            name = next(
                (a.option_strings[0] if a.option_strings else a.dest)
                for a in parser._actions
                if a.dest == dest
            )
            if value == "":
                parser.error(f"argument {name}: is empty (an unset variable?); name the input")
            if not os.path.lexists(value):  # `info -` said "-: no such file or directory"
                parser.error(f"argument {name}: '-' (standard input) cannot be read; name a file")
        if isinstance(value, str) and value.startswith("~"):
            setattr(args, dest, os.path.expanduser(value))


#: Options (argparse dests) naming the file or folder a command writes, in any command.
OUTPUT_PATHS = ("output", "out")
#: Options (argparse dests) that, empty (`--device "$DEV"` with DEV unset), went on unsaid with
#: their default (auto's device, the dataset discovery finds): what the refusal tells instead.
_EMPTY_MEANT_DEFAULT = {
    "device": f"use {DEVICE_CHOICES}",
    "dataset": "name the dataset (e.g. /entry/data/counts), or leave the option out for the one "
    "found",
}
#: Options (argparse dests) naming a file or folder a command reads, in any command.
INPUT_PATHS = (
    "input", "labels", "photo", "weights", "embedder_weights", "embedder", "baseline", "init",
    "config", "data", "val", "images", "pigment_table",
)  # fmt: skip


def _unknown_command(prog: str, word: str, commands) -> str:
    """The refusal of a command name that is none, with the one it most resembles: `xrf-napari
    recolor` (the American spelling) or `xrf-napari-train recolorizer` said only "invalid choice:
    'recolor' (choose from ...)", and `xrf-napari help` no word on --help."""
    from ..fileutil import printable

    names = ", ".join(commands)
    if word.lower() == "help":
        return (
            f"argument COMMAND: 'help' is no command: {prog} --help lists them ({names}), "
            f"{prog} COMMAND --help a command's options"
        )
    return (
        f"argument COMMAND: invalid choice: {printable(word)!r}{meant_choice(word, commands)} "
        f"(choose from {names}; {prog} --help says what each does)"
    )


def dispatch(prog: str, description: str, commands: dict[str, tuple[str, str]], argv=None) -> int:
    """`prog COMMAND [options]` run, as the console scripts' main does. A Ctrl-C before the
    command runs (its module's import, the parsing: 0.1-0.5 s) is "<prog>: interrupted", exit
    130, as one while it runs (_run); it was a traceback. The line names the command once it
    is known ("xrf-napari-train generate: interrupted")."""
    named = [prog]
    try:
        return _dispatch(prog, description, commands, argv, named)
    except KeyboardInterrupt as exc:
        return _stopped(named[-1], exc)


def _dispatch(prog, description, commands, argv, named: list) -> int:
    argv_given = argv
    if sys.stderr is None:  # `2>&-`: print(file=None) wrote the error lines to standard output
        sys.stderr = open(os.devnull, "w", encoding="utf-8")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # the end of options before the command: the command's own words
        argv = argv[1:]
    if argv[:1] and argv[0] in commands:  # named before the parsers are built: a Ctrl-C then,
        named.append(f"{prog} {argv[0]}")  # 0.2 s in on a busy machine, said "xrf-napari: ..."
    # CommandParser here and for each command: an option typed in part was read as the one it
    # begins, `embed --k 0` (meaning -k) as --k-range: "expected 2 arguments"
    top = CommandParser(
        prog=prog,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="commands:\n" + "\n".join(f"  {n:<14}{h}" for n, (_, h) in commands.items()),
    )
    # its help line was empty: "COMMAND" alone above "args  arguments of the command"
    top.add_argument(
        "command", choices=list(commands), metavar="COMMAND", help="one of the commands below"
    )
    # `xrf-napari --version` said "the following arguments are required: COMMAND"
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # only shown in --help: the command's own parser reads them. Required, it made a bare
    # `xrf-napari` say "the following arguments are required: COMMAND, args"
    top.add_argument(
        "args", nargs=argparse.REMAINDER, help="arguments of the command (COMMAND --help)"
    ).required = False
    if not argv:
        top.error(
            f"the following arguments are required: COMMAND, one of {', '.join(commands)} "
            f"({prog} --help says what each does)"
        )
    if argv[0].startswith("-") and _named_option(top, argv[0].split("=")[0]) is None:
        # `--foo` alone said "the following arguments are required: COMMAND", `--foo info`
        # "unrecognized arguments: --foo": neither that a command's options follow the command
        from ..fileutil import printable

        if _meant_options(top, argv[0]):  # `--vers`, read as --version while abbreviations were
            top.error(_unknown_option(top, argv[0]))
        top.error(
            f"unrecognized option {printable(argv[0])!r} before the command: options follow "
            f"it ({prog} COMMAND [options]; COMMAND one of {', '.join(commands)})"
        )
    if not argv[0].startswith("-") and argv[0] not in commands:
        top.error(_unknown_command(prog, argv[0], commands))
    # the command's name, or the --help or --version that ends the run there
    ns = _parse(top, argv[:1], prog)
    module, help_text = commands[ns.command]
    name = f"{prog} {ns.command}"  # as its usage, warning, note and error lines name it
    mod = importlib.import_module(module)
    parser = CommandParser(prog=name, description=help_text)
    mod.configure(parser)
    output = parser._option_string_actions.get("--output")
    if output is not None and "--out" not in parser._option_string_actions:
        # the trainers' name of it, read here as --output while options were read abbreviated
        from ._args import add_alias

        add_alias(parser, output, "--out")
    _refuse_dashed_files(parser, argv[1:])
    args = _parse(parser, argv[1:], name)
    _checked_outputs(parser, args)
    for dest, what in _EMPTY_MEANT_DEFAULT.items():
        if getattr(args, dest, None) == "":
            parser.error(f"argument --{dest}: is empty (an unset variable?); {what}")
    _check_device(parser, args)
    args.command = ns.command
    # Signals, hooks and warnings only in a real command, not when called in-process.
    real = argv_given is None and threading.current_thread() is threading.main_thread()
    if real:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _terminated)
        sys.unraisablehook = _keep_interrupts(sys.unraisablehook)
    if argv_given is None:  # a real command: a warning is one line, not Python's source echo
        warnings.showwarning = lambda message, *_a, **_k: print(
            f"{name}: warning: {message}", file=sys.stderr
        )
    from ..argtypes import parsing

    try:
        with parsing(argv, name):
            return _run(name, mod, args)
    finally:
        if real:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError, AttributeError):  # None: closed
                    stream.flush()
            for sig in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(sig) in (signal.default_int_handler, _terminated):
                    signal.signal(sig, _exit_at_once(name))


def _check_device(parser, args) -> None:
    """A --device this machine cannot run (cuda without a GPU, cuda:3 on a one-GPU machine, a
    typo) refused naming the option, before any input is read: device.pick_device's refusal
    came from inside the model loading, after the scan was read, and named no option
    ("error: device 'cuda' requested but no CUDA GPU is available"). auto and cpu run anywhere:
    torch is not imported for them here."""
    value = getattr(args, "device", None)
    if not isinstance(value, str) or value.lower() in ("auto", "cpu"):
        return
    from ..device import pick_device

    try:
        pick_device(value)
    except ValueError as exc:
        parser.error(f"argument --device: {exc}")


class _MarkedStdout:
    """sys.stdout while a command runs: an OSError writing or flushing it is marked `on_stdout`,
    so the error line says it was the standard output that could not be written (`info CUBE >
    /dev/full` said only "[Errno 28] No space left on device", as if a file had failed). A
    closed one (`>&-`: Python's sys.stdout is None) fails so too, where it was a traceback
    ("'NoneType' object has no attribute 'flush'", exit 1)."""

    def __init__(self, stream):
        self._stream = stream
        #: The first OSError writing it, kept even where the caller swallowed it (argparse's help)
        self.failed: OSError | None = None

    def _marked(self, name, *a):
        try:
            if self._stream is None:
                raise OSError(errno.EBADF, "it is closed")
            return getattr(self._stream, name)(*a)
        except OSError as exc:
            exc.on_stdout = True
            if self.failed is None:
                self.failed = exc
            raise

    def write(self, text):
        return self._marked("write", text)

    def writelines(self, lines):
        return self._marked("writelines", lines)

    def flush(self):
        return self._marked("flush")

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _drop_stdout() -> None:
    """The standard output that failed pointed at /dev/null: what still waits in its buffer is
    dropped there, so Python's flush at exit does not fail again ("Exception ignored", exit 120
    instead of the command's own code)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no descriptor: nothing to drop
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)


#: A negative number: argparse reads it as a value, not as an option.
_NUMBER = re.compile(r"-\d+(\.\d*)?|-\.\d+")


def _named_option(parser, word: str):
    """The option `word` names as argparse reads it (exactly, or a long one abbreviated to a
    prefix of it alone), else None."""
    options = parser._option_string_actions
    if word in options:
        return options[word]
    found = (
        {a for s, a in options.items() if word.startswith("--") and s.startswith(word)}
        if parser.allow_abbrev
        else set()
    )
    return found.pop() if len(found) == 1 else None


def _short_attached(parser, word: str):
    """The short option `word` is with its value attached (`-k3` is `-k 3`), else None."""
    if word.startswith("--") or len(word) <= 2:
        return None
    return parser._option_string_actions.get(word[:2])


def _stray_hint(parser, words: list[str], stray: str) -> str:
    """Why `stray`, the first word argparse left over, is one, or "": argparse said only
    "unrecognized arguments: W" after an option's value (`--elements Fe Pb`, `-o my scan.png`:
    the option taking one value unsaid) or for a second INPUT (`info a.h5 b.h5`)."""
    from ..fileutil import printable

    if stray not in words or (stray.startswith("-") and stray in _options_part(words)):
        return ""  # one after `--` is an input, whatever its first letter: a second one?
    i = len(words) - 1 - words[::-1].index(stray)
    option = _named_option(parser, words[i - 2]) if i >= 2 else None
    if option is not None and option.nargs is None and not words[i - 1].startswith("-"):
        said = f"{words[i - 2]} {printable(words[i - 1])}"
        quote = ""
        if option.type in (None, str) and option.choices is None:  # any text: a path, a list
            value = f"{words[i - 1]} {stray}"
            quote = f": quote one with a space, {words[i - 2]} {printable(value)!r}"
        return f" ({printable(stray)!r} follows {said}, which takes one value{quote})"
    inputs = [a for a in parser._actions if not a.option_strings]
    if len(inputs) == 1 and inputs[0].nargs is None:
        return f" (a second {inputs[0].dest}? {parser.prog} reads one: run it once for each)"
    return ""


def _meant_options(parser, word: str) -> list:
    """The options (actions) an unknown option `word` may have meant: the one with a dash fewer
    or more (`--k` for -k), those it begins (no option is read from its first letters any
    more) or that begin it, and the nearest spellings."""
    import difflib

    name = word.split("=", 1)[0]
    options = parser._option_string_actions
    shown = {s: a for a in parser._actions for s in a.option_strings}
    bare = name.lstrip("-")
    meant = [options[o] for o in ("-" + bare, "--" + bare) if o != name and o in options]
    # those it begins, and those that begin it (`--embedder-weights`, recolour's, for --embedder)
    meant += [
        a
        for s, a in shown.items()
        if name.startswith("--")
        and s.startswith("--")
        and (s.startswith(name) or name.startswith(s + "-"))
    ]
    meant += [shown[s] for s in difflib.get_close_matches(name, list(shown), n=3, cutoff=0.75)]
    return list(dict.fromkeys(meant))[:4]  # each once, in that order


def _unknown_option(parser, word: str) -> str:
    """The refusal of `word`, no option of the command, naming those it may have meant: with
    abbreviations on, `embed --k 0` (meaning -k) was read as --k-range, "argument --k-range:
    expected 2 arguments"; off (allow_abbrev=False), argparse said "unrecognized arguments: --k
    0", or only that --output is required for `recolour --out x.png`."""
    from ..fileutil import printable

    meant = " or ".join("/".join(a.option_strings) for a in _meant_options(parser, word))
    said = f": did you mean {meant}?" if meant else ""
    return (
        f"unrecognized option {printable(word.split('=', 1)[0])!r}{said} (options are given in "
        f"full; {parser.prog} --help lists them)"
    )


def _options_part(words: list[str]) -> list[str]:
    """The words before `--`, the end of options (all of them without one): a word after it is
    an input, whatever its first letter."""
    return words[: words.index("--")] if "--" in words else words


def _refuse_unknown_options(parser, words: list[str]) -> None:
    """Refuse the first `--word` before `--` that is no option of the command (_unknown_option),
    before argparse, which would first refuse a required option missing (`quicklook s.h5 --outp
    maps`: "the following arguments are required: --output/-o")."""
    options = parser._option_string_actions
    words = _options_part(words)
    if any(isinstance(options.get(w), argparse._HelpAction) for w in words):
        return  # the help asked for (`quicklook s.h5 --outp x --help`), as argparse gives it
    for word in words:
        # a word with a space argparse takes as a value, not an option
        if word.startswith("--") and " " not in word and word.split("=", 1)[0] not in options:
            parser.error(_unknown_option(parser, word))


def _refuse_dashed_files(parser, words: list[str]) -> None:
    """Name the way to give a file whose name begins with '-', in every command: argparse reads
    it as an option, so `info -dash.h5` said "the following arguments are required: input",
    `-o.h5` was read as `-o .h5`, and `xrf-napari-train evaluate --data -dash.h5` said "argument
    --data: expected one argument". A word before `--` that is no option of the command and
    names an existing file is refused with `./NAME`, and `--` (a positional) or `--opt=NAME`
    (an option's value), as the ways to give it. So is a word that names no file yet (an output
    to be made, `-o -new.png`: "expected one argument") right after an option taking one value:
    `--opt=WORD` alone for an option naming no file (`--kv=-1e5`). A word argparse takes as
    typed (a negative number, a name with a space: `-o "-my new.png"`) is left to it, existing
    or not; an option of the command where the option before wants its value (`-o -k3`, the
    output forgotten) is refused naming both."""
    before = _options_part(words)
    for i, word in enumerate(before):
        if not word.startswith("-") or word == "-" or _NUMBER.fullmatch(word):
            continue
        option = _named_option(parser, before[i - 1]) if i else None
        # the option argparse reads it as: named (exact, `--opt=VALUE`, a long one abbreviated),
        # else a short one with its value attached
        named = _named_option(parser, word.split("=")[0])
        known = named if named is not None else _short_attached(parser, word)
        exists = os.path.lexists(word)
        if known is not None:
            if option is not None and option.nargs is None:
                _refuse_option_as_value(parser, option, known, word)
            if not exists or named is not None:
                continue  # as argparse reads it (an option, even beside a file of its name)
        elif " " in word or parser._negative_number_matcher.match(word):
            continue  # argparse takes it as typed: the value of the option before, or an input
        elif not exists and (option is None or option.nargs is not None):
            continue  # one value only: --k-range's two are not given by --opt=
        from ..fileutil import printable

        shown = printable(word)
        if option is not None and option.nargs != 0:  # the value of the option before it
            name = _long_name(option, before[i - 1])
            given = _typed(f"{name}={shown}")
            is_path = exists or option.dest in (*OUTPUT_PATHS, *INPUT_PATHS)
            how = f"write {_typed('./' + shown)} or {given}" if is_path else f"write {given}"
            what = "the file" if is_path else f"it to {name}"
        else:
            what = "the file"
            how = (
                f"write {_typed('./' + shown)}, or put -- before it after the options "
                f"({parser.prog} [options] -- {_typed(shown)})"
            )
        parser.error(f"{shown!r} begins with '-' and is read as an option; to give {what}, {how}")


def _typed(word: str) -> str:
    """`word` as it must be typed in a shell: advice for "-l maps" said `write ./-l maps`,
    which the shell splits into two words."""
    from ..errors import shell_word

    return shell_word(word)


def _long_name(action, typed: str) -> str:
    """The action's first long option string, else the one typed."""
    return next((s for s in action.option_strings if s.startswith("--")), typed)


def _refuse_option_as_value(parser, option, known, word: str) -> None:
    """`-o -k3`: argparse said only "argument --output/-o: expected one argument"; the user
    forgot the value, or meant a file named like an option. Says which option the word is, and
    (unless typed as that option exactly) how to give it as the value."""
    from ..fileutil import printable

    shown, name = printable(word), _long_name(option, option.option_strings[0])
    said = (
        f"argument {'/'.join(option.option_strings)}: expected one argument, and the next word "
        f"{shown!r} is the option {_long_name(known, known.option_strings[0])}"
    )
    if word not in parser._option_string_actions:
        if option.dest in (*OUTPUT_PATHS, *INPUT_PATHS):
            said += (
                f"; to give the file {shown!r}, write {_typed('./' + shown)} or "
                f"{_typed(f'{name}={shown}')}"
            )
        else:
            said += f"; to give {shown!r} to {name}, write {_typed(f'{name}={shown}')}"
    parser.error(said)


class CommandParser(argparse.ArgumentParser):
    """argparse.ArgumentParser as every command line of the project reads its options: the
    `xrf-napari` and `xrf-napari-train` commands (dispatch), and the scripts/ and benchmarks/
    programs, which took `--forc` as --force while the commands refused it. Options are given
    in full (allow_abbrev=False): an option typed in part was read as the one it begins, `embed
    --k 0` (meaning -k) as --k-range, "expected 2 arguments". An unknown option is refused
    naming those it may mean (_unknown_option), before argparse's refusal of a required option
    missing; a left-over word is said where it came from (_stray_hint). An option's old
    spelling (_args.add_alias) is named as typed in a refusal, and refused beside the option's
    own spelling giving another value (the one argparse kept was the last, unsaid)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._words: list[str] = []  # the words parsed, for the refusals (error)
        self._stray: list[str] = []  # the words argparse left over

    def parse_known_args(self, args=None, namespace=None):
        words = list(sys.argv[1:] if args is None else args)
        self._words, self._stray = words, []
        _refuse_unknown_options(self, words)
        ns, self._stray = super().parse_known_args(words, namespace)
        self._refuse_two_spellings(words)
        return ns, self._stray

    def _stray_refusal(self) -> str:
        """parse_args' refusal of the words left over (self._stray), said where they came from."""
        # argparse leaves `--` among them where it ends the options after every input is given
        stray = [w for w in self._stray if w != "--"] or self._stray
        word = stray[0]
        if (
            word.startswith("-")
            and word != "-"
            and not _NUMBER.fullmatch(word)
            and word in _options_part(self._words)  # after `--`, an input (`info -- -a.h5 -b.h5`)
        ):
            return _unknown_option(self, word)  # `-clusters`, as a --word
        return f"unrecognized arguments: {' '.join(stray)}{_stray_hint(self, self._words, word)}"

    def _refuse_two_spellings(self, words: list[str]) -> None:
        """`recolour --embedder-weights A --embedder B`: argparse kept B, the last, and the
        refusals of its file named the option as the first spelling found; two spellings of
        one option (add_alias's, or those it lists: `pigments -k 2 --clusters 3` took 3
        unsaid) giving different values are refused, naming both."""
        from ..fileutil import printable

        for action in dict.fromkeys(self._option_string_actions.values()):
            spellings = (*action.option_strings, *getattr(action, "hidden_aliases", ()))
            # one value each time (not a flag, nor one appending: each of its values is kept)
            if len(spellings) < 2 or action.nargs is not None or _appends(action):
                continue
            given = _values_given(words, spellings)
            # a file's two names (`--out x.png --output ./x.png`) are one value, and so are one
            # value's two spellings (`-k 3 --clusters 03`), compared as the option reads them
            if len({s for s, _ in given}) < 2:
                continue
            if action.dest in (*OUTPUT_PATHS, *INPUT_PATHS):
                same = _same_path
            else:
                same = lambda v, action=action: _as_read(action, v)  # noqa: E731
            if len({same(v) for _, v in given}) > 1:
                s1, v1 = given[0]
                s2, v2 = next(g for g in given if same(g[1]) != same(v1))
                shown = action.option_strings[0]
                # an empty value (`--embedder-weights= --embedder=A`) was a double space
                v1, v2 = (printable(v) if v else "'' (empty)" for v in (v1, v2))
                self.error(
                    f"{s1} {v1} and {s2} {v2}: the same option ({shown}), given two different "
                    "values; give one"
                )

    def _check_value(self, action, value):
        """argparse's check of a value against the option's choices, the refusal naming the
        choice it most resembles (argtypes.meant_choice)."""
        if action.choices is not None and value not in action.choices:
            listed = ", ".join(map(repr, action.choices))
            raise argparse.ArgumentError(
                action,
                f"invalid choice: {value!r}{meant_choice(value, action.choices)} "
                f"(choose from {listed})",
            )

    def error(self, message):
        """argparse's refusal, the option it names as the user typed it: `recolour
        --embedder-weights` (--embedder's old name, add_alias) said "argument --embedder:
        expected one argument", an option the user had not typed. Words left over are said
        where they came from (_stray_refusal). An option of several values given too few
        (`embed --k-range 2`, "expected 2 arguments") is told what they are (its `wants`)."""
        if self._stray and message.startswith("unrecognized arguments: "):
            message = self._stray_refusal()
        m = re.match(r"argument (\S+): expected \d+ arguments$", message)
        action = m and self._option_string_actions.get(m.group(1).split("/")[0])
        if getattr(action, "wants", None):
            message += f"; {action.option_strings[0]} takes {action.wants}"
        super().error(_named_as_typed(self, message, self._words))


def _appends(action) -> bool:
    """Whether `action` keeps each value given (append, extend), not the last alone."""
    return isinstance(action, (argparse._AppendAction, argparse._ExtendAction))


def _values_given(words: list[str], spellings) -> list[tuple[str, str]]:
    """(spelling, value) of each of `spellings` (one option's, taking one value) before `--`,
    as `--opt VALUE`, `--opt=VALUE` or a short one's `-oVALUE`, in the order typed (after
    argparse took them): `--out=x.png -oy.png` wrote y.png unsaid where `-o y.png` was refused."""
    before = _options_part(words)
    shorts = [s for s in spellings if len(s) == 2 and s[0] == "-" and s[1] != "-"]
    given = []
    for i, word in enumerate(before):
        name, eq, value = word.partition("=")
        if name in spellings:
            if eq:
                given.append((name, value))
            elif i + 1 < len(before):
                given.append((name, before[i + 1]))
        elif not word.startswith("--"):
            short = next((s for s in shorts if word.startswith(s)), None)
            if short is not None:
                given.append((short, word[2:]))  # as argparse reads -oVALUE (and -ox=y)
    return given


def _as_read(action, value: str):
    """`value`, given to `action`, as its type reads it (`03` for an int: 3), to compare two
    spellings' values; as typed where the type refuses it or reads something unhashable."""
    if action.type is None or not callable(action.type):
        return value
    try:
        read = action.type(value)
        hash(read)
    except Exception:  # refused by argparse already, or a list: compared as typed
        return value
    return read if read == read else value  # a NaN equals no other: `nan` and `nan` are one


def _same_path(value: str) -> str:
    """`value`, a path given to an option, as the file it names (an empty one as typed: an
    unset variable, refused later)."""
    return os.path.realpath(os.path.expanduser(value)) if value else value


def _named_as_typed(parser, message: str, words: list[str]) -> str:
    """`message`, "argument --embedder: ...", naming the option as typed in `words` where that
    was one of its old spellings (add_alias) alone."""
    from ._args import as_typed

    m = re.match(r"argument (\S+): ", message)
    if not m:
        return message
    for action in dict.fromkeys(parser._option_string_actions.values()):
        aliases = getattr(action, "hidden_aliases", ())
        if aliases and m.group(1) in ("/".join(action.option_strings), *action.option_strings):
            spellings = (*action.option_strings, *aliases)
            typed = _valueless(parser, spellings, words, message[m.end() :])
            typed = typed or as_typed(*spellings, words=words)
            if typed in aliases:
                return f"argument {typed}: {message[m.end() :]}"
    return message


def _valueless(parser, spellings, words: list[str], why: str) -> str | None:
    """The spelling of `spellings` (one option's) typed without the value argparse says it
    lacks (`why`, "expected one argument"), else None: `--embedder A --embedder-weights` was
    refused as "argument --embedder: expected one argument", the spelling given a value."""
    if not why.startswith("expected "):
        return None
    before = _options_part(words)
    for i, word in enumerate(before):
        if word in spellings:
            after = before[i + 1] if i + 1 < len(before) else None
            if after is None or (
                after.startswith("-") and after != "-" and not _NUMBER.fullmatch(after)
            ):
                return word
    return None


def _parse(parser, argv, prog: str):
    """parser.parse_args(argv) (a CommandParser's), its
    --help output checked: argparse ignores an OSError writing
    the help and exits 0, so `COMMAND --help > /dev/full` exited 0 with nothing written (Python
    unbuffered) or 120 with "Exception ignored" (the help still buffered, met at exit). A help
    that cannot be written is now the usual `cannot write to standard output: ...` line, exit 2
    (141 for a closed pipe, as a command's)."""
    stdout = sys.stdout
    marked = sys.stdout = _MarkedStdout(stdout)
    try:
        return parser.parse_args(argv)  # a CommandParser's: an unknown word explained
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise  # a usage error, on stderr
        with contextlib.suppress(OSError):
            marked.flush()  # the help waiting in the buffer: written now or failed (kept)
        failed = marked.failed
        if failed is None:
            raise
        _drop_stdout()
        if isinstance(failed, BrokenPipeError):
            raise SystemExit(128 + 13) from None
        print(
            f"{prog}: error: cannot write to standard output: {failed.strerror or failed}",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    finally:
        if sys.stdout is marked:
            sys.stdout = stdout


def _first_looks(args) -> None:
    """Each HDF5 file a command is given (INPUT_PATHS) has its first look in a child process
    (io.hdf5.first_look) before the command opens it: libhdf5 loops for ever on some damaged
    files, and the output guard (fileutil.check_outputs, looking for an input's partners) and
    `pigments --labels` open it with h5py before, or without, the reader. The scan's look reads
    its --dataset, as its read will (else its read looks again)."""
    for dest in INPUT_PATHS:
        value = getattr(args, dest, None)
        if isinstance(value, str) and os.path.isfile(value):
            from ..io.hdf5 import first_look

            first_look(value, getattr(args, "dataset", None) if dest == "input" else None)


def _run(name: str, mod, args) -> int:
    """The command `mod` run on its parsed `args`, its failures one line each, starting with its
    `name` ("xrf-napari recolour: ..."), as dispatch built it for its warnings and notes."""
    stdout = sys.stdout
    sys.stdout = _MarkedStdout(stdout)
    try:
        _first_looks(args)
        code = int(mod.run(args) or 0)
        # Written to a file or pipe, the output waits in an 8 KiB buffer: unflushed here, a full
        # disk (`info CUBE > /dev/full`) met it only in Python's exit, "Exception ignored", exit 120
        sys.stdout.flush()
        return code
    except (Terminated, KeyboardInterrupt) as exc:
        return _stopped(name, exc)
    except BrokenPipeError:  # `xrf-napari info scan.rpl | head`: the reader stopped listening
        _drop_stdout()
        return 128 + 13  # as a shell tool killed by SIGPIPE
    except (OSError, ValueError) as exc:  # bad input: one clear line, no traceback
        if getattr(exc, "out_of_memory", False):  # errors.CubeOutOfMemory: not the input's fault
            return _out_of_memory(name, exc, f"out of memory: {exc}")
        if getattr(exc, "on_stdout", False):
            _drop_stdout()
            exc = f"cannot write to standard output: {exc.strerror or exc}"
        from ..fileutil import printable  # a path holding a line break broke the line in two

        print(f"{name}: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except MemoryError as exc:  # an allocation the checks did not foresee: say so, no traceback
        return _out_of_memory(name, exc, f"out of memory ({exc or 'an allocation failed'})")
    finally:
        if isinstance(sys.stdout, _MarkedStdout):  # unless the command set its own
            sys.stdout = stdout


def _out_of_memory(name: str, exc: BaseException, what: str) -> int:
    """A command that ran out of memory: `what` happened, then what it left, exit 1. A read's
    (errors.CubeOutOfMemory, a CubeReadError) names the file, the size and the advice; it had
    become "error: <file>: reading rows ... needs ...", exit 2 (bad input), and lost the word on
    the outputs. `left` (exc.left): what a command writing as it goes left behind, and the way
    on (generate). Not "nothing was written": a trainer has written config.json and checkpoints
    by then; what every command can say is that no output is half-written (all writes are
    atomic)."""
    from ..fileutil import printable

    advised = isinstance(exc, ValueError)  # the read's message gives its own advice
    left = getattr(exc, "left", None) or (
        "no output was left half-written (each file is written whole or not at all)"
        + ("" if advised else ": try a smaller input, tile or batch, or close other programs")
    )
    print(f"{name}: error: {printable(what)}; {left}", file=sys.stderr)
    return 1
