"""Single reference spectra: `.mca` (PyMca / SPEC / Amptek), `.msa`/`.emsa` and `.csv`.

A spectrum opens as a 1 x 1 x C cube where a cube is expected (napari, `read_cube`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..errors import CubeReadError, warn_outside
from .calibration import (
    calibration_from_coefficients,
    calibration_from_energy_axis,
    energy_unit,
    rising_pairs,
    set_aside,
    told_aside,
    unknown_unit,
)
from .limits import (
    MAX_TEXT_BYTES,
    decode_text,
    parse_int,
    read_bounded,
    refuse_binary,
    text_format,
)


@dataclass
class Spectrum:
    """One spectrum: counts per channel, its calibration (source 'none' if the file has none)."""

    counts: np.ndarray
    calibration: Calibration
    metadata: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def energy(self) -> np.ndarray:
        return self.calibration.energy(len(self.counts))

    def to_cube(self) -> Cube:
        """A 1 x 1 x C cube, so single spectra go wherever cubes go."""
        return Cube(
            self.counts.reshape(1, 1, -1),
            self.calibration,
            metadata=dict(self.metadata),
            path=self.path,
        )


def _read_text(path: Path) -> str:
    # decode_text: UTF-8 (a BOM dropped: Excel's and Notepad's "UTF-8 with BOM"), or UTF-16
    # (Excel's "Unicode Text") by its BOM
    raw = read_bounded(path, MAX_TEXT_BYTES, "spectrum file")
    suffix = path.suffix.lower()
    refuse_binary(path, raw, f"a text {suffix} spectrum" if suffix else "a text spectrum")
    return decode_text(raw)


def _finish(path: Path, counts, cal, meta) -> Spectrum:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size < 2:
        raise CubeReadError(path, f"no spectrum found: {counts.size} count values")
    if not np.isfinite(counts).all():
        raise CubeReadError(path, "counts contain NaN or infinite values")
    if counts.min() < 0:
        raise CubeReadError(path, f"counts contain negative values (minimum {counts.min()})")
    if np.all(counts == np.round(counts)) and counts.max() < 2**31:
        counts = counts.astype(np.int32)
    return Spectrum(counts, cal or Calibration.uncalibrated(), meta, path)


def _numbers(line: str) -> list[float] | None:
    parts = [p for p in re.split(r"[,;\s]+", line.strip()) if p]
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None


# -- .mca -----------------------------------------------------------------------------------
def read_mca(path) -> Spectrum:
    path = Path(path)
    text = _read_text(path)
    if "<<DATA>>" in text:
        return _read_amptek(path, text)
    if text.lstrip().startswith("<<PMCA SPECTRUM>>"):  # had read "unexpected line in .mca"
        raise CubeReadError(
            path,
            "an Amptek .mca without its <<DATA>> section: the file is cut short (an interrupted "
            "copy or save); copy or save it again",
        )
    other = text_format(text, "mca")  # an .spx had read "unexpected line in .mca: '<?xml ...'"
    if other or text.lstrip().startswith("<?xml"):
        raise CubeReadError(
            path,
            f"not an .mca spectrum: {other or 'it is an XML document, not columns of counts'}",
        )
    meta = {"format": "mca"}
    cal = None
    first_channel = declared = 0
    unplaced = None  # a #@CHANN first channel that is no channel number (0.5)
    from_column = numbered = False  # the counts' first column: energies, channel numbers
    rows: list[list[float]] = []
    row_texts: list[str] = []  # each data line, to see the last one cut
    spectra: list[list[float]] = []  # SPEC `@A` blocks, one spectrum each
    in_a = False
    lines = text.splitlines()
    cut = None  # a last line that is the start of a number only ("3.0000000E+"), judged below
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        if s.startswith("#@CALIB"):
            cal = _coefficients(_numbers(s[len("#@CALIB") :]), path, None, "#@CALIB") or cal
            continue
        if re.match(r"#@CHANN(?![A-Za-z_])", s):  # n first last reduction: from `first`
            vals = _numbers(s[len("#@CHANN") :])
            if vals and len(vals) >= 2:
                first = _channel_number(vals[1])
                first_channel, unplaced = (0, vals[1]) if first is None else (first, None)
                declared = _declared_channels(vals[0], path)
            else:  # had been passed over without a word
                _unread_chann(s, path)
            continue
        if s.startswith("@A") or in_a:  # SPEC-style data block, '\' continues a line
            body = s[2:] if s.startswith("@A") else s
            if s.startswith("@A"):
                spectra.append([])
            in_a = body.endswith("\\")
            vals = _numbers(body.rstrip("\\"))
            if vals is None:
                raise CubeReadError(path, f"unexpected value in an @A data line: {s[:60]!r}")
            spectra[-1] += vals
            continue
        vals = _numbers(s)  # parsed first: 'nan' and 'inf' are counts (refused), not text lines
        if vals is None:
            if s[0] in "#%!;" or s[0].isalpha():
                continue
            if i < len(lines) - 1 or not _NUMBER_START.fullmatch(s):
                raise CubeReadError(path, f"unexpected line in .mca: {s[:60]!r}")
            cut, vals = s, [0.0]  # the file's last: cut inside its exponent, "E" or "E+0"
        rows.append(vals)
        row_texts.append(s)
    if rows and not spectra and not declared and _cut_mid_value(path, text, row_texts):
        rows.pop()
    elif cut is not None:  # not judged a cut value: the line it is
        raise CubeReadError(path, f"unexpected line in .mca: {cut[:60]!r}")
    if len(spectra) > 1:
        raise CubeReadError(
            path,
            f"holds {len(spectra)} spectra (@A blocks of "
            f"{', '.join(str(len(a)) for a in spectra[:5])}{', ...' if len(spectra) > 5 else ''} "
            "channels); xrf-napari reads one spectrum per .mca: save each on its own",
        )
    if spectra:
        counts = spectra[0]
    elif rows:
        widths = {len(r) for r in rows}
        if widths == {1}:
            counts = [r[0] for r in rows]
        elif widths == {2}:
            ch, counts = rising_pairs(
                np.array([r[0] for r in rows]), [r[1] for r in rows], path, "first column"
            )
            numbered = True
            if ch[0] > 1 and np.array_equal(ch, ch[0] + np.arange(len(ch))):
                # channel numbers from `first` (#@CHANN's, else the column's): read as energies in
                # eV they had replaced #@CALIB by a 1 eV/channel axis
                first_channel = first_channel or parse_int(ch[0], path, "first channel", 0, 2**24)
            elif not np.array_equal(ch, np.arange(len(ch))) and not np.array_equal(
                ch, np.arange(1, len(ch) + 1)
            ):
                # first column is energy: one that does not increase is set aside (it refused
                # the file), a #@CALIB standing then, as in every format
                numbered = False
                found = set_aside(
                    lambda: calibration_from_energy_axis(ch, path), "its energy column"
                )
                cal, from_column = (cal, False) if found is None else (found, True)
        else:
            raise CubeReadError(path, f"mixed column counts {sorted(widths)} in .mca data lines")
    else:
        counts = []
    if len(counts) < declared:
        _warn_cut(path, len(counts), f"#@CHANN declares {declared} channels")
    if unplaced is not None:
        cal = cal if from_column else _first_channel_unknown(unplaced, path, cal, numbered)
    if cal is not None and first_channel and not from_column:  # energies per row, not channel:
        cal = _from_channel(cal, first_channel)  # shifted, #@CHANN 4 50 read 1.0 keV as 1.5
    return _finish(path, counts, cal, meta)


def _coefficients(vals, path: Path, units: str | None, what: str) -> Calibration | None:
    """The calibration of a text spectrum's coefficient line `what` ([offset, gain, quadratic]):
    None for a line saying there is none (`0 1 0`, SPEC's and PyMca's "x = channel", not
    1 keV/channel; all zeros, as MAESTRO writes an uncalibrated spectrum); in `units`, or, where
    the line names none, keV or eV by the gain's size, as in every reader (unitless_unit: a gain
    of 10, an instrument's eV, had been read as 10 keV/channel and dropped as implausible); set
    aside with a warning naming the file where it can be none (a gain that is not positive, a
    unit neither eV nor keV), which had been ignored without a word."""
    if not vals or len(vals) < 2 or not any(vals[:3]):
        return None
    if vals[:2] == [0.0, 1.0] and not any(vals[2:3]):
        return None
    return set_aside(
        lambda: calibration_from_coefficients(vals[:3], path, units, f"{what} values"),
        f"its {what} line",
    )


#: What a number's text cut short may be: "3.0000000E", "3.0000000E+", "-1.5e-" (a value cut
#: inside its exponent is no number; cut before it, "3.00", it is one, and judged the same way).
_NUMBER_START = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d*)?")


def _cut_mid_value(path: Path, text: str, lines: list[str]) -> bool:
    """Whether a .mca of data lines written in exponent notation at one width (PyMca's `%.7E`
    counts, all 14 characters) ends in a shorter line without a newline: a copy cut inside the
    last value, which had read as another number ("2.2" of "2.2000000E+01": 2.2 counts where
    there were 22, the spectrum turned to floats) without a word, as such a file declares no
    length. Warns, naming the file, that the last value is left out. Plain numbers say nothing:
    their width follows their value (counts 100-119 then a whole last 99)."""

    if len(lines) < 16 or text.endswith(("\n", "\r")):
        return False
    widths = [len(s) for s in lines]
    if len(set(widths[:-1])) != 1 or not all("e" in s.lower() for s in lines[:-1]):
        return False
    if widths[-1] >= widths[0]:
        return False
    warn_outside(
        f"{path}: its count lines are all {widths[0]} characters wide but the last, "
        f"{widths[-1]} characters without a newline: the file looks cut short inside that value "
        f"(an interrupted copy or save); it is left out, the {len(widths) - 1} channels before "
        "it are used, the rest are missing: copy or save it again",
    )
    return True


def _channel_number(value: float) -> int | None:
    """A #@CHANN value as a channel number or count (a whole number, 0 to 2**24), else None."""
    return int(value) if 0 <= value <= 2**24 and value == int(value) else None


