"""Plain arrays: `.npy` / `.npz`, TIFF stacks and zarr stores (incl. maxrf4u `.datastack`).

They carry no calibration of their own (except maxrf4u's `maxrf_energies` and zarr attributes), so
an optional JSON sidecar `<name>.json` with offset/gain/quadratic in keV supplies it.
"""

from __future__ import annotations

import os
import re
import sys
import weakref
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..errors import (
    CubeReadError,
    chosen_cube,
    decompression_damage,
    decompression_failed,
    explain_read_error,
    refused_read,
    require_3d,
    require_numeric,
    system_refused,
    warn_outside,
    zip_damaged,
)
from ..fileutil import KIND_NAMES, TIFF_SUFFIXES, cut_in_signature
from ..tiff_pages import (
    TiffChainFault,
    check_tiff_pages,
    descriptions_repeat,
    quiet_tifffile,
    stray_pointer_only,
    walk_quietly,
)
from .calibration import (
    calibration_from_energy_axis,
    calibration_from_mapping,
    read_sidecar,
    set_aside,
)
from .hdf5 import MIN_CHANNELS  # fewest channels of a spectral axis, TIFF and .npy as for HDF5
from .lazy import ChannelFirstView, LazyArray
from .limits import (
    BINARY_KINDS,
    MAX_COMPRESSION_RATIO,
    kind_hint,
    kind_of,
    misnamed,
    require_stored,
    tree_entries,
    truncated_hint,
)
from .mapped import guard_map

#: An .npz member is decompressed into memory: allow it only below this share of what the process
#: may still allocate (`memory.memory_budget`: free memory, cgroup limit, RLIMIT_AS).
NPZ_MEMORY_SHARE = 0.5


def available_memory() -> int:
    from ..memory import memory_budget

    return memory_budget()


def _cube(data, path, fmt: str, cal: Calibration | None = None, meta: dict | None = None) -> Cube:
    require_3d(data.shape, path)
    require_numeric(data.dtype, path)
    side_cal, side_meta = read_sidecar(path)
    if "calibration_note" in side_meta:  # set aside (read_sidecar): said as any file's
        warn_outside(side_meta["calibration_note"])
    metadata = {"format": fmt, **(meta or {}), **side_meta}
    # a sidecar is the user's word: it overrides what the file says
    return Cube(
        data, side_cal or cal or Calibration.uncalibrated(), metadata=metadata, path=Path(path)
    )


def read_npy(path, dataset: str | None = None, **_options) -> Cube:
    path = Path(path)
    if path.suffix.lower() == ".npz":
        return _read_npz(path, dataset)
    foreign = not_npy(path)
    if foreign:
        raise CubeReadError(path, foreign)
    from tokenize import TokenError  # NumPy's header filter: a header cut within a bracket

    try:
        arr = guard_map(np.load(path, mmap_mode="r", allow_pickle=False), path)
    except (ValueError, OSError, OverflowError, TokenError) as exc:  # Overflow: a negative dim
        raise CubeReadError(path, _npy_short(path) or f"not a readable .npy array ({exc})") from exc
    arr, meta = channel_order(arr, path)
    return _cube(arr, path, "npy", None, meta)


def _npy_short(path: Path) -> str | None:
    """Why an .npy that np.load refused is short of its declared data (or its header declares a
    negative dimension), or None: a header
    declaring more bytes than follow it (a copy or save cut short, or a damaged header
    declaring a (100000, 100000, 4096) array over 100 bytes) had read "not a readable .npy
    array (mmap length is greater than file size)"."""
    try:
        shape, dtype, start = npy_header(path)
        need = int(np.prod(shape, dtype=object)) * dtype.itemsize
        have = os.stat(path).st_size - start
    except ValueError as exc:
        size = os.stat(path).st_size  # one read of the head for both readings of it
        with open(path, "rb") as fh:
            head = fh.read(12 + 2**16)  # signature, length field, a version 1 header at most
        return npy_header_cut(head, size) or _npy_header_damaged(head, exc)
    except (OSError, TypeError):
        return None
    if any(int(n) < 0 for n in shape):  # had read 'could not be read as npy (OverflowError:
        # memory mapped length must be positive)'
        return f"its header declares a negative dimension, shape {shape}: the header is damaged"
    if dtype.hasobject:  # had read 'not a readable .npy array (Array can't be memory-mapped:
        # Python objects in dtype.)'
        return (
            f"its array holds Python objects ({dtype}), stored pickled, not numbers: no counts"
            " to read (and xrf-napari loads no pickles); save the counts as an integer or float"
            " array"
        )
    if need <= have:
        return None
    return (
        f"size mismatch: its header declares a {shape} {dtype} array, {need:,} bytes of data"
        + (f" ({need / 2**30:,.0f} GiB)" if need >= 2**30 else "")
        + f", but the file holds {have:,} after its header: it is cut short (an interrupted "
        "copy or save) or its header is damaged; copy or save it again"
    )


def npy_header(path) -> tuple[tuple, np.dtype, int]:
    """(shape, dtype, offset of the data) from an .npy file's header, reading nothing else
    (np.load(mmap_mode="r") maps the whole file, and refuses one shorter than its header
    declares). Raises ValueError or OSError where the file has no readable header."""
    with open(path, "rb") as fh:
        shape, dtype = _read_npy_header(fh)
        return shape, dtype, fh.tell()


def _read_npy_header(fh) -> tuple[tuple, np.dtype]:
    """(shape, dtype) of the .npy header `fh` starts at (a file's, or an .npz member's), `fh`
    left at its data. Raises ValueError where it cannot be parsed: NumPy's header filter raises
    tokenize's TokenError on a dict cut within a bracket."""
    from tokenize import TokenError

    version = np.lib.format.read_magic(fh)
    read = {(1, 0): np.lib.format.read_array_header_1_0}.get(
        version, np.lib.format.read_array_header_2_0
    )
    try:
        shape, _, dtype = read(fh)
    except TokenError as exc:
        raise ValueError(f"Cannot parse header ({exc})") from exc
    return tuple(shape), np.dtype(dtype)


def _npy_header_damaged(head: bytes, exc: ValueError) -> str:
    """What is wrong with a whole .npy header NumPy cannot read (a changed byte, another
    program's writer): NumPy's words had been the message, the whole padded header or ast's
    'malformed node or string on line 1: <ast.Name object at 0x7f...>', and napari's claim
    left the file to napari's reader, which failed the same."""
    import ast

    field_end, end = _npy_header_span(head)
    text = head[field_end:end].decode("latin-1").strip()
    try:
        ast.literal_eval(text)
        why = str(exc)  # a dict, of the wrong keys or values: NumPy says which
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        why = "it does not parse as the Python dict NumPy writes"
    shown = text if len(text) <= 120 else text[:117] + "..."
    return (
        f"its .npy header is damaged ({why}), so its array's shape and data type are unknown:"
        f" {shown!r}; save it again"
    )


def _npy_header_span(head: bytes) -> tuple[int, int]:
    """(end of the header length field, end of the header) of an .npy file starting `head`:
    version 1 has a 2-byte field ending at byte 10, later versions a 4-byte one at byte 12."""
    ends = {1: (10, 2), 2: (12, 4), 3: (12, 4)}  # header length field: its end, its size
    field_end, field = ends.get(head[6] if len(head) > 6 else 1, (12, 4))
    end = field_end
    if len(head) >= field_end:
        end += int.from_bytes(head[field_end - field : field_end], "little")
    return field_end, end


def npy_header_cut(head: bytes, size: int) -> str | None:
    """'the file is truncated: ...' for an .npy cut within its header (after its 6-byte
    signature: a shorter cut is limits.signature_cut's), else None. np.load's words had been
    the message: 'EOF: reading magic string, expected 8 bytes got 7', 'EOF: reading array
    header, expected 118 bytes got 10'. A file ending before the header its length field
    declares but already holding a whole header (a dict ending in a newline) is not cut short:
    its length field is damaged ('\xff\xff' had read "truncated ... header of 65545 bytes").
    head: the file's first bytes (12 + 2**16: a version 1 header at most); size: its size."""
    if not head.startswith(b"\x93NUMPY"):
        return None
    field_end, end = _npy_header_span(head)
    if size >= end:
        return None
    text, newline, _ = head[field_end:].partition(b"\n")
    if newline and text.startswith(b"{") and text.rstrip().endswith(b"}"):
        return (
            f"its .npy header's length field is damaged: it declares a header of {end:,} bytes,"
            f" more than the file's {size:,}, but a whole header ends at byte"
            f" {field_end + len(text) + 1} (the file is not cut short); save it again"
        )
    return (
        f"the file is truncated: it holds {size} bytes, within its .npy header"
        + (f" of {end} bytes" if end > field_end else "")
        + " (an interrupted copy or save); copy or save it again"
    )


#: Fewest values of a first axis read as the channels of a plain array from its shape alone.
CHANNEL_FIRST_MIN = 256


def channel_order(arr, path: Path, stored: str = "last") -> tuple[object, dict]:
    """A plain array seen as (H, W, C), and metadata on how its channel axis was chosen. Nothing
    in a .npy (or an .npz without an energy member) says whether it is stored (H, W, C) or
    channel-first (C, H, W), as PyTorch and napari's own layers order it; nor in a TIFF page stack
    whether its pages are channels or, as `tifffile.imwrite(cube)` writes an (H, W, C) array by
    default, rows. Each was read in one order (`stored`: "last" for arrays, "first" for pages),
    so a (1024, 40, 50) .npy opened as 1024 x 40 pixels of 50 channels, and a 30 x 40 x 1024 cube
    saved with tifffile as 40 x 1024 pixels of 30 channels. Now the sidecar's `"channel_axis":
    "first"` or `"last"` decides; else where the `stored` reading's channel axis is too short for
    a spectrum (< 64, as HDF5 discovery asks) and the other end axis as long as a real detector's
    (>= 256), not beside a square image, the other reading is taken, with a warning naming the
    sidecar key (a toy (64, 3, 16) cube keeps its reading); where both end axes could hold the
    channels and the HDF5 reader's shape rule prefers the other one, the `stored` reading stays,
    with a warning. For a page stack the shape rule is asked of the stack mirrored: its last
    resort (the last axis unless the first is over four times longer) is the channel-last prior of
    arrays, and had warned of every (512, 96, 128) cube napari's TIFF writer saves (C, H, W)."""

    from .calibration import sidecar_json, sidecar_path
    from .hdf5 import _spectral_axis

    shape = tuple(int(n) for n in arr.shape)
    if len(shape) != 3:
        return arr, {}  # refused by _cube, naming the shape
    side = sidecar_json(path) or {}
    said = str(side.get("channel_axis", "")).strip().lower()
    if said in ("first", "last"):
        view = ChannelFirstView(arr) if said == "first" else arr
        return view, {"channel_axis": said, "channel_axis_from": "sidecar"}
    if said:
        raise CubeReadError(
            sidecar_path(path), f"channel_axis is {said!r}: 'first' (C, H, W) or 'last' (H, W, C)"
        )
    first, middle, last = shape
    as_stored = ChannelFirstView(arr) if stored == "first" else arr
    other = "last" if stored == "first" else "first"
    channels, rival = (first, last) if stored == "first" else (last, first)
    square = (middle == last) if stored == "first" else (first == middle)
    if square or _spectral_axis(shape[::-1] if stored == "first" else shape) != 0:
        return as_stored, {}
    reads = {
        "first": f"{middle} x {last} pixels of {first} channels",
        "last": f"{first} x {middle} pixels of {last} channels",
    }
    key = f'put "channel_axis": "{{}}" in {sidecar_path(path).name}'
    if channels < MIN_CHANNELS:
        if rival < CHANNEL_FIRST_MIN:
            return as_stored, {}  # a toy cube (64, 3, 16): left as stored, quietly
        warn_outside(
            f"{path}: array {shape} read as {reads[other]} ({channels} values are too few for "
            f"a spectrum); if it is {reads[stored]}, {key.format(stored)}",
        )
        view = ChannelFirstView(arr) if other == "first" else arr
        return view, {"channel_axis": other, "channel_axis_from": "shape"}
    warn_outside(
        f"{path}: array {shape} read as {reads[stored]}, though its shape suggests "
        f"{reads[other]}; if so, {key.format(other)}",
    )
    return as_stored, {}


