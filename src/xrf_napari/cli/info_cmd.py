"""`xrf-napari info FILE`: what a datacube is
(shape, dtype, calibration and its source, instrument)."""

from __future__ import annotations

import json
import math
import warnings


def configure(p):
    p.add_argument(
        "input", help="datacube or spectrum file (.rpl/.raw, .h5, .npy, .tif, .zarr, .spx, ...)"
    )
    from ._args import add_scan_options

    add_scan_options(p)
    p.add_argument(
        "--sum",
        action="store_true",
        help="also read the whole cube once: total counts, peak channel",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--no-progress", action="store_true", help="no progress bar for --sum")


#: Metadata keys that are not the file's: the raw header (too long), and the reader's own state,
#: which `info` printed as if the file said it ("values_checked: True" after the automatic
#: calibration's pass; "calibration_source", the calibration line's "source").
NOT_THE_FILES = ("header", "values_checked", "calibration_source")


def the_files(metadata: dict) -> dict:
    """`metadata` less NOT_THE_FILES, at the top and in `source_notes` (a saved .h5 keeps there
    the source's layout keys, a ripple header among them since 79272fd0; nested when a saved
    file is saved again): `info saved.h5` printed the whole header, hidden at the top. Nor
    io.AUTO_SAVED_KEY, which read_cube sets on reading a file whose calibration is automatic:
    `info saved.h5` printed "auto_calibration_saved: True" among the file's metadata."""
    from ..io import AUTO_SAVED_KEY

    out = {}
    for key, value in metadata.items():
        if key in NOT_THE_FILES or key == AUTO_SAVED_KEY:
            continue
        out[key] = the_files(value) if key == "source_notes" and isinstance(value, dict) else value
    return out


def size_text(n: int) -> str:
    """A cube's size in MiB, or KiB and bytes below one MiB (a 3 x 3 scan read "0.0 MiB")."""
    if n >= 2**20:
        return f"{round(n / 2**20, 2)} MiB"
    return f"{n / 2**10:.1f} KiB" if n >= 2**10 else f"{n} bytes"


def describe(cube, with_sum: bool = False, progress: bool = False) -> dict:
    """What `info` prints; `with_sum` reads the whole cube (behind a bar if `progress`: minutes on
    a file of gigabytes)."""
    h, w, c = cube.shape
    e = cube.energy
    uncal = cube.calibration.source == "none"
    info = {
        "path": str(cube.path) if cube.path else None,
        "shape": [h, w, c],
        "dtype": str(cube.dtype),
        # MiB (2**20 bytes), as the text says: the key was "size_mb", holding MiB
        "size_mib": round(cube.nbytes / 2**20, 2),
        "size_bytes": int(cube.nbytes),
        "calibration": cube.calibration.to_dict(),
        # channel numbers are no keV: a script reading this key must not take them for energies
        "energy_range_kev": None if uncal else [float(e[0]), float(e[-1])],
        "channel_range": [0, c - 1],
        "metadata": the_files(cube.metadata),
    }
    if with_sum:
        from ..progress import drain

        s = drain(cube.iter_sum_spectrum(), "summing", "rows", progress)
        info["total_counts"] = float(s.sum())
        # none in a scan of no counts: it said "strongest channel 0 (0.000 keV)" of zeros
        peak = int(s.argmax()) if s.max() > 0 else None
        info["peak_channel"] = peak
        # its energy: channel 95 of a Bruker spectrum is its zero peak (0 keV), not a line
        info["peak_energy_kev"] = None if uncal or peak is None else float(e[peak])
    return info


#: Longest value shown on one line, and list items shown, before the rest is summarised.
MAX_LINE = 100
MAX_ITEMS = 6


def readable(value, indent: int = 0, width: int = MAX_LINE, headings=None) -> list[str]:
    """Metadata as indented `key: value` lines: nested mappings one level per indent, long lists
    cut to their first items (with the count), floats to 6 significant digits; empty values (None,
    "", {}, []) left out: a painting's metadata printed "year: None", "silhouettes: {}", Python's
    words for nothing; --json has it all. `headings`: {key: text} shown instead of a top-level
    mapping's bare `key:` heading."""
    from ..fileutil import printable

    pad = " " * indent
    lines: list[str] = []
    for key, v in value.items():
        if v is None or (isinstance(v, (str, dict, list, tuple)) and not v):
            continue
        heading = (headings or {}).get(key)
        key = printable(str(key))
        if isinstance(v, dict):
            inner = readable(v, indent + 2, width)
            if inner:  # a mapping of empty values alone is as empty
                lines.extend([f"{pad}{heading or key}:", *inner])
            continue
        if isinstance(v, (list, tuple)) and all(isinstance(x, dict) for x in v):
            lines.append(f"{pad}{key}: {len(v)} entries")
            for i, item in enumerate(v[:MAX_ITEMS]):
                lines.append(f"{pad}  [{i}]")
                lines.extend(readable(item, indent + 4, width))
            if len(v) > MAX_ITEMS:
                lines.append(f"{pad}  ... {len(v) - MAX_ITEMS} more (see --json)")
            continue
        text = _short(v)
        if len(pad) + len(str(key)) + 2 + len(text) > width:
            text = text[: max(width - len(pad) - len(str(key)) - 5, 10)] + "..."
        lines.append(f"{pad}{key}: {text}")
    return lines


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        items = ", ".join(_short(x) for x in v[:MAX_ITEMS])
        more = f", ... ({len(v)} items)" if len(v) > MAX_ITEMS else ""
        return f"[{items}{more}]"
    from ..fileutil import printable

    # a line break or escape sequence in a file's text (an attribute, a header comment) was
    # printed raw: the rest of the value stood at the line's start as if it were no metadata,
    # and an ESC sequence recoloured the terminal; escaped here (\n, \x1b), --json keeps them
    return printable(str(v))


def simulated_profile_note(cube) -> str | None:
    """What the generator's `profile` in a synthetic cube's metadata is, when its channels are not
    the ones stored: the instrument simulated before its counts were binned onto the stored grid.
    `info` printed the profile's 2048 channels at 15 eV under the stored cube's 512 channels at
    50 eV with no word on which was which, two calibrations that read as a contradiction.
    None when there is no such profile, or the cube is stored at the profile's own channels
    (--native)."""
    prof = cube.metadata.get("profile")
    if not isinstance(prof, dict):
        return None
    n, gain, offset = (prof.get(k) for k in ("n_channels", "gain", "offset"))
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (n, gain, offset)):
        return None
    cal, stored = cube.calibration, cube.shape[2]
    same = (
        int(n) == stored
        and cal.source != "none"
        and math.isclose(float(gain), cal.gain, rel_tol=1e-6)
        and math.isclose(float(offset), cal.offset, abs_tol=1e-6)
    )
    if same:
        return None
    return (
        f"the simulated instrument, before its counts were binned to the {stored} channels stored"
    )