def _first_channel_unknown(value: float, path: Path, cal, numbered: bool):
    """The calibration of a .mca whose #@CHANN first channel is no channel number (0.5,
    -1, 1e30), with a warning naming the file: the counts are read in their order as they are,
    and a #@CALIB `cal` (in channels counted from the first) is placed by the channel numbers
    of the data's first column where it has them (`numbered`), else set aside (its channels
    cannot be placed).
    Without a #@CALIB the first channel changes nothing. It had refused the file, where a count
    that is no count only warns (_declared_channels)."""

    why = CubeReadError(
        path, f"its #@CHANN first channel {value:.15g} is no channel number (a whole number)"
    )
    if cal is None:
        warn_outside(f"{why}: it is not used, the counts are read as they are")
    elif numbered:
        warn_outside(
            f"{why}: it is not used, its channel column places its #@CALIB calibration",
        )
    else:
        told_aside(why, "its #@CALIB line, in channels from the first, set aside")
        return None
    return cal


def _declared_channels(value: float, path: Path) -> int:
    """#@CHANN's channel count, which serves only to see a file cut short (_warn_cut): one that
    is no count (negative, a fraction, over 2**24) is not used, with a warning naming the file,
    where since 2026-12-05 it refused a spectrum whose counts read as before."""

    if (count := _channel_number(value)) is not None:
        return count
    warn_outside(
        f"{path}: its #@CHANN line declares {value:.15g} channels, which is no channel count; the "
        "counts are read as they are, without checking that the file holds them all",
    )
    return 0


def _unread_chann(line: str, path: Path) -> None:
    """Warn that a #@CHANN line is not 'count first last [reduction]' numbers (letters, one
    number): not used, as a count that is no count is not (_declared_channels); it had been
    passed over without a word, the first channel taken as 0."""

    warn_outside(
        f"{path}: its #@CHANN line {line[:60]!r} is not 'count first last' numbers, so it is not "
        "used: the counts are read as they are, from channel 0, without checking that the file "
        "holds them all",
    )


def _warn_cut(path: Path, n: int, why: str) -> None:
    """Warn that a spectrum file ends early (a copy, download or save interrupted): the channels
    read are usable, the missing ones are the spectrum's high end. A .mca cut in half had opened
    as a shorter spectrum without a word."""

    if n >= 2:  # fewer: _finish refuses it ("no spectrum found")
        warn_outside(
            f"{path}: {why}, but the file ends after {n} count values: it looks cut short (an "
            "interrupted copy or save); the channels read are used, the rest are missing (the "
            "last value may be cut too): copy or save it again",
        )


def _from_channel(cal: Calibration, first: int) -> Calibration:
    """A calibration in absolute channels, for counts that start at channel `first`."""
    a, b, c = cal.offset, cal.gain, cal.quadratic
    return Calibration(a + b * first + c * first**2, b + 2 * c * first, c, source=cal.source)