def not_npy(path: Path) -> str | None:
    """Why a file named .npy is not one, or None. Asked before np.load, which calls any file
    without the signature "pickled (object) data" and suggests loading it unsafely; an HDF5 scan,
    .npz archive or TIFF renamed .npy by mistake is told what it is (limits.file_kind, the test
    the HDF5 reader's message uses too)."""
    return misnamed(
        path,
        "npy",
        "a NumPy .npy file",
        "it does not start with NumPy's \\x93NUMPY",
        zip="it is a zip archive, as an .npz is: rename it .npz",
    )


def not_npz(path: Path) -> str | None:
    """Why a file named .npz is not a zip archive, or None. np.load reads any file as what it
    starts as: an .npy renamed .npz came back as a plain array, refused as 'could not be read as
    npz (TypeError: 'numpy.ndarray' object does not support the context manager protocol)', and
    an HDF5 scan renamed .npz as 'This file contains pickled (object) data. If you trust the
    file you can load it unsafely ...', advice to unpickle a file that is not a pickle. Told
    what it is instead, as a misnamed .npy or .h5 is (limits.file_kind)."""
    return misnamed(
        path, "zip", "a NumPy .npz archive", "it does not start with a zip archive's PK signature"
    )


def _read_npz(path: Path, member: str | None = None) -> Cube:
    """The cube of an .npz: `member` (read_cube's dataset=, `--dataset`), else one named counts,
    data, cube or spectra, else the largest 3-D member (of equally large ones the first); beside
    other 3-D members, with a warning naming the one read and the others with `--dataset`, as
    HDF5 discovery says it (errors.chosen_cube; the first had been read without a word, and no
    other could be chosen: "an .npz file holds no named datasets")."""
    import zipfile
    import zlib

    foreign = not_npz(path)
    if foreign:
        raise CubeReadError(path, foreign)
    try:
        npz = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise CubeReadError(path, f"not a readable .npz archive ({exc})") from exc
    with npz:
        names = list(npz.files)
        if member is not None and member not in names:
            raise CubeReadError(
                path, f"no member {member!r} in the .npz; its members: {', '.join(names)}"
            )
        name = member or next(
            (n for n in ("counts", "data", "cube", "spectra") if n in names), None
        )
        shapes, packed = {}, {}
        faults = (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error)
        zf = npz.zip  # the archive np.load opened (a second open had read its directory again)
        stored = set(zf.namelist())
        for n in names:  # NumPy names a member without its .npy (one stored without keeps its
            # whole name: its lookup with .npy added had read "KeyError: There is no item named
            # 'counts.nky.npy' in the archive")
            info = zf.getinfo(n + ".npy" if n + ".npy" in stored else n)
            packed[n] = (info.compress_size, info.compress_type)
            if info.flag_bits & 0x1:  # zipfile's "File ... is encrypted, password required for
                # extraction" (a RuntimeError) had been taken for a missing bz2 or lzma module
                raise CubeReadError(
                    path,
                    f"member '{n}' is encrypted (the archive was zipped with a password), which "
                    "xrf-napari does not read: unzip it with its password and save the arrays "
                    "again (np.savez_compressed)",
                )
            try:
                with zf.open(info) as fh:
                    shapes[n] = _read_npy_header(fh)
            except faults as exc:
                raise _member_damaged(path, n, exc, "its .npy header") from exc
            except (NotImplementedError, RuntimeError) as exc:  # a zip method Python lacks, or
                # whose module (bz2, lzma) this Python was built without: had read only
                # "(NotImplementedError: That compression method is not supported)" or
                # "(RuntimeError: Compression requires the (missing) bz2 module)"
                method = zipfile.compressor_names.get(info.compress_type, "unknown")
                lacks = (
                    "which Python cannot read (not damage: a zip tool's choice, as Windows' for "
                    "large files): save"
                    if isinstance(exc, NotImplementedError)
                    else f"whose decoder this Python was built without ({exc}; the file is not "
                    "damaged): use a Python that has it (python.org's, conda's), or save"
                )
                raise CubeReadError(
                    path,
                    f"member '{n}' is compressed with zip method {info.compress_type} "
                    f"({method}), {lacks} it again with ordinary compression "
                    "(np.savez_compressed, or a zip tool's deflate)",
                ) from exc
        if name is None and {"palette", "rgb"} <= set(names):  # export-set's <cube>.targets.npz
            raise CubeReadError(
                path,
                "a targets sidecar of `xrf-napari-train export-set` (the palette, rgb and labels "
                "of the exported cube of the same name beside it), not a scan: open that cube",
            )
        cubes = [n for n in names if len(shapes[n][0]) == 3 and shapes[n][1].kind in "uif"]
        named = name is not None
        if name is None:
            if not cubes:
                raise CubeReadError(path, f"no 3-D array among the .npz members {names}")
            name = max(cubes, key=lambda n: int(np.prod(shapes[n][0])))
        others = sorted((n for n in cubes if n != name), key=lambda n: -np.prod(shapes[n][0]))
        if member is None and others and name in cubes:  # (a `counts` that is no cube is
            # refused below, not "was read")
            said = [(n, shapes[n][0]) for n in others]
            warn_outside(
                chosen_cube(path, "member", (name, shapes[name][0]), said, "the first", named)
            )
        shape, dtype = shapes[name]
        require_3d(shape, path, f"member '{name}'")
        require_numeric(dtype, path, f"member '{name}'")
        need = int(np.prod(shape, dtype=object)) * dtype.itemsize
        size, how = packed[name]
        ratio = 1 if how == zipfile.ZIP_STORED else MAX_COMPRESSION_RATIO
        if need > size * ratio + 4096:
            raise CubeReadError(
                path,
                f"member '{name}' declares {shape} {dtype} ({need} bytes) but its "
                f"{size} stored bytes cannot hold that: corrupt or a decompression bomb",
            )
        if "energy" in names:
            e_shape = shapes["energy"][0]
            if int(np.prod(e_shape, dtype=object)) > max(shape[0], shape[2]) + 4096:
                raise CubeReadError(
                    path, f"member 'energy' has shape {e_shape} for {shape[2]} channels"
                )
        avail = available_memory()
        if need > NPZ_MEMORY_SHARE * avail:
            raise CubeReadError(
                path,
                f"member '{name}' {shape} {dtype} needs {need / 2**30:.2f} GiB in memory "
                f"(an .npz cannot be memory-mapped) but only {avail / 2**30:.2f} GiB is "
                "available; save it as an uncompressed .npy (np.save) instead",
            )
        loaded = {}
        for n in (name, "energy") if "energy" in names else (name,):
            try:
                loaded[n] = npz[n]
            except faults as exc:  # had read 'could not be read as npz (BadZipFile: Bad CRC-32
                # for file 'counts.npy')', '(error: Error -3 while decompressing data ...)'
                raise _member_damaged(path, n, exc, "its data") from exc
        arr, energy = loaded[name], loaded.get("energy")
    meta = {"member": name}
    if energy is not None and energy_first(shape, np.size(energy)):
        arr, meta["channel_axis"] = ChannelFirstView(arr), "first"
    elif energy is None:
        arr, order = channel_order(arr, path)
        meta.update(order)
    cal = None
    if energy is not None:
        n = arr.shape[2]
        cal = set_aside(lambda: calibration_from_energy_axis(energy, path, n), "member 'energy'")
    return _cube(arr, path, "npz", cal, meta)


def _member_damaged(path: Path, member: str, exc: Exception, part: str) -> CubeReadError:
    """The refusal of an .npz member zip or NumPy cannot read (`part`: 'its .npy header', 'its
    data'), where 'could not be read as npz (ValueError: Cannot parse header: ...', '(EOFError:
    no detail)', '(BadZipFile: Bad CRC-32 for file 'counts.npy')', '(OSError: [Errno 22]
    Invalid argument)' (its offset in the archive) or zlib's '(error: Error -3 ...)' had been
    the message. An OSError of the system's (EIO, EACCES: any errno but EINVAL, the seek a
    damaged offset makes) is no damage: it had read "its place in the archive cannot be read"."""
    import zipfile

    if system_refused(exc):
        return CubeReadError(path, f"reading member '{member}' failed: {refused_read(exc)}")
    why = {
        ValueError: f": {part} cannot be read",
        EOFError: "",
        zipfile.BadZipFile: f" ({exc})",
        OSError: ": its place in the archive cannot be read",
    }
    return CubeReadError(
        path,
        f"member '{member}' is damaged"
        + next((w for t, w in why.items() if isinstance(exc, t)), f" ({exc})")
        + ": the archive is corrupt or cut short; copy or save it again",
    )


def energy_first(shape, n_energy: int) -> bool:
    """A (C, H, W) array: its energy vector is as long as the first axis (or its C + 1 bin edges)
    and not the last. Read as (H, W, C), such a cube showed C x H pixels of W channels,
    calibrated from the first W energies."""
    return n_energy in (shape[0], shape[0] + 1) and n_energy not in (shape[2], shape[2] + 1)


# -- TIFF -----------------------------------------------------------------------------------
#: What a file named .tif that starts as none of limits.file_kind's kinds is said to be.
NOT_TIFF = "it does not start with a TIFF's II/MM byte-order mark"


def _tiff_layout(shape, axes: str) -> str | None:
    """'channel-first' (page stack, C x H x W), 'channel-last' (H x W x C samples), or None when a
    TIFF whose first series has this shape and these axes (tifffile's) is a plain 2-D or RGB(A)
    image rather than a spectral stack."""
    if len(shape) != 3:
        return None
    if axes.endswith(("S", "C")) and shape[-1] <= 4:
        return None  # RGB / RGBA picture
    if axes.endswith(("S", "C")):
        return "channel-last"
    return "channel-first"


def _open_tiff(path: Path, fh):
    """A tifffile.TiffFile over the open file `fh` (left open when it closes), its page chain
    walked first (check_tiff_pages): every step of a TIFF read on one open of the file. A file
    whose pages are whole and whose last page points beyond its end is read as those pages,
    with a warning (stray_pointer_only)."""
    pages, stray = _checked_pages(path, fh)
    if stray:
        held = "its page is whole" if pages == 1 else f"its {pages} pages are whole"
        warn_outside(  # had been refused as 'truncated or corrupt'
            f"{path}: its last page points to a page beyond the end of the file, though "
            f"{held} (a writer's slip): read as {'that page' if pages == 1 else 'those pages'}"
        )
    try:
        return _tifffile(fh, pages, stray)
    except Exception as exc:
        raise CubeReadError(path, f"not a readable TIFF ({exc})") from exc


def _first_series(tf, path: Path):
    """tifffile's first series of `tf`, its log quiet (a damaged page's tag had been logged on
    stderr before the refusal said it); CubeReadError where its first page holds no pixels
    (_empty_first_page) or tifffile finds none in a damaged header, which had read "could not
    be read as tiff (ValueError: invalid image description '{"shape": [6, 7, 20]}7')" or
    "(RuntimeError: incompatible keyframe)". A layout tifffile does not implement, or samples
    of a type it cannot decode (_unreadable_samples), is not called damaged: the file may be
    sound."""
    empty = _empty_first_page(tf)
    if empty:
        raise CubeReadError(path, empty)
    try:
        with quiet_tifffile():
            series = tf.series[0]
    except MemoryError:
        raise
    except NotImplementedError as exc:
        raise CubeReadError(
            path,
            f"its layout is one tifffile, which xrf-napari reads TIFF files with, does not "
            f"implement ({exc}); the file may be sound: save the scan again as a plain page "
            "stack (one page per channel)",
        ) from exc
    except Exception as exc:
        raise CubeReadError(
            path, _header_damaged(f"tifffile finds no image in it ({exc})")
        ) from exc
    unreadable = _unreadable_samples(tf.pages.first)
    if unreadable:
        raise CubeReadError(path, unreadable)
    return series


