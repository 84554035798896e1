"""Calibration found beside or inside a file: JSON sidecars, energy vectors, attribute sets.

All return `Calibration(source="file")` in keV or None; readers share them so that every format
understands the same spellings.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

from ..energy import CALIBRATION_TERMS, Calibration
from ..errors import CubeReadError, warn_outside
from ..fileutil import sidecar_path  # the rule is the base layer's (the output guard uses it)


def read_sidecar(path) -> tuple[Calibration | None, dict]:
    """Calibration and extra metadata from the optional JSON sidecar of an array file.

    Keys: offset, gain, quadratic (keV; or `units: "eV"`), plus anything else kept as metadata.
    A calibration that cannot be one (a zero or NaN gain, strings, unknown units) is set aside:
    None, and extra["calibration_note"] says why, for the reader's warning (arrays._cube), as
    any file's bad calibration is; the scan had been refused for it.
    """
    meta = sidecar_json(path)
    if meta is None:
        return None, {}
    side = sidecar_path(path)
    extra = {k: v for k, v in meta.items() if k not in _CAL_KEYS}
    extra["calibration_file"] = str(side)
    try:
        cal = calibration_from_mapping(meta, side)
    except CubeReadError as exc:
        cal, extra["calibration_note"] = None, f"{exc}; the sidecar's calibration set aside"
    return cal, extra


def sidecar_json(path) -> dict | None:
    """The JSON object of the sidecar of an array file, None where there is none; CubeReadError
    where it is no JSON object. For what needs its other keys (arrays.channel_order's
    "channel_axis"): reading them through read_sidecar had read its calibration twice a scan,
    and warned twice of one without a unit."""
    side = sidecar_path(path)
    if not side.is_file():
        return None
    from .limits import read_bounded

    try:
        meta = json.loads(
            read_bounded(side, 2**20, "calibration sidecar").decode("utf-8"),
            parse_float=json_number,
            parse_constant=json_number,
        )
    except (OSError, ValueError, RecursionError) as exc:
        raise CubeReadError(side, f"the calibration sidecar is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise CubeReadError(side, "the calibration sidecar must hold a JSON object")
    return meta


class WrittenNumber(float):
    """A JSON number that is no finite float (Infinity, -Infinity, NaN, which json reads though
    JSON has none, or 1e999, read as inf), with `written`, its text in the file: a sidecar's
    set-aside warning said "offset=inf" of a file that holds "offset": Infinity, and a training
    config's refusals named "inf". Its repr is the text ("1e999 (too large for a number)")."""

    written: str

    def __repr__(self) -> str:
        if self.written.lstrip("-") in ("Infinity", "NaN"):
            return self.written
        return f"{self.written} (too large for a number)"


def json_number(text: str) -> float:
    """json's parse_float and parse_constant for a file whose numbers are told as written (a
    calibration sidecar; training.common.read_config's config): float(text), a WrittenNumber
    where it is not finite."""
    value = float(text)
    if np.isfinite(value):
        return value
    kept = WrittenNumber(value)
    kept.written = text
    return kept


_CAL_KEYS = {*CALIBRATION_TERMS, "units", "energy_units", "calibration_source", "source"}


def calibration_from_mapping(m, where) -> Calibration | None:
    """offset/gain/quadratic from a dict-like (JSON object, HDF5/zarr attributes), in the unit
    `energy_units` names, else `units`: a `units` naming no energy is the data's own (NeXus puts
    "counts" on a counts dataset; it had refused the file). Named by neither, the gain's size
    says (`unitless_unit`), as for a ripple header: gain 10 had been read as 10 keV/channel and
    dropped as implausible."""
    if "offset" not in m or "gain" not in m:
        return None
    word = _text(m.get("energy_units", m.get("units", ""))).strip()  # as written, for messages
    units = word.lower()
    if "energy_units" not in m and not units.endswith("ev"):
        units = ""
    if units:
        scale = _unit_scale(word, where, "'energy_units'" if "energy_units" in m else "'units'")
    try:
        off, gain, quad = (float(np.asarray(m.get(k, 0.0)).ravel()[0]) for k in CALIBRATION_TERMS)
        if gain <= 0:  # no energy axis in any unit: said so, without a unit assumed
            raise ValueError(not_positive(gain))
        if not units:
            scale = _unit_scale(unitless_unit(gain, where, "offset/gain"), where, "offset/gain")
        return Calibration(off * scale, gain * scale, quad * scale, source="file")
    except (TypeError, ValueError, IndexError) as exc:
        raise CubeReadError(
            where,
            f"invalid calibration (offset={m.get('offset')!r}, gain={m.get('gain')!r}): {exc}",
        ) from exc