def _read_amptek(path: Path, text: str) -> Spectrum:
    meta = {"format": "mca-amptek"}
    data = text.split("<<DATA>>", 1)[1]
    ended = "<<END>>" in data
    data = data.split("<<END>>", 1)[0]
    counts = [v for line in data.splitlines() for v in (_numbers(line) or [])]
    if not ended:
        _warn_cut(path, len(counts), "its <<DATA>> section has no <<END>>")
    cal = None
    m = re.search(r"<<CALIBRATION>>(.*?)<<", text, re.S)
    if m:
        block = m.group(1)
        # LABEL in any case, its word on its own line: `\s*` had run on to the next line, so a
        # blank "LABEL -" took the first point's channel ('100') for the unit
        unit = re.search(r"^[ \t]*LABEL[ \t]*-[ \t]*(\S+)", block, re.M | re.I)
        unit = unit.group(1) if unit else None
        pts = [v for v in (_numbers(ln) for ln in block.splitlines()) if v and len(v) == 2]
        if len({ch for ch, _e in pts}) >= 2:
            ch, e = np.array(pts).T
            fit = np.polyfit(ch, e, 1)[::-1]  # in LABEL's unit; none named: the gain's size says
            cal = set_aside(  # a LABEL neither eV nor keV too (calibration.energy_unit)
                lambda: calibration_from_coefficients(fit, path, unit, "<<CALIBRATION>> points"),
                "its <<CALIBRATION>> points",
            )
        elif unit is not None or pts:  # too few points to calibrate: told, in the same words
            # (they had opened uncalibrated without a word); a LABEL naming no energy first
            set_aside(lambda: _too_few_points(unit, pts, path), "its <<CALIBRATION>> points")
    # HVSET is the detector's bias voltage (not the tube's kV)
    for key, name in (
        ("REAL_TIME", "real_time_s"),
        ("LIVE_TIME", "live_time_s"),
        ("HVSET", "detector_bias_v"),
    ):
        mm = re.search(rf"^{key}\s*-\s*([-\d.Ee+]+)", text, re.M)
        if mm:
            meta[name] = float(mm.group(1))
    return _finish(path, counts, cal, meta)


def _too_few_points(unit: str | None, pts: list, path: Path):
    """CubeReadError for an Amptek <<CALIBRATION>> block of fewer than 2 points at distinct
    channels (no line through them): the LABEL's unknown unit where it names none
    (calibration.energy_unit), else the points it holds."""
    if unit is not None:
        energy_unit(unit, path, "<<CALIBRATION>> points")
    if len(pts) > 1:
        held = f"{len(pts)} (channel, energy) points, all at channel {pts[0][0]:g}"
    else:
        held = f"{'1' if pts else 'no'} (channel, energy) point"
    raise CubeReadError(
        path,
        f"its <<CALIBRATION>> block holds {held}: a calibration needs points at 2 channels or more",
    )


# -- .msa / .emsa -----------------------------------------------------------------------------
#: Where the last channel of an X-ray spectrum may lie (keV), and its plausible gains (keV per
#: channel): decides the unit of an EMSA axis that `#XUNITS` does not name.
MSA_TOP_KEV = (1.0, 200.0)
MSA_GAIN_KEV = (1e-4, 1.0)


def read_msa(path) -> Spectrum:
    """EMSA/MAS (ISO 22029) `Y` or `XY` spectra. The energy axis is `#OFFSET`/`#XPERCHAN` (or the
    X column) in `#XUNITS`; that keyword is optional in the standard, and writers leave it out
    both in eV and in keV, so without it the numbers decide (`_msa_unit`). Every value of a data
    line is read: `Y` lines of more values than `#NCOLUMNS`, or `XY` lines of two x, y pairs
    (HyperSpy's NCOLUMNS 2), had lost the rest silently."""
    path = Path(path)
    text = _read_text(path)
    header: dict[str, str] = {}
    key_units: dict[str, str] = {}  # ISO 22029 unit suffixes: '#XPERCHAN -eV: 10'
    values: list[list[float]] = []
    in_data = False
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            key, _, val = s[1:].partition(":")
            key, _, unit = key.partition("-")  # ISO 22029 unit suffix: '#BEAMKV   -kV: 45'
            key = key.strip().upper()
            if key == "SPECTRUM":
                in_data = True
            elif key == "ENDOFDATA":
                break
            else:
                header[key] = val.strip()
                key_units[key] = unit.strip().lower()
            continue
        if in_data:
            vals = _numbers(s.rstrip(","))
            if vals is None:
                raise CubeReadError(path, f"unexpected data line in EMSA file: {s[:60]!r}")
            values.append(vals)
    if "FORMAT" not in header:
        other = text_format(text, "msa")
        raise CubeReadError(path, f"not an EMSA/MAS file ({other or 'no #FORMAT line'})")
    datatype = header.get("DATATYPE", "XY").upper()
    parse_int(header.get("NCOLUMNS", "") or "1", path, "#NCOLUMNS", 1, 4096)
    x = None
    if datatype == "XY":
        for row in values:
            if len(row) % 2:
                raise CubeReadError(
                    path, f"an XY data line holds {len(row)} values, not x, y pairs: {row[:6]}"
                )
        x, counts = rising_pairs(
            np.array([v for row in values for v in row[0::2]]),
            [v for row in values for v in row[1::2]],
            path,
            "X column",
        )
    else:
        counts = [v for row in values for v in row]
    npoints = header.get("NPOINTS")
    if npoints and parse_int(npoints, path, "#NPOINTS", 1, 2**31) != len(counts):
        raise CubeReadError(
            path, f"#NPOINTS says {npoints} but {len(counts)} values follow #SPECTRUM"
        )
    meta = {"format": "emsa", "title": header.get("TITLE", "")}
    axis = (
        "X column" if x is not None and len(x) >= 2 else "#XPERCHAN" if "XPERCHAN" in header else ""
    )
    # an axis that can be none (an #XUNITS naming another unit, an #XPERCHAN/#OFFSET that is no
    # number or no gain, an X column that does not increase, an axis without #XUNITS fitting
    # neither unit) is set aside, the counts read as they are, as every reader does; each had
    # refused the spectrum
    cal = (
        set_aside(
            lambda: _msa_calibration(
                path, header, key_units, x if axis == "X column" else None, len(counts), meta
            ),
            f"its {axis}",
        )
        if axis
        else None
    )
    if cal is None:
        meta.pop("xunits_inferred", None)  # of an axis set aside
    for key, name, f in (
        ("BEAMKV", "kV", 1.0),
        ("LIVETIME", "live_time_s", 1.0),
        ("REALTIME", "real_time_s", 1.0),
    ):
        if key in header:
            try:
                meta[name] = float(header[key]) * f
            except ValueError:
                pass
    return _finish(path, counts, cal, meta)