def _unreadable_samples(page) -> str | None:
    """Why tifffile cannot decode the samples of `page` (it gives them no data type), or None.
    Samples of different sizes in one pixel (BitsPerSample 8, 16, 8) are valid TIFF that
    tifffile does not read, or a damaged tag; either way it had failed at the first row read,
    "reading row 0 failed (ValueError: data type not supported (SampleFormat 1, (8, 16, 8)-bit));
    the file may be corrupt or truncated"."""
    if page.dtype is not None:
        return None
    bits, formats = page.bitspersample, page.sampleformat
    if isinstance(bits, tuple) or isinstance(formats, tuple):
        return (
            "its pixels' samples differ in size or type (BitsPerSample "
            f"{_tag_values(bits)}; SampleFormat {_tag_values(formats)}), which tifffile, "
            "and so xrf-napari, cannot read: a valid but unusual TIFF, or a damaged header; save "
            "the scan again with one sample type (e.g. 16-bit unsigned integers)"
        )
    return (
        f"its samples are of a type tifffile, and so xrf-napari, cannot read ({bits}-bit, "
        f"SampleFormat {int(formats)}); save the scan again as 8-, 16- or 32-bit integers or "
        "32-bit floats"
    )


def _tag_values(value) -> str:
    """A TIFF tag's value or values, as "8, 16, 8"."""
    return ", ".join(str(int(v)) for v in (value if isinstance(value, tuple) else (value,)))


def _header_damaged(what: str) -> str:
    """A TIFF refused for `what` its header says: "its header is damaged: <what>; copy or save
    the file again" (one wording for the damaged-header refusals)."""
    return f"its header is damaged: {what}; copy or save the file again"


def _empty_first_page(tf) -> str | None:
    """Why a TIFF whose first page declares no pixels (ImageWidth or ImageLength 0: a damaged
    header) cannot be read, or None. tifffile's series detection divided by its size: "could
    not be read as tiff (ZeroDivisionError: integer division or modulo by zero)", napari's
    reader failing the same."""
    with quiet_tifffile():
        page = tf.pages.first
        width, length = page.imagewidth, page.imagelength
    if width and length:
        return None
    return _header_damaged(
        f"page 1 declares an image of {width} x {length} pixels (ImageWidth x ImageLength), so"
        " it holds none"
    )


def _checked_pages(path: Path, fh) -> tuple[int, bool]:
    """(pages, stray) of the open TIFF `fh` by check_tiff_pages: the whole pages before a last
    pointer beyond the end of the file, and stray True, where that is its only fault
    (stray_pointer_only); its TiffChainFault otherwise. One place for read_tiff and
    tiff_is_cube."""
    try:
        return check_tiff_pages(path, fh), False
    except TiffChainFault as exc:
        if not stray_pointer_only(fh, exc):
            raise
        return exc.whole, True


def _tifffile(fh, pages: int, stray: bool = False):
    """A tifffile.TiffFile over the open TIFF `fh` of `pages` pages (its name and folder from fh,
    as from the path), its chain walked quietly where its last page points beyond its end
    (`stray`). A file whose first page's tifffile description ("shaped" JSON) shapes that page
    alone, among more pages, is opened as plain pages: tifffile.imwrite called once a page (a
    writer's loop) makes each page a series of its own, and tifffile parsed all 3,000
    descriptions of such a stack (1.1 s CPU) to give series[0], one page: napari's claim left
    it to napari's reader, which shows its first page alone, and read_cube refused it as
    '3000 separate images of 8 x 8, such as element maps'. Read as pages, it is the stack the
    same pages written without descriptions are (at least MIN_CHANNELS of them: a cube). Only
    where every page's description shapes it alike (descriptions_repeat): an image followed by
    a stack of its size (two imwrite calls) had read as one stack of 301 channels, the image
    the first, where tifffile's series keep them apart."""
    import json

    import tifffile

    fh.seek(0)
    with quiet_tifffile():  # a damaged first page's tag: the reader says what is wrong
        tf = tifffile.TiffFile(fh)
    first = tf.pages.first
    if pages > 1 and first.is_shaped:
        try:
            shape = json.loads(first.description).get("shape")
            alone = int(np.prod(shape)) == first.size
        except (ValueError, TypeError, AttributeError):
            alone = False
        if alone:
            fh.seek(0)
            plain = tifffile.TiffFile(fh, is_shaped=False)
            if stray:
                walk_quietly(plain)
            if descriptions_repeat(plain, pages):
                tf.close()  # fh stays open: tifffile closes only files it opened
                return plain
            plain.close()
    if stray:
        walk_quietly(tf)
    return tf


#: TIFF photometric interpretations of a colour picture (tifffile.PHOTOMETRIC RGB, YCBCR).
PHOTO_PHOTOMETRIC = (2, 6)


def _photograph(tf, shape, axes: str) -> str | None:
    """Why a TIFF that is a colour picture (RGB or RGBA, as cameras, scanners and image editors
    save photographs; or 3-4 8-bit samples a pixel) is no cube, saying so, or None. Such a file
    had been told 'the TIFF holds a 3-D image (40, 50, 3) (axes YXS), not a spectral stack', or,
    stored plane by plane, 'the TIFF holds 3 images of 40 x 50 (uint8), such as element maps'."""
    page = tf.pages[0]
    n = int(getattr(page, "samplesperpixel", 1) or 1)
    dtype = np.dtype(page.dtype) if page.dtype is not None else None
    colour = int(page.photometric) in PHOTO_PHOTOMETRIC and n in (3, 4)
    eight_bit = len(shape) == 3 and n in (3, 4) and dtype == np.uint8
    if not (colour or eight_bit):
        return None
    h, w = (int(s) for s in page.shape[:2]) if axes.endswith(("S", "C")) else shape[-2:]
    from ..saved_marks import tiff_marks, xrf_napari_image

    made = xrf_napari_image(*tiff_marks(page))
    if made:  # its advice, `pigments --photo`, refuses the program's own colours (read_photo)
        return (
            f"{made}, not a spectral datacube: a {h} x {w} RGB colour image; open it in napari "
            "and choose XRF recolouring when napari asks which reader: it shows the image in "
            "colour at any size"  # it said "without choosing xrf-napari" (_reader.read_own_tiff)
        )
    return (
        f"it looks like a photograph, not a spectral datacube: a {h} x {w} "
        f"{'RGBA' if n == 4 else 'RGB'} colour image ({dtype}, {n} samples a pixel), where a "
        "datacube TIFF is a stack of one page per energy channel (at least "
        f"{MIN_CHANNELS}); open it with napari's own reader (drop it on napari without choosing "
        "xrf-napari), or give it to `xrf-napari pigments --photo` as the photograph of a scan"
    )


def _image_stack(hwc, dtype) -> str:
    """Why a TIFF read as `hwc` (H, W, n), n < MIN_CHANNELS channels, is not opened as a
    cube (unless its sidecar names the channel axis: the user's word, as for a binned cube).
    The image size comes from that reading (a page stack's pages, or its rows)."""
    h, w, n = (int(s) for s in hwc)
    return (
        f"the TIFF holds {n} images of {h} x {w} ({np.dtype(dtype)}), such as element maps, "
        f"not a spectral datacube, which has one page per energy channel and at least "
        f"{MIN_CHANNELS} of them (a spectrum of {n} values has no peaks to calibrate or "
        "fit); open it as an image stack (napari's own TIFF reader)"
    )


def _not_a_stack(tf, shape, axes) -> str:
    """Why a TIFF whose first series is a plain image is no cube; separate pages of one size
    (element maps written one page at a time) are named as such, not as one 2-D image, and an
    image xrf-napari wrote (a region or element map) as what it is."""
    pages = len(tf.pages)
    if pages == 1:
        from ..saved_marks import saved_image_words

        saved = saved_image_words(tf.pages[0])
        if saved:
            return saved
    if len(shape) == 2 and pages > 1 and len(tf.series) == pages:
        return (
            f"the TIFF holds {pages} separate images of {shape[0]} x {shape[1]}, such as "
            "element maps, not a spectral datacube, which is one stack of one page per energy "
            f"channel (at least {MIN_CHANNELS}); open it as images (napari's own TIFF reader)"
        )
    return (
        f"the TIFF holds a {len(shape)}-D image {shape} (axes {axes}), not a "
        "spectral stack: a datacube TIFF is a stack of one page per channel"
    )


def _tiff_reading(path: Path, layout: str, arr) -> tuple[object, dict, str | None]:
    """The one decision on a TIFF stack, for read_tiff and napari's claim check (tiff_is_cube),
    so the two cannot drift apart: `arr` (the pages or samples as stored, or a stand-in of their
    shape and dtype) seen as (H, W, C) (the sidecar, or the rows of tifffile's default page
    order, decide for a page stack), how its channel axis was chosen, and why it is no cube
    (a page stack read as fewer than MIN_CHANNELS channels: a few element maps, one a page) or
    None. A bad sidecar raises CubeReadError, naming it.

    The rule is the one of every plain array: few channels along the leading axis (pages) are
    images, which napari's own TIFF reader shows one a slider step, as they are; few along the
    trailing axis ((H, W, C): samples, as a .npy, .npz or zarr array stores them) open as a cube
    of that many channels, since napari's readers would show that array sideways (W x C images
    over a slider of rows). A samples TIFF of 20 maps was refused (2026-12-04 to -05) and left
    to napari, which showed it so."""
    order: dict = {}
    if layout != "channel-first":  # samples: (H, W, C) as stored, any number of channels
        return arr, order, None
    data, order = channel_order(arr, path, stored="first")  # or rows of (H, W, C)
    if data.shape[2] < MIN_CHANNELS and order.get("channel_axis_from") != "sidecar":
        return data, order, _image_stack(data.shape, arr.dtype)
    return data, order, None


def tiff_is_cube(path) -> bool:
    """A TIFF read_tiff would open as a cube (napari's claim check): a page stack of at least
    MIN_CHANNELS channels as read_tiff orders it, or a samples image of more than 4 samples
    (`_tiff_reading`, on a stand-in of the stored shape). A page stack of a few element maps
    stays napari's image stack, as a plain or RGB TIFF does; a TIFF with a bad sidecar is
    claimed, so read_tiff says what is wrong with the sidecar. So is a TIFF cut short or
    corrupt in its header or page chain (check_tiff_pages refuses it): napari's own reader
    fails on it in tifffile's words ('failed to read 76800 bytes, got 43501', 'tuple index
    out of range', 'unpack requires a buffer of 2 bytes'), where read_tiff says where it is
    cut ('page 1 of the TIFF lies beyond the end of the file (at byte 77056; the file holds
    43757 bytes)'), or within its first or last page's image data (_data_cut). Not a
    sound file check_tiff_pages refuses, which napari's reader reads: one of more than
    MAX_TIFF_PAGES pages, or whose pages are whole and whose last one points to a page beyond
    the end of the file (stray_pointer_only: claimed only where those pages are a cube)."""
    try:  # one open of the file, as read_tiff
        with open(path, "rb") as fh:
            try:  # whole pages and a stray last pointer: what they hold decides, below
                pages, stray = _checked_pages(Path(path), fh)
            except TiffChainFault:  # cut short or corrupt: napari's reader fails on it
                return True
            except CubeReadError:  # no TIFF (a PNG or JPEG named .tif), or more than
                return False  # MAX_TIFF_PAGES pages (a long stack): napari's reader reads them
            with _tifffile(fh, pages, stray) as tf:
                try:
                    series = _first_series(tf, Path(path))
                except CubeReadError:  # napari's reader fails on it too: read_tiff says why
                    return True
                if _data_cut(series, os.fstat(fh.fileno()).st_size):
                    return True  # a picture cut within its strips, or holding fewer bytes
                    # than its header declares, too: napari's reader fails
                layout = _tiff_layout(tuple(series.shape), series.axes)
                shape = tuple(int(n) for n in series.shape)
                stand_in = np.broadcast_to(np.zeros((), series.dtype), shape)
    except Exception:
        return False
    return _stack_is_cube(Path(path), layout, stand_in)


