"""argparse value types shared by every command line (the `xrf-napari` commands, `generate`,
`export-set`, the trainers and `evaluate`): a bad number or symbol fails at parsing, naming the
option and the allowed range, instead of being accepted silently (`--tile 0`, `-k 1`, `--steps 0`)
or failing after minutes of work. In the base layer, so synth and training use it too; so are
the record of the argv a command parsed (`parsed_argv`) and the notes' printer (`print_note`)."""

from __future__ import annotations

import argparse
import contextlib
import re
import sys

#: The argv the running command parsed (set by cli._dispatch through `parsing`).
_current_argv: list[str] | None = None
#: The running command's name, "xrf-napari quicklook" (set with its argv by `parsing`).
_current_command: str | None = None


@contextlib.contextmanager
def parsing(argv, command: str | None = None):
    """While a command runs, `parsed_argv()` is its argv and `print_note` names it `command`;
    restored after (nested commands)."""
    global _current_argv, _current_command
    previous = _current_argv, _current_command
    _current_argv, _current_command = list(argv), command
    try:
        yield
    finally:
        _current_argv, _current_command = previous


def command_name(default: str) -> str:
    """The running command's name, "xrf-napari-train embedder" (set by `parsing`), else `default`
    (outside a command): the trainers' stop lines said "xrf-napari-train: interrupted at step 9"
    between lines naming the command."""
    return _current_command or default


def print_note(text: str) -> None:
    """A note, information that asks nothing of the user (what was assumed, removed, pooled), on
    stderr as the commands' warnings and errors, and named as they are ("xrf-napari quicklook:
    note: ..."; "note: ..." outside a command): a bare "note:" line sat among them naming no
    command. Not warnings.warn: Python's filters drop a repeated warning and `-W error` makes
    one fatal, and stdout lists the results, which `> list.txt` keeps apart from the notes."""
    name = f"{_current_command}: " if _current_command else ""
    print(f"{name}note: {text}", file=sys.stderr)


def parsed_argv() -> list[str]:
    """The arguments the running command parsed: main(argv) called from a script or a test parses
    its argv, not sys.argv, and training records must say what ran (reproducibility audit 26,
    finding 8). sys.argv[1:] outside a command."""
    return list(sys.argv[1:] if _current_argv is None else _current_argv)


def running_argv() -> list[str] | None:
    """parsed_argv() inside a command, None outside one (a command's run() called directly from
    Python): there sys.argv is another program's (pytest's, a script's), not a command to record."""
    return None if _current_argv is None else list(_current_argv)


def int_in(lo: int, hi: int | None = None, what: str = "a whole number", allowed: str = ""):
    """argparse `type=` accepting integers in lo..hi (hi None: no upper bound). `what` names
    the number; a value that is no integer is told to be one: "'1.5' is not the overlap" (of
    `recolour --overlap 1.5`) said nothing of what was wrong. `allowed`: what an out-of-range
    value is told the number must be, where "between lo and hi" is not all of it."""

    def parse(text: str) -> int:
        rule = allowed or (f"between {lo} and {hi}" if hi is not None else f"at least {lo}")
        try:
            value = int(text)
        except ValueError:
            if re.fullmatch(r"\s*[+-]?\d+(_\d+)*\s*", text):  # digits past int()'s limit
                if hi is None and not text.strip().startswith("-"):
                    rule += f", of at most {sys.get_int_max_str_digits()} digits"
                raise argparse.ArgumentTypeError(
                    f"{_shown(text)} is out of range: {what} must be {rule}"
                ) from None
            digits = _in_digits(text)
            fault = f"written in digits ({_shown(digits)})" if digits else "a whole number"
            raise argparse.ArgumentTypeError(
                f"{_shown(text)!r} is not {fault}"
                if what == "a whole number"
                else f"{what} must be {fault}, not {_shown(text)!r}"
            ) from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(
                f"{_shown(str(value))} is out of range: {what} must be {rule}"
            )
        return value

    return parse


def _shown(text: str, keep: int = 20) -> str:
    """A number's text as an error shows it: its first `keep` characters and its length where
    longer, as a 5000-digit --steps was told in all 5000 characters."""
    text = text.strip()
    if len(text) <= 2 * keep:
        return text
    if text.lstrip("+-").isdigit():
        return f"{text[:keep]}...({len(text.lstrip('+-'))} digits)"
    return f"{text[:keep]}...({len(text)} characters)"