def unitless_unit(gain: float, where, what: str) -> str:
    """'ev' or 'kev': the unit of a calibration whose file names none, for every reader (HDF5,
    NeXus, zarr and project attributes, sidecars, ripple headers). No XRF detector has channels
    of 1 keV or more, so a gain of 1 or more is eV/channel (gain 10, offset -50: eV), with a
    warning naming the file and the assumption; a smaller one is keV/channel, the documented
    default, silently. A gain that is not positive is no energy axis in either unit: "kev",
    untold, so the reader's refusal is the one message (it had been said "read in eV", then
    refused)."""

    if not np.isfinite(gain) or gain < 1.0:
        return "kev"
    warn_outside(
        f"{where}: its {what} name no energy unit: read in eV, a gain of {gain:g} eV/channel (no "
        "XRF detector has channels of 1 keV or more, as it would be in keV)",
    )
    return "ev"


def not_positive(gain: float) -> str:
    """Why a gain of 0 or less is no calibration, in words naming no unit: it is refused before
    any unit is assumed (unitless_unit), by offset/gain attributes, coefficients and ripple
    headers alike."""
    return f"gain {gain:.6g} is not positive: the energy must rise with the channel"


def energy_unit(word: str, where, what: str) -> str:
    """'ev' or 'kev' for the unit word a file gives its calibration (any case), else
    CubeReadError naming the word and where it stands (`what`): one wording for every reader
    (attributes, sidecars, ripple headers, an SPE `$MCA_CAL:` line, Amptek's `LABEL`), where
    Amptek's had its own and SPE's named no place."""
    unit = word.strip().lower()
    if unit in ("ev", "kev"):
        return unit
    raise unknown_unit(word, where, what)


def unknown_unit(word: str, where, what: str) -> CubeReadError:
    """The error for a unit word naming no energy, in energy_unit's words: for a reader that
    takes more spellings than energy_unit does (EMSA's `#XUNITS` "Energy (keV)"), whose refusal
    had its own wording ("unsupported #XUNITS 'MeV' (eV or keV)")."""
    return CubeReadError(
        where, f"unknown energy units {word.strip()[:40]!r} in {what} (expected eV or keV)"
    )


def set_aside(make, what: str) -> Calibration | None:
    """The calibration make() reads, or None with a warning where it cannot be one (strings, a
    zero or NaN gain, unknown units, an axis that does not increase): the error (naming the
    file) and "`what` set aside" (told_aside). The cube then reads uncalibrated (calibrated from
    its peaks where asked), from every format alike: a zarr array's offset/gain and energy array,
    an .npz's energy, an HDF5 energy vector had refused the whole scan. Damaged storage (a
    truncated or missing external file: limits.StorageError) still refuses it."""
    from .limits import StorageError

    try:
        return make()
    except StorageError:
        raise
    except CubeReadError as exc:
        told_aside(exc, f"{what} set aside")
        return None


def told_aside(exc: CubeReadError, outcome: str, notes: dict | None = None) -> None:
    """Warn "<the error, naming the file>; <outcome>" for a calibration set aside, at the call
    that read the file (errors.warn_outside), and keep those words in notes["calibration_note"]
    where `notes` is given (a ripple header's, for metadata["calibration_note"]): set_aside's
    words, and a ripple header's own, which had a copy of this."""
    note = f"{exc}; {outcome}"
    warn_outside(note)
    if notes is not None:
        notes["calibration_note"] = note
    told = _TOLD_ASIDE.get()
    if told is not None:
        told.append(note)


#: The words of each calibration told_aside set aside during the read that collects them
#: (notes_set_aside), else None.
_TOLD_ASIDE: ContextVar[list | None] = ContextVar("calibration_told_aside", default=None)


@contextmanager
def notes_set_aside():
    """A list that collects the words of every calibration set aside (set_aside, told_aside)
    while the block runs, for read_cube to keep as metadata["calibration_note"], whatever the
    reader: only ripple kept one, so a scan of any other format (an .spx's NaN CalibLin, an HDF5,
    .npz or zarr calibration, an .mca or EMSA one) calibrated automatically was "automatic (the
    file has none)" to the pigment fit and the Spectrum dock, though its file had one."""
    told: list[str] = []
    token = _TOLD_ASIDE.set(told)
    try:
        yield told
    finally:
        _TOLD_ASIDE.reset(token)


