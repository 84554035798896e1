"""The instrument as the analysis sees it: silicon-drift-detector resolution and the tube's anode.

Element maps, peak finding, automatic calibration and the quicklook all need the same peak width
and read the same metadata keys; they take them from here. (`physics.detector` is the simulator's
own forward model, kept separate on purpose: tests check the analysis against it.)
"""

from __future__ import annotations

import numpy as np

#: Detector FWHM at Mn K-alpha when neither the caller nor the cube's metadata gives one (eV).
DEFAULT_FWHM_MN_EV = 140.0
#: The detector FWHM at Mn K-alpha (eV) the analysis takes, from the caller or a file: one
#: range, so that the Elemental maps dock's box offers no width the maps then refuse.
FWHM_MIN_EV, FWHM_MAX_EV = 20.0, 1000.0
#: The narrowest FWHM at Mn K-alpha a user is offered (Elemental maps' box): no semiconductor
#: detector resolves Mn K-alpha below its Fano limit (silicon ~120 eV, as FANO gives; germanium
#: ~104 eV). Narrower widths, taken from a file, are still mapped; typed in a box they were a slip
#: (5 for 150), and on a scan of coarse channels (40 eV and more) the maps refused them.
FWHM_OFFERED_MIN_EV = 100.0
MN_KA_KEV = 5.899
FANO = 0.114
PAIR_ENERGY_KEV = 3.85e-3  # energy per electron-hole pair in Si

#: 2.355^2 * F * eps (keV): no silicon detector resolves a line at E (keV) narrower than
#: sqrt(FANO_TERM * E).
FANO_TERM = 2.3548**2 * FANO * PAIR_ENERGY_KEV


def detector_fwhm_kev(energy_kev, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV):
    """FWHM (keV) of a silicon drift detector at energy E, from its FWHM at Mn K-alpha.

    sigma^2 = (noise / 2.355)^2 + F * eps * E: the electronic noise term is solved from the Mn
    K-alpha width, the Fano term grows with energy. A width below our Fano limit (119.8 eV: F =
    0.114 is a typical, not a universal, Fano factor) is taken as noise-free with the Fano factor
    that gives it, so the stated width holds at Mn K-alpha instead of being widened silently.
    """
    sigma_mn = fwhm_mn_ev * 1e-3 / 2.3548
    fano_var_mn = FANO * PAIR_ENERGY_KEV * MN_KA_KEV
    noise_var = max(sigma_mn**2 - fano_var_mn, 0.0)
    per_kev = min(sigma_mn**2, fano_var_mn) / MN_KA_KEV
    e = np.asarray(energy_kev, dtype=np.float64)
    return 2.3548 * np.sqrt(noise_var + per_kev * np.clip(e, 0.0, None))


def gaussian_channels(edges: np.ndarray, energy: float, fwhm: float) -> np.ndarray:
    """Unit-area Gaussian line (`fwhm` keV) integrated over each channel."""
    from scipy.special import erf

    s = fwhm / 2.3548 * np.sqrt(2.0)
    cdf = 0.5 * (1.0 + erf((edges - energy) / s))
    return np.diff(cdf)


def profile_from_metadata(metadata) -> dict | None:
    """Our generator's instrument profile (`metadata["profile"]`) as a dict, or None. Early
    generator files stored it as its Python repr (or JSON text): every reader of the profile (the
    anode, kV and FWHM below, the element suggestion's optic and gas, the pigment fit) takes it
    from here, so that none reads such a file as a collimator in air that another parses."""
    return dict_from_metadata(metadata, "profile")


