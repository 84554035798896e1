"""Bruker ESPRIT files: `.spx` single spectra (XML, read here) and `.bcf` hypermaps (only through
the optional GPL package rosettasciio, `pip install xrf-napari[bcf]`, after a memory check,
because a .bcf is decoded whole into memory)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from xml.parsers.expat import errors as expat_errors

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..errors import CubeReadError, warn_outside
from .isolate import call_in_child
from .mapped import guard_map
from .spectra import Spectrum

#: Refuse a .bcf whose decoded cube exceeds this share of available memory.
BCF_MEMORY_SHARE = 0.5


def _anode_symbol(value: str) -> str:
    """Bruker writes the anode as an atomic number (45) or symbol (Rh): the symbol. A value naming
    no element is kept as written (read_cube then refuses it, naming the file)."""
    from ..elements import element_symbol

    try:
        return element_symbol(value)
    except ValueError:
        return value.strip()


#: expat's errors at the end of an input that stops inside the document.
_CUT_SHORT = {
    expat_errors.codes[m] for m in ("no element found", "unclosed token", "partial character")
}


def _spx_calibration(path: Path, offset: str | None, gain: str) -> Calibration:
    """An .spx's CalibAbs (keV, absent: 0) and CalibLin (keV/channel) as its calibration;
    CubeReadError naming the file where they cannot be one (text, NaN, a gain not positive)."""
    try:
        return Calibration(float(offset or 0.0), float(gain), source="file")
    except (ValueError, OverflowError) as exc:
        raise CubeReadError(path, f"invalid CalibAbs/CalibLin calibration: {exc}") from None


def _check_channel_count(path: Path, declared: str | None, held: int) -> None:
    """Warn, naming the file, where the header's ChannelCount is not the number of values in
    <Channels>: a spectrum of 100 values under a ChannelCount of 4096 (an edited or damaged file)
    opened as 100 channels without a word. The values are read as they are."""
    try:
        count = int(declared) if declared is not None else held
    except ValueError:
        count = held  # not a number: nothing to compare (the counts are what is read)
    if count != held:
        warn_outside(
            f"{path}: its header's ChannelCount is {count}, but <Channels> holds {held} values: "
            f"read as {held} channels (a file edited or damaged?)"
        )


#: An XML declaration's encoding, at the start of a file (after a UTF-8 byte-order mark).
_DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*[\"']([A-Za-z0-9._-]+)")


def _spx_xml(raw: bytes) -> bytes | str:
    """What the XML parser reads of an .spx: its bytes, or their UTF-8 text where it declares
    another encoding (ESPRIT writes WINDOWS-1252) but its non-ASCII bytes are valid UTF-8, as an
    editor re-saving the file writes them: read in the declared one, the spectrum 'Détail' was
    named 'DÃ©tail'. Text truly in an 8-bit encoding is next to never valid UTF-8 ('é' alone is
    a broken UTF-8 sequence), so such a file is read as before."""
    if raw.isascii():
        return raw
    declared = _DECLARED.match(raw)
    try:
        if declared is None or codecs.lookup(declared[1].decode()).name.startswith("utf"):
            return raw
        return raw.decode("utf-8-sig")
    except (LookupError, UnicodeDecodeError):  # unknown name: read_spx says so; not UTF-8: 8-bit
        return raw


def read_spx(path) -> Spectrum:
    import xml.etree.ElementTree as ET

    path = Path(path)
    from .limits import MAX_TEXT_BYTES, decode_text, read_bounded, refuse_binary, text_format

    text = read_bounded(path, MAX_TEXT_BYTES, ".spx file")
    refuse_binary(path, text, "a Bruker .spx XML file")
    if b"<!DOCTYPE" in text or b"<!ENTITY" in text:  # entity expansion ("billion laughs")
        raise CubeReadError(
            path, "the .spx declares a DOCTYPE/ENTITY: not a Bruker spectrum, refused"
        )
    try:
        root = ET.fromstring(_spx_xml(text))
    except ET.ParseError as exc:
        # the errors only the end of the input gives: the XML stops before its elements close,
        # as a copy cut short does; "not a valid Bruker .spx XML file" had sent the user looking
        # for another format
        # (cut within its XML declaration, before <TRTSpectrum>: it had read 'not a valid
        # Bruker .spx XML file (unclosed token: line 1, column 0)')
        started = text.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml")
        if exc.code in _CUT_SHORT and (started or b"<TRTSpectrum" in text[:4096]):
            raise CubeReadError(
                path,
                f"the .spx ends before its XML is complete ({exc}): the file looks cut short (an "
                "interrupted copy or save); copy or export it again",
            ) from exc
        if other := text_format(decode_text(text), "spx"):
            raise CubeReadError(path, f"not a Bruker .spx spectrum: {other}") from exc
        raise CubeReadError(path, f"not a valid Bruker .spx XML file ({exc})") from exc
    except LookupError as exc:  # had read 'could not be read as a spectrum (LookupError: ...)'
        raise CubeReadError(
            path,
            f"its XML declaration names an encoding no reader knows ({exc}; ESPRIT writes "
            "WINDOWS-1252): the file is damaged; export or copy it again",
        ) from exc
    spec = root.find(".//ClassInstance[@Type='TRTSpectrum']")
    if spec is None:
        spec = root
    chan = spec.find("Channels")
    if chan is None:
        raise CubeReadError(path, "no <Channels> element: not a Bruker spectrum")
    if not (chan.text or "").strip():  # had read 'no <Channels> element'
        raise CubeReadError(path, "its <Channels> element is empty: the spectrum holds no counts")
    values = chan.text.strip().strip(",").split(",")
    if any(len(v.strip()) > 18 for v in values):
        raise CubeReadError(path, "<Channels> holds a count with more than 18 digits")
    try:
        counts = np.array([int(v) for v in values], dtype=np.int64)
    except (ValueError, OverflowError) as exc:
        raise CubeReadError(
            path, f"<Channels> holds a non-integer value ({str(exc)[:80]})"
        ) from None
    if counts.size < 2:
        raise CubeReadError(path, f"<Channels> holds {counts.size} value(s): not a spectrum")
    if counts.min(initial=0) < 0:
        raise CubeReadError(path, "counts contain negative values")

    def text(node, tag):
        el = node.find(f".//{tag}") if node is not None else None
        return el.text.strip() if el is not None and el.text else None

    head = spec.find("ClassInstance[@Type='TRTSpectrumHeader']")
    if head is None:
        head = spec.find(".//ClassInstance[@Type='TRTSpectrumHeader']")
    _check_channel_count(path, text(head, "ChannelCount"), counts.size)
    cal = None
    if text(head, "CalibLin") is not None:  # one that cannot be one is set aside, as any file's
        from .calibration import set_aside

        cal = set_aside(
            lambda: _spx_calibration(path, text(head, "CalibAbs"), text(head, "CalibLin")),
            "its CalibAbs/CalibLin calibration",
        )
    meta = {"format": "bruker-spx", "name": spec.get("Name", path.stem)}
    hw = spec.find(".//ClassInstance[@Type='TRTSpectrumHardwareHeader']")
    xrf = spec.find(".//ClassInstance[@Type='TRTXrfHeader']")
    det = spec.find(".//ClassInstance[@Type='TRTDetectorHeader']")
    for key, node, tag, conv in (
        ("sigma_abs", head, "SigmaAbs", float),
        ("sigma_lin", head, "SigmaLin", float),
        ("date", head, "Date", str),
        ("time", head, "Time", str),
        ("real_time_s", hw, "RealTime", lambda v: float(v) / 1000.0),
        ("live_time_s", hw, "LifeTime", lambda v: float(v) / 1000.0),
        ("kV", xrf, "Voltage", float),
        ("tube_current_uA", xrf, "Current", float),
        ("tube", xrf, "TubeType", str),
        ("anode", xrf, "Anode", _anode_symbol),
        ("atmosphere", xrf, "Atmosphere", str),
        ("optic", xrf, "Optic", str),
        ("detector_technology", det, "Technology", str),
    ):
        v = text(node, tag)
        if v is not None:
            try:
                meta[key] = conv(v)
            except ValueError:
                meta[key] = v
    model = det.find("Type") if det is not None else None  # direct child, not TRTKnownHeader/Type
    if model is not None and model.text:
        meta["detector"] = model.text.strip()
    return Spectrum(counts, cal or Calibration.uncalibrated(), meta, path)


def bcf_estimate(path) -> tuple[tuple[int, int, int], np.dtype]:
    """(shape, dtype) of the decoded hypermap, from the .bcf header only (needs rosettasciio)."""
    from rsciio.bruker._api import BCF_reader

    reader = BCF_reader(str(path))
    hdr = reader.header
    idx = reader.def_index
    shape = (int(hdr.image.height), int(hdr.image.width), int(hdr.estimate_map_channels(index=idx)))
    return shape, np.dtype(hdr.estimate_map_depth(index=idx))


#: Longest a child process may take to decode one .bcf.
BCF_TIMEOUT_S = 900


def read_bcf(path, **_options) -> Cube:
    """Decode the .bcf in a child process (rosettasciio's compiled decoder has segfaulted on
    corrupt files: in-process that would take napari down), into a temporary .npy that the cube
    memory-maps (the file is unlinked at once; its pages live as long as the mapping)."""
    import importlib.util
    import shutil
    import tempfile

    path = Path(path)
    if importlib.util.find_spec("rsciio") is None:
        raise CubeReadError(
            path,
            "reading .bcf needs the optional GPL package rosettasciio "
            "(pip install 'xrf-napari[bcf]'); or export the map from ESPRIT as "
            ".rpl/.raw (Lispix), which opens lazily without it",
        )
    from ..memory import memory_budget

    out_dir = tempfile.mkdtemp(prefix="xrf-bcf-")
    try:
        npy, cal_terms, meta = call_in_child(
            _decode_bcf,
            (str(path), out_dir, memory_budget()),
            path,
            "decoding the .bcf (rosettasciio)",
            BCF_TIMEOUT_S,
            preload=("rsciio.bruker",),  # a broken build crashing there: not the file's fault
        )
        data = guard_map(np.load(npy, mmap_mode="r"), npy)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    cal = _axis_calibration(path, *cal_terms)
    return Cube(data, cal, metadata=meta, path=path)


def _axis_calibration(path: Path, offset: float, scale: float, units: str) -> Calibration:
    """The calibration of a .bcf hypermap's energy axis (rosettasciio's offset, scale, units),
    in keV; an axis in a unit neither eV nor keV, or one that is no energy axis (a scale that is
    not positive), is set aside with a warning naming the file, as every reader does
    (calibration.set_aside): any unit but "eV" had been taken for keV, and a bad axis dropped,
    without a word. Read here, not in the child that decodes the file: its warnings go nowhere."""
    from .calibration import calibration_from_coefficients, set_aside

    what = "the hypermap's energy axis"
    cal = set_aside(
        lambda: calibration_from_coefficients([offset, scale], path, units, what),
        what,
    )
    return cal or Calibration.uncalibrated()


def _decode_bcf(path: str, out_dir: str, budget: int):
    """Child side of read_bcf: (npy path, the energy axis's (offset, scale, units), metadata)."""
    import os

    import rsciio.bruker as rbruker

    try:
        shape, dtype = bcf_estimate(path)
        need = int(np.prod(shape, dtype=object)) * dtype.itemsize
    except Exception:  # private API changed: bound by a generous compression ratio instead
        shape, need = None, os.path.getsize(path) * 40
    if need > BCF_MEMORY_SHARE * budget:
        raise CubeReadError(
            path,
            f"the decoded hypermap {shape or ''} needs about {need / 2**30:.2f} GiB "
            f"but only {budget / 2**30:.2f} GiB of memory is available (a .bcf is "
            "decoded whole); export it from ESPRIT as .rpl/.raw, which opens lazily",
        )
    items = rbruker.file_reader(path, select_type="spectrum_image")
    item = next((it for it in items if np.ndim(it["data"]) == 3), None)
    if item is None:
        raise CubeReadError(path, "the .bcf holds no spectrum image (hypermap)")
    out = os.path.join(out_dir, "cube.npy")
    np.save(out, np.asarray(item["data"]))
    ax = item["axes"][-1]
    cal = (float(ax.get("offset", 0.0)), float(ax["scale"]), str(ax.get("units", "keV")))
    meta = {"format": "bruker-bcf"}
    acq = item.get("metadata", {}).get("Acquisition_instrument", {})
    for mode in acq.values():
        if isinstance(mode, dict) and "beam_energy" in mode:
            meta["kV"] = float(mode["beam_energy"])
        det = mode.get("Detector", {}) if isinstance(mode, dict) else {}
        if "EDS" in det and "detector_type" in det["EDS"]:
            meta["detector"] = str(det["EDS"]["detector_type"])
    return out, cal, meta
