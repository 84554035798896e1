"""How the `xrf-napari` commands read a scan (--anode, --dataset, --no-auto-calibration), the
same in each, and the instrument options of those that model its excitation (--kv, --optic,
--atmosphere); the value types they parse with are in `xrf_napari.argtypes`, but for --anode's
(tube_anode), which takes the anodes the physics models (TUBE_ANODES), a layer above argtypes."""

from __future__ import annotations

import argparse
import os

from ..argtypes import anode_symbol, meant_choice
from ..fileutil import check_not_a_file_name
from ..physics.tube import ANODES as TUBE_ANODES  # importing it reads no table (2-4 ms)

_ANODE = f"X-ray tube anode ({', '.join(TUBE_ANODES[:-1])} or {TUBE_ANODES[-1]})"

#: What --anode does in a command that only reads a scan (info); in the others the tube given
#: replaces the file's for what they model (quicklook, pigments: add_excitation_options) or for
#: their notes on it (recolour, embed: replacing_anode_help), and also does this.
ANODE_HELP = (
    f"{_ANODE} for the automatic energy calibration of a file that has none and does not "
    "name its anode (a file that names one keeps it; default: the tube its scatter lines show, "
    "else Rh)"
)
_CALIBRATION_TUBE = (
    "also the tube of the automatic energy calibration of a file that has none and names no "
    "anode (default: the tube its scatter lines show, else Rh)"
)


def replacing_anode_help(what: str) -> str:
    """--anode's help where the tube given replaces the file's for `what`, notes that read it
    (recolour's, embed's training-data line), as the panels' Instrument choice does."""
    return f"{_ANODE}, replacing the file's, for {what}; {_CALIBRATION_TUBE}"


def tube_anode(text: str) -> str:
    """argparse `type=` of --anode: an element in any of anode_symbol's spellings that is an
    anode the physics models (TUBE_ANODES). Any element was taken: `--anode U` ran info,
    quicklook, recolour and embed without a word (embed's note then said "tube anode U"), and
    only pigments refused it, after reading the scan. A misspelt symbol is told the anode it
    resembles (`Rhh`: did you mean 'Rh'?), as a misspelt choice of any option is."""
    supported = f"one of {', '.join(TUBE_ANODES)}"
    try:
        symbol = anode_symbol(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an element: give the X-ray tube's anode, {supported}"
            + meant_choice(text, TUBE_ANODES)
        ) from None
    if symbol not in TUBE_ANODES:
        named = repr(text) if text == symbol else f"{text!r} ({symbol})"
        raise argparse.ArgumentTypeError(
            f"{named} is not an X-ray tube anode xrf-napari models: give {supported}"
        )
    return symbol


def add_alias(parser, action, *aliases: str) -> None:
    """Old spellings of `action`'s option that are still read (a script written with one runs
    on) but shown nowhere: --help, the usage line and argparse's refusals name the action's own
    option strings only. recolour's embedder file was `--embedder-weights` where the trainers and
    evaluate call it `--embedder`; it is `--embedder` everywhere now."""
    for alias in aliases:
        if alias in parser._option_string_actions:
            raise ValueError(f"{alias} is already an option of {parser.prog}")
        parser._option_string_actions[alias] = action
    # for the refusals to name the spelling typed (_dispatch.CommandParser)
    action.hidden_aliases = (*getattr(action, "hidden_aliases", ()), *aliases)


def as_typed(*names: str, words: list[str] | None = None) -> str:
    """The spelling of one option (its shown name first, then the aliases add_alias reads) that
    the running command was given (or `words`, an argv being parsed), for a refusal to name the
    option as typed: names[0] where none of them was (or outside a command)."""
    from ..argtypes import running_argv

    if words is None:
        words = running_argv() or []
    for name in names:
        if any(w == name or w.startswith(name + "=") for w in words):
            return name
    return names[0]


def add_scan_options(parser, anode_help: str = ANODE_HELP) -> None:
    """How INPUT is read, the same in every command that reads a scan: without them a file with
    no calibration and no anode in its metadata was auto-calibrated for a Rh tube by `recolour`,
    `embed` and `pigments` whatever the user knew."""
    parser.add_argument("--anode", type=tube_anode, default=None, help=anode_help)
    parser.add_argument(
        "--dataset", help="HDF5 dataset / zarr array path / .npz member (skip discovery)"
    )
    parser.add_argument(
        "--no-auto-calibration",
        action="store_true",
        help="keep the file's energy calibration as it is: leave a file without one on its "
        "channel axis, and keep one the automatic calibration finds contradicts the peaks",
    )