def dict_from_metadata(metadata, key: str) -> dict | None:
    """`metadata[key]` as a dict, or None: a dict as it stands, else its Python repr or JSON
    text (how early files stored dicts; a round trip through text attributes does too). One
    reading for every such entry (the profile above, the pigment fit's `auto_calibration`), so
    that no reader parses a text another refuses."""
    value = (metadata or {}).get(key)
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    import ast
    import json

    for parse in (ast.literal_eval, json.loads):  # repr, then JSON (its null, true, false)
        try:
            v = parse(value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
        return v if isinstance(v, dict) else None
    return None


def fwhm_from_metadata(metadata: dict) -> float | None:
    """The detector FWHM at Mn K-alpha (eV) a reader or the generator stored, if any: a stored
    FWHM, else Bruker's peak-width terms (`sigma_abs`, `sigma_lin` of .spx headers: sigma^2 =
    SigmaAbs + SigmaLin * E in keV^2, whose SigmaLin equals Fano x pair energy)."""
    for where in (profile_from_metadata(metadata) or {}, metadata.get("detector") or {}, metadata):
        for key in ("fwhm_mn_ev", "fwhm_mn", "fwhm_ev"):
            value = where.get(key) if isinstance(where, dict) else None
            if isinstance(value, (int, float)) and FWHM_MIN_EV <= value <= FWHM_MAX_EV:
                return float(value)
    a, b = metadata.get("sigma_abs"), metadata.get("sigma_lin")
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        fwhm = 2.3548 * float(np.sqrt(max(a + b * MN_KA_KEV, 0.0))) * 1e3
        if FWHM_MIN_EV <= fwhm <= FWHM_MAX_EV:
            return fwhm
    return None


def cube_fwhm_mn_ev(cube, fwhm_ev: float | None = None) -> float:
    """The FWHM at Mn K-alpha to use for a cube: explicit, else its metadata, else the default."""
    if fwhm_ev is not None:
        if not FWHM_MIN_EV <= fwhm_ev <= FWHM_MAX_EV:
            raise ValueError(
                f"detector FWHM must be {FWHM_MIN_EV:.0f}-{FWHM_MAX_EV:.0f} eV at Mn K-alpha, "
                f"got {fwhm_ev}"
            )
        return float(fwhm_ev)
    return fwhm_from_metadata(cube.metadata) or DEFAULT_FWHM_MN_EV


def anode_from_metadata(metadata: dict) -> str | None:
    """The X-ray tube's anode element a reader or the generator stored, if any, as its symbol
    (files are normalised when read; an in-memory cube may say "rh" or "Rhodium"). A value naming
    no element is returned as written, for the caller to report."""
    for where in (profile_from_metadata(metadata) or {}, metadata.get("tube") or {}, metadata):
        a = where.get("anode") if isinstance(where, dict) else None
        if isinstance(a, str) and a:
            return _symbol_or_as_written(a)
    return None


def _symbol_or_as_written(anode: str) -> str:
    """An anode as its element symbol, or as written where it names no element (for the caller
    to report): the one reading of anode_from_metadata and calibration_anode."""
    from .elements import element_symbol

    try:
        return element_symbol(anode)
    except ValueError:
        return anode


def _recorded_anode(value) -> str | None:
    """An anode recorded as text (a metadata value, a tube given), stripped and as its symbol
    (_symbol_or_as_written); None where it is not text or blank: the one reading of given_anode,
    named_anode, calibration_anode and seen_anode."""
    return (
        _symbol_or_as_written(value.strip()) if isinstance(value, str) and value.strip() else None
    )


def symbol_or_refuse(anode, refusal: Exception) -> str:
    """A tube anode as its element symbol (rh, Rhodium, 45 -> Rh), else `refusal` raised, in its
    caller's words (tests check them): the one reading of a tube given or saved where one naming
    no element is an error (tube_symbol, read_cube's anode hint, a file's anode, --anode)."""
    from .elements import element_symbol

    try:
        return element_symbol(anode)
    except ValueError:
        raise refusal from None


def tube_symbol(anode: str, given: bool) -> str:
    """A tube anode as its element symbol, for the maps' plan and the element suggestion alike;
    a ValueError naming it as the tube where it names no element (the suggestion said only
    "unknown element symbol 'Xx'"). `given`: passed by the caller (--anode, a dock's Tube box),
    else the cube's own (its file's, or the one given to read_cube)."""
    whose = "given" if given else "the cube's"
    return symbol_or_refuse(
        anode,
        ValueError(f"{whose} tube anode {anode!r} is not an element symbol, name or atomic number"),
    )


#: The tube the reader's automatic calibration assumes for a file that names no anode (and no
#: --anode / read_cube anode= given) unless its scatter lines show another
#: (autocal.scatter_recalibrated), which every message naming the default reads
#: (calibration_anode_origin).
DEFAULT_CALIBRATION_ANODE = "Rh"
#: `auto_calibration`'s "anode_from" when the anode was read from the scan's scatter lines.
ANODE_FROM_SCATTER = "scatter lines"
#: `auto_calibration`'s "anode_from" when the anode was given to read_cube (anode=, the commands'
#: --anode) for a file naming none: the default's own symbol given so is no default.
ANODE_FROM_GIVEN = "given"
#: tube_source's word for an anode the file names, and for the default assumed (none named, none
#: read off the scatter lines).
ANODE_FROM_FILE = "file"
ANODE_BY_DEFAULT = "default"
#: The metadata key under which read_cube records the anode it was given (anode=, the commands'
#: --anode) for a file naming none, whatever calibration the scan keeps (given_anode).
GIVEN_ANODE_KEY = "anode_given"
#: The metadata key under which read_cube records the anode whose scattered K lines the sampled
#: spectra show under the file's own calibration, kept where no tube is named or given
#: (seen_anode): the automatic calibration's reading (ANODE_FROM_SCATTER) of a scan that keeps
#: its file's. Set again at every read; dropped by another calibration (Cube.with_calibration).
SEEN_ANODE_KEY = "anode_seen"
#: cube.metadata key, True where the automatic calibration was read from the file, saved there
#: (a project .h5 of a scan calibrated automatically), not fitted when the scan was read: set
#: again at every read (io.read_cube, auto_calibrated), so a saved value is never taken for it.
#: Here, not in io, for the analyses that word a calibration's origin (io imports analysis).
AUTO_SAVED_KEY = "auto_calibration_saved"
#: `auto_calibration` key (saved with the calibration, in a project .h5 too): the tube given
#: for which a fit of the saved automatic calibration failed, so it was kept (refit_failed_for).
REFIT_FAILED_KEY = "refit_failed_for"
#: calibration_note's words where a saved automatic calibration is kept as its fit for the tube
#: given failed (io._refitted_for_given), read only in a project saved before REFIT_FAILED_KEY.
REFIT_KEPT = "kept, as a fit for the"


def why_calibrated(metadata) -> str:
    """Why the cube's calibration is what it is, as its read said (`calibration_note`: a file's
    calibration set aside, or replaced by the automatic one), or, for a saved automatic
    calibration (AUTO_SAVED_KEY), as the read that fitted it said: napari's writer moves a
    read's `*_note` keys under `source_notes`, nested one level deeper at each save that adds
    notes of its own, so the nearest such note of the files it was saved from; "" where none
    says. Read from the top only, the first read's reason was lost at the first real save."""
    meta = metadata or {}
    for _ in range(64):  # a saved file's nesting, bounded should one be hand-made circular
        note = meta.get("calibration_note")
        if isinstance(note, str) and note.strip():
            return note.strip()
        if not (metadata or {}).get(AUTO_SAVED_KEY):
            return ""
        meta = dict_from_metadata(meta, "source_notes") or {}
        if not meta:
            return ""
    return ""


def given_anode(metadata) -> str | None:
    """The anode given to read_cube (anode=, --anode) for a file naming none, as its symbol:
    recorded when read (GIVEN_ANODE_KEY), or by an automatic calibration made for it
    (auto_calibrated(cube, anode=...): `auto_calibration` anode_from ANODE_FROM_GIVEN). None where
    none was given, or the file names its own (which wins: anode_from_metadata)."""
    metadata = metadata or {}
    if anode_from_metadata(metadata):
        return None
    if given := _recorded_anode(metadata.get(GIVEN_ANODE_KEY)):
        return given
    if calibration_anode_seen(metadata):
        return None
    return calibration_anode(metadata) if _calibration_anode_given(metadata) else None


def _calibration_anode_given(metadata) -> bool:
    """Whether the anode an automatic calibration that did not read it off the scatter lines
    (the callers ask calibration_anode_seen first, once) assumed was given (anode=, --anode), the
    one reading of given_anode and calibration_anode_origin: recorded so (ANODE_FROM_GIVEN), or,
    in a record without that word (a scan saved before it), another anode than the default.
    given_anode read the word alone, so a Mo calibration the Spectrum dock called "given with
    --anode" left the Instrument row at "tube: file's (none)"."""
    recorded = (dict_from_metadata(metadata, "auto_calibration") or {}).get("anode_from")
    assumed = calibration_anode(metadata)
    return recorded == ANODE_FROM_GIVEN or bool(assumed and assumed != DEFAULT_CALIBRATION_ANODE)


def named_anode(metadata, given: str | None = None) -> str | None:
    """Which tube the scan was taken with, as far as anyone named it: `given` (the caller's: a
    dock's Tube box, --anode, check_scan's or iter_recolour's anode=), else the file's anode
    (anode_from_metadata), else the one given to read_cube (given_anode); None where none names
    one (a tube read off the scatter lines or assumed for the calibration is no naming). Each as
    its element symbol (as written where it names no element): check_scan(anode="mo") of a Mo
    tube's scan warned of a "tube anode mo" outside training, which "the tube looks like Mo"
    contradicted. The one
    reading of every consumer of "the file's" tube: the element suggestion, the maps' overlaps,
    the pigment fit, the training-data report and the docks' Instrument rows read only the file's,
    so a tube given to read_cube reached the calibration and stopped there (the docks suggested
    elements as if the tube were unknown). A `given` atomic number (45) is its element (Rh), as
    symbol_or_refuse reads one from a file or --anode; any other non-text value is refused: 45
    was passed over for the file's anode without a word."""
    import numbers

    if given is not None and not isinstance(given, str):
        refusal = ValueError(
            f"anode {given!r} ({type(given).__name__}) is not an element symbol, name or atomic "
            "number: give the X-ray tube's anode, e.g. 'Rh' or 45"
        )
        if isinstance(given, bool) or not isinstance(given, numbers.Integral):
            raise refusal
        return symbol_or_refuse(int(given), refusal)
    if named := _recorded_anode(given):
        return named
    return anode_from_metadata(metadata or {}) or given_anode(metadata)


def calibration_anode(metadata) -> str | None:
    """The anode an automatic calibration assumed (`auto_calibration`'s "anode"), as its symbol,
    or None: one reading for the tube guess, the pigment fit's notes and calibration_anode_origin,
    which read it three ways (a project file's "rh" was Rh to the fit, another tube than the
    default to the origin, and the tube guess took its Rh scatter for evidence). A value naming
    no element is returned as written."""
    return _recorded_anode((dict_from_metadata(metadata, "auto_calibration") or {}).get("anode"))


def refit_failed_for(metadata, given: str | None = None) -> str | None:
    """The tube given (`given`, a command's --anode, else given_anode) where a fit for it of the
    saved automatic calibration failed, so the saved one was kept (io._refitted_for_given);
    None where none failed. As `auto_calibration`'s REFIT_FAILED_KEY says, saved with it; in a
    project saved before that record, as its note does (REFIT_KEPT's words, why_calibrated).
    Read from the note alone, a tooltip told a fit for Cu failed where one for Mo had."""
    given = given or given_anode(metadata)
    if given in (None, calibration_anode(metadata)):
        return None
    recorded = (dict_from_metadata(metadata, "auto_calibration") or {}).get(REFIT_FAILED_KEY)
    if recorded is not None:
        return given if _recorded_anode(recorded) == given else None
    return given if f"{REFIT_KEPT} {given} given failed" in why_calibrated(metadata) else None


def calibration_anode_seen(metadata) -> bool:
    """Whether the automatic calibration took its anode from the scan's scatter lines, shown
    under the default anode's calibration too (autocal.scatter_recalibrated): evidence of the
    tube, not an assumption that put its lines where they are."""
    auto = dict_from_metadata(metadata, "auto_calibration") or {}
    return auto.get("anode_from") == ANODE_FROM_SCATTER


def seen_anode(metadata) -> str | None:
    """The anode read_cube read off the scatter lines under a file's calibration (SEEN_ANODE_KEY),
    as its symbol; None where none was recorded. A scan with a .json sidecar and no tube named
    was "tube unknown" to quicklook and named no tube in `info`, while Pigments read "Mo
    estimated from the spectra (scatter lines)" (/work/runs64/tube64/filecal.py)."""
    return _recorded_anode((metadata or {}).get(SEEN_ANODE_KEY))


def known_anode(metadata, given: str | None = None) -> str | None:
    """The scan's tube anode as its symbol where the file names it or it was given to read_cube
    (named_anode: a tube given wins over a saved calibration's reading), else where the
    automatic calibration read it off the scan's scatter lines (tube_source's
    ANODE_FROM_SCATTER); None where it is only assumed (the default) or unknown: the tube every
    message, dock and analysis names (the element suggestion's notes, Recolour's and Embed's).
    The maps' line shares and overlaps: of a Mo tube's scan that info, quicklook and the docks
    called "read from the scan's scattered tube lines", the maps counted Rh's shares and left the
    Mo lines out of the overlaps. A scan keeping its file's calibration: the tube read_cube read
    off its scatter lines (seen_anode), as tube_source's ANODE_FROM_SCATTER too."""
    if named := named_anode(metadata, given):  # `given`: the caller's, as named_anode's
        return named
    if calibration_anode_seen(metadata):
        return calibration_anode(metadata)
    return None if calibration_anode(metadata) else seen_anode(metadata)


def calibration_anode_origin(
    metadata: dict,
    given: str | None = None,
    napari: bool = False,
    auto_off: bool = False,
    advice: str | None = None,
) -> str:
    """Where the anode an automatic calibration assumed came from, for every message naming it:
    the calibration said "assuming a Rh tube" while Pigments, for the same file, said "Mo
    estimated from the spectra", and nothing told the user that Rh was only a default, nor how to
    change it. `given`: the anode the caller passed (a command's --anode), when it knows it;
    without it an anode other than the default recorded in `auto_calibration` was given too
    (Pigments, the Spectrum dock and napari's notice do not know the --anode): they called a Mo
    given with --anode "Rh by default". A default's own anode given (read_cube(path,
    anode="Rh")) is recorded as given (ANODE_FROM_GIVEN): the docks called it "Rh by default".
    `napari`: for napari's notice, without the command-line advice a napari user cannot follow
    (the notice gives its own). The advice names the command-line option (--anode; in Python,
    read_cube's anode=): `info` printed "--anode (read_cube's anode=)" on every file naming no
    tube. `auto_off`: the scan was read with --no-auto-calibration, which keeps the calibration
    unchecked whatever tube is given: --anode alone changes nothing there, leaving the option out
    fits it again (it advised --anode after `--anode Cu --no-auto-calibration`), for the tube
    given, or given to read_cube (pigments' note said "another tube given with --anode" after
    `--anode Cu`: calibration_notes knows no --anode). `advice`: the
    caller's words after "Rh by default; " for giving another tube (the Pigments panel names its
    Tube box: its note said "--anode for another tube" inside napari); None: --anode's, or, with
    `napari`, none."""
    source = tube_source(metadata, given)
    if source == ANODE_FROM_FILE:
        return "the anode the file names"
    if source == ANODE_FROM_SCATTER:
        return "the file names none: read from the scan's scattered tube lines"
    if source == ANODE_FROM_GIVEN:
        return "given when the scan was read" if napari else "given with --anode"
    if napari and advice is None:
        return f"the file names none: {DEFAULT_CALIBRATION_ANODE} by default"
    if failed := refit_failed_for(metadata, given):  # --anode was given: no advice to give it
        return (
            f"the file names none: {DEFAULT_CALIBRATION_ANODE} by default, kept as a fit for the "
            f"{failed} tube given failed"
        )
    if auto_off:  # the tube given to read_cube where the caller names none (pigments' notes)
        given = given or given_anode(metadata)
        tube = f"the {given} tube given" if given else "another tube given with --anode"
        return (
            f"the file names none: {DEFAULT_CALIBRATION_ANODE} by default, kept unchecked: leave "
            f"out --no-auto-calibration to fit it for {tube}"
        )
    advice = advice or "--anode for another tube"
    return f"the file names none: {DEFAULT_CALIBRATION_ANODE} by default; {advice}"


def tube_source(metadata, given: str | None = None) -> str:
    """Where the anode of a scan's automatic calibration (calibration_anode), or else the tube
    read off the scatter lines under its file's (seen_anode), comes from, the one
    decision every message naming it words (calibration_anode_origin: info, the Spectrum dock,
    napari's notice, the pigment fit's notes; quicklook's instrument; tube_guess.scan_anode):
    ANODE_FROM_FILE, ANODE_FROM_SCATTER (the calibration read it off the scan's scattered tube
    lines), ANODE_FROM_GIVEN (the calibration's anode is the tube given: `given`, a command's
    --anode, or given to read_cube; where no calibration assumed one, any tube given, else
    ANODE_FROM_SCATTER for one read off the scatter lines under the file's: seen_anode),
    ANODE_BY_DEFAULT (that calibration assumed the default), "" where nothing names or assumes
    one. Of the APS scan `info` said "Rh by default", quicklook "tube unknown", Pigments "taken
    from the automatic energy calibration". The scan's tube is known_anode's (a tube given wins
    there): a saved scan calibrated for the default Rh, opened again with --anode Mo, kept that
    calibration, which `info` and the Spectrum dock then called "Rh (given with --anode)" (it is
    now fitted again for Mo, and kept only where that fit fails: io._refitted_for_given)."""
    metadata = metadata or {}
    if anode_from_metadata(metadata):
        return ANODE_FROM_FILE
    if calibration_anode_seen(metadata):
        return ANODE_FROM_SCATTER
    assumed = calibration_anode(metadata)
    named = named_anode(metadata, given)
    if _calibration_anode_given(metadata) or (named and assumed in (None, named)):
        return ANODE_FROM_GIVEN
    if assumed is None and seen_anode(metadata):
        return ANODE_FROM_SCATTER
    return ANODE_BY_DEFAULT if assumed else ""


def kv_unnamed(assumed: float | None, option: str = "--kv", note: str = "") -> str:
    """How a command or dock says a tube voltage the file does not name: what is assumed
    (`assumed` kV, or None: "kV unknown", nothing assumed) and the option that sets it. On the
    APS scan pigments said "tube voltage not in the metadata: 50 kV assumed" (no option) where
    quicklook said "kV unknown (--kv)". `note`: the caller's kv_reading of the file, which read
    no voltage: the value it set aside, said instead of "the file names no tube voltage"."""
    said = "kV unknown" if assumed is None else f"{assumed:g} kV assumed"
    return f"{said} ({note or 'the file names no tube voltage'}; {option})"


def kv_from_metadata(meta: dict) -> float | None:
    """Tube voltage in kV under any of the keys readers use (the Bruker reader writes `kV`),
    or None (kv_reading)."""
    return kv_reading(meta)[0]


#: A tube voltage read as kV, and as volts (no tube runs at 5000 kV, none at 5 V).
KV_SPAN, VOLT_SPAN = (5.0, 100.0), (5e3, 1e5)


def kv_reading(meta: dict) -> tuple[float | None, str]:
    """(the file's tube voltage in kV or None, a note): a number in KV_SPAN as kV; one in
    VOLT_SPAN, or text with its unit ("50 kV", "50000 V"), converted, the note saying so; the
    note "" where the file names none. A voltage in volts (an HDF5 root attribute
    `tube_voltage` 50000) or as text was passed over without a word: `info` said "the file
    names no tube voltage" above the metadata listing it. Another number is set aside (None),
    the note saying which."""
    set_aside = ""
    for where in (profile_from_metadata(meta) or {}, meta.get("tube") or {}, meta):
        if not isinstance(where, dict):
            continue
        lower = {str(k).lower(): k for k in where}  # the file's spelling, for the note
        for key in ("kv", "voltage_kv", "high_voltage_kv", "tube_kv"):
            if key not in lower:
                continue
            kv, note = _as_kv(where[lower[key]], lower[key])
            if kv is not None:
                return kv, note
            set_aside = set_aside or note
    return None, set_aside


def _as_kv(value, key: str) -> tuple[float | None, str]:
    """kv_reading's one value under `key`: (kV, "") read as kV, (kV, note) as volts, (None,
    why) for a number or text that is no voltage, (None, "") for anything else (a list)."""
    import numbers
    import re

    unit = ""
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*(kV|V)?\s*", value, re.I)
        if m is None:
            return None, ""  # words ("unknown"), not a number given in other units
        number, unit = float(m[1]), (m[2] or "").lower()
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
    else:
        return None, ""
    said = f"the file's {key} " + (repr(value) if isinstance(value, str) else f"{number:g}")
    if unit != "v" and KV_SPAN[0] <= number <= KV_SPAN[1]:
        return number, ""
    if unit != "kv" and VOLT_SPAN[0] <= number <= VOLT_SPAN[1]:
        return number / 1000.0, f"{said}, read as volts"
    kv, volts = (f"{x:g}-{y:g}" for x, y in (KV_SPAN, VOLT_SPAN))
    return None, f"{said} is no tube voltage, neither {kv} kV nor {volts} V: set aside"