def _msa_calibration(path: Path, header: dict, key_units: dict, x, n: int, meta: dict):
    """The calibration of an EMSA axis: the X column `x` (None: `#OFFSET`/`#XPERCHAN`) in
    `#XUNITS` (or the unit suffix of `#XPERCHAN`), else in the unit its numbers fit (`_msa_unit`,
    kept in meta["xunits_inferred"]); CubeReadError where it can be none, for read_msa to set
    aside. An axis that does not increase is told so before a unit is inferred for it (not
    "fits neither unit")."""
    if header.get("XUNITS", ""):
        units = _msa_xunits(path, header["XUNITS"], "#XUNITS")
    else:
        units = _msa_xunits(path, key_units.get("XPERCHAN", ""), "the unit suffix of #XPERCHAN")
    if x is not None:
        if not units:
            calibration_from_energy_axis(x, path, units="kev")  # increasing, in either unit
            step, top = (x[-1] - x[0]) / (len(x) - 1), f"X column from {x[0]:g}"
            units = meta["xunits_inferred"] = _msa_unit(path, x[-1], step, top)
        return calibration_from_energy_axis(x, path, units=units)  # (not the 200 rule again)
    try:
        gain = float(header["XPERCHAN"])
        off = float(header.get("OFFSET", "0") or 0)
    except ValueError as exc:
        raise CubeReadError(path, f"invalid #XPERCHAN/#OFFSET: {exc}") from exc
    what = "#OFFSET/#XPERCHAN"
    if not units:
        calibration_from_coefficients([off, gain], path, "kev", what)  # a gain, in either unit
        top = f"#OFFSET {off:g}, #XPERCHAN {gain:g}"
        units = meta["xunits_inferred"] = _msa_unit(path, off + gain * (n - 1), gain, top)
    return calibration_from_coefficients([off, gain], path, units, what)


#: Words that may stand beside the unit in `#XUNITS` ("Energy (keV)", "keV units").
MSA_XUNITS_WORDS = {"energy", "in", "unit", "units"}


def _msa_xunits(path: Path, raw: str, what: str) -> str:
    """'kev', 'ev' or '' (none given) from an `#XUNITS` field as writers spell it: "keV",
    "Energy (keV)", "KEV", "eV.", "keV ", "electron volts". Only "ev" and "kev" had been taken, and
    a real file's "Energy (keV)" was refused; a field naming another unit ("MeV", "nm",
    "channel"), both, or words beyond a label ("Energy") is CubeReadError, as reading it would be
    a guess: read_msa sets the axis aside."""
    s = raw.strip().lower()
    if not s:
        return ""
    s = re.sub(r"kilo[\s-]*electron[\s-]*volts?", " kev ", s)
    s = re.sub(r"electron[\s-]*volts?", " ev ", s)
    words = set(re.findall(r"[a-z]+", s))
    found = words & {"ev", "kev"}
    if len(found) != 1 or words - found - MSA_XUNITS_WORDS or re.search(r"\d", s):
        raise unknown_unit(raw, path, what)  # in every reader's words
    return found.pop()


def _msa_unit(path: Path, top: float, gain: float, what: str) -> str:
    """'kev' or 'ev' for an EMSA axis without `#XUNITS`, from where its last channel lies and its
    gain: an X-ray spectrum ends at 1-200 keV with 0.1-1000 eV per channel, so 0.01 per channel
    ending at 40 is keV, 10 per channel ending at 40950 is eV (the two readings never both fit).
    Before, a missing `#XUNITS` meant eV, and a keV file was read 1000x low. Neither fitting is
    CubeReadError rather than a guess (read_msa sets the axis aside)."""
    fits = [
        unit
        for unit, scale in (("kev", 1.0), ("ev", 1e-3))
        if MSA_TOP_KEV[0] <= top * scale <= MSA_TOP_KEV[1]
        and MSA_GAIN_KEV[0] <= gain * scale <= MSA_GAIN_KEV[1]
    ]
    if len(fits) != 1:
        raise CubeReadError(
            path,
            f"no #XUNITS, and its energy axis ({what}, last channel at {top:g}) fits an X-ray "
            f"spectrum in neither keV ({MSA_TOP_KEV[0]:g}-{MSA_TOP_KEV[1]:g} keV at the last "
            f"channel, {MSA_GAIN_KEV[0]:g}-{MSA_GAIN_KEV[1]:g} keV/channel) nor eV: add "
            "'#XUNITS : keV' or '#XUNITS : eV' to the header",
        )
    return fits[0]


# -- .spe (ASCII, $-sections) ---------------------------------------------------------------------
def read_spe(path) -> Spectrum:
    """ASCII SPE as written by AMETEK software (EDAX XRF, ORTEC MAESTRO, Amptek exports): sections
    opened by `$NAME:` lines. Read: `$DATA:` (a 'first last' channel line, then the counts, one or
    more per line), `$MEAS_TIM:` (live, real seconds), and the energy calibration from `$MCA_CAL:`
    (a term count, then 'a b [c] [units]') or else `$ENER_FIT:` ('offset gain'; without a unit
    keV, or eV for a gain of 1 or more: _coefficients). Other
    sections are kept as metadata text. The binary WinView .spe (Princeton CCD images) is
    refused."""
    path = Path(path)
    raw = read_bounded(path, MAX_TEXT_BYTES, "SPE file")
    winview = "binary SPE files (Princeton Instruments WinView CCD images) are not spectra"
    refuse_binary(path, raw, "an ASCII SPE spectrum", known_binary=winview)
    text = decode_text(raw)  # UTF-16 (Notepad's 'Unicode') too: as _read_text
    if "\0" in text[:4096] or "$DATA:" not in text:
        if other := text_format(text, "spe"):
            raise CubeReadError(path, f"not an ASCII SPE spectrum ({other})")
        raise CubeReadError(
            path,
            f"not an ASCII SPE spectrum (no $DATA: section); {winview}",
        )
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("$") and s.endswith(":"):
            current = s[1:-1].strip().upper()
            sections.setdefault(current, [])
        elif current is not None and s:
            sections[current].append(s)
    data = sections.get("DATA", [])
    if not data:
        raise CubeReadError(path, "the $DATA: section is empty")
    first, last = (
        parse_int(v, path, "$DATA: channel range", 0, 2**24)
        for v in (data[0].split() + ["", ""])[:2]
    )
    counts = []
    for ln in data[1:]:
        vals = _numbers(ln)
        if vals is None:
            raise CubeReadError(path, f"unexpected line in $DATA: {ln[:60]!r}")
        counts += vals
    if last < first or len(counts) != last - first + 1:
        raise CubeReadError(
            path, f"$DATA: declares channels {first}-{last} but holds {len(counts)} values"
        )
    cal = _spe_calibration(sections, path)
    if cal is not None and first:  # the calibration is in absolute channels
        cal = _from_channel(cal, first)
    meta = {"format": "spe"}
    if sections.get("SPEC_ID"):
        meta["title"] = sections["SPEC_ID"][0][:200]
    times = _numbers(sections.get("MEAS_TIM", [""])[0]) if sections.get("MEAS_TIM") else None
    if times and len(times) >= 2:
        meta["live_time_s"], meta["real_time_s"] = float(times[0]), float(times[1])
    if first:
        meta["first_channel"] = first
    return _finish(path, counts, cal, meta)