def _stack_is_cube(path: Path, layout: str | None, stand_in) -> bool:
    """tiff_is_cube's decision on a TIFF's first series (`layout` as _tiff_layout gives it,
    `stand_in`: an array of its shape and dtype), for a caller that has the file open."""
    import warnings

    if layout is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            _, _, refusal = _tiff_reading(Path(path), layout, stand_in)
        except CubeReadError:
            return True  # a bad sidecar: read_tiff says what is wrong with it
    return refusal is None


def not_a_picture(path) -> str | None:
    """Why an existing file at `path` is no picture that an image output may replace, or None
    (no file there, an empty one, or one picture: a PNG or other image, a TIFF of one 2-D grey
    or RGB(A) page). `xrf-napari recolour -o scan.tif` replaced a TIFF datacube, a scan the user
    had named by mistake, with the recoloured image of another, and `-o notes.png` a file that
    was no image at all; a picture there, an earlier run's output say, is replaced as before."""
    import stat

    from ..saved_marks import image_marks

    path = Path(path)
    try:
        st = os.stat(path)
    except OSError:
        return None  # none there; check_outputs says what else is wrong
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return None
    try:
        with open(path, "rb") as fh:
            kind = kind_of(fh.read(520))
    except OSError as exc:  # unreadable (EACCES, EIO) was "not an image (... read as one)"
        return _unreadable(exc)
    # by what the file holds, not its name: Pillow "opens" an HDF5 file (a stub plugin), and a
    # TIFF whatever its name, so an HDF5 or TIFF scan named scan.png passed as a picture
    if kind in BINARY_KINDS and kind != "tiff":  # named as every misnamed file's kind is
        return f"it is not an image: it is {KIND_NAMES[kind]}"
    if kind != "tiff":
        if path.suffix.lower() in TIFF_SUFFIXES:
            other = _image_format(path)  # a PNG named .tif was "not a TIFF image" alone
            named = f": it is {other} image named {path.suffix}" if other else ""
            return f"it is not a TIFF image (it cannot be read as one){named}"
        if image_marks(path) is None:
            return "it is not an image (it cannot be read as one)"
        return None
    try:  # one open: the page chain had been read twice, by tifffile here and tiff_is_cube
        with open(path, "rb") as fh, _open_tiff(path, fh) as tif:
            pages, series = len(tif.pages), tif.series[0]
            shape, axes = tuple(int(n) for n in series.shape), series.axes
            layout = _tiff_layout(shape, series.axes)
            stand_in = np.broadcast_to(np.zeros((), series.dtype), shape)
    except Exception as exc:  # a read failing within (EIO: a bad sector) is no 'not a TIFF'
        failed = exc if isinstance(exc, OSError) else exc.__cause__
        if isinstance(failed, OSError) and failed.errno is not None:
            return _unreadable(failed)
        if isinstance(exc, CubeReadError):  # a TIFF cut short had read 'not a TIFF image'
            return f"it is a TIFF that cannot be read ({exc.problem})"
        return "it is not a TIFF image (it cannot be read as one)"
    samples = [n for n, a in zip(shape, axes) if a in "SC"]  # RGB(A), contiguous or planar
    picture = len(shape) == 2 or (len(shape) == 3 and len(samples) == 1 and samples[0] <= 4)
    if pages == 1 and picture:
        return None
    held = f"a TIFF of {pages} pages" if pages > 1 else f"a TIFF of {' x '.join(map(str, shape))}"
    if _stack_is_cube(path, layout, stand_in):
        return f"it holds a spectral datacube ({held}), a scan"
    return f"it holds an image stack ({held}), not one picture"


def _unreadable(exc: OSError) -> str:
    """not_a_picture's words for a file whose read failed (EACCES; EIO, a bad sector), whether
    opening it or within tifffile: not 'not an image' nor 'not a TIFF'."""
    return f"it cannot be read ({exc.strerror or exc}), so what it holds is unknown"


def _image_format(path: Path) -> str | None:
    """'a PNG' (Pillow's name of the format, with its article) of an image file Pillow reads
    whatever its name, or None."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            fmt = str(im.format or "")
    except Exception:  # noqa: BLE001 - no image Pillow reads
        return None
    if not fmt:
        return None
    # a name said letter by letter takes 'an' before a vowel sound (an EPS, an SGI); one said
    # as a word by its own ('an FITS image' had been written) as any word
    spelt = fmt not in _SAID_AS_WORDS and fmt[:1] in "AEFHILMNORSX"
    return f"{'an' if spelt or fmt[:1] in 'AEIOU' else 'a'} {fmt}"


#: Pillow's format names said as words, not letter by letter: 'a FITS image', 'a SUN raster'.
_SAID_AS_WORDS = frozenset({"FITS", "SUN", "SPIDER", "MCIDAS"})


def read_tiff(path, **_options) -> Cube:
    """A TIFF stack as a cube, on one open of the file: what it is (`kind_of` its first bytes),
    its page chain, its first series and the memory map or zarr store over its pages all read
    through that handle. It had been opened seven times (eight for a compressed one): by
    the misnamed-file check, check_tiff_pages, tifffile twice, the layout check twice,
    tifffile.memmap twice."""
    path = Path(path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise CubeReadError(path, f"cannot read the file ({exc.strerror or exc})") from None
    kept = None  # the TiffFile a zarr store reads through: fh stays open for the cube's life
    try:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(520)
        kind = kind_of(head)
        # what the file is, not only 'no II/MM byte-order mark' (check_tiff_pages): an HDF5 scan
        # or .npy array saved as .tif is told to be renamed, as a misnamed .npy, .npz or .h5 is;
        # a TIFF cut within its first 4 bytes is one, cut short (check_tiff_pages says so)
        if kind != "tiff" and cut_in_signature(head) != "tiff":
            # a PNG or JPEG named .tif had been told only 'no II/MM byte-order mark', a FITS
            # image (its header is text) 'it is a text file'
            other = _image_format(path) if kind in (None, "text") else None
            why = f"it is {other} image named {path.suffix}" if other else None
            raise CubeReadError(path, f"not a TIFF file ({why or kind_hint(kind, NOT_TIFF)})")
        tf = _open_tiff(path, fh)
        try:
            series = _first_series(tf, path)
            shape, axes = tuple(series.shape), series.axes
            cut = _data_cut(series, size)  # before what it holds: a picture cut short had
            if cut:  # read 'the TIFF holds a 2-D image (300, 400) (axes YX), not a spectral stack'
                raise CubeReadError(path, cut)
            photo = _photograph(tf, shape, axes)
            if photo:
                raise CubeReadError(path, photo)
            layout = _tiff_layout(shape, axes)
            if layout is None:
                raise CubeReadError(path, _not_a_stack(tf, shape, axes))
            declared = int(np.prod(shape, dtype=object)) * np.dtype(series.dtype).itemsize
            require_stored(declared, size, path, "the TIFF stack")  # before decoding any of it
            stand_in = np.broadcast_to(np.zeros((), series.dtype), tuple(int(n) for n in shape))
            if not _stack_is_cube(path, layout, stand_in):  # a few element maps: refused from
                # the tags, where a zlib stack of 8 pages of 3000 x 3000 was decoded first (2.2 s)
                raise CubeReadError(path, _tiff_reading(path, layout, stand_in)[2])
            arr, how = _tiff_array(tf, series, fh), "memmap"
            if arr is None:  # compressed or tiled: decoded once (memory, a temporary file), or
                arr, how = _tiff_decoded(series, declared, path, layout)  # the zarr store
            if arr is None:
                import zarr

                _quiet_zarr_tasks()  # a row's damaged strips fail in tasks zarr gathers
                store = tf.aszarr()
                weakref.finalize(store, fh.close)  # fh lives as long as the store reading it
                arr, how, kept = zarr.open(store, mode="r"), "zarr", tf
        finally:
            if kept is None:
                tf.close()
    finally:
        if kept is None:
            fh.close()
    data, order, refusal = _tiff_reading(path, layout, arr)
    if refusal:
        raise CubeReadError(path, refusal)
    return _cube(data, path, "tiff", None, {"tiff_layout": layout, "tiff_access": how, **order})


def _data_cut(series, size: int) -> str | None:
    """Why a TIFF whose page chain is whole is cut short within its image data (its first or
    last page's strips run past the end of the file), or None: asked before what it holds, as
    napari's claim asks it (tiff_is_cube), since napari's reader fails on such a picture too
    ('failed to read 240000 bytes, got 119872'). Cut within a strip, a samples
    TIFF had read 'reading row 0 failed (TiffFileError: corrupted strip cannot be reshaped
    ...)', a zlib one 'incomplete or truncated stream', at the first read. A page of another
    file is left out: a multi-file OME-TIFF's last page lies in another, whose offsets had been
    taken for this one's ('truncated'). Or why those pages' strips hold less than their header
    declares (_strips_short)."""
    with quiet_tifffile():  # the last page read: a damaged tag of it had been logged on stderr
        pages = list(series.pages[:1]) + list(series.pages[-1:])
    ends = [
        int(o) + int(n)
        for page in pages
        if page is not None and page.parent is series.parent
        for o, n in zip(page.dataoffsets, page.databytecounts)
        if n
    ]
    end = max(ends, default=0)
    if end > size:
        extent = f"its image data runs to byte {end}, the file holds {size}"
        return truncated_hint(end - size, "the TIFF", extent)
    return next(filter(None, map(_strips_short, pages)), None)


def _strips_short(page) -> str | None:
    """Why an uncompressed page's strips hold fewer bytes than its tags' image (width x height x
    samples) needs, or None: a header damaged in place (ImageWidth or ImageLength patched to
    65535) had read as 'a photograph' or 'a 2-D image (6, 65535)', napari's reader failing on
    it. Compressed or tiled pages, and samples of under 8 bits, are not sized here."""
    key = None if page is None else page.keyframe  # a TiffFrame's tags are its keyframe's
    bits = None if key is None else key.bitspersample  # a tuple where the samples' differ
    if key is None or key.compression != 1 or key.is_tiled or not isinstance(bits, int) or bits % 8:
        return None
    need, held = int(key.size) * key.bitspersample // 8, sum(int(n) for n in page.databytecounts)
    if held >= need:
        return None
    shape = " x ".join(map(str, key.shape))
    return (
        f"its header is damaged: page {page.index + 1} declares a {shape} image of "
        f"{key.bitspersample}-bit samples ({need:,} bytes), but its strips hold {held:,} bytes"
    )


def _tiff_decoded(series, declared: int, path: Path, layout: str):
    """(array, how) of a compressed or tiled TIFF series decoded once, page by page (tifffile):
    into memory ("decoded") where it fits NPZ_MEMORY_SHARE of what the process may still
    allocate, as an .npz member is, else into a temporary file mapped read-only ("unpacked",
    `_unpacked_file`); (None, None) for an uncompressed one (cut short: its reading says so) or
    where neither has room. Through tifffile's zarr store, one page a chunk, every read decoded
    each page it crossed anew: the opening sample read every page once per sampled row (a
    3,000-page zlib TIFF of 8 x 8 pixels took 7-26 s to open), and one pixel's spectrum every
    page (a 200 x 250 x 4096 zlib stack: 40-70 s to open, 5-6 s a pixel)."""
    key = series.keyframe
    if not isinstance(key.compression, int):  # had read "could not be read as tiff (TypeError:
        # int() argument must be ... not 'tuple')": a Compression tag of several values
        raise CubeReadError(
            path,
            _header_damaged(
                f"page {key.index + 1} gives {len(key.compression)} compression schemes"
                f" {tuple(int(c) for c in key.compression)}, where a page has one"
            ),
        )
    if int(key.compression) == 1 and not key.is_tiled:
        return None, None
    shape, dtype = tuple(int(n) for n in series.shape), np.dtype(series.dtype)
    out, how = None, "decoded"
    memory = available_memory()
    if declared > NPZ_MEMORY_SHARE * memory:
        out, how = _unpacked_file(shape, dtype, declared, path, memory), "unpacked"
        if out is None:
            return None, None
    try:
        with quiet_tifffile():  # a damaged page's tag logged on stderr: said below instead
            arr = series.asarray(out=out, buffersize=None if out is None else UNPACK_BUFFER)
    except MemoryError:
        raise
    except Exception as exc:  # a damaged page, or a codec this installation lacks
        from ..errors import read_error

        damaged = _unlocated_page(series)
        if damaged:
            raise CubeReadError(path, damaged) from exc

        rows = int(series.shape[1 if layout == "channel-first" else 0])
        raise read_error(exc, series, (slice(0, rows),), path) from exc
    if out is not None:
        arr = out.reshape(shape)
        arr.flags.writeable = False  # as every reader's map: a pass releases its pages
    return arr, how


def _unlocated_page(series) -> str | None:
    """Why a page of a compressed or tiled TIFF that failed to decode cannot be found in the
    file (its strip or tile offsets and byte counts differ in number: a damaged tag), or None.
    It had read "reading rows 0-7 failed (IndexError: tuple index out of range)" after
    tifffile's log line "<tifffile.TiffFrame 16 @3944> <TiffTag.fromfile> raised ...". Asked
    only once decoding failed. A page tifffile holds as None (in another file of a multi-file
    OME-TIFF) is passed over, as _data_cut does: it had raised AttributeError."""
    with quiet_tifffile():
        for page in filter(None, series.pages):
            offsets, counts = len(page.dataoffsets), len(page.databytecounts)
            if offsets != counts or not offsets:
                return _header_damaged(
                    f"page {page.index + 1} gives {offsets} strip or tile offsets but {counts}"
                    " byte counts, so its image data cannot be found"
                )
    return None


#: Compressed bytes tifffile reads at a time decoding into a temporary file (its default, 256 MiB,
#: held a samples TIFF's 63 MB of strips and their decoded rows at once: 130 MiB allocated).
UNPACK_BUFFER = 16 * 2**20
#: Bytes a stack decoded to a temporary file leaves free on that disk, for whatever else writes
#: there (the user's saves, other programs' temporaries).
UNPACK_DISK_MARGIN = 512 * 2**20


def _unpacked_file(shape: tuple, dtype: np.dtype, declared: int, path: Path, memory: int):
    """A writable map of `declared` bytes in a new temporary file, in the temporary folder (unless
    it is held in memory, a tmpfs) or else the user's cache folder, whichever first has room
    beyond UNPACK_DISK_MARGIN, its space reserved before any page is written (a map written past
    a full disk kills the process, SIGBUS); None with a warning naming the file, each folder
    tried and why it was passed over, where neither has (`memory`: what the process may still
    allocate, said too). Never beside the TIFF. A cache folder made for a file that could not be
    written there is removed again (fileutil.made_folder): a disk too full had been left with
    an empty ~/.cache/xrf-napari/decoded. The file has no name once mapped (POSIX: unlinked;
    Windows: deleted when its last handle closes, O_TEMPORARY): its space comes back when the
    cube's map is collected, and nothing is left after a crash or a kill."""
    import tempfile

    from ..fileutil import cache_dir, existing_above, free_if_short, made_folder, size_text

    folders = [Path(tempfile.gettempdir()), cache_dir("decoded")]
    passed = []
    for folder in folders:
        if folder == folders[0] and _ram_backed(folder):  # had been passed over unsaid
            passed.append(f"{folder} is held in memory (a tmpfs), where it would take memory too")
            continue
        try:
            free = free_if_short(existing_above(folder), declared, UNPACK_DISK_MARGIN)
            if free is not None:
                passed.append(f"{folder} has {size_text(free)} free")
                continue
            with (
                made_folder(folder),
                tempfile.NamedTemporaryFile(
                    dir=folder, prefix="xrf-napari-decoded-", suffix=".raw"
                ) as fh,
            ):
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(fh.fileno(), 0, max(declared, 1))
                return np.memmap(fh, dtype, "w+", shape=shape)
        except OSError as exc:  # no room after all (ENOSPC), unwritable, or no address space
            # made_folder's error names the folder already (fileutil.os_error: no strerror): it
            # had been named twice, 'F: cannot create the folder F: Permission denied'
            passed.append(str(exc) if exc.strerror is None else f"{folder}: {exc.strerror}")
    warn_outside(
        f"{path}: its compressed TIFF stack, {size_text(declared)} decoded, fits neither "
        f"in memory (more than {NPZ_MEMORY_SHARE:.0%} of the {size_text(memory)} this process "
        "may still allocate) nor in a temporary file, which needs its size plus a margin of "
        f"{UNPACK_DISK_MARGIN // 2**20} MiB free: " + "; ".join(passed) + ". It is read "
        "through tifffile's zarr store instead, which decodes every page for each pixel's "
        "spectrum (seconds a pixel): free disk space, or set TMPDIR to a folder on a disk with "
        "room, and open it again, or save it uncompressed"
    )
    return None


