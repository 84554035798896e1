"""`xrf-napari quicklook INPUT --output DIR`: sum-spectrum plot and element maps as PNG, headless
(--tiff: the maps' values too).

The fastest check that a scan opened right: lines land on peaks if the calibration is right, and
maps show the painting if the file layout is right.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import numpy as np

from ..argtypes import print_note
from ..cube import pixels_text

DEFAULT_MAX_ELEMENTS = 6

#: An energy axis reaching beyond this (keV) is no XRF axis: the heaviest K lines lie near
#: 100 keV, so such a gain is most often one in eV read as keV. quicklook says to check the
#: calibration, as for an axis ending below the lightest line.
AXIS_BEYOND_LINES_KEV = 1000.0


def configure(p):
    p.add_argument("input", help="datacube file")
    p.add_argument(
        "--output",
        "-o",
        required=True,
        help="folder for the PNG files (created if needed); existing files of the same names are "
        "replaced, and the map PNGs an earlier quicklook of the same scan name left there are "
        "removed (with --tiff, its TIFFs and <name>_maps.csv too); the user's other files and "
        "the Elemental maps dock's saved maps stay",
    )
    p.add_argument(
        "--elements",
        help="symbols to map, separated by commas (or spaces, quoted), e.g. Fe,Pb,Hg (default: "
        f"the {DEFAULT_MAX_ELEMENTS} strongest of the elements suggested; the Elemental maps "
        "dock ticks every suggested element)",
    )
    from ._args import add_excitation_options

    # the pigments command's options, in its words (one helper): an M6's .rpl export names no
    # tube, optic or gas, and cadmium, tin and antimony are judged by their L lines under a lens
    # only where the tube (anode and kV) is known
    add_excitation_options(
        p,
        "the suggested elements",
        unknown_tube="else unknown",
        unknown_kv="else unknown: under a lens cadmium, tin and antimony are then judged by their "
        "K lines only, and no map is said to read a line the tube cannot excite",
        # the kV decides the maps' "cannot be excited" notes too (plan_for_cube): the help said
        # only "of the suggested elements"
        kv_uses="the suggested elements and the maps (a map of a line the tube cannot excite "
        "at that voltage says so in its title)",
    )
    p.add_argument(
        "--tiff",
        action="store_true",
        help="also write each map's values as a 32-bit float TIFF (net line counts per pixel) "
        "and <name>_maps.csv with the lines and windows used, as the dock's Save maps",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def choose_maps(
    cube,
    elements=None,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
    progress: bool = False,
    anode: str | None = None,
    kv: float | None = None,
    optic: str | None = None,
    atmosphere: str | None = None,
):
    """(sum spectrum, suggested, plans, maps) by the GUI's own path: one survey of the cube
    (analysis.spectra.iter_survey), its suggested elements (analysis.peaks.suggest_for_cube,
    strongest first), then net line maps with background and overlap handling for the first
    `max_elements` of them, or for `elements` (analysis.maps, as the Elemental maps dock).
    `progress`: a bar per pass over the cube (each is a full read: a minute on a big file).
    `suggested` is a peaks.Suggestions: its `warning` says when the peaks contradict the
    calibration. `anode`, `kv`, `optic`, `atmosphere`: the user's, over the file's
    (suggest_for_cube; the anode also in the maps' overlaps and the kV in what they can excite,
    plan_for_cube, as the dock's)."""
    from ..analysis.maps import iter_planned_maps, plan_for_cube
    from ..analysis.peaks import suggest_for_cube
    from ..analysis.spectra import iter_survey
    from ..progress import drain

    mean, spectra = drain(iter_survey(cube, groups=True), "survey", "rows", progress)
    h, w, _ = cube.shape
    spectrum = mean * (h * w)
    if cube.calibration.source == "none":
        return spectrum, [], [], {}
    # a peaks.Suggestions: a list with .warning and .tube
    suggested = suggest_for_cube(
        cube, spectrum, spectra, anode=anode, kv=kv, optic=optic, atmosphere=atmosphere
    )
    symbols = list(elements) if elements else suggested[:max_elements]
    if not symbols:
        return spectrum, suggested, [], {}
    # a usual anode left out too; the elements asked for count present where the scan shows
    # them (plan_for_cube): Cd and Sn asked for on the APS scan read its Ca map -61 %
    present = sorted(suggested.seen)
    # the tube's lines are handled as the user's anode's, as the suggestion's (plan_for_cube);
    # planned once, for the plot's labels and the maps alike
    # the survey's tiles and groups too: a neighbour in a small patch shows only there
    planned = plan_for_cube(
        cube, symbols, present=present, anode=anode, spectrum=spectrum, kv=kv, tiles=spectra
    )
    maps = drain(iter_planned_maps(cube, planned), "maps", "rows", progress)
    plans = planned[0]
    return spectrum, suggested, plans, maps


def _lines_on_axis(cube) -> bool:
    """Whether a line the element suggestion weighs (elements.all_lines) lies on the energy
    axis of a calibrated `cube`: where none does (the real spacekeys .rpl's -0.96 to -0.91 keV),
    nothing can be suggested, whatever the instrument, and "instrument of the suggestion: ..."
    was printed and titled on the plot all the same."""
    from ..elements import all_lines

    ends = float(cube.energy[0]), float(cube.energy[-1])
    return bool(all_lines(e_min=min(ends), e_max=max(ends)))


def instrument_said(
    cube,
    anode: str | None = None,
    kv: float | None = None,
    optic: str | None = None,
    atmosphere: str | None = None,
) -> str:
    """The instrument the element suggestion was made for, each part with where it came from
    ("given": the option; "the file's"; else what was assumed), as suggest_for_cube reads it:
    the suggestion depends on it (cadmium, tin and antimony under a lens), and a quicklook folder
    or its printout did not say whether --optic lens, the file's tube or nothing was used. Not
    pigment_fit.instrument_for's notes, which pigments prints: the fit assumes a tube (Rh, 50 kV)
    where the file names none, the suggestion assumes none (it judges cadmium, tin and antimony
    by their L lines only under a lens whose tube is known), so a tube or kV is "unknown" here;
    its values are peaks.suggestion_instrument's, the suggestion's own reading."""
    from ..analysis.peaks import suggestion_instrument
    from ..detector import (
        ANODE_BY_DEFAULT,
        ANODE_FROM_SCATTER,
        calibration_anode_origin,
        given_anode,
        known_anode,
        kv_reading,
        kv_unnamed,
        tube_source,
    )
    from ..physics.instrument import OPTIC_WORDS

    read = suggestion_instrument(cube, anode, kv, optic, atmosphere)
    files = "the file's"
    source = tube_source(cube.metadata)  # as info and the docks tell it
    if read["anode"]:  # given: --anode, or read_cube's anode= for a file naming none
        tube = f"{read['anode']} tube ({'given' if anode or given_anode(cube.metadata) else files})"
    elif source == ANODE_FROM_SCATTER:  # the suggestion reads it so too (Suggestions.tube)
        origin = calibration_anode_origin(cube.metadata, napari=True)
        tube = f"{known_anode(cube.metadata)} tube ({origin})"  # under a file's calibration too
    elif source == ANODE_BY_DEFAULT:  # the calibration's assumption, unknown to the suggestion
        tube = f"tube unknown ({calibration_anode_origin(cube.metadata, napari=True)}; --anode)"
    else:
        tube = "tube unknown (the file names none; --anode)"
    if read["kv"] is not None:
        volts = f"{read['kv']:g} kV ({'given' if kv is not None else files})"
    else:
        volts = kv_unnamed(None, note=kv_reading(cube.metadata)[1])  # none read: any set aside
    lens = read["optic_cutoff_kev"] is not None
    optic_words = OPTIC_WORDS["lens" if lens else "collimator"]
    optic_from = "given" if optic else files if lens else "the file names no lens; --optic"
    gas = read["atmosphere"]
    gas_from = "given" if atmosphere else files if gas else "the file names none; --atmosphere"
    return f"{tube}, {volts}, {optic_words} ({optic_from}), {gas or 'air'} ({gas_from})"


def written_by_quicklook(path: Path) -> bool:
    """Whether quicklook wrote `path` (its mark, export.MAPS_BY_QUICKLOOK, in a PNG's Software
    text, a TIFF's software tag or the table's first line): the Elemental maps dock's Save maps
    gives the same names, and the maps it saved (edited ones too) were deleted by a quicklook."""
    from ..analysis.export import MAPS_BY_QUICKLOOK
    from ..saved_marks import image_marks

    if path.suffix in (".png", ".tif"):
        marks = image_marks(path)  # None: unreadable, not an image: not quicklook's
        return marks is not None and marks[0] == MAPS_BY_QUICKLOOK
    try:
        with open(path, encoding="utf-8") as f:
            return f.readline().startswith(f"# {MAPS_BY_QUICKLOOK}:")
    except Exception:  # unreadable, not an image, not UTF-8: not quicklook's
        return False


def earlier_outputs(folder: Path, name: str, keep, tiff: bool = True) -> list[Path]:
    """The files an earlier quicklook of scan `name` wrote in `folder` that this run did not
    rewrite (`keep`): its maps of other elements (<stem>_<El>_<line>.png, with `tiff` .tif and
    <stem>_maps.csv too), <stem> being `name` made safe by file_stem. Left there they mixed two
    runs beside a table listing one. A file of another name or without quicklook's mark
    (written_by_quicklook) is the user's; a run without --tiff leaves the values set whole."""
    from ..analysis.export import file_stem
    from ..analysis.maps import FAMILIES
    from ..elements import element_symbol

    lines = "|".join(FAMILIES)
    stem = re.escape(file_stem(name))
    ext = "png|tif" if tiff else "png"
    table = rf"|{stem}_maps\.csv" if tiff else ""
    ours = re.compile(rf"{stem}_(?P<symbol>[A-Z][a-z]?)_(?:{lines})\.(?:{ext}){table}")
    keep = {Path(p).name for p in keep}
    found = []
    for p in sorted(folder.iterdir()):
        m = ours.fullmatch(p.name)
        if not m or p.name in keep or p.is_symlink() or not p.is_file():
            continue
        symbol = m["symbol"]
        try:
            if symbol and element_symbol(symbol) != symbol:
                continue
        except ValueError:  # not an element: not a map quicklook wrote
            continue
        if written_by_quicklook(p):
            found.append(p)
    return found


def remove_earlier(stale) -> tuple[list[Path], list[Path], list[str]]:
    """Remove the earlier run's files `stale` (earlier_outputs): (removed, kept, failed). A
    write-protected one (chmod a-w) is kept, as every save refuses to replace one; one gone
    meanwhile (the user, another run) is no one's, where its stat ended a finished run in
    "error: [Errno 2] No such file or directory" (exit 2); one that cannot be removed is
    "name (why)" in `failed`, a warning, not an error after the maps were written."""
    from ..fileutil import printable, write_protected

    removed, kept, failed = [], [], []
    for p in stale:
        try:
            if write_protected(p, p.stat()):
                kept.append(p)
                continue
            p.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed.append(f"{printable(p.name)} ({exc.strerror or exc})")
            continue
        removed.append(p)
    return removed, kept, failed


def _uncalibrated_said(cube, args, elements) -> str:
    """What quicklook wrote of a scan left without an energy calibration, and what the user can
    do from the command line. It said "automatic calibration failed" where --no-auto-calibration
    had turned it off, and advised `read_cube(anode=...)`, a Python call, even of a 1-channel
    scan (an image, not a spectrum), which no calibration makes mappable."""
    from ..io import auto_calibration_failure, few_channels
    from ..io.hdf5 import MIN_CHANNELS
    from ._args import how_to_calibrate

    named = " (the --elements named need a calibration)" if elements else ""
    if few_channels(cube) is not None:
        return (
            f"{cube.n_channels} channel{'' if cube.n_channels == 1 else 's'}, too few for an "
            f"X-ray spectrum (at least {MIN_CHANNELS}): wrote the channel sums against channel "
            f"numbers and no element maps{named}; element maps need the scan's spectral cube, "
            "not images (element maps) made from it"
        )
    why = "automatic calibration failed"
    failed = auto_calibration_failure(cube.metadata)
    if args.no_auto_calibration:
        why = "--no-auto-calibration"
    elif failed is not None:
        why += ": " + failed
    return (
        f"no energy calibration ({why}): wrote the spectrum against channel numbers and no "
        f"element maps{named}; to map elements, {how_to_calibrate(args)}"
    )


def run(args) -> int:
    from ..analysis.export import file_stem
    from ..fileutil import atomic_set, check_outputs, made_folder, printable
    from ._args import as_typed, check_output_folder_name

    out = Path(args.output)
    option = as_typed("--output", "-o")  # the refusals name the spelling typed
    check_output_folder_name(out, "quicklook", inputs=[args.input])
    check_outputs(folders=[out], inputs=[args.input], option=option)
    elements = None
    if args.elements is not None:  # any case or name, as --anode ('fe', 'Iron', 26 -> 'Fe')
        from ..elements import element_symbol

        # commas, or spaces and semicolons as typed ("Fe Pb" was "'Fe Pb' is not an element")
        try:
            elements = [element_symbol(s) for s in re.split(r"[,;\s]+", args.elements) if s]
        except ValueError as exc:
            raise ValueError(f"--elements {args.elements!r}: {exc}") from None
        if not elements:  # "" or "," had quietly mapped the suggested elements instead
            raise ValueError(
                f"--elements {args.elements!r} names no element: give symbols such as Fe,Pb,Hg, "
                "or leave the option out to map the suggested ones"
            )
    from ._args import read_scan

    cube = read_scan(args)
    stem = file_stem(cube.name)
    where = printable(cube.path)  # the scan as every line below names it
    calibrated = cube.calibration.source != "none"
    spot = cube.shape[:2] == (1, 1)
    check_outputs(files=[spectrum_png(out, stem)], inputs=[args.input], option=option)
    spectrum, suggested, plans, maps = choose_maps(
        cube,
        elements,
        progress=not args.no_progress,
        # the user's tube over the file's, as pigments' --anode (add_excitation_options)
        anode=args.anode,
        kv=args.kv,
        optic=args.optic,
        atmosphere=args.atmosphere,
    )
    if not spot:  # the maps' files, once named, as the spectrum's above
        check_outputs(
            files=[map_png(out, stem, p) for p in plans], inputs=[args.input], option=option
        )
    # the folder only once there is something to write, and none left by a failed first run;
    # the files reach their names together: never half of two runs
    instrument = None
    if calibrated and _lines_on_axis(cube):  # what the suggestion assumed: said in both outputs
        # (on an axis where no line lies, -0.96 to -0.91 keV, nothing could be suggested)
        instrument = instrument_said(cube, args.anode, args.kv, args.optic, args.atmosphere)
    with made_folder(out), atomic_set():
        written = write_outputs(
            out, cube, spectrum, suggested, plans, maps, args, instrument=instrument
        )
    stale, kept, failed = remove_earlier(earlier_outputs(out, cube.name, written, tiff=args.tiff))
    if stale:
        print_note(
            f"removed {len(stale)} file(s) of an earlier quicklook of "
            f"{printable(cube.name)}: " + ", ".join(p.name for p in stale),
        )
    if kept:
        print_note(
            f"kept {len(kept)} read-only (write-protected) file(s) of an earlier "
            f"quicklook of {printable(cube.name)}: "
            + ", ".join(p.name for p in kept)
            + "; make them writable to have a rerun remove them, or remove them",
        )
    # warnings as the commands' others, which cli._dispatch prints "xrf-napari quicklook:
    # warning: ...": these three were bare "warning: ..." lines
    if failed:
        warnings.warn(
            f"could not remove {len(failed)} file(s) an earlier quicklook of "
            f"{printable(cube.name)} left beside this run's: "
            + ", ".join(failed)
            + "; remove them by hand",
            stacklevel=1,
        )
    warning = getattr(suggested, "warning", "")
    if warning:
        warnings.warn(f"{where}: {warning}", stacklevel=1)
    if getattr(suggested, "tube", ()):  # peaks.Suggestions.tube, as the docks' Suggested line
        print_note(f"{where}: {suggested.tube_note('with --anode')}")
    if calibrated and not plans:  # nothing suggested: the folder held a lone spectrum, unexplained
        hi = float(cube.energy[-1])
        check = "check the calibration (docs/user_guide.md, 'Fixing a calibration')"
        from ..energy import canonical_edges, energy_range_text, off_grid_refusal

        grid = canonical_edges()
        if hi < 0.1:
            way = f"no line lies there (the lightest, Be K, is at 0.11 keV): {check}"
        elif hi > AXIS_BEYOND_LINES_KEV:  # once advised --elements, which maps such an axis
            way = (
                "an axis reaching that far is no X-ray spectrum (the heaviest K lines lie near "
                f"100 keV; a gain in eV read as keV?): {check}"
            )
        elif off_grid_refusal(cube, "the models"):  # 0-0.77 keV: Pb, Hg lie nowhere on it
            way = (
                f"the axis lies wholly outside the {grid[0]:g}-{grid[-1]:g} keV that embed, "
                f"recolour and pigments read (they refuse this scan): {check}"
            )
        else:
            way = "--elements (e.g. Fe,Pb,Hg) maps the elements you name"
        print(
            f"{where}: no element line stands out of the spectrum "
            f"({energy_range_text(cube.energy)}): wrote the spectrum and no element maps; {way}"
        )
    elif spot and calibrated:
        maps_said = (
            f"no map images (each line's net counts: the TIFFs and {stem}_maps.csv)"
            if args.tiff and plans
            else "no element maps"
        )
        print(
            f"{where}: a single spectrum ({pixels_text(cube.shape)}): wrote the "
            f"spectrum with its elements marked and {maps_said}"
        )
    elif min(cube.shape[:2]) < 2 and calibrated and plans:
        print(
            f"{where}: a line ({pixels_text(cube.shape)}): each map is drawn as a profile along it"
        )
    if calibrated and plans:  # maps of lines on an axis the models refuse: said above if none
        from ..energy import off_grid_refusal

        why = off_grid_refusal(cube, "embed, recolour and pigments, which refuse this scan", where)
        if why:  # a 0-0.97 keV axis got its Cu L-alpha map and no word of embed's refusal
            warnings.warn(why, stacklevel=1)
    if not calibrated:  # the way on, and --elements dropped: both went unsaid
        print(f"{where}: " + _uncalibrated_said(cube, args, elements))
    if instrument:  # on stderr, as pigments' instrument notes: stdout lists the files written
        print_note(f"{where}: instrument of the suggestion: {instrument}")
    if plans and cube.live_time_scale() is not None:  # the maps' values were scaled: say how
        from ..analysis.export import map_values

        print_note(f"{where}: the maps are {map_values(cube)}")
    mapped = [plan.symbol for plan in plans]
    others = [s for s in suggested if s not in mapped]
    # the map files' names say which were mapped, not the rest; a single spectrum without
    # --tiff has no file per element, and its marked elements went unnamed; said also where all
    # were mapped: a scan of 4 suggested said nothing, one of 8 "8 elements suggested"; a note
    # on stderr, as the instrument's: it stood among the files stdout lists
    if elements is None and mapped:
        said = "marked on the spectrum" + ("" if spot else " and mapped")
        rest = f"; not: {', '.join(others)} (--elements names any)" if others else ""
        print_note(
            f"{where}: {len(suggested)} element{'s' if len(suggested) > 1 else ''}"
            f" suggested, strongest first; {said}: {', '.join(mapped)}{rest}"
        )
    for p in written:
        print(printable(p))
    if elements and not plans:  # exit 0 with no map: a script could not tell it got none
        print(
            f"xrf-napari quicklook: error: {where}: none of the --elements named "
            f"({', '.join(elements)}) could be mapped: wrote the spectrum only (exit 1)",
            file=sys.stderr,
        )
        return 1  # not 2 (bad input, nothing written): the spectrum was written
    return 0


def spectrum_png(out: Path, stem: str) -> Path:
    """The sum spectrum's PNG: one name for run's check of the outputs and write_outputs."""
    return out / f"{stem}_sum_spectrum.png"


def map_png(out: Path, stem: str, plan) -> Path:
    """A map's PNG: one name for run's check of the outputs and write_outputs, so the check
    sees every file written (a write-protected map's PNG was replaced when it saw only the
    spectrum's)."""
    return out / f"{stem}_{plan.symbol}_{plan.line.family}.png"


#: Characters per line of a map PNG's title: its notes (the lines fitted together, the
#: neighbours' lines taken out) run to 200 characters and more, and unwrapped they ran off both
#: sides of the 6-inch figure ("Lβ used: Pb Lα coincides ... taken out by the Se map" showed
#: as "β used ... by th e Se map" on the sample painting's Pb map)
MAP_TITLE_CHARS = 60


def map_figure(m, plan, line: bool, counts: str = "net line counts"):
    """The figure of one map PNG: `m` drawn as an image (magma, from 0 to display_top), or as a
    profile for a 1 x N or N x 1 scan (`line`), titled with the line, its energy and the plan's
    note wrapped to MAP_TITLE_CHARS, laid out (constrained) so that the whole title and colour
    bar lie inside the figure however short the map is. `counts`: what the values are (their
    axis or colour bar)."""
    import textwrap

    import matplotlib.pyplot as plt

    from ..analysis.maps import display_top

    title = f"{plan.label} {plan.line.energy:.2f} keV"
    if plan.note:
        title += "\n" + textwrap.fill(plan.note, MAP_TITLE_CHARS)
    if line:
        fig, ax = plt.subplots(figsize=(8, 3), dpi=110, layout="constrained")
        ax.plot(np.ravel(m), lw=0.8, color="k")
        ax.set_xlabel(f"pixel along the line ({'x' if m.shape[0] == 1 else 'y'})")
        ax.set_ylabel(counts)
        ax.set_ylim(bottom=min(0.0, float(np.min(m))))  # from 0, as the maps' display is
        ax.set_title(title, fontsize=9)
        return fig
    # the map's own aspect, held between 2 and 12 inches tall: unbounded, a 1024 x 2 strip
    # made 660 x 338,000-pixel PNGs (6 GB, 77 s) and a 3 x 128 one cut off its title
    tall = min(max(6 * m.shape[0] / max(m.shape[1], 1), 2.0), 12.0)
    fig, ax = plt.subplots(figsize=(6, tall + 0.6), dpi=110, layout="constrained")
    im = ax.imshow(m, cmap="magma", vmin=0, vmax=display_top(m))
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    fig.colorbar(im, ax=ax, shrink=0.8, label=counts)
    return fig


#: Characters per line of the sum-spectrum PNG's title (10 inches wide, 9-point type): its lines
#: were wrapped at 150, which ran past both edges ("...(name the tube with --anode t"), and its
#: first line, the scan's name and the suggested elements, was not wrapped at all
SPECTRUM_TITLE_CHARS = 120


def spectrum_figure(cube, spectrum, suggested, plans, instrument: str | None = None):
    """The figure of the sum-spectrum PNG: `spectrum` on a log axis against the cube's energies
    (channels where it has no calibration), the lines of `plans` marked, titled with the scan's
    name, size, calibration source and `suggested` elements, what the suggestion assumed
    (`instrument`), the tube note and the survey's warning, each wrapped to SPECTRUM_TITLE_CHARS
    and laid out (constrained) inside the figure."""
    import textwrap

    import matplotlib.pyplot as plt

    from ..elements import element_lines
    from ..fileutil import printable

    energy = cube.energy
    fig, ax = plt.subplots(figsize=(10, 4), dpi=110, layout="constrained")
    # empty channels drawn at half a count on the log axis, or at half the smallest value where
    # that is less: a float scan in counts per second or normalised (values < 1) was drawn flat
    # at 0.5 but for its top peaks
    positive = spectrum[spectrum > 0]
    floor = min(0.5, float(positive.min()) / 2) if positive.size else 0.5
    ax.semilogy(energy, np.maximum(spectrum, floor), lw=0.8, color="k")
    calibrated = cube.calibration.source != "none"
    ax.set_xlabel("energy (keV)" if calibrated else "channel (no calibration)")
    ax.set_ylabel("counts (sum over pixels)")
    title = (
        f"{printable(cube.name)}: {pixels_text(cube.shape, order=True)}, calibration "
        f"{cube.calibration.source}; suggested: {', '.join(suggested) or 'none'}"
    )
    title = textwrap.fill(title, SPECTRUM_TITLE_CHARS)
    if instrument:  # what the suggestion assumed, wrapped as the warning
        title += "\n" + textwrap.fill(
            f"instrument of the suggestion: {instrument}", SPECTRUM_TITLE_CHARS
        )
    if getattr(suggested, "tube", ()):
        title += "\n" + textwrap.fill(suggested.tube_note("with --anode"), SPECTRUM_TITLE_CHARS)
    if getattr(suggested, "warning", ""):  # the plot is what a reader of the folder sees
        title += "\n" + textwrap.fill(f"warning: {suggested.warning}", SPECTRUM_TITLE_CHARS)
    ax.set_title(title, fontsize=9)
    for plan in plans:
        for fam_line in element_lines(plan.symbol):
            if energy[0] <= fam_line.energy <= energy[-1] and fam_line.family in (
                "Ka",
                "Kb",
                "La",
                "Lb",
            ):
                ax.axvline(fam_line.energy, color="tab:red", lw=0.5, alpha=0.6)
        ax.annotate(
            plan.label,
            (plan.line.energy, ax.get_ylim()[1]),
            rotation=90,
            va="top",
            ha="right",
            fontsize=8,
            color="tab:red",
        )
    return fig


def write_outputs(
    out: Path, cube, spectrum, suggested, plans, maps, args, instrument: str | None = None
) -> list[Path]:
    """The sum-spectrum plot, one PNG per map and (--tiff) the map values; every file through
    fileutil.atomic_path, marked as quicklook's (written_by_quicklook). `instrument`: what the
    suggestion was made for (instrument_said), in the plot's title. Returns the paths
    written."""
    import matplotlib

    matplotlib.use("Agg")
    import json

    import matplotlib.pyplot as plt

    from ..analysis.export import MAPS_BY_QUICKLOOK, file_stem, map_record, map_values
    from ..fileutil import atomic_path, printable
    from ..saved_marks import SUM_SPECTRUM

    mark = {"Software": MAPS_BY_QUICKLOOK}
    # what each PNG shows, as a map TIFF records it (`info` names it: saved_marks.record_words)
    plot = json.dumps({"plot": SUM_SPECTRUM, "scan": printable(cube.name)}, ensure_ascii=True)

    fig = spectrum_figure(cube, spectrum, suggested, plans, instrument)
    written = []
    stem = file_stem(cube.name)  # the TIFFs' and the CSV's stem too: one name per scan
    target = spectrum_png(out, stem)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", metadata={**mark, "Description": plot})
    plt.close(fig)
    written.append(target)

    spot = cube.shape[:2] == (1, 1)  # a spot spectrum: its elements, but no map to draw
    line = min(cube.shape[:2]) < 2  # a 1 x N line: each map is a profile, not an image
    scale = cube.live_time_scale()  # the maps' counts at the scan's median live time
    counts = "net line counts" + ("" if scale is None else f" at {scale.median_s:.3g} s live time")
    for plan in [] if spot else plans:
        m = maps[plan.symbol]
        target = map_png(out, stem, plan)
        fig = map_figure(m, plan, line, counts)
        record = map_record(cube.name, plan, cube.calibration, map_values(cube))
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", metadata={**mark, "Description": record})
        plt.close(fig)
        written.append(target)
    if args.tiff and plans:  # the values of a line or spot too: the other commands take them
        from ..analysis.export import save_element_maps

        written += save_element_maps(
            out,
            cube.name,
            plans,
            maps,
            inputs=[args.input],
            made_by=MAPS_BY_QUICKLOOK,
            calibration=cube.calibration,
            values=map_values(cube),
        )
    return written
