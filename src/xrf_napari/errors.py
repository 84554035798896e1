"""One error type for every unreadable input, and the checks that raise it.

Readers never let a cryptic numpy/h5py exception escape: the user sees which file and what is wrong
with it. Content checks read a bounded sample only, so a 50 GB scan is judged in milliseconds.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import numpy as np


class FileWarning(UserWarning):
    """A reader's warning about the file it reads (a calibration set aside, a .raw's trailing
    bytes), said at the call that read it (warn_outside): the napari reader tells it as a
    notification by this class, where it had looked for this package's files in its location."""


def ours_to_tell(category: type, filename: str) -> bool:
    """Whether a warning is this package's to tell in napari: a reader's FileWarning (said at its
    caller's line), or a UserWarning raised in this package's files; not a library's."""
    import os

    return issubclass(category, FileWarning) or (
        issubclass(category, UserWarning)
        and str(filename).startswith(os.path.dirname(__file__) + os.sep)
    )


def warn_outside(message: str) -> None:
    """warnings.warn(message, FileWarning) at the first frame outside this package: the line of
    the script, test or napari code that called read_cube, parse_header or the napari reader,
    however deep in the reader it is said. A fixed stacklevel pointed inside the reader
    (ripple.read's line) from read_cube, the CLI and napari, and one frame above the caller of
    ripple.parse_header; it also broke whenever a helper was added between."""
    import os
    import sys
    import warnings

    top = os.path.dirname(__file__) + os.sep
    if sys.version_info >= (3, 12):
        warnings.warn(message, FileWarning, skip_file_prefixes=(top,))
        return
    level, frame = 2, sys._getframe(1)  # 2: warn_outside's caller
    while frame is not None and frame.f_code.co_filename.startswith(top):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, FileWarning, stacklevel=level)


class CubeReadError(ValueError):
    """A file could not be read as a datacube or spectrum; the message names the file and why."""

    def __init__(self, path, problem: str):
        self.path = Path(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self):  # picklable: it crosses from a decoder's child process
        return type(self), (self.path, self.problem)


class CubeOutOfMemory(CubeReadError):
    """A read that ran out of memory (out_of_memory): named by the file and the size it needed,
    but not the file's fault, so a command ends it as a MemoryError (exit 1, its outputs whole
    or absent), not as bad input (exit 2)."""

    out_of_memory = True  # what cli._dispatch looks for, without importing this module


def require_3d(shape, path, what: str = "array") -> None:
    """A cube is (height, width, channels): anything else is refused with its real shape."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3:
        # what a 1-D or 2-D array is: a 1-D one (a spectrum) was called "an image or a map" too
        is_what = {
            1: "; a 1-D array is an axis or one spectrum (shaped (1, 1, channels) it opens as a "
            "spot), not a cube",
            2: "; a 2-D array is an image or a map, not a cube",
        }
        raise CubeReadError(
            path,
            f"the {what} has shape {shape}: a datacube must be 3-D (height, width, channels)"
            + is_what.get(len(shape), ""),
        )
    if min(shape) < 1:
        raise CubeReadError(path, f"the {what} has an empty axis: shape {shape}")


def shell_word(word: str) -> str:
    """`word` as it must be typed in this system's shell to reach a program as one argument, for
    advice that names a command: POSIX quoting (shlex) where the shell is sh-like, double quotes
    on Windows (subprocess.list2cmdline: the C runtime's rule, which cmd.exe and PowerShell both
    pass on), where shlex's '/scan a' reaches the program as two words, "'/scan" and "a'"."""
    if os.name == "nt":
        import subprocess

        return subprocess.list2cmdline([word])
    import shlex

    return shlex.quote(word)


def chosen_cube(path, noun: str, read: tuple, others: list, tie: str, named: bool = False) -> str:
    """The warning of a reader that chose a cube among several of one file, none named: `read`
    (name, shape) and `noun` ("dataset", "member", "array") what it is, `others` [(name, shape)]
    the rest it could have read, largest first; why `read`: `named` (by its name), else the
    largest, `tie` ("the first", "the last by name") of equally large ones. Only two equally
    large had been said: a smaller cube beside the one read was named neither in napari nor by
    `info`, so nothing told the user to ask for it with --dataset. The tie is judged here only:
    each caller had judged it again for its rule's words. The option's name is quoted for a
    shell where it needs it: "--dataset /scan a", run as printed, was refused ("unrecognized
    arguments: a")."""
    (name, shape), (other, other_shape) = read, others[0]
    equal = np.prod(shape) == np.prod(other_shape)
    rule = "by its name" if named else tie if equal else "the largest"
    listed = ", ".join(f"'{n}' {tuple(s)}" for n, s in others[:6])
    more = f" and {len(others) - 6} more" if len(others) > 6 else ""
    head = (
        f"{noun}s '{name}' and '{other}' are equally large 3-D cubes; '{name}' was read ({rule})"
        if equal
        else f"{noun} '{name}' {tuple(shape)} was read ({rule})"
    )
    sep = "=" if other.startswith("-") else " "  # argparse reads "--dataset -a" as two options
    return (
        f"{path}: {head}; its other 3-D cubes: {listed}{more}: choose one with --dataset"
        f"{sep}{shell_word(other)} (dataset={other!r})"
    )