def _text(value) -> str:
    """An attribute as text: h5py gives fixed-length strings as bytes / np.bytes_, and writers
    (MATLAB, IDL) store them as one-element arrays; str() of those reads "b'ev'"."""
    if isinstance(value, (list, tuple, np.ndarray)) and np.size(value) == 1:
        value = np.asarray(value, dtype=object).ravel()[0]
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    return str(value)


#: keV per unit of the words energy_unit and unitless_unit give.
KEV_PER_UNIT = {"ev": 1e-3, "kev": 1.0}


def _unit_scale(units: str, where, what: str) -> float:
    """keV per unit of a calibration in `units` (energy_unit's words, any case)."""
    return KEV_PER_UNIT[energy_unit(units, where, what)]


def calibration_from_coefficients(
    coeffs, where, units: str | None = "keV", what: str = "calibration coefficients"
) -> Calibration:
    """PyMca style [a, b, c]: E = a + b ch + c ch^2, in `units`; None where the file names no
    unit and its format none either (an HDF5 `calibration` or `energy_calib` without `units`, a
    text spectrum's `#@CALIB`): the gain's size says, as for offset/gain attributes
    (`unitless_unit`). `what`: the values as the messages name them."""
    c = np.asarray(coeffs, dtype=np.float64).ravel()
    if c.size < 2:
        raise CubeReadError(where, f"calibration needs at least [offset, gain], got {c.tolist()}")
    s = None if units is None else _unit_scale(units, where, what)  # the word before the values
    if c[1] <= 0:
        raise CubeReadError(
            where,
            f"{what} [{', '.join(f'{v:.6g}' for v in c)}]: {not_positive(c[1])}",
        )
    if s is None:
        s = _unit_scale(unitless_unit(float(c[1]), where, what), where, what)
    try:
        return Calibration(c[0] * s, c[1] * s, (c[2] if c.size > 2 else 0.0) * s, source="file")
    except ValueError as exc:
        raise CubeReadError(where, f"invalid calibration coefficients {c.tolist()}: {exc}") from exc


def calibration_from_energy_axis(
    energy, where, n_channels: int | None = None, units: str | None = None
) -> Calibration:
    """Fit offset/gain/quadratic to a per-channel energy vector in `units` ("ev" or "kev"), or,
    None, in eV if its values exceed 200.

    A vector with fewer entries than channels is refused; one with exactly one more holds the
    channels' edges (NeXus allows bin edges for histogram axes), so their midpoints are the
    centres; one with a few more is truncated.
    """
    e = np.asarray(energy, dtype=np.float64).ravel()
    if n_channels is not None:
        if e.size < n_channels:
            raise CubeReadError(where, f"energy axis has {e.size} values for {n_channels} channels")
        e = 0.5 * (e[:-1] + e[1:]) if e.size == n_channels + 1 else e[:n_channels]
    if e.size < 2 or not np.isfinite(e).all() or np.any(np.diff(e) <= 0):
        raise CubeReadError(where, _not_rising(e))
    if units == "ev" or (units is None and e.max() > 200.0):  # no XRF line is above 200 keV
        e = e * 1e-3
    ch = np.arange(e.size, dtype=np.float64)
    deg = 2 if e.size > 3 else 1
    coef = np.polyfit(ch, e, deg)[::-1]
    quad = float(coef[2]) if deg == 2 else 0.0
    if abs(quad) * e.size**2 < 1e-6:  # numerically linear
        quad = 0.0
        coef = np.polyfit(ch, e, 1)[::-1]
    if not (np.isfinite(coef).all() and coef[1] > 0):  # rising values that fit no
        # detector's axis (one value far off: a damaged vector); Calibration's ValueError had
        # read "could not be read as hdf5 (ValueError: calibration gain must be positive, got
        # -0.0748 keV/channel)"
        raise CubeReadError(
            where,
            f"energy axis rises too unevenly to be a detector's: its fit gives a gain of "
            f"{float(coef[1]):.4g} keV/channel (a damaged or edited value?)",
        )
    return Calibration(float(coef[0]), float(coef[1]), quad, source="file")