def calibration_tube(cube, given: str | None = None, auto_off: bool = False) -> dict | None:
    """{"anode", "origin"} of an automatic calibration: the tube whose lines it assumed among the
    peaks and where that came from (the file, --anode, else the default Rh). `info` showed only
    "auto_calibration: anode: Rh" among the metadata, while `pigments` on the same file reported
    the anode it estimated from the spectra, with nothing saying that Rh was only a default.
    `auto_off`: read with --no-auto-calibration (calibration_anode_origin's)."""
    from ..detector import calibration_anode, calibration_anode_origin

    anode = calibration_anode(cube.metadata)  # the one reading: a saved "rh", JSON text
    if cube.calibration.source != "auto" or anode is None:
        return None
    return {
        "anode": anode,
        "origin": calibration_anode_origin(cube.metadata, given, auto_off=auto_off),
    }


def tube_read(cube, given: str | None, metadata: dict) -> dict | None:
    """{"anode", "origin"} of the tube read_cube read off the scatter lines under the file's own
    calibration (detector.seen_anode), taken out of `metadata` (not the file's); None where none
    was, or a tube is named or given. A scan with a .json sidecar and no tube named showed no tube
    here, quicklook "tube unknown", Pigments "Mo estimated from the spectra (scatter lines)"."""
    from ..detector import (
        ANODE_FROM_SCATTER,
        SEEN_ANODE_KEY,
        calibration_anode_origin,
        known_anode,
        tube_source,
    )

    metadata.pop(SEEN_ANODE_KEY, None)
    if cube.calibration.source == "auto" or tube_source(cube.metadata, given) != ANODE_FROM_SCATTER:
        return None
    return {
        "anode": known_anode(cube.metadata),
        "origin": calibration_anode_origin(cube.metadata, given),
    }


def tube_given(cube, anode: str | None, metadata: dict) -> dict | None:
    """{"anode", "used", "file_anode"} of the tube given with --anode, taken out of `metadata`
    (what `info` lists as the file's): read_cube records it there as the scan's tube
    (GIVEN_ANODE_KEY), and `info X --anode Mo` listed "anode_given: Mo" under metadata as if the
    file held it. A file naming its own tube keeps it: the one given is not used (and a tube the
    file records as given before stays among its metadata)."""
    from ..detector import GIVEN_ANODE_KEY, anode_from_metadata

    if not anode:
        return None
    own = anode_from_metadata(cube.metadata)
    if not own:
        metadata.pop(GIVEN_ANODE_KEY, None)  # the one given here, over any the file recorded
    return {"anode": anode, "used": not own, "file_anode": own or None}