def _ram_backed(folder: Path) -> bool:
    """Whether `folder` lies on a filesystem held in memory (tmpfs, ramfs: /tmp on several Linux
    distributions), where a stack too large for memory would take memory all the same."""
    try:
        with open("/proc/self/mounts", encoding="utf-8") as fh:
            mounts = [line.split()[1:3] for line in fh if len(line.split()) > 2]
    except OSError:
        return False  # not Linux: its temporary folder is taken to be on disk
    real = os.path.realpath(folder)
    under = [m for m in mounts if real == m[0] or real.startswith(m[0].rstrip("/") + "/")]
    return bool(under) and max(under, key=lambda m: len(m[0]))[1] in ("tmpfs", "ramfs")


def _tiff_array(tf, series, fh):
    """The first series memory-mapped from the open file, as tifffile.memmap maps it (its data
    offset, the file's byte order), or None when it cannot be (compressed, tiled, or cut short:
    tifffile.memmap's ValueError)."""
    if series.dtype is None:
        return None
    try:
        dtype = np.dtype(tf.byteorder + np.dtype(series.dtype).char)
        if series.dataoffset is None:
            return _pages_mapped(series, dtype, fh)
        return guard_map(
            np.memmap(fh, dtype, "r", series.dataoffset, tuple(series.shape), "C"), fh.name
        )
    except (ValueError, TypeError, OSError):
        return None