def require_numeric(dtype, path, what: str = "array") -> np.dtype:
    dt = np.dtype(dtype)
    if dt.kind not in "uif":
        raise CubeReadError(path, f"the {what} has dtype {dt}, not integer or float counts")
    return dt


#: Bytes read by `check_counts_sample`: enough rows to catch a corrupt export and to see the main
#: peaks, bounded for huge files.
SAMPLE_BYTES = 16 * 2**20
#: Bytes of the cube layer's contrast sample: the opening sample's rows at fewer columns, kept
#: from its read (`sample_counts`).
CONTRAST_BYTES = 2 * 2**20
#: Largest count a channel may hold (2**53, where float64 stops counting in ones): no detector
#: comes near it; a corrupt value such as 1e308 would overflow every sum that normalises a spectrum
#: and turn the embedding into NaN far from the file that caused it.
MAX_COUNT = 2.0**53


#: Rows of the opening sample (`check_counts_sample`, and the cube layer's contrast sample).
SAMPLE_ROWS = 12
#: Most column blocks per sampled row when a whole row is over the bound: spread over the width,
#: the sample sees the painting and not only its left edge (often frame or bare ground), while
#: each block stays one contiguous read.
SAMPLE_BLOCKS = 8


def sample_layout(
    data, max_bytes: int = SAMPLE_BYTES, n_rows: int = SAMPLE_ROWS, max_chunks: int | None = None
):
    """(rows, column blocks [(x0, x1), ...]) of the opening sample of `data` (H, W, C): evenly
    spaced rows and, when whole rows pass `max_bytes`, up to SAMPLE_BLOCKS evenly spaced column
    blocks totalling at most max_bytes // (n_rows * pixel bytes) columns. The starts come from
    the SAMPLE_BYTES sample whatever `max_bytes`, so a smaller sample (the cube layer's contrast
    sample) reads inside the blocks `check_counts_sample` read: from the page cache. A store
    chunked along x gets block starts on chunk edges and no more blocks than whole chunks fit
    in the budget, so no more chunks are decompressed than by a prefix of the row.
    max_chunks: the most chunks the sample may read (rows times the chunks of its columns), for
    a store that spends as long on each chunk as zarr does (io.arrays.sample_chunks): whole rows
    of a 300-wide store in (1, 1, C) chunks were 3,600 chunks, seconds on napari's GUI thread."""
    h, w, c = (int(s) for s in data.shape)
    pixel = max(1, c * np.dtype(data.dtype).itemsize)
    rows = [int(y) for y in np.unique(np.linspace(0, h - 1, min(h, n_rows)).astype(int))]
    chunk = _chunk_shape(data)
    cw = chunk[1] if chunk else 0
    most = w
    if max_chunks is not None and chunk:  # each row reads its chunks anew
        most = max(1, max_chunks // (len(rows) * -(-c // chunk[2]))) * cw

    def budget(limit):
        cols = w if pixel * w * n_rows <= limit else max(1, limit // (n_rows * pixel))
        return min(cols, most)

    cols = budget(max_bytes)
    if cols >= w:
        return rows, [(0, w)]
    # the check's blocks (evenly spaced starts from x=0), then this budget spread over them
    checked = _spread(w, budget(max(max_bytes, SAMPLE_BYTES)), cw, None)
    return rows, _spread(w, cols, cw, checked)


def _spread(w: int, cols: int, cw: int, within) -> list[tuple[int, int]]:
    """`cols` columns in evenly spaced blocks: over the whole width (within=None) or inside the
    blocks `within`, never past one. Chunked every `cw` columns: no more blocks than whole
    chunks in `cols`, block widths rounded down to whole chunks, starts on chunk edges."""
    n = min(SAMPLE_BLOCKS if within is None else len(within), cols)
    if cw:
        n = max(1, min(n, cols // cw))
    if within is None:
        if cw:
            n_chunks = -(-w // cw)
            n = min(n, n_chunks)
            starts = [(j * n_chunks // n) * cw for j in range(n)]
        else:
            starts = [j * w // n for j in range(n)]
        within = [(x0, starts[j + 1] if j + 1 < n else w) for j, x0 in enumerate(starts)]
    last = len(within) - 1
    picked = [within[j * last // (n - 1) if n > 1 else 0] for j in range(n)]  # distinct
    base, extra = divmod(cols, n)
    out = []
    for j, (x0, x1) in enumerate(picked):
        width = base // cw * cw if cw and base >= cw else base + (j < extra)
        out.append((x0, min(x0 + width, x1)))
    return out


def _chunk_shape(data) -> tuple[int, int, int] | None:
    """(rows, columns, channels) of a chunk of a chunked store (h5py, zarr; through a
    ChannelFirstView's first source), None when unchunked or unknown."""
    chunks, axes = getattr(data, "chunks", None), (0, 1, 2)
    if chunks is None and getattr(data, "sources", None) and hasattr(data, "axes"):
        chunks, axes = getattr(data.sources[0], "chunks", None), tuple(data.axes)
    try:
        shape = tuple(int(chunks[a]) for a in axes)
    except (TypeError, ValueError, IndexError):
        return None
    return shape if min(shape) > 0 else None


def check_counts_sample(
    data, path, max_bytes: int = SAMPLE_BYTES, n_rows: int = SAMPLE_ROWS, max_chunks=None
):
    """(sum, max-pixel) spectra of a bounded sample of evenly spaced rows (column blocks spread
    over the width when rows are big or, with max_chunks, chunks many: `sample_layout`); raise
    CubeReadError if it holds NaN/inf or negative counts. Unsigned data is read too: a corrupt
    chunk shows here, on opening, rather than halfway through a computation."""
    return sample_counts(data, path, max_bytes, n_rows, max_chunks)[:2]


def sample_counts(
    data,
    path,
    max_bytes: int = SAMPLE_BYTES,
    n_rows: int = SAMPLE_ROWS,
    max_chunks=None,
    keep_bytes: int | None = None,
):
    """`check_counts_sample`'s (sum, max-pixel) spectra and, with keep_bytes, the pixels of the
    smaller sample_layout(data, keep_bytes, n_rows, max_chunks) as (rows, columns, C), else None:
    the cube layer's contrast sample, taken from the blocks read here (its rows and columns lie
    inside them), since a zarr store decodes every chunk of a row anew (up to 512 chunks, 0.2-0.4
    s for a 300 x 300 store in (8, 8, 128) chunks, read twice)."""
    c = int(data.shape[2])
    total = np.zeros(c, dtype=np.float64)
    peak = np.zeros(c, dtype=np.float64)
    rows, blocks = sample_layout(data, max_bytes, n_rows, max_chunks)
    kept = want = None
    if keep_bytes is not None:
        want = sample_layout(data, keep_bytes, n_rows, max_chunks)[1]  # the same rows
        kept = np.empty((len(rows), sum(x1 - x0 for x0, x1 in want), c), dtype=data.dtype)
        todo = {(i, j) for i in range(len(rows)) for j in range(len(want))}
    for y0, y1 in _bands(data, rows, blocks, max_bytes, n_rows, max_chunks):
        for x0, x1 in blocks:
            sample = read_block(data, (slice(y0, y1), slice(x0, x1), slice(None)), path, False)
            check_values(sample, path, _rows_text(slice(y0, y1)), (y0, 0, x0))
            total += sample.sum(axis=(0, 1), dtype=np.float64)
            np.maximum(peak, sample.max(axis=(0, 1)), out=peak)
            if kept is not None:
                _keep(kept, todo, rows, want, sample, y0, y1, x0, x1)
    if kept is not None:  # a sampled row outside its chunk row's band (several in one chunk row)
        for i, j in sorted(todo):
            kx0, kx1 = want[j]
            at = sum(b - a for a, b in want[:j])
            kept[i, at : at + kx1 - kx0] = np.asarray(data[rows[i] : rows[i] + 1, kx0:kx1, :])[0]
    return total, peak, kept


def _keep(kept, todo, rows, want, sample, y0, y1, x0, x1) -> None:
    """Copy into `kept` the pieces of the wanted (row, column block)s that `sample`, the block
    data[y0:y1, x0:x1], holds, crossing them off `todo`."""
    for i, j in list(todo):
        kx0, kx1 = want[j]
        if y0 <= rows[i] < y1 and x0 <= kx0 and kx1 <= x1:
            at = sum(b - a for a, b in want[:j])
            kept[i, at : at + kx1 - kx0] = sample[rows[i] - y0, kx0 - x0 : kx1 - x0]
            todo.discard((i, j))


def _bands(data, rows, blocks, max_bytes, n_rows, max_chunks) -> list[tuple[int, int]]:
    """The row spans the opening check reads: its rows one by one, or, where max_chunks took
    columns away from a store chunked over several rows, each row with the other rows of its
    chunks (up to max_bytes in all; rows of one chunk row share one band, as long as their
    shares together), which those chunks decode anyway: a (8, 8, 128) zarr store
    gave the check 480 of the 3,072 pixels it read uncapped, and kept a calibration 12 % off on
    a low-count scan that the full sample's peaks refuse."""
    spans = [(y, y + 1) for y in rows]
    chunk = _chunk_shape(data)
    if max_chunks is None or chunk is None or chunk[0] < 2:
        return spans
    if sample_layout(data, max_bytes, n_rows)[1] == blocks:  # the cap took nothing away
        return spans
    h, cy = int(data.shape[0]), chunk[0]
    cols = sum(x1 - x0 for x0, x1 in blocks)
    pixel = max(1, int(data.shape[2]) * np.dtype(data.dtype).itemsize)
    k = max(1, min(cy, max_bytes // (len(rows) * cols * pixel)))
    groups: dict[int, list[int]] = {}  # the sampled rows of each chunk row: one band, their rows
    for y in rows:
        groups.setdefault(y // cy * cy, []).append(y)
    out = []
    for top, ys in groups.items():
        end = min(top + cy, h)
        n = min(end - top, k * len(ys))
        start = min(ys[0], end - n)  # from the first sampled row, inside the chunk row
        out.append((start, start + n))
    return out


def _first_bad(bad: np.ndarray, origin: tuple[int, ...]) -> str:
    """'; first at y=.., x=.., channel ..' for the first True of `bad`, a (rows, x, channels)
    block whose first row and channel (and column, a third item) are `origin`: a block is many
    rows, the user needs the pixel. Only computed on the error path."""
    if bad.ndim == 2:  # one row read as data[y]
        bad = bad[None]
    if bad.ndim != 3:
        return ""
    x0 = origin[2] if len(origin) > 2 else 0
    y, x, k = (int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
    return f"; first at y={origin[0] + y}, x={x0 + x}, channel {origin[1] + k}"


def check_values(block, path, where: str, origin: tuple[int, ...] = (0, 0)) -> None:
    """Raise CubeReadError naming `where` and the first offending pixel if a (rows, x, channels)
    block of counts, whose first row and channel are `origin` (and first column, a third item,
    else 0), holds NaN/inf, values beyond MAX_COUNT (floats and 8-byte integers: a byte-swapped
    uint64 of 3 counts reads 2.16e+17, and had opened) or negative values."""
    kind = block.dtype.kind
    wide = kind in "ui" and block.dtype.itemsize >= 8  # narrower ones cannot pass MAX_COUNT
    if (kind == "u" and not wide) or block.size == 0:
        return
    low = block.min()
    if kind == "f" or wide:  # NaN propagates through min and max, and an infinity is one of them
        high = block.max()
        if kind == "f" and not (np.isfinite(low) and np.isfinite(high)):
            first = _first_bad(~np.isfinite(block), origin)
            raise CubeReadError(
                path,
                f"counts contain NaN or infinite values ({where}{first}); "
                "counts must be finite and non-negative",
            )
        if float(high) > MAX_COUNT:  # float(): 2**53 cast to float16 overflows with a warning
            first = _first_bad(block > MAX_COUNT, origin)
            raise CubeReadError(
                path,
                f"counts reach {float(high):.3g} ({where}{first}), beyond any detector's (at "
                f"most {MAX_COUNT:.3g} per channel): a corrupt value, or not counts"
                + (" (wrong byte order in the header?)" if wide else ""),
            )
    if low < 0:
        first = _first_bad(block < 0, origin)
        raise CubeReadError(
            path,
            f"counts contain negative values ({where}{first}, minimum {low}); counts "
            "must be non-negative (wrong dtype or byte order in the header?)",
        )


def explain_read_error(exc: BaseException, data=None) -> str | None:
    """What a failed read of stored data means, in words, or None.

    HDF5 lacking a filter to decode a chunk ("can't open directory (/usr/local/lib/plugin)",
    "can't find plugin", "filter plugins disabled", "required filter ... is not registered"):
    the file is sound, this installation cannot decode it (had been 'the file may be corrupt or
    truncated'). A filter that ran and failed ("filter returned failure during read"): a
    compressed chunk whose bytes are damaged, named with its dataset (`data`: the array read,
    or a view of it); it read "(OSError: Can't synchronously read data (filter returned failure
    during read))", which says neither what nor where (2026-12-05: it had been told to install
    hdf5plugin). So is a zarr chunk or TIFF strip whose codec failed (decompression_failed), and
    a zipped store's member zipfile refuses (zip_damaged). A
    TIFF's compression tifffile cannot decode without imagecodecs ("<COMPRESSION.
    JPEG: 7> requires the 'imagecodecs' package"; ZSTD's "No module named 'compression'"): the
    file is sound too; since the opening sample reads through read_block (1f2adc6f) it had
    opened as "the file may be corrupt or truncated"."""
    text = str(exc)
    package = _missing_decoder(exc, text)
    if package is not None:
        again = (
            "uncompressed or with zlib"  # what tifffile decodes alone
            if package == "imagecodecs"
            else "with a compression this installation reads (zlib, gzip)"
        )
        return (
            f"its compression needs a decoder this installation lacks ({text[:120]}); the file "
            f"is not damaged: install the {package} package (`pip install {package}` in "
            f"xrf-napari's environment), or save the file again {again}"
        )
    import zipfile

    if isinstance(exc, zipfile.BadZipFile):  # a .datastack's counts chunk had read "reading row
        # 0 failed (BadZipFile: Bad CRC-32 for file ...); the file may be corrupt or truncated"
        return zip_damaged(exc)
    if decompression_failed(exc):
        if _reads_tiff(data):  # every row's read decodes each page it crosses: no row reads
            return decompression_damage("a compressed strip or tile of the TIFF", exc, _COPY_AGAIN)
        return decompression_damage(f"a compressed {_chunk_of(data)}", exc, _OTHER_ROWS)
    if "checksum do not match" in text:  # zarr's crc32c codec, a sharded array's index's
        # (a byte flipped): it had read "reading row 0 failed (ValueError: Stored and computed
        # checksum do not match. Stored: b'...'. ...); the file may be corrupt or truncated"
        return (
            f"a {_chunk_of(data)} is damaged: its stored checksum does not match its bytes, so the "
            f"file is corrupt (a copy, transfer or disk altered its bytes); {_OTHER_ROWS}"
        )
    if not isinstance(exc, OSError):
        return None
    if "addr overflow" in text:  # a chunk's address in the index altered: it had read
        # "(OSError: Can't synchronously read data (addr overflow, addr = ..., eoa = 4574));
        # the file may be corrupt or truncated"
        return (
            f"a {_chunk_of(data)} lies past the end of the file (HDF5 said: {text[:120]}): the "
            f"file is damaged (its chunk index altered) or cut short; {_OTHER_ROWS}"
        )
    if not re.search(r"plugin|not registered", text, re.I):
        return None
    return (
        "a chunk there is compressed with an HDF5 filter this installation cannot decode "
        "(HDF5 said: " + text[:160] + "); install the hdf5plugin package (`pip install "
        "hdf5plugin` in xrf-napari's environment), or save the file again with gzip compression"
    )


def zip_damaged(exc: BaseException) -> str:
    """A zip archive zipfile refuses (its BadZipFile: "Bad CRC-32 for file 'maxrf_cube/c/0/0/0'"),
    in words: a .datastack's opening, its metadata, energy array and counts chunks alike."""
    return f"its zip archive is damaged ({exc}): the file is corrupt or cut short; copy it again"


def decompression_failed(exc: BaseException) -> bool:
    """Whether a read failed in a codec that ran on damaged bytes: HDF5's "filter returned
    failure during read" (an OSError), a zarr or TIFF codec's "Zstd decompression error",
    zlib's "Error -3 while decompressing data"."""
    hdf5 = isinstance(exc, OSError)
    return bool(re.search(r"filter returned failure" if hdf5 else r"decompress", str(exc), re.I))


def decompression_damage(part: str, exc: BaseException, then: str) -> str:
    """`part` of a file ("a compressed chunk of dataset '/xrf/counts' there", "its compressed
    image data") whose codec failed on its bytes (decompression_failed), in the one wording every
    reader gives it, then `then`, what to do; the HDF5 rows, a zarr energy array and a TIFF
    xrf-napari wrote had three."""
    said = ("HDF5 said: " if isinstance(exc, OSError) else "") + str(exc)[:120]
    return (
        f"{part} is damaged: its decompression failed ({said}), so the file is corrupt (a copy, "
        f"transfer or disk altered its bytes); {then}"
    )


#: Python modules whose absence is a compression decoder missing, and the package that
#: provides them: tifffile's ZSTD asks the standard library's `compression` (Python 3.14) before
#: imagecodecs ("No module named 'compression'"), so its advice is imagecodecs.
_DECODER_PACKAGES = {"compression": "imagecodecs", "backports": "imagecodecs"}


def _missing_decoder(exc: BaseException, text: str) -> str | None:
    """The package to install for a decoder a read lacked, else None: imagecodecs where tifffile
    says so, else the top module an ImportError names (a zarr store's codec: zfpy, pcodec...).
    Every missing module had been told "for a TIFF install the imagecodecs package"."""
    if "requires the 'imagecodecs' package" in text:
        return "imagecodecs"
    if not isinstance(exc, ImportError):
        return None
    name = getattr(exc, "name", None)
    if not name:
        found = re.search(r"No module named '([\w.]+)'", text)
        name = found.group(1) if found else "imagecodecs"  # tifffile's own, unnamed
    top = name.split(".")[0]
    return _DECODER_PACKAGES.get(top, top)


def stores_under(data) -> list:
    """The arrays a lazy view reads, `data` itself where it is no view: a ChannelFirstView's
    sources (a TIFF page stack's or a ripple image layout's map, a channel-first .npy's, an APS
    file's datasets), a DetectorElement's store, GriddedSpectra's spectra; each once, in order."""
    out, todo, seen = [], [data], set()
    while todo:
        arr = todo.pop(0)
        if id(arr) in seen:
            continue
        seen.add(id(arr))
        inner = [s for a in ("sources", "store", "spectra") for s in _inner(arr, a)]
        if inner:
            todo[:0] = inner
        else:
            out.append(arr)
    return out


def _inner(arr, attr: str) -> list:
    """What a view keeps in `attr` (an instance attribute only: a proxy's __getattr__, as
    ExternalDataset's opening its dataset, is not asked)."""
    got = getattr(arr, "__dict__", {}).get(attr)
    if got is None:
        return []
    return list(got) if isinstance(got, (list, tuple)) else [got]


#: What to do about a damaged chunk: a scan's other rows may still read (not a TIFF's: each row
#: decodes every page it crosses).
_COPY_AGAIN = "copy the file again from the instrument or a backup"
_OTHER_ROWS = f"other rows may read, but not the whole scan: {_COPY_AGAIN}"


def _chunk_of(data) -> str:
    """'chunk of <the datasets `data` reads> there', the damaged part explain_read_error names."""
    return f"chunk of {_datasets_of(data) or 'the scan dataset'} there"


def _reads_tiff(data) -> bool:
    """Whether `data` reads a TIFF's pages (a tifffile series decoded at opening, or the zarr
    array over tifffile's store): a damaged strip had been called "a compressed chunk of the
    scan dataset"."""
    stores = [] if data is None else stores_under(data)
    return any(
        type(s).__module__.startswith("tifffile")
        or type(getattr(s, "store", None)).__module__.startswith("tifffile")
        for s in stores
    )


def _datasets_of(data) -> str:
    """'dataset '/xrf/counts'' (its compression named where HDF5 says it) for the HDF5 datasets
    `data` reads (stores_under), "zarr array '/counts'" for zarr's, '' where it reads none (a
    zarr store whose root is the array: its name "/" says nothing)."""
    stores = [] if data is None else stores_under(data)
    names = []
    for store in stores:
        name = getattr(store, "name", None)
        if isinstance(name, str) and name.startswith("/") and name not in [*names, "/"]:
            names.append(name)
    if not names:
        return ""
    first = stores[0]
    how = getattr(first, "compression", None)
    how = f" ({how})" if isinstance(how, str) else ""
    kind = "dataset" if type(first).__module__.startswith("h5py") else "zarr array"
    if len(names) == 1:
        return f"{kind} '{names[0]}'{how}"
    return f"the {kind}s " + ", ".join(f"'{n}'" for n in names) + how


def out_of_memory(
    path, exc: BaseException, what: str = "", key=None, advice: str = ""
) -> CubeOutOfMemory:
    """The CubeReadError for a MemoryError raised `what` ('reading it as tiff'; or reading
    data[key]: 'reading rows 0-15'): the file, the size that could not be allocated (numpy's
    message gives it) and what the process may still allocate. A slider step or a pass over
    a scan had ended in a bare 'MemoryError: Unable to allocate 1.50 GiB for an array with
    shape ...', naming no file."""
    from .memory import memory_budget

    what = what or f"reading {_rows_text(key[0])}"
    found = re.search(r"allocate (\S+) (\S*B) for an array with shape (\([^)]*\))", str(exc))
    need = f"{found.group(1)} {found.group(2)} (an array of {found.group(3)})" if found else ""
    try:
        budget = memory_budget()
    except Exception:  # noqa: BLE001 - the message matters more than the figure
        budget = None
    needed = _bytes_of(found.group(1), found.group(2)) if found else None
    if not need:
        said = "needs more memory than the system would give" + (
            f" (this process seemed to have {budget / 2**30:.2f} GiB left)" if budget else ""
        )
    elif budget is None:
        said = f"needs {need}, more than this process may still allocate"
    elif needed is not None and needed <= budget:
        # the estimate said it fits: "needs 1.50 GiB, more than ... (19.86 GiB)" contradicted
        # itself; the system refused it all the same (a limit, overcommit, fragmentation)
        said = (
            f"needs {need}, which the system refused though this process seemed to have "
            f"{budget / 2**30:.2f} GiB left"
        )
    else:
        said = f"needs {need}, more than this process may still allocate ({budget / 2**30:.2f} GiB)"
    return CubeOutOfMemory(
        path, f"{what} {said}: {advice or 'close other scans or programs and try again'}"
    )


def _bytes_of(number: str, unit: str) -> float | None:
    """numpy's '1.50 GiB' in bytes; None for a unit it does not write."""
    scale = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}
    try:
        return float(number) * scale[unit]
    except (KeyError, ValueError):
        return None


def read_block(data, key: tuple, path, check: bool = True) -> np.ndarray:
    """data[key] as an array; a failing store (corrupt chunk, vanished file) raises CubeReadError
    naming the file and rows (read_error), and with `check` the values are validated (the first
    full pass)."""
    try:
        block = np.asarray(data[key])
    except MemoryError as exc:
        raise out_of_memory(path, exc, key=key) from None
    except Exception as exc:
        raise read_error(exc, data, key, path) from exc
    if check:
        check_block(block, key, path)
    return block


def check_block(block: np.ndarray, key: tuple, path) -> None:
    """check_values of `block`, read as data[key]: the rows (and first column, first channel)
    of `key` name where the first bad value is."""
    rows, chans = key[0], key[2] if len(key) > 2 else slice(None)
    cols = key[1] if len(key) > 1 else slice(None)
    origin = (
        (rows.start or 0) if isinstance(rows, slice) else int(rows),
        (chans.start or 0) if isinstance(chans, slice) else 0,
        (cols.start or 0) if isinstance(cols, slice) else int(cols),
    )
    check_values(block, path, _rows_text(rows), origin)


def read_error(exc: Exception, data, key: tuple, path) -> CubeReadError:
    """The CubeReadError for `exc`, raised reading data[key] of the file `path`: "reading rows
    8-11 failed: ..." with the store's own refusal (a mapped file shrank: io.mapped), HDF5's
    failures in words (explain_read_error), else the error itself, cut to 200 characters."""
    where = _rows_text(key[0])
    if isinstance(exc, CubeReadError):
        return CubeReadError(exc.path, f"reading {where} failed: {exc.problem}")
    why = explain_read_error(exc, data)
    if why:  # an HDF5 filter missing here, or a damaged chunk: said in words
        return CubeReadError(path, f"reading {where} failed: {why}")
    if passing_read_error(exc) or system_refused(exc):  # had said "the file may be corrupt
        # or truncated", after HDF5's whole driver report
        return CubeReadError(path, f"reading {where} failed: {refused_read(exc)}")
    return CubeReadError(
        path,
        f"reading {where} failed ({type(exc).__name__}: {str(exc)[:200]}); "
        "the file may be corrupt or truncated",
    )


#: errno values of a read that can pass: storage that did not answer (a network share's
#: timeout or dropped connection; EIO, as NFS soft mounts and CIFS report a server that did not
#: answer), an interrupted or busy call. ESTALE (the file gone from the server) is no such one.
_PASSING_ERRNOS = frozenset(
    getattr(errno, name)
    for name in (
        "EIO ETIMEDOUT EAGAIN EINTR EBUSY ECONNRESET ECONNABORTED ECONNREFUSED EHOSTDOWN "
        "EHOSTUNREACH ENETDOWN ENETUNREACH ENETRESET ENOLCK"
    ).split()
    if hasattr(errno, name)
)


def passing_read_error(exc: BaseException) -> bool:
    """Whether a failed read is one that can pass (_PASSING_ERRNOS; h5py's OSError
    gives it in its text: "file read failed: ..., errno = 5, error message = 'Input/output
    error'"), not a file cut short, changed or damaged: the channel slider's read tells it and
    reads again at the next step, where any failure had marked the scan failed until reopened."""
    if not isinstance(exc, OSError):
        return False
    if isinstance(exc, (TimeoutError, ConnectionError, InterruptedError, BlockingIOError)):
        return True
    return read_errno(exc) in _PASSING_ERRNOS


def system_refused(exc: BaseException) -> bool:
    """Whether an OSError carries the system's errno (EACCES, ESTALE...; h5py's in its driver
    report), not EINVAL, the errno of a seek to a damaged offset."""
    code = read_errno(exc) if isinstance(exc, OSError) else None
    return code not in (None, 0, errno.EINVAL)


def refused_read(exc: BaseException) -> str:
    """A read the system refused (an errno of its own: EIO, a share's timeout, EACCES), in the one
    wording every reader gives it: no damage of the file's. A slider chunk had read "the storage
    did not answer", an .npz member "the system refused the read", and HDF5's errno came as its
    whole driver report (time, buffer address, offsets)."""
    code, words = system_error(exc)
    name = errno.errorcode.get(code) if code is not None else None
    said = words or str(exc)[:120] or type(exc).__name__
    if name and name not in said:
        said = f"{said}, {name}"
    if code in (errno.ENOENT, errno.ESTALE):  # the file deleted, moved or replaced meanwhile
        # (on a share: ESTALE): no drive to check; it had read "so the file itself may be sound"
        return (
            f"the file is gone ({said}): deleted, moved or replaced since it was opened; open "
            "it again where it now lies"
        )
    return (
        f"the system refused the read ({said}), so the file itself may be sound: check that the "
        "drive or share it lies on is reachable (a network drive dropped or busy?) and that it "
        "may be read, then try again"
    )


def read_errno(exc: BaseException) -> int | None:
    """The system's errno of a failed read, or None (system_error)."""
    return system_error(exc)[0]


#: The system error in HDF5's driver report, which h5py gives as its error's message: "file read
#: failed: time = ..., errno = 5, error message = 'Input/output error', buf = ..."; with its
#: words first, as the report's file name ("name = 'scan errno = 7.h5', errno = 2, ...") may
#: hold the bare pattern.
_HDF5_SYSTEM_ERROR = re.compile(r"\berrno\s*=\s*(\d+), error message = '([^']*)'")
_HDF5_ERRNO = re.compile(r"\berrno\s*=\s*(\d+)")


def system_error(exc: BaseException) -> tuple[int | None, str | None]:
    """(errno, the system's words) of a failed read or write, each None where not known: an
    OSError's own, where h5py's strerror is HDF5's whole driver report (two lines: time, file
    name, buffer address, offsets), the report's errno and error message. The report comes
    first: h5py copies an OSError's errno from it (its set_exception), so the two agree in any
    error h5py raised, and the number and the words are the system's from one place; it is
    also the only errno of a RuntimeError. read_errno and fileutil.cannot_write had each
    parsed the report, the one preferring the exception's errno, the other the report's."""
    code, words = getattr(exc, "errno", None), getattr(exc, "strerror", None)
    text = str(words or exc)  # not str(exc): an OSError adds its file name, which may read so
    if found := _HDF5_SYSTEM_ERROR.search(text):
        return int(found[1]), found[2] or words
    if found := _HDF5_ERRNO.search(text):
        return int(found[1]), words
    return code, words


def _rows_text(rows) -> str:
    """The rows of a read in words: rows 8-11, or row 8 for one (a one-row slice read "rows
    8-8", and a failed opening of a one-row TIFF "reading rows 0-0 failed")."""
    if not isinstance(rows, slice):
        return f"row {rows}"
    first = rows.start or 0
    if rows.stop is not None and rows.stop - first == 1:
        return f"row {first}"
    return f"rows {first}-{rows.stop - 1}" if rows.stop is not None else f"rows from {first}"