def _spe_calibration(sections: dict, path: Path) -> Calibration | None:
    mca = sections.get("MCA_CAL", [])
    if len(mca) >= 2:
        parts = mca[1].split()
        units = parts[-1] if parts and not _numbers(parts[-1]) else None
        coeffs = _numbers(" ".join(p for p in parts if _numbers(p)))
        n = parse_int(mca[0], path, "$MCA_CAL: term count", 1, 3)
        cal = _coefficients(coeffs[: max(n, 2)] if coeffs else None, path, units, "$MCA_CAL:")
        if cal is not None:
            return cal
    fit = _numbers(sections.get("ENER_FIT", [""])[0]) if sections.get("ENER_FIT") else None
    return _coefficients(fit[:2] if fit else None, path, None, "$ENER_FIT:")


# -- .csv -----------------------------------------------------------------------------------
#: What an empty row of a spreadsheet's export holds: quotes, separators, spaces.
_EMPTY_ROW = re.compile(r'[",;\s]+')


def read_csv(path) -> Spectrum:
    """`energy,counts` (in the unit the header names, `Energy (eV)`, `energy_keV`; else keV, or
    eV if values exceed 200), `channel,counts`, or one counts column; a non-numeric first line
    is a header. A wider table with a header (the Spectrum dock's export:
    energy, mean, pixel, ...) gives its first curve. A first column headed `channel` holds channel
    numbers wherever they start (a cropped export from channel 10): read as energies in eV they
    had made a 1 eV/channel calibration. A ';' or tab table may use ',' as its decimal mark
    (`_decimal_comma`). Values a spreadsheet put in double quotes read as numbers (`_unquote`).
    The curves of a wider table not read are named in a warning (_say_curves_left)."""
    spectrum, left = _csv_spectrum(path)
    if left:
        _say_curves_left(Path(path), left)
    return spectrum


def _csv_spectrum(path) -> tuple[Spectrum, list[str] | None]:
    """read_csv's spectrum and, of a wider table, the header names of the curve read and those
    after it, not said: napari's claim check (registry._sniff_csv) reads the file too, and its
    warning had been said twice a file opened (at the claim, then at the read)."""
    path = Path(path)
    rows, header, texts = [], None, []
    text = _read_text(path)
    if other := text_format(text, "csv"):  # an .spx had read "holds no lines of values"
        raise CubeReadError(path, f"not a spectrum table: {other}")
    lines = [(i, line.strip()) for i, line in enumerate(text.splitlines())]
    comments = [s for _, s in lines if s.startswith("#")]
    exported = _exported_calibration(comments)
    tube = exported_anode(comments)
    # a line of nothing but quotes and separators is an empty line ('""' or '"",""', as a
    # spreadsheet writes an empty row): it had been read as a row of no values, and the file
    # refused as 'needs one column (counts) or two'
    lines = [(i, s) for i, s in lines if _EMPTY_ROW.sub("", s) and not s.startswith("#")]
    lines, left = _long_table(path, lines)
    lines, quoted_comma = _unquote(path, lines)
    sep = _decimal_comma(path, lines)
    if sep is None:
        sep = _comma_column(lines)
    for i, s in lines:
        vals = _numbers(s)
        if vals is not None and sep is not None:
            vals = [float(f.replace(",", ".")) for f in _fields(s, sep)]
        if vals is None:
            if not rows:
                # split as the values are: a semicolon or tab table's header had been one name
                split = {None: r"[,;\t]", " ": r"\s+", "": r"$^"}.get(sep, re.escape(sep or ""))
                header = _header_names(s, split)
                if not texts and (own := _own_table(header)):
                    raise CubeReadError(path, own)
                texts.append((i, header))
                continue  # header line
            raise CubeReadError(path, f"non-numeric value on line {i + 1}: {s[:60]!r}")
        rows.append(vals)
    if not rows and len(texts) > 1:  # each line had been taken for the header in turn
        raise CubeReadError(path, _text_in_rows(texts))
    if not rows:  # had read "needs one column (counts) or two (energy, counts) on every line"
        raise CubeReadError(
            path,
            "holds no lines of values"
            + (f", only its header ({', '.join(header)})" if header else "")
            + ": no spectrum (an export cut short, or not yet written?)",
        )
    widths = {len(r) for r in rows}
    width = widths.pop() if rows and len(widths) == 1 else 0
    extra = {}
    if _row_index_first(header, rows, width):
        rows, header, width = [r[1:] for r in rows], header[1:], width - 1
        extra["row_index_dropped"] = True
    # a wider table only when its first column is an energy or channel axis: napari's points and
    # shapes tables ("index,axis-0,axis-1") are not spectra
    axis_first = header is not None and _axis_header(header[0])
    given = header  # as the file has it, for messages
    if width > 2 and axis_first and len(header) == width:
        # leading axis columns ("channel,energy,counts"): the energy one is the axis and the first
        # column after them the curve; the second column had been taken for the counts, so such
        # a table opened as its energy ramp, uncalibrated
        n_axis = 1 + next(i for i, h in enumerate(header[1:] + [""]) if not _axis_name(h))
        curve = min(n_axis, width - 1)
        axis = next((i for i in range(curve) if not _channel_header(header[i])), 0)
        rows = [[r[axis], r[curve]] for r in rows]
        left = header[curve:]  # said once the curve is read: not of a table then refused
        header = [header[axis], header[curve]]
        extra = {"column": header[1]}
    elif width not in (1, 2):
        raise CubeReadError(
            path,
            "a spectrum CSV needs one column (counts) or two (energy, counts) "
            "on every line, or a header naming wider columns",
        )
    arr = np.array(rows)
    named = header[arr.shape[1] - 1] if header is not None and len(header) >= arr.shape[1] else ""
    if _axis_name(named):
        # every column the lines hold is an axis ("channel,energy", or a header of three columns
        # over lines of two): the energies or channel numbers had been read as the spectrum
        raise CubeReadError(
            path,
            f"the column that would be read as counts is headed {named!r}, an energy or channel "
            f"axis (header: {', '.join(given)}; {arr.shape[1]} value(s) a line): "
            "no counts column; add one after the axis columns",
        )
    cal = None
    if arr.shape[1] == 2:
        first, counts = rising_pairs(arr[:, 0], arr[:, 1], path, "first column")
        if header is not None and _channel_header(header[0]):
            if first[0] > 0:  # channel numbers: no energy calibration, where they start is noted
                extra["first_channel"] = float(first[0])
        elif not (
            np.array_equal(first, np.arange(len(first)))
            or np.array_equal(first, np.arange(1, len(first) + 1))
        ):
            cal = calibration_from_energy_axis(first, path, units=_header_unit(header))
    else:
        counts = arr[:, 0]
    if sep is not None or quoted_comma:
        extra["decimal_mark"] = ","
    if tube:
        extra["anode"] = tube  # the key the other readers use (detector.anode_from_metadata)
    if exported and cal is not None:
        extra["exported_calibration"] = exported
        extra["calibration_note"] = (
            f"{path}: an xrf-napari spectrum export of a scan whose energy calibration was "
            f"automatic ({exported}): fitted by xrf-napari from that scan's peaks, not given by "
            "its file; the energy column holds it"
        )
    return _finish(path, counts, cal, {"format": "csv", **extra}), left