def _pages_mapped(series, dtype, fh):
    """A page stack whose pages are each stored whole and uncompressed, a fixed step apart (each
    page's directory between its data and the next page's, as writers that save page by page
    lay them out), memory-mapped as one strided array; None for any other. Such a stack went
    through tifffile's zarr store, which reads one page per chunk at about 1 ms apiece: a
    3,000-page TIFF of 8 x 8 pixels took 27 s to open (the opening sample read every page of
    each of its 8 rows) and every slider step or pass read every page again."""
    pages, shape = list(series.pages), tuple(int(n) for n in series.shape)
    key = series.keyframe
    if len(pages) < 2 or any(p is None for p in pages) or not key.is_final:
        return None
    if shape != (len(pages), *(int(n) for n in key.shape)):
        return None
    offsets = []
    for page in pages:
        starts, counts = page.dataoffsets, page.databytecounts
        if not starts or sum(counts) != key.nbytes:
            return None
        if any(starts[i] + counts[i] != starts[i + 1] for i in range(len(starts) - 1)):
            return None
        offsets.append(int(starts[0]))
    steps = np.diff(offsets)
    step = int(steps[0])
    if step < key.nbytes or (steps != step).any():
        return None
    item = dtype.itemsize
    span = -(-(step * (len(pages) - 1) + key.nbytes) // item)
    mm = np.memmap(fh, dtype, "r", offsets[0], (span,))
    strides = (step, *(int(n) * item for n in np.cumprod(shape[:0:-1])[-2::-1]), item)
    return guard_map(np.lib.stride_tricks.as_strided(mm, shape, strides, subok=True), fh.name)


# -- zarr -----------------------------------------------------------------------------------
#: What zarr's own metadata parser raises on opening a store or walking its members: a shape of
#: floats ('Expected an iterable of integers'), a missing key, a sharding codec's inner chunk of
#: length 0 (ZeroDivisionError); `_metadata_error` names the document, where they had read
#: 'unreadable zarr store (TypeError: ...)', a bug's words; a fill value or a length past 64
#: bits (OverflowError; AttributeError "'int' object has no attribute 'item'") had read
#: "could not be read as zarr (...)".
ZARR_METADATA_ERRORS = (
    TypeError, KeyError, ValueError, ZeroDivisionError, OverflowError, AttributeError
)  # fmt: skip


def _zarr_task_noise(record) -> bool:
    """A filter of the "asyncio" logger (False: dropped) that drops asyncio's reports on zarr's
    own tasks: "Task exception was never retrieved" (zarr gathers a group's members, or a row's
    chunks, at once; where two of a damaged .datastack fail, the gather raises the first, which
    we word, and asyncio printed the second's traceback on stderr when it was freed) and "Task
    was destroyed but it is pending!" (the siblings left running, at exit), whose task's
    coroutine is defined in zarr's package folder. Other asyncio reports pass, also those of a
    task of the user's or another plugin's that merely names a folder called zarr (its data's
    path)."""
    text = record.getMessage()
    noise = ("Task exception was never retrieved", "Task was destroyed but it is pending")
    zarr = sys.modules.get("zarr")
    if not text.startswith(noise) or zarr is None:
        return True
    return not re.search(
        rf"(defined|running) at {re.escape(os.path.dirname(zarr.__file__))}[/\\]", text
    )


def _quiet_zarr_tasks() -> None:
    """Install _zarr_task_noise on the "asyncio" logger, once per process."""
    import logging

    log = logging.getLogger("asyncio")
    if _zarr_task_noise not in log.filters:
        log.addFilter(_zarr_task_noise)


def _open_zarr(path: Path):
    import zipfile

    import zarr

    _quiet_zarr_tasks()
    # a file is a zip store (ZipStore: .datastack, .zip): an HDF5 scan named .zarr read
    # "unreadable zarr store (BadZipFile: File is not a zip file)"
    zipped = path.is_file()
    plain = "it does not start with a zip archive's PK signature"
    if zipped and (why := misnamed(path, "zip", "a zipped zarr store", plain)):
        raise CubeReadError(path, why)
    try:
        if zipped:
            store = zarr.storage.ZipStore(path, mode="r")
            return zarr.open(store=store, mode="r")
        return zarr.open(store=str(path), mode="r")
    except Exception as exc:
        # zipfile's NotImplementedError on opening is a directory entry's "version needed
        # to extract" past any zip's ("zip file version 7.3"): it had read "unreadable zarr
        # store (NotImplementedError: ...)"
        if zipped and isinstance(exc, (zipfile.BadZipFile, NotImplementedError)):
            raise CubeReadError(path, zip_damaged(exc)) from exc
        # a ValueError, asked first: a store whose top holds no metadata document at all
        if type(exc).__name__ in _ZARR_NOTHING_THERE and (why := _no_zarr_node(path)):
            raise CubeReadError(path, why) from exc
        if isinstance(exc, ZARR_METADATA_ERRORS):
            raise _metadata_error(path, exc) from exc
        raise CubeReadError(path, f"unreadable zarr store ({type(exc).__name__}: {exc})") from exc


#: zarr's refusals of a store holding no group or array at its top (zarr 3's, zarr 2's), which
#: read "unreadable zarr store (GroupNotFoundError: No group found in store StorePath(...))".
_ZARR_NOTHING_THERE = ("GroupNotFoundError", "NodeNotFoundError", "PathNotFoundError")


def _no_zarr_node(path: Path) -> str | None:
    """What is wrong with a store zarr found no group or array in, in words, where its top holds
    none of a group's or an array's metadata documents; None where it holds one (zarr refused
    it: _metadata_error says why)."""
    import zipfile

    meta = ("zarr.json", ".zgroup", ".zarray")
    said = "zarr.json, .zgroup or .zarray"
    try:
        if path.is_file():
            with zipfile.ZipFile(path) as z:
                names = {n.strip("/") for n in z.namelist()}
            if names.isdisjoint(meta):
                return f"a zip archive holding no zarr store (no {said} at its top)"
            return None
        if any((path / m).exists() for m in meta):
            return None
        empty = not any(path.iterdir())
    except (OSError, zipfile.BadZipFile):
        return None
    if empty:
        return f"an empty folder, not a zarr store (it holds no {said}): an unfinished copy?"
    return (
        f"not a zarr store: its folder holds no {said} at its top (an unfinished copy, or "
        "the folder above the store?)"
    )


def _metadata_error(path: Path, exc: BaseException) -> CubeReadError:
    """The CubeReadError for zarr failing on a store's metadata: the document and what is wrong
    in it where `zarr_metadata_fault` can tell (the key missing, the key holding the wrong type,
    and the member's file: a group's broken member had read 'could not be read as zarr
    (TypeError: ...)', or 'no 3-D numeric array (arrays: none)' when zarr skipped it); else
    zarr's words without the Python exception's name."""
    fault = zarr_metadata_fault(path)
    if fault:
        return CubeReadError(path, f"unreadable zarr store: its metadata {fault}")
    what = f"lacks the key {exc}" if isinstance(exc, KeyError) else f"is invalid: {exc}"
    if isinstance(exc, (TypeError, KeyError)):
        return CubeReadError(
            path, f"unreadable zarr store: its metadata (zarr.json, .zarray or .zgroup) {what}"
        )
    return CubeReadError(
        path,
        f"unreadable zarr store: zarr cannot read its metadata (zarr said: {str(exc)[:160]}): "
        "the store is damaged, or written by a zarr version this one does not read",
    )


#: zarr metadata documents and the most of them (and bytes each) zarr_metadata_fault reads.
ZARR_META_NAMES = (".zgroup", ".zarray", ".zattrs", "zarr.json")
ZARR_META_MAX_DOCS = 2000
ZARR_META_MAX_BYTES = 2**20
#: Keys a zarr v3 array document may hold (the spec's; zarr refuses others).
ZARR3_ARRAY_KEYS = (
    "zarr_format", "node_type", "shape", "data_type", "chunk_grid", "chunk_key_encoding",
    "fill_value", "codecs", "attributes", "dimension_names", "storage_transformers",
)  # fmt: skip


def zarr_metadata_fault(path) -> str | None:
    """What is wrong with the first broken metadata document of a zarr store ('counts/.zarray
    lacks the key 'shape'', 'zarr.json is invalid: 'shape' is [1e12, 8, 10], not a list of
    whole numbers'), or None when none of the checks here finds a fault. Only asked once zarr
    has failed (a bounded walk of the store's folders, array folders not entered), so what it
    misses keeps zarr's own words."""
    import json

    for rel, raw in _zarr_meta_docs(Path(path)):
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            return f"{rel} is not valid JSON ({exc})"
        if not isinstance(doc, dict):
            return f"{rel} is invalid: it holds a JSON {_json_type(doc)}, not an object"
        if rel.endswith(".zattrs"):
            continue
        problem = (_zarr3_problem if rel.endswith("zarr.json") else _zarr2_problem)(rel, doc)
        if problem or (problem := _zarr_refuses(rel, doc)):
            return f"{rel} {problem}"
    return None


def _zarr_refuses(rel: str, doc: dict) -> str | None:
    """zarr's own refusal of an array document the checks above pass (a codec's setting out of
    range, "Value must be less than or equal to 22"; a data type it does not know; a fill value
    past the type's range, "OverflowError: Python int too large to convert to C long"), said as
    the document being damaged or of a kind zarr does not read, not in the library's words
    alone; None where zarr reads it."""
    if rel.rsplit("/", 1)[-1] not in ("zarr.json", ".zarray") or doc.get("node_type") == "group":
        return None
    try:
        from zarr.core.metadata import ArrayV2Metadata, ArrayV3Metadata
    except ImportError:  # zarr 2 (pyproject allows >= 2.16): its own words stay
        return None
    try:
        (ArrayV3Metadata if rel.endswith("zarr.json") else ArrayV2Metadata).from_dict(doc)
    except Exception as exc:  # noqa: BLE001 - any refusal of zarr's is the document's
        return (
            "is damaged, or uses a setting this zarr version does not read (zarr said: "
            f"{str(exc)[:160] or type(exc).__name__}); copy the store again from its source"
        )
    return None


def _zarr_meta_docs(root: Path):
    """(path relative to the store, bytes) of its metadata documents, the root's first; a
    folder holding an array's document is not entered (its chunks)."""
    import zipfile

    if root.is_file():
        try:
            with zipfile.ZipFile(root) as zf:
                infos = [
                    i
                    for i in zf.infolist()
                    if i.filename.rsplit("/", 1)[-1] in ZARR_META_NAMES
                    and i.file_size <= ZARR_META_MAX_BYTES
                ]
                infos.sort(key=lambda i: (i.filename.count("/"), i.filename))
                for i in infos[:ZARR_META_MAX_DOCS]:
                    yield i.filename, zf.read(i)
        except (OSError, zipfile.BadZipFile):
            return
        return
    queue, seen = [root], 0
    while queue and seen < ZARR_META_MAX_DOCS:
        folder = queue.pop(0)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        is_array = ".zarray" in names
        for name in ZARR_META_NAMES:
            if name not in names:
                continue
            seen += 1
            try:
                with open(folder / name, "rb") as fh:
                    raw = fh.read(ZARR_META_MAX_BYTES)
            except OSError:
                continue
            is_array = is_array or (name == "zarr.json" and b'"array"' in raw)
            yield (folder / name).relative_to(root).as_posix(), raw
        if not is_array:
            queue.extend(
                folder / n for n in names if n not in ZARR_META_NAMES and (folder / n).is_dir()
            )


def _json_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "list", str: "string", type(None): "null"}.get(
        type(value), "number"
    )


def _shown(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _whole_numbers(doc: dict, key: str) -> str | None:
    """Why doc[key] is not a list of whole numbers >= 0, or None."""
    value = doc[key]
    if not isinstance(value, list):
        return f"is invalid: {key!r} is a JSON {_json_type(value)} ({_shown(value)}), not a list"
    bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int) or v < 0]
    if bad:
        return (
            f"is invalid: {key!r} is {_shown(value)}, not a list of whole numbers "
            f"({_shown(bad[0])} is a JSON {_json_type(bad[0])})"
        )
    if huge := [v for v in value if v > np.iinfo(np.int64).max]:  # zarr failed on them in
        # its own words ("'int' object has no attribute 'item'", "Maximum allowed dimension")
        return (
            f"is invalid: {key!r} is {_shown(value)}, past the largest length an array can have "
            f"(2**63 - 1; {_shown(huge[0])})"
        )
    return None


def _missing(doc: dict, keys) -> str | None:
    gone = [k for k in keys if k not in doc]
    return f"lacks the key {gone[0]!r}" if gone else None


def _fill_problem(doc: dict, dtype) -> str | None:
    """A numeric array's fill_value that is no number (zarr: 'Invalid type: abc. Expected an
    integer.'), or a fraction for an integer type; zarr reads true, 0.0 and 1e3 for a uint16."""
    fill = doc.get("fill_value")
    if fill is None or not isinstance(dtype, str):
        return None
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        return None
    if kind not in "uif":
        return None
    special = kind == "f" and (
        fill in ("NaN", "Infinity", "-Infinity") or str(fill).startswith("0x")
    )
    if not (isinstance(fill, (int, float)) or special):
        return (
            f"is invalid: 'fill_value' is {_shown(fill)}, a JSON {_json_type(fill)}, not a "
            f"number for the data type {dtype!r}"
        )
    if kind in "ui" and isinstance(fill, float) and not fill.is_integer():
        return f"is invalid: 'fill_value' is {fill!r}, not a whole number for {dtype!r}"
    return None


def _zarr2_problem(rel: str, doc: dict) -> str | None:
    if doc.get("zarr_format", 2) != 2 and "zarr_format" in doc:
        return f"is invalid: 'zarr_format' is {_shown(doc['zarr_format'])} in a zarr v2 file"
    if rel.endswith(".zgroup"):
        return _missing(doc, ("zarr_format",))
    problem = _missing(doc, ("zarr_format", "shape", "chunks", "dtype"))
    if problem:
        return problem
    problem = _whole_numbers(doc, "shape") or _whole_numbers(doc, "chunks")
    if problem:
        return problem
    if len(doc["chunks"]) != len(doc["shape"]):
        return (
            f"is invalid: 'chunks' {doc['chunks']} has {len(doc['chunks'])} lengths for "
            f"'shape' {doc['shape']} of {len(doc['shape'])} axes"
        )
    if not isinstance(doc["dtype"], (str, list)):
        dt = doc["dtype"]
        return f"is invalid: 'dtype' is a JSON {_json_type(dt)} ({_shown(dt)}), not a string"
    if "order" in doc and doc["order"] not in ("C", "F"):
        return f"is invalid: 'order' is {_shown(doc['order'])}, not 'C' or 'F'"
    for key in ("compressor", "filters"):
        value = doc.get(key)
        ok = value is None or (
            isinstance(value, dict) if key == "compressor" else isinstance(value, list)
        )
        if not ok:
            want = "an object with an 'id'" if key == "compressor" else "a list"
            return (
                f"is invalid: {key!r} is a JSON {_json_type(value)} ({_shown(value)}), "
                f"not null or {want}"
            )
    return _fill_problem(doc, doc["dtype"])


def _zarr3_problem(rel: str, doc: dict) -> str | None:
    problem = _missing(doc, ("zarr_format", "node_type"))
    if problem:
        return problem
    if doc["zarr_format"] != 3:
        return f"is invalid: 'zarr_format' is {_shown(doc['zarr_format'])} in a zarr.json (3)"
    if doc["node_type"] not in ("array", "group"):
        return f"is invalid: 'node_type' is {_shown(doc['node_type'])}, not 'array' or 'group'"
    if doc["node_type"] == "group":
        return None
    keys = ("shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs")
    problem = _missing(doc, keys) or _whole_numbers(doc, "shape")
    if problem:
        return problem
    dt, grid = doc["data_type"], doc["chunk_grid"]
    if not isinstance(dt, (str, dict)):
        return f"is invalid: 'data_type' is a JSON {_json_type(dt)} ({_shown(dt)}), not a string"
    if not isinstance(grid, dict):
        return (
            f"is invalid: 'chunk_grid' is a JSON {_json_type(grid)} ({_shown(grid)}), not an object"
        )
    conf = grid.get("configuration")
    if isinstance(conf, dict) and "chunk_shape" in conf:
        problem = _whole_numbers(conf, "chunk_shape")
        if problem:
            return problem.replace("'chunk_shape'", "'chunk_grid' 'chunk_shape'")
        if len(conf["chunk_shape"]) != len(doc["shape"]):
            return (
                f"is invalid: 'chunk_shape' {conf['chunk_shape']} has "
                f"{len(conf['chunk_shape'])} lengths for 'shape' {doc['shape']}"
            )
    codecs = doc["codecs"]
    if not isinstance(codecs, list) or not codecs:
        return f"is invalid: 'codecs' is {_shown(codecs)}, not a list of codecs"
    problem = _inner_chunk_problem(codecs)
    if problem:
        return problem
    extra = [k for k in doc if k not in ZARR3_ARRAY_KEYS]
    extra = [
        k
        for k in extra
        if not (isinstance(doc[k], dict) and doc[k].get("must_understand") is False)
    ]
    if extra:
        return (
            f"is invalid: it holds the key {extra[0]!r}, which a zarr v3 array's metadata may "
            "not hold (a zarr v2 key?)"
        )
    return _fill_problem(doc, dt)