def given_note(given: dict) -> str:
    if given["used"]:
        return ""
    return f"; not used: the file names the tube {given['file_anode']}"


def finite_or_null(value):
    """`value` with NaN and infinite floats as None: json.dumps wrote a file's NaN metadata (an
    HDF5 attribute, a header's "nan") as NaN, which strict JSON readers (jq, JavaScript) refuse."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    return value


def kv_words(kv: float | None, note: str) -> str:
    """The file's tube voltage (`kv`, `note`: detector.kv_reading of the file, read once by run)
    as `info` says it, in quicklook's words: the file's (read as volts, it says so), or unknown
    (detector.kv_unnamed: none named, or which value was set aside; naming the commands whose
    --kv sets it). `info` said nothing of it, so a file naming none was told only by
    quicklook's and pigments' notes."""
    from ..detector import kv_unnamed

    if kv is None:
        return kv_unnamed(None, "quicklook's and pigments' --kv", note)
    origin = note or "the file's"
    return f"{kv:g} kV ({origin})"


def _print_refusal(cube, args) -> None:
    """Why the automatic calibration was refused, and what to do from the command line: `info`
    said only "calibration none", the reason cut short among the metadata ("auto_calibration:
    failed: another calibration (50.04 eV/channel, offset 1.025 keV) puts more ...")."""
    from ..io import auto_calibration_failure, few_channels
    from ._args import how_to_calibrate

    failed = auto_calibration_failure(cube.metadata)
    if failed is None:
        return
    print(f"              automatic calibration refused: {failed}")
    if few_channels(cube) is None:  # else images, which no calibration makes a spectrum
        print(f"              to calibrate, {how_to_calibrate(args)}")


def run(args) -> int:
    from ..detector import kv_reading
    from ._args import read_scan

    said: list = []
    try:
        with warnings.catch_warnings(record=True) as said:  # the file's warnings, for --json
            cube = read_scan(args)
            info = describe(cube, args.sum, progress=not args.no_progress)
    finally:  # to stderr, as before (a refusal's too): a script watching it still sees them
        for w in said:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    if said:  # --json had carried them on stderr only (the cube read of several, which)
        info["warnings"] = [str(w.message) for w in said]
    note = simulated_profile_note(cube)
    if note and "profile" in info["metadata"]:
        info["metadata_notes"] = {"profile": note}
    tube = calibration_tube(cube, args.anode, args.no_auto_calibration)
    if tube:
        info["calibration_anode"] = tube
    read = tube_read(cube, args.anode, info["metadata"])
    if read:
        info["tube_read"] = read
    given = tube_given(cube, args.anode, info["metadata"])
    if given:
        info["tube_given"] = given
    kv, kv_note = kv_reading(cube.metadata)  # None: the file names none, or no kV
    info["tube_kv"] = kv
    if kv_note:  # read as volts, or set aside
        info["tube_kv_note"] = kv_note
    if args.json:
        print(json.dumps(finite_or_null(info), default=str, indent=1))
        return 0
    cal = cube.calibration
    from ..energy import energy_range_text
    from ..fileutil import printable

    print(printable(info["path"]) if info["path"] else cube.name)
    print(
        f"  shape      {cube.shape[0]} x {cube.shape[1]} pixels x {cube.shape[2]} channels, "
        f"{info['dtype']}, {size_text(info['size_bytes'])}"
    )
    if cal.source == "none":
        print("  calibration none (energy axis is channel numbers)")
        _print_refusal(cube, args)
    else:
        print(
            f"  calibration E = {cal.offset:.5f} + {cal.gain:.6f} ch"
            + (  # "+ -2e-07 ch^2" read as a typo
                f" {'-' if cal.quadratic < 0 else '+'} {abs(cal.quadratic):.3g} ch^2"
                if cal.quadratic
                else ""
            )
            + f" keV  (source: {cal.source}); {energy_range_text(info['energy_range_kev'])}"
        )
    if tube:
        print(f"              tube assumed: {tube['anode']} ({tube['origin']})")
    if read:
        print(f"              tube read: {read['anode']} ({read['origin']})")
    if given:
        print(f"  tube given {given['anode']} (--anode{given_note(given)})")
    print(f"  voltage    {kv_words(kv, kv_note)}")
    if info["metadata"]:
        print("  metadata")
        headings = {"profile": f"profile ({note})"} if note else None
        for line in readable(info["metadata"], indent=4, headings=headings):
            print(line)
    if args.sum:
        at, peak = info["peak_energy_kev"], info["peak_channel"]
        print(
            f"  total counts {info['total_counts']:.6g}, "
            + (
                "no strongest channel (no channel holds a count)"
                if peak is None
                else f"strongest channel {peak}" + ("" if at is None else f" ({at:.3f} keV)")
            )
        )
    return 0