def _long_table(path: Path, lines):
    """save_spectra_csv's long table (`curve,energy_keV,value` rows, written when the curves'
    energy axes differ) as its first curve's `energy,value` lines, and the curves' names in file
    order (for _say_curves_left); any other table's lines as they are, and None. Its curve names
    had each been taken for the header, and the file refused as 'holding only its header'."""
    head = next(csv.reader([lines[0][1]])) if lines else []
    if len(head) != 3 or head[0].strip().lower() != "curve" or not _axis_header(head[1].strip()):
        return lines, None
    kept, names = [(lines[0][0], f"{head[1].strip()},{head[2].strip()}")], []
    for i, s in lines[1:]:
        row = next(csv.reader([s]))
        if len(row) != 3:
            raise CubeReadError(
                path,
                f"line {i + 1} of a long table ({', '.join(head)}) holds {len(row)} field(s), "
                f"not 3: {s[:60]!r}",
            )
        if row[0] not in names:
            names.append(row[0])
        if row[0] == names[0]:
            kept.append((i, f"{row[1].strip()},{row[2].strip()}"))
    return kept, names or None


#: The tables of words xrf-napari writes beside its outputs, by their header's first names, and
#: what read_csv says of them: they had been refused as "column 1 ('element') is not numeric
#: ...: remove that column", as if our own report were a spectrum to edit.
_OWN_TABLES = {
    ("element", "line", "line_kev"): (
        "the table of element maps that Save maps (or `xrf-napari quicklook --tiff`) writes "
        "beside its TIFFs, one line per map, not a spectrum: open the maps' TIFFs with napari's "
        "own reader"
    ),
    ("region", "pixels", "interior_pixels"): (
        "the Pigments report's table of candidate paints (Export report, `xrf-napari "
        "pigments`), not a spectrum: the regions' spectra are in region_spectra.csv beside it"
    ),
    ("region", "hidden_partner"): (
        "the Pigments report's table of the pigments X-rays cannot see (Export report, "
        "`xrf-napari pigments`), not a spectrum: the regions' spectra are in "
        "region_spectra.csv beside it"
    ),
    # napari's own points and shapes exports (File > Save Selected Layers), by the columns its
    # CSV reader looks for: both axis-0 and axis-1 ("index,axis-0" over two columns, which
    # napari's reader does not read, opens as a spectrum, its first column the channels)
    ("index", "shape-type", "vertex-index"): (
        "a napari shapes table (index, shape-type, vertex-index, axis-0, ...), not a spectrum: "
        "open it with napari's own reader"
    ),
    ("index", "axis-0", "axis-1"): (
        "a napari points table (index, axis-0, axis-1, ...), not a spectrum: open it with "
        "napari's own reader"
    ),
}


def _own_table(header: list[str]) -> str | None:
    """What read_csv says of one of _OWN_TABLES by its `header` (None: another table)."""
    names = tuple(h.strip().lower() for h in header)
    return next((said for key, said in _OWN_TABLES.items() if names[: len(key)] == key), None)


def table_by_head(path: Path) -> str | None:
    """What read_csv says of one of _OWN_TABLES, by the file's first line of text alone (None:
    another file, or no whole line in its first 4 KiB): napari's claim check read a 9.8 MB
    napari points table whole, 2.2 s of CPU, to leave it to napari's reader."""
    with open(path, "rb") as f:
        head = f.read(4096)
    for line in decode_text(head).splitlines()[:-1]:  # the last may be cut
        if (s := line.strip()) and not s.startswith("#"):
            return _own_table(_header_names(s, r"[,;\t]"))
    return None


def _text_in_rows(texts: list[tuple[int, list[str]]]) -> str:
    """What read_csv says of a table whose lines under the header are not all numbers: the
    column that is not (`energy,mean,note`), or that no line holds numbers. It had said the
    file 'holds no lines of values, only its header', naming its last line as the header."""
    header = texts[0][1]
    i, fields = texts[1]
    bad = [k for k, f in enumerate(fields) if _numbers(f) is None or not f.strip()]
    if len(bad) < len(fields):
        k = bad[0]
        named = f" ({header[k]!r})" if k < len(header) else ""
        return (
            f"column {k + 1}{named} is not numeric (line {i + 1}: {fields[k][:40]!r}): a "
            "spectrum CSV holds numbers under its header; remove that column"
        )
    return (
        f"holds no lines of values: its {len(texts)} lines are all text (line {i + 1}: "
        f"{', '.join(fields)[:60]!r}), no spectrum"
    )


#: The longest curve name _say_curves_left shows whole: longer ones are cut, "...". Four names
#: of 140 characters (a region named after its pigments) made a warning of 560 characters,
#: which ran out of napari's notification.
CURVE_NAME_SHOWN = 40


def _short_name(name: str) -> str:
    if len(name) <= CURVE_NAME_SHOWN:
        return name
    return name[: CURVE_NAME_SHOWN - 1].rstrip() + "\u2026"


def _say_curves_left(path: Path, curves) -> None:
    """A warning naming the curves of a wider table that are not read: opened again, the
    Pigments report's region_spectra.csv (two columns a region) or Embed & cluster's
    clusters_spectra.csv showed region 1 alone, without a word about the other regions."""
    first, rest = curves[0], curves[1:]
    if not rest:
        return
    first = _short_name(first)
    named = ", ".join(repr(_short_name(c)) for c in rest[:3]) + (
        f" and {len(rest) - 3} more" if len(rest) > 3 else ""
    )
    warn_outside(
        f"{path}: a table of {len(curves)} curves: only its first, {first!r}, is read (one "
        f"spectrum a file); {named} {'is' if len(rest) == 1 else 'are'} not"
    )