#: Digits grouped by thousands with commas ('10,000', '1,500', '1,000,000'), as many write
#: numbers: for a whole number the value is plain (int_in says it in digits), for a decimal one
#: it may be 1.5 as well (_comma_hint says both).
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+")


def _in_digits(text: str) -> str | None:
    """For int_in: a whole number given in a float's form ('1e3', '5.0'), which int() refuses,
    in digits ('1000'), else None: "must be a whole number, not '1e3'" said 1e3 was none. Digits
    grouped by thousands ('10,000') too: `--steps 10,000` was "'10,000' is not a whole number"."""
    if _THOUSANDS.fullmatch(text.strip()):
        return text.strip().replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return str(int(value)) if value.is_integer() else None


#: The largest seed: the trainers seed numpy's legacy generator (np.random.seed), which takes
#: 0..2**32 - 1 and failed on others with "Seed must be between..." naming no option.
SEED_MAX = 2**32 - 1


#: The most torch CPU threads a trainer's --threads takes: more than the largest machines' cores
#: (a resumed run may give another machine's count), where the bound was none: `--threads
#: 100000` went to torch.set_num_threads, whose OpenMP pool then started that many threads, and
#: above 2**31 - 1 failed "Overflow when unpacking long", naming no option.
THREADS_MAX = 1024


def threads_int(text: str) -> int:
    """argparse `type=` for the trainers' --threads, 1..THREADS_MAX."""
    return int_in(1, THREADS_MAX, "a number of threads")(text)


def existing(kind: str = "folder"):
    """argparse `type=` for a `kind` ("folder", "file", or "file or folder") the program reads,
    refused at parsing where none is there, in one line naming it: the scripts/ programs given a
    missing folder or file failed with a traceback minutes into their work (ari_ceilings,
    colour_ceiling, ...). The value is returned as typed, a leading ~ expanded: checked expanded
    and returned as typed, `--data=~/set` (which no shell expands after `=`) was accepted, then
    not found by the program ("dataset folder ~/set does not exist", a traceback)."""
    import os

    if kind not in ("folder", "file", "file or folder"):
        raise ValueError(f"existing: kind {kind!r} is not 'folder', 'file' or 'file or folder'")
    found = {"folder": os.path.isdir, "file": os.path.isfile, "file or folder": os.path.exists}

    def parse(text: str) -> str:
        from .fileutil import printable

        if not text:  # it said ": no such folder", naming nothing
            raise argparse.ArgumentTypeError(f"is empty (an unset variable?); name the {kind}")
        path = os.path.expanduser(text)
        other = "file" if kind == "folder" else "folder"
        if found[kind](path):
            return path
        if os.path.exists(path):
            raise argparse.ArgumentTypeError(f"{printable(text)} is a {other}, not a {kind}")
        raise argparse.ArgumentTypeError(f"{printable(text)}: no such {kind}")

    return parse


def output_file(text: str) -> str:
    """argparse `type=` for a file the program writes when its work is done (a script's --json
    or --out, written through fileutil.atomic_path): one that cannot be written (a folder, a
    folder closed to writing) is refused at parsing by fileutil.check_outputs, in one line
    naming it. The scripts/ programs found out at their end, after minutes of work, with an
    IsADirectoryError traceback. The value is returned as typed, a leading ~ expanded, as the
    commands' --out (cli._dispatch): `--json=~/rows.json` (no shell expands it after `=`) was
    written into a new folder named "~" in the working folder."""
    import os

    from .fileutil import check_outputs

    if not text:  # read as ".": "cannot write .: it is a folder, not a file"
        raise argparse.ArgumentTypeError("is empty (an unset variable?); name the output")
    path = os.path.expanduser(text)
    try:
        check_outputs(files=[path])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def refuse_output_over_inputs(parser, option: str, out, inputs) -> None:
    """A script's --json or --out (`out`, None: not given) that is, or lies inside, one of its
    `inputs` (a set's folder, a cube, a weights file; None ones skipped) refused through
    parser.error (exit 2) before any work, naming both: output_file checks only that it can be
    written, and `ari_pooling.py SET --json SET/cube_00001.h5` replaced the set's cube with its
    JSON once the run was done."""
    if not out:
        return
    from .fileutil import check_outputs

    try:
        check_outputs(files=[out], inputs=[i for i in inputs if i], option=option)
    except ValueError as exc:
        parser.error(str(exc))


