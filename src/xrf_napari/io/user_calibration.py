"""The user's calibration from two peaks they identified, and the JSON sidecar that keeps it.

Every refusal of the automatic calibration says "calibrate manually with two known peaks": the
Spectrum dock's Calibrate from two peaks... reads two channels off the curve and names their
lines ("Fe Ka") or energies; this module turns them into a Calibration(source="user") with
refusals a conservator can act on, and writes the sidecar (docs/formats.md, "JSON sidecar") the
array readers read, so that the file opens calibrated next time. Qt-free.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..energy import Calibration
from ..fileutil import SIDECAR_SUFFIXES, atomic_path, sidecar_path
from .calibration import calibration_from_mapping, sidecar_json

#: Energies a peak may be given at (keV): an XRF line of a painting's elements up to the Ba/Sb K
#: lines and a tube's scatter; 0 is the zero (noise) peak some detectors record.
PEAK_ENERGIES = (0.0, 60.0)
#: Gains (keV/channel) a user's two peaks may give: an XRF detector's channels are 1-200 eV
#: (usually 5-40 eV); outside, a peak was taken for the wrong line or a channel mistyped.
USER_GAINS = (1e-3, 0.2)
#: Line families a peak may be named by, as the docks write them (elements.LINE_FAMILIES), with
#: the Greek letters the markers show (and a German keyboard's \u00df for beta).
_GREEK = {"\u03b1": "a", "\u03b2": "b", "\u03b3": "g", "\u00df": "b"}
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(kev|ev)?\s*$", re.I)
#: A keV number written with a decimal comma ("6,40"), as a European keyboard gives it
_COMMA = re.compile(r"^\s*(\d+),(\d+)\s*(kev)?\s*$", re.I)
#: "Fe Ka", also as spectroscopy tables and other programs write it: "Fe K-alpha", "Fe Kalpha",
#: "Fe Ka1", "Pb La1", "Pb Lb1" (the first line of a family is read as the family, whose energy
#: is its lines' mean: Fe Ka 6.400 keV, Ka1 6.404)
_LINE = re.compile(
    r"^\s*([A-Za-z]{1,2})\s*-?\s*([KLM])\s*-?\s*(alpha|beta|gamma|[abg])\s*-?1?\s*$", re.I
)


def peak_energy(text: str) -> tuple[float, str]:
    """(keV, what it was named) of a peak as the user wrote it: a line ("Fe Ka", "Pb La", "Fe Kα")
    or a number in keV ("6.40", "6.4 keV"; "6400 eV"). ValueError saying what is accepted."""
    raw = str(text).strip()
    if not raw:
        raise ValueError(
            "nothing is written for it: write a line as 'Fe Ka' or 'Pb La' or an energy in keV "
            "such as 6.40"
        )
    for greek, latin in _GREEK.items():
        raw = raw.replace(greek, latin)
    if m := _COMMA.match(raw):
        raw = f"{m.group(1)}.{m.group(2)} keV"
    if m := _NUMBER.match(raw):
        value = float(m.group(1)) * (1e-3 if (m.group(2) or "").lower() == "ev" else 1.0)
        return value, f"{value:.4g} keV"
    if m := _LINE.match(raw):
        from ..elements import element_line, element_symbol

        sym, family = m.group(1).capitalize(), m.group(2).upper() + m.group(3)[0].lower()
        try:
            sym = element_symbol(sym)
        except ValueError:
            raise ValueError(f"{text!r}: {sym!r} is no element symbol") from None
        line = element_line(sym, family)
        if line is None:
            raise ValueError(f"{text!r}: {sym} has no {family} line")
        return float(line.energy), f"{sym} {family} ({line.energy:.4g} keV)"
    raise ValueError(
        f"{text!r} is neither a line nor an energy: write a line as 'Fe Ka' or 'Pb La' "
        "(families Ka, Kb, La, Lb, Lg, Ma) or an energy in keV such as 6.40"
    )


def calibration_from_peaks(ch1: float, e1: float, ch2: float, e2: float) -> Calibration:
    """Calibration(source="user") putting energy e1 (keV) at channel ch1 and e2 at ch2, or a
    ValueError saying what is wrong with the pair: the same channel twice, energies not rising
    with the channel (peaks swapped), an energy outside 0-60 keV, or a gain no XRF detector has
    (USER_GAINS)."""
    lo, hi = PEAK_ENERGIES
    for ch, e in ((ch1, e1), (ch2, e2)):
        if not lo <= e <= hi:
            # typed in eV ("6400"): a line of 1 keV or more; "61" (6.1 mistyped) is none
            hint = f" (in eV? write {e:g} eV)" if 1.0 <= e / 1000 <= hi else ""
            raise ValueError(
                f"{e:g} keV (channel {ch:g}) is outside {lo:g}-{hi:g} keV, where XRF lines "
                f"lie{hint}"
            )
        if not ch >= 0:
            raise ValueError(f"channel {ch:g} is not a channel: channels start at 0")
    if ch1 == ch2:
        raise ValueError(f"both peaks are at channel {ch1:g}: give two different peaks")
    gain = (e2 - e1) / (ch2 - ch1)
    if gain <= 0:
        first, second = sorted(((ch1, e1), (ch2, e2)))
        raise ValueError(
            f"the energies must rise with the channel: channel {first[0]:g} is given "
            f"{first[1]:g} keV and the higher channel {second[0]:g} {second[1]:g} keV "
            "(are the peaks swapped?)"
        )
    if not USER_GAINS[0] <= gain <= USER_GAINS[1]:
        raise ValueError(
            f"these peaks make channels of {gain * 1000:.4g} eV, which no XRF detector has "
            f"({USER_GAINS[0] * 1000:g}-{USER_GAINS[1] * 1000:g} eV; usually 5-40 eV): "
            "check the channels and the lines named"
        )
    return Calibration(e1 - gain * ch1, gain, 0.0, source="user")


def strongest_peaks(counts, n: int = 6) -> list[float]:
    """The channels (rising) of the `n` most prominent peaks of a summed spectrum (counts per
    channel; analysis.autocal.find_spectrum_peaks, 5 sigma above its noise): the channels the
    dialog offers, so that a user need not read them off the plot's axis to the channel."""
    from ..analysis.autocal import find_spectrum_peaks

    return sorted(round(p.channel, 1) for p in find_spectrum_peaks(counts, max_peaks=n))