def add_excitation_options(
    parser, uses: str, unknown_tube: str, unknown_kv: str, kv_uses: str | None = None
) -> None:
    """--anode (with --dataset: add_scan_options), --kv, --optic and --atmosphere, one wording and
    one rule for every command that takes them (quicklook's element suggestion, pigments' forward
    model): what the user types replaces what the file says. quicklook's --anode once yielded to
    the file's anode while pigments' replaced it, under helps written apart. `uses` names what
    the options set ("the suggested elements"); `unknown_tube`, `unknown_kv` what is assumed
    where neither the user nor the file names the anode or the voltage; `kv_uses`: what the kV
    sets, where more than `uses` (quicklook's maps). The automatic energy
    calibration of a file without one keeps the anode the file names (io.read_cube): it fits the
    file's own peaks, and every command reads a scan the same way (add_scan_options)."""
    from ..argtypes import float_in
    from ..physics.instrument import ATMOSPHERES, OPTICS
    from ..physics.tube import KV_MAX, KV_MIN

    add_scan_options(
        parser,
        f"{_ANODE} of {uses}, replacing the file's (default: the file's, {unknown_tube}); "
        + _CALIBRATION_TUBE,
    )
    parser.add_argument(
        "--kv",
        type=float_in(KV_MIN, KV_MAX, unit="kV"),
        help=f"tube voltage in kV, {KV_MIN}-{KV_MAX}, of {kv_uses or uses}, replacing the file's "
        f"(default: the file's, {unknown_kv})",
    )
    parser.add_argument(
        "--optic",
        choices=OPTICS,
        help=f"excitation optic of {uses}, replacing the file's (default: the file's, else a "
        "collimator); lens: a polycapillary, as on a Bruker M6, whose .rpl exports do not say so; "
        "collimator: for a file that names a lens wrongly",
    )
    parser.add_argument(
        "--atmosphere",
        choices=ATMOSPHERES,
        help=f"gas of the beam path of {uses}, replacing the file's (default: the file's, else "
        "air)",
    )


def read_scan(args, **options):
    """INPUT opened with the scan options (`add_scan_options`)."""
    from ..io import read_cube

    auto = not args.no_auto_calibration
    return read_cube(
        args.input, anode=args.anode, dataset=args.dataset, auto_calibrate=auto, **options
    )


def refuse_uncalibrated(args, cube, cannot: str) -> None:
    """A scan left without an energy calibration (no sidecar, no peaks for the automatic one, or
    --no-auto-calibration) refused before any model is loaded or region fitted, in the docks'
    words (energy.uncalibrated_refusal), naming INPUT and the options that give it one: recolour
    and embed wrote colours and regions of channel numbers read as keV (Fe K-alpha at 6.4 keV
    read from channel 6.4), with only a warning. The core refuses such a scan too
    (energy.refuse_uncalibrated: iter_embed, iter_recolour, check_scan), in words naming no
    option; this says it first, with the options. `cannot`: as uncalibrated_refusal's."""
    from ..energy import uncalibrated_refusal

    why = uncalibrated_refusal(cube, args.input, cannot, how_to_calibrate(args))
    if why:
        raise ValueError(why)


def how_to_calibrate(args) -> str:
    """What a command-line user can do about a scan without an energy calibration, naming the
    command's own options (energy.HOW_TO_CALIBRATE names read_cube(anode=...), a Python call),
    and the napari dialog that writes the sidecar: reckoning its offset and gain by hand from
    two peaks is what the dialog does."""
    way = (
        "leave out --no-auto-calibration, for the calibration from its peaks"
        if args.no_auto_calibration
        else "name the tube with --anode if it is not Rh"
    )
    return (
        'give the file one (a JSON sidecar beside it, {"offset": ..., "gain": ...} in keV, which '
        "napari's Spectrum panel writes from two peaks you know (Calibrate from two peaks...), "
        f"or the .rpl's depth-origin and depth-scale keys), or {way} (docs/user_guide.md, "
        "'Fixing a calibration')"
    )


def check_output_folder_name(out, command: str, inputs=(), or_prefix: bool = False) -> None:
    """Refuse, before any work, an --output that names a file for a command that writes a folder
    of files: an existing file, or a new name ending like a file (.png, .h5, .csv ...) or like a
    scan the readers open (.mca, .rpl, .zarr ...: io.registry.SUPPORTED_SUFFIXES). The message
    says what to give instead; an existing folder of any name is taken, and one of the `inputs`
    is left to fileutil.check_outputs ("is, or lies inside, the input"). The option is named as
    typed (as_typed): `-o out/scan.mca` was told "--output out/scan.mca: ..."."""
    from pathlib import Path

    from ..fileutil import is_link_loop, link_loop, same_file
    from ..io.registry import SUPPORTED_SUFFIXES

    path = Path(out)
    if path.is_dir():
        return
    prefix = ", or a prefix ending in _ - or ." if or_prefix else ""
    option = as_typed("--output", "-o")
    if is_link_loop(path):  # it was a bare "[Errno 40] Too many levels of symbolic links"
        raise ValueError(f"{option} {out}: {link_loop()}")
    if os.path.islink(path) and not os.path.exists(path):  # "[Errno 2] ..." or "is a file"
        raise ValueError(
            f"{option} {out}: is a symbolic link to {os.readlink(path)}, which does not exist; "
            f"{command} writes several files into a folder: create that folder, or give another"
        )
    if os.path.lexists(path):
        for given in inputs:
            if given and os.path.exists(given) and same_file(path, given):
                return
        raise ValueError(
            f"{option} {out}: is a file, not a folder; {command} writes several files into a "
            f"folder: give a folder (new or existing){prefix}"
        )
    check_not_a_file_name(out, command, option, prefix, scans=SUPPORTED_SUFFIXES)