def seed_int(text: str) -> int:
    """argparse `type=` for a training seed, 0..SEED_MAX (a config file's "seed" too)."""
    return int_in(0, SEED_MAX, "a seed")(text)


def _comma_hint(text: str) -> str:
    """What to write instead of a number with a comma, as a hint after "is not a number": a
    decimal comma ('17,5', '1,5e-3', as many locales write numbers) is told to be a point; digits
    grouped by three ('10,000', '3,600', '1,500') may be thousands as well, and a point there
    would read 10.000 as ten, so both are said. Nothing for other commas ('5,' of a list)."""
    text = text.strip()
    if _THOUSANDS.fullmatch(text):
        return " (no commas: write decimals with a point and thousands without a separator)"
    if re.fullmatch(r"[+-]?\d*,\d+([eE][+-]?\d+)?", text):
        return " (write decimals with a point, not a comma)"
    return ""


def float_in(
    lo: float | None = None,
    hi: float | None = None,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    unit: str = "",
):
    """argparse `type=` accepting finite numbers in lo..hi (None: no bound; lo_open/hi_open: the
    bound itself excluded), e.g. a fraction or a weight that may be 0 but not negative. The value
    is told as typed (shortened as `_shown`): as float() read it, `--epochs 0` was "0.0 is out of
    range" and `--kv 1e400` "inf is out of range", numbers the user had not typed. 'nan', which
    float() reads, is told it is not a number: "nan is out of range" put it beyond a bound.
    `unit`: the number's, said after the bounds ("at most 60 kV"): `--fwhm -3` was told "at
    least 119.8 and at most 300", of what only --help said. A decimal comma ('1,5') is told to be
    a point: "'1,5' is not a number" said nothing of why."""
    import math

    parts = []
    if lo is not None:
        parts.append(f"above {lo:g}" if lo_open else f"at least {lo:g}")
    if hi is not None:
        parts.append(f"below {hi:g}" if hi_open else f"at most {hi:g}")
    allowed = " and ".join(parts) + (f" {unit}" if unit and parts else "") or "finite"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{_shown(text)!r} is not a number{_comma_hint(text)}"
            ) from None
        if math.isnan(value):
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is not a number: it must be {allowed}"
            )
        low = lo is not None and (value <= lo if lo_open else value < lo)
        high = hi is not None and (value >= hi if hi_open else value > hi)
        if math.isinf(value) or low or high:
            raise argparse.ArgumentTypeError(
                f"{_shown(text)} is out of range: it must be {allowed}"
            )
        return value + 0.0  # -0 as 0: '-0' gave -0.0, written to a training config as -0.0

    return parse


#: argparse `type=` for a finite number above 0 (a learning rate, epochs): a bad one fails at
#: parsing instead of training nothing or forever.
positive_float = float_in(0, lo_open=True)

#: positive_float for a time in seconds (--time-budget), its refusal saying so: "it must be
#: above 0" had not said of what.
positive_seconds = float_in(0, lo_open=True, unit="s")


def meant_choice(word, choices, cutoff: float = 0.6) -> str:
    """The hint ": did you mean 'X'?", X the choice `word` most resembles (difflib, case
    ignored), or "": in every refusal of a value outside a fixed set (a command's name, an
    option's choices, --device, --anode), one rule where each had its own or none."""
    import difflib

    named = {str(c).lower(): c for c in choices}
    like = difflib.get_close_matches(str(word).lower(), list(named), n=1, cutoff=cutoff)
    return f": did you mean {named[like[0]]!r}?" if like else ""


def anode_symbol(text: str) -> str:
    """An element symbol as a tube anode is read in files' metadata (elements.element_symbol): a
    symbol in any case, an English name or an atomic number (rh, Rhodium, 45 -> Rh). Any element:
    --anode's type is cli._args.tube_anode, which also takes only the anodes the physics models."""
    from .detector import symbol_or_refuse

    return symbol_or_refuse(
        text,
        argparse.ArgumentTypeError(
            f"{text!r} is not an element (a tube anode such as Rh, Mo, W, Cu or Ag)"
        ),
    )