def sidecar_refusal(path) -> str:
    """Why no sidecar can keep a calibration for the scan at `path` ("" if one can): only the
    array formats' readers read one (fileutil.SIDECAR_SUFFIXES); the others keep their
    calibration inside the file, which xrf-napari never modifies, and the words say where: a new
    project .h5, as the writer refuses to replace the scan's own file (a project .h5 too). The
    file's name starts them as it is spelt (the dialog's tooltip had capitalised "a.h5")."""
    if path is None:
        return (
            "The scan was not opened from a file: save it (File > Save Selected Layers..., as an "
            "xrf-napari project .h5) to keep its calibration"
        )
    path = Path(path)
    if path.suffix.lower() in SIDECAR_SUFFIXES:
        return ""
    if path.suffix.lower() in (".rpl", ".raw"):
        return (
            f"{path.name}: a ripple file's calibration is read from its .rpl header, not a "
            "sidecar: add 'depth-origin' (the offset) and 'depth-scale' (the gain, keV/channel) "
            "to a copy of the header, or save the calibrated scan as an xrf-napari project .h5 "
            "under a new name (File > Save Selected Layers...)"
        )
    return (
        f"{path.name}: its format keeps the calibration inside the file, which xrf-napari does "
        "not modify, and its reader reads no sidecar: save the calibrated scan as an xrf-napari "
        "project .h5 under a new name (File > Save Selected Layers...; the scan's own file is "
        "never replaced), which keeps its calibration"
    )


class SidecarExists(FileExistsError):
    """The scan has a sidecar already: write_sidecar replaces it only when told to."""


def write_sidecar(path, cal: Calibration, replace: bool = False, note: str = "") -> Path:
    """Write `cal` to the JSON sidecar of the scan at `path` (sidecar_path: the one the readers
    would read), atomically, the scan itself untouched. An existing sidecar is replaced only with
    `replace` (SidecarExists otherwise); its other keys (anode, kV, channel_axis...) are kept.
    `note` (how the calibration was made) is kept under "calibrated_by". ValueError
    (sidecar_refusal) for a format that reads no sidecar; CubeReadError for a sidecar present
    that is not a JSON object, which is not overwritten."""
    if why := sidecar_refusal(path):
        raise ValueError(why)
    side = sidecar_path(path)
    old = sidecar_json(path)  # CubeReadError where it is no JSON object: the user's to fix
    if old is not None and not replace:
        raise SidecarExists(f"{side} exists: replace its calibration?")
    keys = ("offset", "gain", "quadratic", "units", "energy_units", "calibrated_by")
    out = {k: v for k, v in (old or {}).items() if k not in keys}
    out.update(offset=cal.offset, gain=cal.gain, quadratic=cal.quadratic, units="keV")
    if note:
        out["calibrated_by"] = note
    calibration_from_mapping(out, side)  # what the reader will make of it: raises if it cannot
    with atomic_path(side) as tmp:
        tmp.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return side
