"""Lispix ripple `.rpl` header + `.raw` binary: the Bruker M6 Jetstream export.

Real headers vary (TAB or runs of spaces, CRLF, `data-Length`, `byte-order dont-care`, three
spellings of the energy calibration), so the parser normalises keys instead of matching them
exactly, and the data is memory-mapped read-only after checking the `.raw` size against the header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..errors import CubeReadError, warn_outside
from .calibration import KEV_PER_UNIT, energy_unit, not_positive, told_aside, unitless_unit
from .lazy import ChannelFirstView
from .limits import (
    check_path,
    decode_text,
    looked_in_both,
    pair_places,
    parse_int,
    read_bounded,
    refuse_binary,
    text_format,
    truncated_hint,
)
from .mapped import guard_map

#: A ripple header is a few hundred bytes; dimensions and offsets beyond these are corrupt.
MAX_HEADER_BYTES = 2**20
MAX_DIM = 2**31
MAX_OFFSET = 2**50


#: The keys the data's layout follows (normalised): one given twice with another value had the
#: last one read, and the data refused as "size mismatch" by the wrong shape, or read by it.
_LAYOUT_KEYS = (
    "width",
    "height",
    "depth",
    "offset",
    "datalength",
    "datatype",
    "byteorder",
    "recordby",
)


#: The words a header may write for a data type or a byte order, as the reader takes them.
_DATA_TYPES = {
    "unsigned": "unsigned",
    "signed": "signed",
    "float": "float",
    "real": "float",
    "integer": "signed",
    "uint": "unsigned",
    "int": "signed",
}
_LITTLE = ("little-endian", "littleendian", "little", "intel")
_BIG = ("big-endian", "bigendian", "big", "motorola")
_DONT_CARE = ("dont-care", "dontcare", "don't-care", "none", "")
_NUMBERS = ("width", "height", "depth", "offset", "datalength")


def _meaning(key: str, value: str):
    """A layout value as the reader takes it (its first word, lower-cased, synonyms made one; a
    number's value), so that a key repeated as 'Little-Endian' or '03' is no contradiction."""
    words = value.split()
    word = words[0].lower() if words else ""
    if key in _NUMBERS:
        try:
            return int(float(word))  # as parse_int reads it: '03', '3.0' are 3
        except (ValueError, OverflowError):
            return word
    if key == "datatype":
        return _DATA_TYPES.get(word, word)
    if key == "byteorder":
        for name, synonyms in (("little", _LITTLE), ("big", _BIG), ("dont-care", _DONT_CARE)):
            if word in synonyms:
                return name
    return "dont-care" if word == "dontcare" else word


def _norm(key: str) -> str:
    """'data-Length', 'data_length', 'DATA LENGTH' -> 'datalength'."""
    return "".join(ch for ch in key.lower() if ch.isalnum())


def _separated(text: str, name: str):
    """The header line giving the key `name` (normalised) as 'key=value' or 'key: value', or
    None: such a header had read "lacks the required key 'width'" ('width=5' taken for a key of
    no value) or "ripple key 'width' must be an integer, got '='"."""
    import re

    for line in re.finditer(r"^\s*([^\s=:]+)\s*([=:])\s*(.*?)\s*$", text, re.M):
        if _norm(line.group(1)) == name:
            return line
    return None


# normalised key -> (calibration term, units the value is in unless a units key says otherwise)
_OFFSET_KEYS = (
    "depthorigin",
    "depthscaleorigin",
    "depthoffset",
    "energyorigin",
    "energyoffset",
    "zerooffset",
    "calibrationoffset",
    "caliboffset",
    "evoffset",
    "kevoffset",
)
_GAIN_KEYS = (
    "depthscale",
    "depthscaleincrement",
    "depthincrement",
    "energyscale",
    "energygain",
    "energyperchannel",
    "calibrationgain",
    "calibgain",
    "evperchan",
    "evperchannel",
    "kevperchan",
    "kevperchannel",
)
_UNIT_KEYS = ("depthunits", "depthscaleunits", "energyunits", "units")
_DTYPE_CODES = {
    ("unsigned", 1): "u1",
    ("unsigned", 2): "u2",
    ("unsigned", 4): "u4",
    ("unsigned", 8): "u8",
    ("signed", 1): "i1",
    ("signed", 2): "i2",
    ("signed", 4): "i4",
    ("signed", 8): "i8",
    ("float", 4): "f4",
    ("float", 8): "f8",
}


@dataclass
class RippleHeader:
    width: int
    height: int
    depth: int
    offset: int
    dtype: np.dtype
    record_by: str  # "vector" (H, W, C) or "image" (C, H, W)
    calibration: Calibration | None
    raw: dict = field(default_factory=dict)  # every key as written, for metadata
    #: the reader's notes on it (notes["calibration_note"]: a calibration set aside, said as
    #: calibration.set_aside says it; notes["byte_order_note"]), kept out of `raw`:
    #: metadata["header"] had shown the internal '_calibration_note' and '_byte_order_note'
    #: keys as if the file held them
    notes: dict = field(default_factory=dict)

    @property
    def data_bytes(self) -> int:
        return self.width * self.height * self.depth * self.dtype.itemsize


def parse_header(path) -> RippleHeader:
    """Parse a `.rpl` header tolerantly; raise CubeReadError naming the missing or bad key."""
    path = Path(path)
    data = read_bounded(path, MAX_HEADER_BYTES, "ripple header")
    refuse_binary(path, data, "a ripple (.rpl) text header")
    # decode_text, as the text spectrum readers: a UTF-32 header, or a UTF-16 one without a BOM,
    # read "ripple key 'width' must be an integer, got '\x003\x00'"; not UTF-8, it is Latin-1,
    # as it was read before: its free text is kept, not made U+FFFD
    raw, norm, written = {}, {}, {}  # written: each normalised key as the header spells it
    notes: dict = {}  # the reader's, beside the file's keys (RippleHeader.notes)
    text = decode_text(data, legacy="latin-1")
    if other := text_format(text, "rpl"):  # an .spx had read "lacks the required key 'width'"
        raise CubeReadError(path, f"not a ripple (.rpl) header: {other}")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ";#":
            continue
        parts = line.split(None, 1)
        key, value = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        k = _norm(key)
        if k == "key":  # Lispix's 'key value' column titles
            continue
        before = norm.get(k)  # an empty one is no value: the default, as before
        if k in _LAYOUT_KEYS and before and value and _meaning(k, before) != _meaning(k, value):
            raise CubeReadError(
                path,
                f"the ripple header gives '{key}' twice, {before!r} then {value!r}: "
                "which one the data follows cannot be told; keep the right one",
            )
        raw[key] = value
        norm[k] = value
        written[k] = key
    if not norm:
        raise CubeReadError(path, "empty ripple header (no key/value lines)")

    def integer(name: str, lo: int, hi: int, default=None) -> int:
        v = norm.get(name, "")
        if (not v.strip() or v.lstrip()[:1] in ("=", ":")) and (line := _separated(text, name)):
            raise CubeReadError(
                path,
                f"the ripple header puts {line.group(2)!r} between its keys and values "
                f"({line.group(0).strip()!r}): a ripple header separates them with a tab or "
                f"spaces ('{line.group(1)} {line.group(3)}'); write it so",
            )
        if not v.strip():
            if default is not None:
                return default
            raise CubeReadError(
                path, f"ripple header lacks the required key '{name}' (or its value)"
            )
        return parse_int(v, path, f"ripple key '{name}'", lo, hi)

    def word(name: str, default: str) -> str:
        v = norm.get(name, "").split()
        return v[0].lower() if v else default

    width, height, depth = (integer(k, 1, MAX_DIM) for k in ("width", "height", "depth"))
    offset = integer("offset", 0, MAX_OFFSET, 0)
    length = integer("datalength", 1, 8)
    kind = word("datatype", "")
    kind = _DATA_TYPES.get(kind, kind)
    code = _DTYPE_CODES.get((kind, length))
    if code is None:
        raise CubeReadError(
            path,
            f"unknown ripple data type: data-type {norm.get('datatype')!r} with "
            f"data-length {length} (supported: unsigned 1/2/4/8, signed 1/2/4/8, float 4/8)",
        )
    order = word("byteorder", "dont-care")
    if order in _LITTLE:
        endian = "<"
    elif order in _BIG:
        endian = ">"
    elif order in _DONT_CARE:
        if length > 1:  # 'dont-care' is only honest for bytes; Lispix/Bruker write little-endian
            notes["byte_order_note"] = (
                "byte-order dont-care with multi-byte data: read as little-endian"
            )
        endian = "<"
    else:
        raise CubeReadError(
            path,
            f"unknown ripple byte-order {order[:40]!r} (little-endian, big-endian or dont-care)",
        )
    dtype = np.dtype(endian + code) if length > 1 else np.dtype(code)

    record = word("recordby", "vector")
    if record in ("dont-care", "dontcare"):
        if depth != 1:
            raise CubeReadError(
                path, f"record-by dont-care is only meaningful for depth 1, not depth {depth}"
            )
        record = "vector"
    if record not in ("vector", "image"):
        raise CubeReadError(
            path, f"unknown ripple record-by {record[:40]!r} (vector, image or dont-care)"
        )
    cal = _calibration(norm, path, written, notes)
    return RippleHeader(width, height, depth, offset, dtype, record, cal, raw, notes)


def _calibration(norm: dict, path, written: dict, notes: dict) -> Calibration | None:
    """Offset and gain in keV, or None. A key named in eV or keV (`ev-per-chan`, `kevoffset`)
    says its own unit; otherwise a units key (`depth-units`) says it; otherwise the gain's
    magnitude does, as for every reader (calibration.unitless_unit: >= 1 is eV/channel). A
    unit-less offset shares the gain's unit, as in rosettasciio's ripple reader: `ev-per-chan
    20` + `depth-origin -30` is -30 eV. A units key naming another unit (it had refused the
    file) or a gain <= 0 sets the calibration aside with a warning (automatic calibration
    instead), as every reader does; so does a gain or offset that is no finite number (it
    had refused the file too). Messages name each key as `written` spells it
    ('depth-scale', not the normalised 'depthscale' that the header does not hold). A
    calibration set aside is told as calibration.set_aside tells it (told_aside), its words
    kept in notes["calibration_note"]."""

    def aside(exc: CubeReadError, outcome: str) -> None:
        told_aside(exc, outcome, notes)  # at the call that read the file (warn_outside)

    def named(k):
        return written.get(k, k)

    def first(keys):
        for k in keys:
            if k in norm and norm[k].split():
                try:
                    return k, float(norm[k].split()[0][:64])
                except ValueError:
                    return k, np.nan
        return None, None

    gkey, gain = first(_GAIN_KEYS)
    okey, offset = first(_OFFSET_KEYS)
    for key, v in ((gkey, gain), (okey, offset)):
        if key is not None and not np.isfinite(v):
            why = f"calibration key '{named(key)}' is not a finite number: {norm[key][:40]!r}"
            return aside(CubeReadError(path, why), "the header's calibration set aside")
    if gain is None:
        return None
    ukey = next((k for k in _UNIT_KEYS if k in norm and norm[k].strip()), None)
    try:
        units = energy_unit(norm[ukey].split()[0], path, f"'{named(ukey)}'") if ukey else None
    except CubeReadError as exc:
        return aside(exc, "the header's calibration set aside")

    def own_unit(key):
        return "ev" if key.startswith("ev") else "kev" if key.startswith("kev") else None

    keys = f"keys '{named(gkey)}'" + (
        f" and '{named(okey)}'" if okey and not own_unit(okey) else ""
    )
    gain_unit = own_unit(gkey) or units or unitless_unit(gain, path, f"header's calibration {keys}")
    offset_unit = (own_unit(okey) if okey else None) or units or gain_unit
    g = gain * KEV_PER_UNIT[gain_unit]
    o = (offset or 0.0) * KEV_PER_UNIT[offset_unit]
    if g <= 0:  # like an implausible calibration: dropped (automatic one instead), not refused
        why = f"the header's energy gain key '{named(gkey)}': {not_positive(gain)}"
        return aside(CubeReadError(path, why), "calibration ignored")
    try:
        return Calibration(o, g, 0.0, source="file")
    except ValueError as exc:
        raise CubeReadError(path, f"invalid energy calibration in header: {exc}") from exc


RPL_SUFFIXES = (".rpl", ".RPL", ".Rpl")
RAW_SUFFIXES = (".raw", ".RAW", ".Raw")


def _sibling(path: Path, suffixes) -> tuple[Path, list[Path]]:
    """(the file named as `path` with one of `suffixes`, []) or, none found, (the first place
    looked, [every place looked]): beside `path`, then beside the file it links to where it is
    a symbolic link (limits.pair_places): a .rpl linked alone into a project folder was refused
    as missing its .raw, which lay beside the linked export."""
    places = pair_places(path)
    for place in places:
        for s in suffixes:
            cand = place.with_suffix(s)
            if cand.is_file():
                return cand, []
    looked = [place.with_suffix(suffixes[0]) for place in places]
    return looked[0], looked


def _elsewhere(looked: list[Path], what: str) -> str:
    """'' or, where a symbolic link made _sibling look in two places, ': ' and both places
    (limits.looked_in_both), for the error naming the missing file."""
    if len(looked) < 2:
        return ""
    return ": " + looked_in_both(looked, what)


def _find_pair(path) -> tuple[Path, Path, list[Path]]:
    """find_pair, with the places a missing .raw was looked for ([] when found)."""
    path = Path(path)
    if path.suffix.lower() == ".raw":
        rpl, looked = _sibling(path, RPL_SUFFIXES)
        if looked:
            raise CubeReadError(
                path,
                f"no ripple header {looked[0].name} beside this .raw file"
                f"{_elsewhere(looked, '.raw file')} "
                "(the .raw holds only numbers; its shape and type are in the .rpl)",
            )
        return rpl, path, []
    raw, looked = _sibling(path, RAW_SUFFIXES)
    return path, raw, looked


def find_pair(path) -> tuple[Path, Path]:
    """(header, data) paths from either one; the other may have any suffix case, and lie beside
    the given file or, where that is a symbolic link, beside the file it links to (_sibling)."""
    rpl, raw, _looked = _find_pair(path)
    return rpl, raw


def read(path, **_options) -> Cube:
    rpl, raw, looked = _find_pair(path)
    hdr = parse_header(rpl)
    if not raw.exists():
        raise CubeReadError(
            rpl,
            f"the data file {raw.name} is missing beside the header{_elsewhere(looked, 'header')} "
            f"(expected {hdr.data_bytes + hdr.offset} bytes)",
        )
    check_path(raw)
    note = _check_size(hdr, raw)
    if hdr.record_by == "vector":
        shape = (hdr.height, hdr.width, hdr.depth)
    else:
        shape = (hdr.depth, hdr.height, hdr.width)
    mm = guard_map(np.memmap(raw, dtype=hdr.dtype, mode="r", offset=hdr.offset, shape=shape), raw)
    if "byte_order_note" in hdr.notes:
        _warn_byte_order(hdr, mm, raw)
    data = mm if hdr.record_by == "vector" else ChannelFirstView(mm)
    meta = {
        "format": "ripple",
        "record_by": hdr.record_by,
        "byte_order": {">": "big-endian", "|": "not applicable"}.get(
            hdr.dtype.byteorder,
            "little-endian",  # "<", or "=" on this little-endian machine
        ),
        "header": hdr.raw,
        "data_file": str(raw),
    }
    if note:
        meta["raw_size_note"] = note
    if "byte_order_note" in hdr.notes:
        meta["byte_order_note"] = hdr.notes["byte_order_note"]
    if "calibration_note" in hdr.notes:
        meta["calibration_note"] = hdr.notes["calibration_note"]
    cal = hdr.calibration or Calibration.uncalibrated()
    return Cube(data, cal, metadata=meta, path=rpl)


def _warn_byte_order(hdr: RippleHeader, mm: np.memmap, raw: Path) -> None:
    """'byte-order dont-care' over multi-byte data is read little-endian (as Lispix and Bruker
    write), but a big-endian file then reads as garbage with no error: warn, and for integer
    counts say when the first values look big-endian: counts read in the wrong byte order have
    their small low byte in the high byte, so their mean is many times larger."""
    msg = f"{raw}: {hdr.notes['byte_order_note']}"
    if hdr.dtype.kind in "ui":
        first = np.asarray(mm.reshape(-1)[: 2**20])
        little = float(first.mean(dtype=np.float64))
        big = float(first.byteswap().mean(dtype=np.float64))
        if big * 4 < little:
            msg += (
                f"; its first values look big-endian (mean {big:.4g} read so, {little:.4g} as "
                "little-endian): if so, set 'byte-order big-endian' in the header"
            )
        hdr.notes["byte_order_note"] = msg.removeprefix(f"{raw}: ")
    warn_outside(msg)  # at the call that read the file


def _check_size(hdr: RippleHeader, raw: Path) -> str | None:
    """Raise when the .raw is shorter than the header needs, or when its size points to a wrong
    data-length; trailing extra bytes (seen in real exports) are only reported (warning + note)."""
    actual = raw.stat().st_size
    need = hdr.offset + hdr.data_bytes
    if actual == need:
        return None
    what = (
        f"header says {hdr.height} x {hdr.width} x {hdr.depth} x {hdr.dtype.itemsize}-byte "
        f"{hdr.dtype.name} + offset {hdr.offset} = {need} bytes, but {raw.name} has {actual} bytes"
    )
    data = actual - hdr.offset
    n_vals = hdr.width * hdr.height * hdr.depth
    other_length = (
        data // n_vals
        if data > 0 and data % n_vals == 0 and data // n_vals != hdr.dtype.itemsize
        else None
    )
    fits = _other_fits(hdr, data)
    if actual < need:
        full_rows = max(0, data) // max(1, hdr.width * hdr.depth * hdr.dtype.itemsize)
        hint = truncated_hint(
            need - actual, "the .raw", f"only {full_rows} of {hdr.height} rows complete"
        )
        if other_length:
            hint += f"; or the size fits data-length {other_length} instead of {hdr.dtype.itemsize}"
        elif fits:
            hint += f"; or {fits}"
        raise CubeReadError(raw, f"size mismatch: {what}; {hint}")
    if other_length:
        raise CubeReadError(
            raw,
            f"size mismatch: {what}; the size fits data-length {other_length} "
            f"instead of {hdr.dtype.itemsize}: check the header",
        )
    # Not refused (real exports carry trailing bytes), but a size that is a whole number of
    # channels per pixel (or of rows) more likely means a wrong depth (height): with a wrong
    # depth every pixel after the first is read shifted, so the warning says what fits.
    extra = actual - need  # one byte had been 'the 1 trailing bytes are ignored'
    note = f"{what}: the {extra} trailing {'byte is' if extra == 1 else 'bytes are'} ignored"
    if fits:
        note += f"; {fits}"
    warn_outside(f"{raw}: {note}")
    return note


def _other_fits(hdr: RippleHeader, data: int) -> str:
    """'the file's size fits depth 16 (or height 8): check the header's depth', or '' when the
    data bytes are no whole number of pixel spectra or rows for another depth or height."""
    item = hdr.dtype.itemsize
    found = []
    for name, value, rest in (
        ("depth", hdr.depth, hdr.height * hdr.width),
        ("height", hdr.height, hdr.width * hdr.depth),
    ):
        unit = rest * item
        if data > 0 and data % unit == 0 and data // unit != value:
            found.append((name, data // unit))
    if not found:
        return ""
    first, *more = found
    alt = "".join(f" (or {n} {v})" for n, v in more)
    return f"the file's size fits {first[0]} {first[1]}{alt}: check the header's " + " or ".join(
        n for n, _ in found
    )


def write(path, array, calibration: Calibration | None = None, block_rows: int = 16) -> Path:
    """Write an (H, W, C) integer array as a ripple pair (`path` with .rpl, and .raw), record-by
    vector, little-endian, as the Bruker M6 exports it. calibration: its offset and gain go in as
    `depth-origin` / `depth-scale` in keV; None writes no calibration keys (a header-only export:
    readers auto-calibrate). Both files are written atomically, the .raw in row blocks, and reach
    their names together (atomic_set): a failed header write had left the new .raw beside the
    old header, a pair that may read as the wrong shape or calibration."""
    from ..fileutil import atomic_path, atomic_set

    arr = np.asarray(array) if not hasattr(array, "shape") else array
    if len(arr.shape) != 3 or np.dtype(arr.dtype).kind not in "ui":
        raise ValueError(f"ripple export needs an (H, W, C) integer array, got {arr.shape}")
    dtype = np.dtype(arr.dtype).newbyteorder("<")
    kind = "unsigned" if dtype.kind == "u" else "signed"
    h, w, c = arr.shape
    lines = [
        "key\tvalue",
        f"width\t{w}",
        f"height\t{h}",
        f"depth\t{c}",
        "offset\t0",
        f"data-length\t{dtype.itemsize}",
        f"data-type\t{kind}",
        "byte-order\tlittle-endian",
        "record-by\tvector",
    ]
    if calibration is not None:
        if calibration.quadratic:
            raise ValueError("a ripple header holds a linear calibration only")
        lines += [
            f"depth-origin\t{calibration.offset!r}",
            f"depth-scale\t{calibration.gain!r}",
            "depth-units\tkeV",
        ]
    rpl = Path(path).with_suffix(".rpl")
    with atomic_set():
        with atomic_path(rpl.with_suffix(".raw")) as tmp:
            with open(tmp, "wb") as fh:
                for y0 in range(0, h, block_rows):
                    fh.write(np.ascontiguousarray(arr[y0 : y0 + block_rows], dtype=dtype).tobytes())
        with atomic_path(rpl) as tmp:
            Path(tmp).write_text("\n".join(lines) + "\n", encoding="ascii")
    return rpl