def rising_pairs(x, counts, where, what: str):
    """(x, counts) with both reversed, and a warning naming the file, where the energies `x` of
    explicit (energy, counts) pairs fall strictly and evenly (every value within half a step of
    the axis fitted to them, as calibration_from_energy_axis fits one): a detector's axis listed
    from the highest energy down, whose pairs read in rising order keep their calibration. Such
    a column had been set aside (refused in a CSV) and its counts kept in file order, reversed
    against the channels, so automatic calibration failed on the real .spx's spectrum written
    so. Any other column is returned as it is, for calibration_from_energy_axis to judge."""
    e = np.asarray(x, dtype=np.float64).ravel()
    if e.size < 2 or not np.isfinite(e).all() or not np.all(np.diff(e) < 0):
        return x, counts
    r, ch = e[::-1], np.arange(e.size, dtype=np.float64)
    fit = np.polyval(np.polyfit(ch, r, 2 if r.size > 4 else 1), ch)  # 4 points: a line
    if np.abs(fit - r).max() > 0.5 * (r[-1] - r[0]) / (r.size - 1):
        return x, counts
    warn_outside(
        f"{where}: its {what} lists the energies from the highest down ({e[0]:.4g} to "
        f"{e[-1]:.4g}): the (energy, counts) pairs are read in rising order"
    )
    return np.asarray(x)[::-1], np.asarray(counts)[::-1]


def _not_rising(e: np.ndarray) -> str:
    """Why an energy axis is none, in words: a column listed from the highest energy down, or one
    value on every line, had read "must be finite and strictly increasing", as a glitch does."""
    if e.size > 1 and np.isfinite(e).all():
        if np.all(np.diff(e) < 0):
            return (
                f"energy axis falls from {e[0]:.4g} to {e[-1]:.4g} over the channels (highest "
                "energy first), where it must rise with them"
            )
        if np.all(e == e[0]):
            return f"energy axis holds one value, {e[0]:.4g}, at every channel: no energy axis"
    return "energy axis must be finite and strictly increasing"


#: Plausible energy calibrations of an XRF detector: gain (keV/channel) and offset (keV).
PLAUSIBLE_GAIN = (1e-4, 1.0)
PLAUSIBLE_OFFSET = (-10.0, 10.0)


def _unit_mixup(cal: Calibration) -> str:
    """'; 1000 times that, ... would be plausible: ...' where a gain and offset read in the other
    energy unit are plausible, else '': a header whose unit says eV over values in keV (or the
    reverse) had been told only that its gain of 5.024e-06 keV/channel is implausible."""
    for factor, question in (
        (1e3, "are its values in keV where its unit says eV?"),
        (1e-3, "are its values in eV where its unit says keV?"),
    ):
        gain, offset = cal.gain * factor, cal.offset * factor
        if PLAUSIBLE_GAIN[0] <= gain <= PLAUSIBLE_GAIN[1] and (
            PLAUSIBLE_OFFSET[0] <= offset <= PLAUSIBLE_OFFSET[1]
        ):
            times = "1000 times that" if factor > 1 else "a thousandth of that"
            return f"; {times}, {gain:.4g} keV/channel, would be plausible: {question}"
    return ""


def implausible(cal: Calibration, n_channels: int) -> str | None:
    """Why a file's calibration cannot be an XRF detector's (None when it can): a gain of 1e308 or
    1e-320 keV/channel, an offset of -30 keV, an axis that turns back."""
    if not PLAUSIBLE_GAIN[0] <= cal.gain <= PLAUSIBLE_GAIN[1]:
        return (
            f"gain {cal.gain:.4g} keV/channel is outside the plausible {PLAUSIBLE_GAIN[0]:g}-"
            f"{PLAUSIBLE_GAIN[1]:g} keV/channel{_unit_mixup(cal)}"
        )
    if not PLAUSIBLE_OFFSET[0] <= cal.offset <= PLAUSIBLE_OFFSET[1]:
        return (
            f"offset {cal.offset:.4g} keV is outside the plausible {PLAUSIBLE_OFFSET[0]:g} to "
            f"{PLAUSIBLE_OFFSET[1]:g} keV"
        )
    e = cal.energy(max(int(n_channels), 2))
    if not (np.isfinite(e).all() and np.all(np.diff(e) > 0)):
        return "the energy axis does not increase over the channels (quadratic term)"
    mean_gain = (e[-1] - e[0]) / (len(e) - 1)
    if not PLAUSIBLE_GAIN[0] <= mean_gain <= PLAUSIBLE_GAIN[1]:  # a quadratic term run away
        return (
            f"quadratic term {cal.quadratic:.4g} keV/channel^2 makes the axis run from "
            f"{e[0]:.4g} to {e[-1]:.4g} keV over {len(e)} channels"
        )
    return None