#: The calibration line of the Spectrum dock's CSV export, its source in brackets at the end
#: ("# cube: p; calibration offset 1.03 keV, gain 0.05 keV/channel (auto, assuming a Rh tube)")
_EXPORT_CALIBRATION = re.compile(
    r"calibration offset \S+ keV, gain \S+ keV/channel"
    r"(?:, quadratic \S+ keV/channel\^2)? \(([^()]*)\)\s*$"
)
#: How that line names an automatic calibration opened again from such an export and exported
#: once more (widgets.spectrum.calibration_origin)
EXPORTED_AUTO = "file, exported from an automatic calibration"


def _exported_calibration(comments: list[str]) -> str | None:
    """The automatic calibration an xrf-napari spectrum export's energy column holds ("auto,
    assuming a Rh tube"), from its header lines; None for any other file. Opened again, such a
    file's calibration was reported as the file's own, with nothing saying it had been fitted
    from the exported scan's peaks."""
    if not comments or not comments[0].lstrip("# ").startswith("xrf-napari spectra"):
        return None
    for line in comments[1:]:
        found = _EXPORT_CALIBRATION.search(line)
        if found is None:
            continue
        source = found.group(1).strip()
        if source.startswith("auto"):
            return source
        if source.startswith(EXPORTED_AUTO):  # exported again after being opened again
            rest = source[len(EXPORTED_AUTO) :].strip(" ,")
            return "auto" + (f", {rest}" if rest else "")
    return None


def exported_anode(comments: list[str]) -> str | None:
    """The tube anode a spectrum CSV's comment line names (TUBE_COMMENT), as its symbol; None
    where none names an element (a table someone wrote "tube anode: unknown" in reads as before,
    not refused for its anode)."""
    from ..elements import element_symbol
    from ..saved_marks import TUBE_COMMENT

    for line in comments:
        text = line.lstrip("# ").strip()
        if text.startswith(TUBE_COMMENT) and (named := text[len(TUBE_COMMENT) :].split()):
            try:
                return element_symbol(named[0])
            except ValueError:
                return None
    return None


def _row_index_first(header, rows, width: int) -> bool:
    """A first column with no name holding the row numbers 0, 1, 2... (or 1, 2, 3...) before
    an energy or channel axis column: pandas' `DataFrame.to_csv` writes its index so
    (`,Energy,Counts` over `0,-0.5,12`). It was read as the table's first column, a table of
    three whose first is no axis, and refused as 'needs one column (counts) or two'. A headed
    table of two (`,Counts`) already reads its row numbers as channels."""
    if header is None or width < 3 or len(header) != width or header[0] != "":
        return False
    if not _axis_header(header[1]):
        return False  # (',axis-0,axis-1': a points table pandas saved stays napari's)
    first = np.array([r[0] for r in rows])
    n = len(first)
    return np.array_equal(first, np.arange(n)) or np.array_equal(first, np.arange(1, n + 1))


def _header_names(line: str, split: str) -> list[str]:
    """The column names of a header line split at `split`, except inside double quotes: a
    spreadsheet quotes a name holding the separator (`"Energy, keV","Counts"`, RFC 4180), and
    split at that comma it became three names, 'keV' read as the counts column's, so the file
    was refused as having no counts column. A doubled quote inside quotes is one quote. A line
    whose quotes do not pair is split everywhere, as before."""
    if line.count('"') % 2 == 0 and '"' in line:
        split = rf"(?:{split})(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)"  # outside quotes only
    names = [h.strip() for h in re.split(split, line)]
    return [
        h[1:-1].replace('""', '"').strip()
        if len(h) > 1 and h[0] == h[-1] == '"'
        else h.strip("\"'")
        for h in names
    ]


#: A quoted value written as a formatted number: thousands separators, both marks, several
#: commas ('1,234,567', '1,234.5', '1.234,5').
_FORMATTED_NUMBER = re.compile(r"[+-]?\d[\d.,]*")
#: A value with one ',' that reads as a thousands grouping as well as a decimal comma ('1,500').
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")


def _unquote(path: Path, lines: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], bool]:
    """The lines with the double quotes taken off values that are plain numbers, and whether a
    quoted value held a decimal comma, read as '.'. A spreadsheet may quote every value
    (`"1.0","5"`): each such line had been taken for a header, and the file refused as 'needs
    one column (counts) or two'. A value quoted in a ',' separated line (or alone on its line)
    may hold ',' only as a decimal comma (`"0,5","12"`, RFC 4180 quotes what holds the
    separator), read as '.' here; in a ';', tab or space separated line the quotes only go, and
    `_decimal_comma` reads its commas as for an unquoted table. Refused, saying the values are
    quoted and how to save them: a quoted formatted number (`"1,234.5"`, `"1,234,567"`), and a
    file whose quoted commas all read as thousands separators as well (`"1,500"`: 1.5 or 1500?).
    A line whose quotes do not pair, or holding a value that is no number (a header), stays as
    it is."""
    out, commas = [], []
    for i, s in lines:
        if '"' not in s or s.count('"') % 2:
            out.append((i, s))
            continue
        outside = re.sub(r'"(?:[^"]|"")*"', "", s)  # what lies between the quoted values
        sep = next((c for c in (";", "\t", ",") if c in outside), None)
        if sep is None:  # values separated by spaces, or one value alone
            fields = [q or u for q, u in re.findall(r'"((?:[^"]|"")*)"|(\S+)', s)]
            sep = " " if len(fields) > 1 else ""
        else:
            fields = next(csv.reader([s], delimiter=sep, skipinitialspace=True))
        fields = [f.strip() for f in fields if f.strip()]
        values = []
        for f in fields:
            if _PLAIN_NUMBER.fullmatch(f):
                values.append(f)
            elif _COMMA_NUMBER.fullmatch(f):
                if sep in ("", ","):
                    commas.append((i, f))
                    f = f.replace(",", ".")
                values.append(f)
            elif _FORMATTED_NUMBER.fullmatch(f):
                raise CubeReadError(
                    path,
                    f"its values are quoted, and line {i + 1} holds the quoted value {f[:30]!r}, "
                    "a number written with thousands separators or both '.' and ',': save the "
                    "file again with plain numbers ('.' as the decimal mark, no thousands "
                    "separators)",
                )
            else:
                break  # no number: a header, or a line read_csv refuses naming it
        else:
            out.append((i, sep.join(values)))  # sep is "" only for a value alone
            continue
        out.append((i, s))
    if commas and all(_THOUSANDS.fullmatch(f) for _, f in commas):
        i, f = commas[0]
        raise CubeReadError(
            path,
            f"its values are quoted, and the quoted value {f!r} on line {i + 1} may be "
            f"{f.replace(',', '.')} written with a decimal comma or {f.replace(',', '')} with a "
            "thousands separator (every quoted ',' in the file reads both ways): save the file "
            "again with plain numbers ('.' as the decimal mark, no thousands separators), or "
            "with ';' between the values where ',' is the decimal mark",
        )
    return out, bool(commas)