def _inner_chunk_problem(codecs: list) -> str | None:
    """Why a sharding codec's inner `chunk_shape` cannot be one (a length 0, a fraction), or None:
    zarr divides each shard by it on opening, and [2, 2, 0] refused the store as 'could not be
    read as zarr (ZeroDivisionError: integer modulo by zero)', naming nothing in it."""
    for codec in codecs:
        conf = codec.get("configuration") if isinstance(codec, dict) else None
        if not isinstance(conf, dict) or codec.get("name") != "sharding_indexed":
            continue
        if "chunk_shape" not in conf:
            continue
        problem = _whole_numbers(conf, "chunk_shape")
        if problem is None and 0 in conf["chunk_shape"]:
            problem = f"is invalid: 'chunk_shape' is {_shown(conf['chunk_shape'])}, a length 0"
        if problem:
            return problem.replace("'chunk_shape'", "the sharding codec's 'chunk_shape'")
    return None


def is_zarr(path) -> bool:
    path = Path(path)
    if path.is_dir():
        return any((path / m).exists() for m in (".zgroup", ".zarray", "zarr.json"))
    return path.suffix.lower() in (".datastack",) and path.is_file()


def read_zarr(path, **options) -> Cube:
    import zipfile

    import zarr

    path = Path(path)
    node = _open_zarr(path)
    want = options.get("dataset")
    meta: dict = {}
    energies = None
    channel_first = None  # nothing in the store says (a root array: `zarr.save(path, cube)`)
    if isinstance(node, zarr.Array):
        arr, name = node, ""
        _lengths_fit([arr], path)
    else:
        arrays, skipped_fault = _arrays_of(node, path)
        arrays.update(_ome_images(node, arrays))
        if want:
            if want.strip("/") not in arrays:
                raise CubeReadError(
                    path, f"no array '{want}' in the zarr store (has {sorted(arrays)})"
                )
            name = want.strip("/")
        elif "maxrf_cube" in arrays:  # maxrf4u datastack
            name = "maxrf_cube"
            meta["format_flavour"] = "maxrf4u"
        else:
            cubes = _zarr_cubes(arrays)
            if not cubes:
                raise CubeReadError(
                    path,
                    f"unreadable zarr store: its metadata {skipped_fault}"
                    if skipped_fault  # the cube may be the array zarr skipped as no array at all
                    else "no 3-D numeric array in the zarr store "
                    f"(arrays: {', '.join(f'{n}{a.shape}' for n, a in arrays.items()) or 'none'})",
                )
            # the largest, of equally large ones the first by its whole name: the walk lists a
            # group's members by name, so a cube in group "a" ("a/z") came before "a-b" and was
            # read, said to be "the first by name"
            name = min(cubes, key=lambda n: (-cubes[n].size, n))
            others = sorted(
                (n for n in cubes if n != name and not _ome_level(node, n)),
                key=lambda n: (-cubes[n].size, n),
            )
            if others:  # as .npz and HDF5 say it: the largest had been read without a word
                said = [(n, cubes[n].shape) for n in others]
                read = (name, cubes[name].shape)
                warn_outside(chosen_cube(path, "array", read, said, "the first by name"))
        arr = arrays[name]
        require_3d(arrays[name].shape, path, f"zarr array '{name}'")
        e = next(
            (
                a
                for a in map(arrays.get, ("maxrf_energies", "energy", "energies"))
                if a is not None and len(a.shape) in (1, 2) and np.dtype(a.dtype).kind in "uif"
            ),
            None,
        )
        if e is not None:
            _require_chunks(e, path, e.path or "energy")
        ome = isinstance(arr, _OmeImage)  # its spectral axis is the one before y, x
        channel_first = True if ome else _channel_first(node, name, arr.shape, e)
        n = int(arr.shape[0 if channel_first else 2])
        if e is not None:
            # not the rest, but one past n: n + 1 values are the channels' edges (their
            # midpoints the centres), read as the first n centres half a channel off
            try:
                energies = np.asarray(e[: n + 2] if len(e.shape) == 1 else e[:1, : n + 2])
            except Exception as exc:  # a damaged chunk had read "could not be read as zarr
                # (RuntimeError: Zstd decompression error: invalid input data)"
                if isinstance(exc, zipfile.BadZipFile):  # a .datastack's energy chunk
                    raise CubeReadError(path, zip_damaged(exc)) from exc
                why = (
                    decompression_damage(
                        "a compressed chunk of it", exc, "copy the store again from its source"
                    )
                    if decompression_failed(exc)
                    else explain_read_error(exc)
                )
                if why is None:
                    raise
                raise CubeReadError(
                    path,
                    f"zarr array '{e.path or 'energy'}' (its energy axis) cannot be read: {why}",
                ) from exc
    require_3d(arr.shape, path, f"zarr array '{name or '/'}'")
    require_numeric(arr.dtype, path, f"zarr array '{name or '/'}'")
    if want and channel_first is None:  # as an HDF5 dataset named: `--dataset rgb` had opened
        from .hdf5 import _picture  # a 40 x 50 RGB picture as 40 x 50 pixels of 3 channels

        if (picture := _picture(arr, False, (0, 1, 2))) is not None:
            raise CubeReadError(path, f"zarr array '{name}' {picture}")
    _require_chunks(arr, path, name or "/")
    declared = int(np.prod(arr.shape, dtype=object)) * np.dtype(arr.dtype).itemsize

    def stored() -> int | None:  # counted only where require_stored judges the size
        try:
            return _stored_bytes(arr, -(-declared // MAX_COMPRESSION_RATIO))
        except Exception:  # a store that cannot tell: bound by the container's size on disk
            return path.stat().st_size if path.is_file() else None

    what = f"zarr array '{name or '/'}'"
    require_stored(declared, stored, path, what, "the store holds", lambda: _unwritten(arr))
    if channel_first is None:  # as a .npy: (H, W, C) unless the sidecar or the shape says
        data, order = channel_order(arr, path)
        meta.update(order)
    else:
        data = ChannelFirstView(arr) if channel_first else arr
    shown = f"zarr array '{name or '/'}'"
    meta["stored_chunks"] = _chunk_count(arr, isinstance(data, ChannelFirstView), path, shown)
    cal = set_aside(
        lambda: calibration_from_mapping(dict(arr.attrs), path),
        f"offset/gain attributes of {shown}",
    )
    if cal is None and energies is not None:
        e = energies if energies.ndim == 1 else energies[0]
        n = data.shape[2]
        cal = set_aside(
            lambda: calibration_from_energy_axis(e, path, n), f"the energy array beside {shown}"
        )
    meta.update({"dataset": name or "/"})
    if channel_first:
        meta["channel_axis"] = "first"
    return _cube(data, path, "zarr", cal, meta)


#: Seconds zarr spends on each chunk it reads, whatever its size (zarr 3.1.6, 2 busy cores:
#: 0.3-0.5 ms; /work/runs50/io50/zarr_tiny.py), and the bytes a full pass reads meanwhile
#: (1.7 GB/s, _reader.ASYNC_SUM_BYTES): what a chunk costs a pass, for `pass_bytes`.
ZARR_CHUNK_S = 3e-4
ZARR_CHUNK_BYTES = 2**19
#: A pass spending longer than this on chunks alone is told at opening (_chunk_count).
ZARR_SLOW_PASS_S = 10.0
#: Bytes per chunk the rewrite _chunk_count advises aims at.
ZARR_ADVISED_CHUNK_BYTES = 4 * 2**20


def pass_bytes(cube) -> int:
    """The bytes a full pass over `cube` costs as much time as: its own, or for a zarr store of
    many small chunks, ZARR_CHUNK_BYTES per chunk. A 1000 x 1000 x 3 cube of 6 MB in (1, 1, 3)
    chunks takes minutes a pass: the napari reader, which sums (and calibrates) a cube of under
    256 MiB on its GUI thread, froze napari that long. Only the zarr reader's count is taken (a
    project file saved from the scan keeps its metadata, but not its chunks)."""
    chunks = cube.metadata.get("stored_chunks")
    if cube.metadata.get("format") != "zarr" or not isinstance(chunks, int):
        return cube.nbytes
    return max(cube.nbytes, chunks * ZARR_CHUNK_BYTES)


#: Chunks the opening sample may read from a zarr store (errors.sample_layout's max_chunks):
#: about 0.15 s at ZARR_CHUNK_S apiece. Whole rows of a 300 x 300 store in (1, 1, C) chunks
#: were 3,600 chunks, read twice (the check, napari's contrast sample): 2-5 s on its GUI thread.
ZARR_SAMPLE_CHUNKS = 512


def sample_chunks(cube) -> int | None:
    """The max_chunks of a cube's opening sample: ZARR_SAMPLE_CHUNKS for a zarr store, whose
    every chunk costs ZARR_CHUNK_S; None (its bytes bound it) for others, whose chunks cost
    little (h5py: 3-12 us a chunk of (1, 1, C))."""
    return ZARR_SAMPLE_CHUNKS if cube.metadata.get("format") == "zarr" else None


def _chunk_count(arr, channel_first: bool, path: Path, shown: str) -> int:
    """The chunks a full pass over a zarr array reads; a warning naming the file, the chunk shape
    and count and a better one when they are so many and small that zarr's cost per chunk makes
    a pass last over ZARR_SLOW_PASS_S (1000 x 1000 pixels in (1, 1, C) chunks: minutes). It
    counts `arr.chunks`, the chunks zarr decodes one by one: a sharded array's inner chunks, each
    as slow as an unsharded one's, not the shards `_require_chunks` checks."""

    shape = tuple(int(n) for n in arr.shape)
    try:
        grid = tuple(int(c) for c in arr.chunks)
    except (AttributeError, TypeError, ValueError, NotImplementedError):  # a grid zarr can't say
        return 1
    count = int(np.prod([-(-n // c) for n, c in zip(shape, grid)], dtype=object))
    item = np.dtype(arr.dtype).itemsize
    chunk_bytes = int(np.prod(grid, dtype=object)) * item
    seconds = count * ZARR_CHUNK_S
    if seconds <= ZARR_SLOW_PASS_S or chunk_bytes >= ZARR_CHUNK_BYTES:
        return count
    h, w, c = (shape[1], shape[2], shape[0]) if channel_first else shape
    cols = min(w, max(1, ZARR_ADVISED_CHUNK_BYTES // (c * item)))
    rows = min(h, max(1, ZARR_ADVISED_CHUNK_BYTES // (cols * c * item)))
    advised = (c, rows, cols) if channel_first else (rows, cols, c)
    when = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
    warn_outside(
        f"{path}: {shown} {shape} is stored in {count:,} chunks of {grid} ({chunk_bytes} bytes "
        f"each): zarr reads each chunk on its own, about {ZARR_CHUNK_S * 1e3:g} ms apiece, so "
        "every full pass over the scan (its sum image and automatic calibration on opening, each "
        f"map) takes about {when}. Rewrite it once in larger chunks, e.g. chunks={advised} "
        "(zarr.create_array with data= the array read whole and chunks=; keep its attributes and "
        "the arrays beside it)",
    )
    return count


def _require_chunks(arr, path: Path, name: str) -> None:
    """A zarr array's chunk grid has no zero-length chunk along a non-empty axis. Such metadata
    (hand-edited or corrupt: `"chunks": [4, 4, 0]` over 100 channels) opened, and the first read
    failed with 'could not be read as zarr (ZeroDivisionError: division by zero)', which says
    nothing of the store. The grid is the stored one (a sharded array's shards, which that
    division is by), not `arr.chunks` (its inner chunks, what `_chunk_count` counts)."""
    try:
        grid = tuple(int(c) for c in arr.metadata.chunk_grid.chunk_shape)
    except (AttributeError, TypeError, ValueError):  # another grid (zarr v3 extensions)
        grid = tuple(int(c) for c in getattr(arr, "chunks", ()) or ())
    shape = tuple(int(s) for s in arr.shape)
    bad = [i for i, (c, s) in enumerate(zip(grid, shape)) if c < 1 and s > 0]
    if bad:
        raise CubeReadError(
            path,
            f"zarr array '{name}' of shape {shape} declares chunks {grid}: a chunk of length "
            f"{grid[bad[0]]} along an axis of {shape[bad[0]]} values cannot hold any of them; "
            "the store's metadata (.zarray or zarr.json) is corrupt",
        )
    _require_chunks_fit(arr, path, name, grid, shape)


def _require_chunks_fit(arr, path: Path, name: str, grid: tuple, shape: tuple) -> None:
    """Refuse a zarr array a read of which needs more at once than this machine's memory
    (memory.memory_total, not what is free now: a busy machine had refused a sound store on one
    opening and not the next): a chunk, decoded whole, or a sharded array's inner chunk and its
    shard's index (16 bytes an inner chunk); a shard itself is read in parts, so one larger
    than free memory (a whole cube's) is sound. Such lengths (hand-edited or corrupt) had failed
    at the first read, "(ValueError: Maximum allowed dimension exceeded); the file may be
    corrupt or truncated"."""
    from ..memory import memory_total

    try:
        inner = tuple(int(c) for c in arr.chunks)
    except (AttributeError, TypeError, ValueError):  # another grid (zarr v3 extensions)
        inner = grid
    if not inner:
        return
    sharded = inner != grid
    size = int(np.prod(inner, dtype=object)) * np.dtype(arr.dtype).itemsize
    index = 16 * int(np.prod([-(-g // max(c, 1)) for g, c in zip(grid, inner)], dtype=object))
    if not sharded or size >= index:
        need, what, whole = size, f"chunks {inner} of {size / 2**30:.3g} GiB each", "a chunk"
    else:
        need, whole = index, "a shard's index"
        what = f"shards {grid} of chunks {inner}, whose index takes {index / 2**30:.3g} GiB"
    if need > (total := memory_total()):
        raise CubeReadError(
            path,
            f"zarr array '{name}' of shape {shape} declares {what}, more than this machine's "
            f"memory ({total / 2**30:.3g} GiB), and {whole} is read whole: the store's metadata "
            "(.zarray or zarr.json) is corrupt, or its chunks too large to read here",
        )


def _ome_axes(group, name: str) -> list[tuple[str, str]] | None:
    """The (name, type) of each axis OME-NGFF (OME-Zarr) metadata gives zarr array `name` (its
    group's `multiscales` listing it), lower case; None where none does."""
    parent, _, leaf = name.rpartition("/")
    for m in _multiscales(group, parent):
        paths = [d.get("path") for d in m.get("datasets") or [] if isinstance(d, dict)]
        axes = m.get("axes") or []
        if leaf in paths and isinstance(axes, list):
            return [
                (str(a.get("name", "")).lower(), str(a.get("type", "")).lower())
                if isinstance(a, dict)
                else (str(a).lower(), "")
                for a in axes
            ]
    return None


def _ome_level(group, name: str) -> bool:
    """Whether zarr array `name` is a lower resolution level of an OME-NGFF image (a dataset
    of its group's `multiscales` after the first): the same image, not another cube to name."""
    parent, _, leaf = name.rpartition("/")
    return any(
        leaf in [d.get("path") for d in m.get("datasets") or [] if isinstance(d, dict)][1:]
        for m in _multiscales(group, parent)
    )


def _multiscales(group, parent: str) -> list[dict]:
    """The OME-NGFF `multiscales` entries of zarr group `parent` of `group` (in its attributes,
    or their "ome" entry), [] where none."""
    try:
        attrs = dict((group[parent] if parent else group).attrs)
    except Exception:  # noqa: BLE001 - metadata only
        attrs = {}
    ome = attrs.get("ome") if isinstance(attrs.get("ome"), dict) else {}
    scales = attrs.get("multiscales") or ome.get("multiscales")
    return [m for m in scales if isinstance(m, dict)] if isinstance(scales, list) else []


#: Most chunks a zarr array may declare for _unwritten to count its written ones: zarr tests
#: each chunk of the grid (0.17 s for 100,000, 5.6 s for a million at a load of 10), and a
#: store declaring (10**6,) * 3 in 64-chunks, 3.8e12 of them, was never refused (the read spun
#: in zarr's thread for good).
UNWRITTEN_COUNT_MAX = 100_000


def _unwritten(arr) -> str | None:
    """Why a zarr array stores too little for its shape where chunks of it were never written
    (zarr reads them as its fill value): such a store had been called "the file", "unallocated,
    truncated or a decompression bomb"; None where it cannot tell, it declares more chunks than
    UNWRITTEN_COUNT_MAX, or all are written."""
    try:
        total = int(arr.nchunks)
        if total > UNWRITTEN_COUNT_MAX:
            return None
        written = int(arr.nchunks_initialized)
    except Exception:  # a store that cannot tell
        return None
    if written >= total:
        return None
    some = f"only {written:,} of its {total:,} chunks {'was' if written == 1 else 'were'}"
    some = some if written else "none of its chunks was"
    return (
        f"{some} ever written (zarr would read {'the other ' if written else 'all '}"
        f"{total - written:,} as {arr.fill_value}): a scan stopped early or a store copied in part"
    )


def _stored_bytes(arr, enough: int) -> int:
    """The bytes the zarr array `arr` stores; in a local directory store counted only until
    `enough` are found, which is all require_stored asks. zarr's nbytes_stored lists every chunk
    through its asynchronous store: a 200 x 200 store in (1, 1, 256) chunks, 40,000 files, spent
    3-7 s of its opening there."""
    try:
        from zarr.storage import LocalStore
    except ImportError:  # zarr 2 (pyproject allows >= 2.16): its nbytes_stored is a property
        LocalStore = ()  # noqa: N806  (isinstance of an empty tuple: never)

    store = getattr(arr, "store", None)
    if not isinstance(store, LocalStore):  # a zip (.datastack), zarr 2: nbytes_stored says
        return int(arr.nbytes_stored() if callable(arr.nbytes_stored) else arr.nbytes_stored)
    total = 0
    for e in tree_entries(os.path.join(store.root, arr.path)):  # as check_tree walked it
        # its chunks: a store of none "held only 658 bytes of it", its zarr.json's
        if not e.is_dir(follow_symlinks=False) and e.name not in ZARR_META_NAMES:
            total += e.stat().st_size
            if total >= enough:
                break
    return total


def _channel_first(group, name: str, shape, energy) -> bool | None:
    """Whether a zarr cube is stored (C, H, W): OME-NGFF (OME-Zarr) orders an image's axes
    [t][c][z]yx, so a 3-D image whose first axis is its channel axis ('c', type 'channel') is; so
    is one beside an energy vector that says so (energy_first). Otherwise (H, W, C), as maxrf4u
    stores it. Both were read as (H, W, C): a 256-channel OME-Zarr cube of 20 x 30 pixels opened
    as 256 x 20 pixels of 30 channels."""
    axes = _ome_axes(group, name)
    if axes is not None and len(axes) == 3:
        return axes[0][1] == "channel" or axes[0][0] == "c"
    # None: neither says, and the shape decides as for a .npy (`channel_order`)
    return None if energy is None else energy_first(shape, int(energy.shape[-1]))


class _OmeImage(LazyArray):
    """The (C, y, x) face of an OME-Zarr image of 4 or 5 axes ([t][c][z]yx) whose axes but one
    before y, x hold one value: bioformats2raw writes every image (t, c, z, y, x), so a stack of
    channels is (1, C, 1, H, W), or (1, 1, Z, H, W) where its pages were taken for z. Such a store
    was refused ('no 3-D numeric array'), where the same image in an OME-TIFF opened."""

    def __init__(self, arr, keep: list[int]):
        self._arr, self._keep = arr, keep
        self.shape = tuple(int(arr.shape[a]) for a in keep)
        self.dtype = np.dtype(arr.dtype)
        self.chunks = tuple(int(arr.chunks[a]) for a in keep)
        self.attrs, self.path, self.store = arr.attrs, arr.path, arr.store
        # the array it reads (errors.stores_under): a damaged chunk had been "a compressed chunk
        # of the scan dataset", not of zarr array '/0', and no chunk file of it was watched
        self.sources = [arr]

    def nbytes_stored(self) -> int:
        return int(self._arr.nbytes_stored())

    def _read(self, slices):
        key: list = [0] * len(self._arr.shape)
        for axis, s in zip(self._keep, slices):
            key[axis] = s
        return np.asarray(self._arr[tuple(key)])


def _ome_images(group, arrays: dict) -> dict:
    """{name: _OmeImage} of the arrays of 4 or 5 axes that OME-NGFF metadata names, ending in y,
    x, whose other axes are one c or z axis and single-valued ones."""
    out = {}
    for name, arr in arrays.items():
        shape = tuple(int(n) for n in arr.shape)
        if len(shape) not in (4, 5) or np.dtype(arr.dtype).kind not in "uif":
            continue
        axes = _ome_axes(group, name)
        if axes is None or len(axes) != len(shape) or [a[0] for a in axes[-2:]] != ["y", "x"]:
            continue
        keep = [i for i, n in enumerate(shape) if n > 1 or i >= len(shape) - 2]
        if len(keep) == 3 and axes[keep[0]][0] in ("c", "z"):
            try:
                out[name] = _OmeImage(arr, keep)
            except (AttributeError, TypeError, ValueError, NotImplementedError):
                continue  # a chunk grid zarr cannot say: left as the array it is
    return out


def _zarr_cubes(arrays: dict) -> dict:
    """The 3-D numeric arrays of `arrays`: the cubes a zarr store may hold."""
    return {
        n: a for n, a in arrays.items() if len(a.shape) == 3 and np.dtype(a.dtype).kind in "uif"
    }


def _arrays_of(group, path: Path) -> tuple[dict, str | None]:
    """{name: array} of a zarr group, every level, and the metadata fault of a member zarr
    skipped (None when it skipped none, or none was found); zarr's failure on a member's
    metadata (raised) is named by `_metadata_error`. A member zarr skips (its metadata lacks a
    key: zarr's 'Object at ... is not recognized as a component of a Zarr hierarchy') is warned
    of in the store's words (the document and its fault), as an energy vector skipped leaves the
    cube without its calibration; with no cube left, read_zarr's refusal names the fault
    instead. The fault is looked for only where zarr skipped a member: a sound store holding no
    cube had been called 'unreadable' for a metadata detail zarr itself accepts."""
    import warnings
    import zipfile

    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            arrays = dict(_walk_arrays(group))
    except ZARR_METADATA_ERRORS as exc:
        raise _metadata_error(path, exc) from exc
    except zipfile.BadZipFile as exc:
        raise CubeReadError(path, zip_damaged(exc)) from exc
    _lengths_fit(arrays.values(), path)
    skipped = [w for w in seen if "not recognized as a component" in str(w.message)]
    for w in seen:
        if w not in skipped:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    fault = zarr_metadata_fault(path) if skipped else None
    if skipped and _zarr_cubes(arrays):
        warn_outside(
            f"{path}: a member of the zarr store was skipped: "
            + (f"its metadata {fault}" if fault else str(skipped[0].message)),
        )
    return arrays, fault


def _lengths_fit(arrays, path: Path) -> None:
    """Refuse, naming the document (_metadata_error), zarr arrays whose shape zarr opened past
    a 64-bit length: their first use had failed "could not be read as zarr (AttributeError:
    'int' object has no attribute 'item')"."""
    top = np.iinfo(np.int64).max
    if any(int(n) > top for a in arrays for n in a.shape):
        raise _metadata_error(path, OverflowError(f"an array's length past {top}"))


def _walk_arrays(group, prefix: str = ""):
    """(name, array) of every array below `group`, by name: zarr 3 lists a group's members in
    the order its concurrent reads finish, so of equally large cubes the one read changed from one
    opening to the next."""
    import zarr

    for name, member in sorted(group.members(), key=lambda m: m[0]):
        full = f"{prefix}{name}"
        if isinstance(member, zarr.Array):
            yield full, member
        else:
            yield from _walk_arrays(member, full + "/")