def _fields(line: str, sep: str) -> list[str]:
    """The fields of a line split at `sep`: ' ' is any run of spaces, '' none (one column)."""
    if sep == "":
        return [line.strip()] if line.strip() else []
    return [f.strip() for f in line.split(None if sep == " " else sep) if f.strip()]


#: A number written with a decimal comma and nothing else ('12,5', '-0,010').
_COMMA_NUMBER = re.compile(r"[+-]?\d+,\d+")
#: A plain number without a comma ('13', '0.5', '1e3'): a line that is no pair of columns.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
#: Share of lines at which the whole parts of `12,5` lines must rise for the file to stay
#: `energy,counts` or `channel,counts`: an axis rises at every line (one glitch still leaves
#: nearly every line rising, and is refused as an axis, not read as decimals); counts do not.
AXIS_RISES = 0.9


def _comma_column(lines: list[tuple[int, str]]) -> str | None:
    """'' when the file is one column of numbers with ',' as the decimal mark (a European-locale
    spreadsheet's single column: `12,5` a line, `13` where the value is whole), else None. Each
    such line had been split at its comma into two columns, read as `energy,counts`: refused as
    'energy axis must be finite and strictly increasing', refused as 'needs one column or two'
    where some lines had no comma, or, where the whole parts happened to rise, read as an energy
    axis of the whole parts and counts of the decimals. Read so only when every line is one
    number and no ',' separated reading holds: some lines hold no ',' (a two-column table's
    every line has two values), or the whole parts do not rise at AXIS_RISES of the lines, as
    an energy or channel axis does (read_csv refuses any other first column). A file whose
    first column rises at (nearly) every line stays `energy,counts` or `channel,counts`. Until
    review 40 the whole parts also had to fall at a tenth of the lines, so a column of values
    below 1 (`0,123`: whole parts all 0, normalised counts) or of counts falling along a tail
    stayed two columns and was refused as 'energy axis must be finite and strictly
    increasing'."""
    data = [s for _, s in lines if _numbers(s) is not None]
    comma = [bool(_COMMA_NUMBER.fullmatch(s)) for s in data]
    if len(data) < 2 or not any(comma):
        return None
    if not all(c or _PLAIN_NUMBER.fullmatch(s) for c, s in zip(comma, data)):
        return None
    if not all(comma):
        return ""
    whole = np.array([int(s.split(",")[0]) for s in data], dtype=float)
    steps = np.diff(whole)
    if np.count_nonzero(steps > 0) < AXIS_RISES * len(steps):
        return ""
    return None


def _decimal_comma(path: Path, lines: list[tuple[int, str]]) -> str | None:
    """The separator (';' or tab) of a table written with ',' as the decimal mark (a European
    locale's spreadsheet or instrument software: `energy;counts` over `0,010;12,0`), or None for
    any other table. Such lines had been split at their commas too, and a two-column file read
    as three or four columns and refused as not a spectrum. It is read so only when that is the
    one reading: every field has at most one ',' and no '.'; a ';' or tab table with ',' in its
    fields otherwise (`1.234,5;12`, `1,2,3;4`) is refused. A ',' separated file has neither ';'
    nor tab and is never read so. A table separated by spaces is read so too when one of its
    values has a ',' between digits (`0,010 12,5`; it had been split into four columns and
    refused): `0.01, 12`, ',' and a space between values, is not."""
    data = [(i, s) for i, s in lines if _numbers(s) is not None]
    sep = next((c for c in (";", "\t") if any(c in s for _, s in data)), None)
    if sep is None and any(
        _COMMA_NUMBER.fullmatch(f) for _, s in data if len(s.split()) > 1 for f in s.split()
    ):
        sep = " "  # 'energy counts' separated by spaces, '0,010 12,5'
    if sep is None or not any("," in f for _, s in data for f in _fields(s, sep)):
        return None
    for i, s in data:
        for f in _fields(s, sep):
            bad = f.count(",") > 1 or "." in f
            if not bad:
                try:
                    float(f.replace(",", "."))
                except ValueError:
                    bad = True
            if bad:
                name = {"\t": "tab", " ": "spaces"}.get(sep, repr(sep))
                raise CubeReadError(
                    path,
                    f"its values are separated by {name} and hold ',', read as a decimal comma, "
                    f"but line {i + 1} ({s[:60]!r}) has the value {f[:30]!r}, which is not one "
                    "number with one decimal comma: the decimal mark is ambiguous; save the "
                    "file with '.' as the decimal mark, or with ',' alone in every value",
                )
    return sep


def _axis_header(name: str) -> bool:
    """A CSV column header naming an energy or channel axis."""
    return name.lower().startswith(("energy", "channel", "kev", "ev"))


#: Headers of a second axis column (after the first), compared without case, units in brackets
#: and separators: a curve named "everything" or "channel 3 mean" must stay a curve.
AXIS_NAMES = {"channel", "channels", "chan", "energy", "energykev", "energyev", "kev", "ev"}


def _axis_name(name: str) -> bool:
    return re.sub(r"[^a-z]", "", re.sub(r"[(\[].*?[)\]]", "", name.lower())) in AXIS_NAMES


def _header_unit(header: list[str] | None) -> str | None:
    """'ev' or 'kev' where the energy column's header names its unit ("Energy (eV)", "energy_keV",
    "E [keV]", "EnergyEV"), else None (the values decide: eV above 200). Headers were not read,
    so an eV axis ending below 200 eV was taken for keV, 1000 times too high."""
    if not header:
        return None
    words = set(re.findall(r"[a-z]+", header[0].lower()))
    found = {u for u in ("ev", "kev") if u in words or f"energy{u}" in words}
    return found.pop() if len(found) == 1 else None


def _channel_header(name: str) -> bool:
    """A header naming channel numbers, not the channels' energies (channels_energy, channel_keV
    are energies)."""
    name = name.lower()
    return name.startswith("chan") and "energy" not in name and "ev" not in name
