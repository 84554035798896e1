"""Bounds on what a file can make a reader open, parse, read or allocate.

A hostile or corrupt file must not hang the reader (a FIFO, `/dev/zero` behind a symlink), make it
allocate what the file does not hold (a 1 KB header declaring a terabyte), or overflow a parser
(`inf`, 400-digit numbers). Every check raises CubeReadError naming the file and the problem.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..errors import CubeReadError
from ..fileutil import (  # the base layer's
    KIND_HINTS,
    KIND_NAMES,
    cut_in_signature,
    file_head,
    kind_if_readable,
    kind_of,
    pair_places,
)

#: Text headers and single-spectrum files are small; a bigger one is not what its suffix says.
MAX_TEXT_BYTES = 64 * 2**20
#: Largest compression ratio a stored array can reach (deflate's limit is ~1032:1); a dataset that
#: declares more bytes than this times what it stores is a bomb or an unallocated declaration.
MAX_COMPRESSION_RATIO = 1100
#: Declared arrays below this size are not checked against their storage (fill-value datasets).
STORAGE_CHECK_BYTES = 64 * 2**20
#: Most entries inspected when checking a directory store (zarr) for special files.
MAX_DIR_ENTRIES = 200_000


#: Byte-order marks a text export may start with, and their encodings (UTF-32's before UTF-16's,
#: whose mark begins UTF-32 LE's).
TEXT_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(raw: bytes, legacy: str | None = None) -> str:
    """A text format's bytes as text: UTF-8 (a BOM dropped: it would glue onto the first
    value), or UTF-16/32 by its byte-order mark, as Excel's 'Unicode Text' and Notepad's
    'Unicode' save a table. Decoded as UTF-8 such a file read every character with a NUL
    beside it, and a spectrum CSV was refused as 'needs one column (counts) or two'. UTF-16
    without a mark is known by the NUL beside every ASCII character among its first bytes.
    Undecodable bytes become U+FFFD, which the parsers refuse naming the line; or, given
    `legacy` (an 8-bit encoding such as Latin-1), a file that is not UTF-8 is read in it: the
    ripple header's free text ('sample Crucifixión') came into the metadata with U+FFFD."""
    for bom, encoding in TEXT_BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    head = raw[:512] if len(raw) >= 4 else b""
    even, odd = head[0::2], head[1::2]
    if head and odd.count(0) == len(odd) and 0 not in even:
        return raw.decode("utf-16-le", errors="replace")
    if head and even.count(0) == len(even) and 0 not in odd:
        return raw.decode("utf-16-be", errors="replace")
    if legacy:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode(legacy, errors="replace")
    return raw.decode("utf-8", errors="replace")


def kind_hint(kind: str | None, otherwise: str, **hints: str) -> str:
    """KIND_HINTS[kind] (a reader's own wording in `hints` first), or `otherwise` for a file of
    none of these kinds: one table for the .npy and .h5 readers' messages."""
    return hints.get(kind or "") or KIND_HINTS.get(kind or "", otherwise)


def misnamed(path, kind: str, what: str, otherwise: str, **hints: str) -> str | None:
    """'not <what> (<what it is>)' for a file named as a `kind` file (file_kind) that starts as
    another, or None: it is one, or it cannot be read (the reader's own open says why). Asked
    before np.load, which reads any file as what it starts as: an HDF5 scan named .npy or .npz
    was 'pickled (object) data' to unpickle unsafely. otherwise, hints: as kind_hint's."""
    try:
        head, found = file_head(path)
    except OSError:
        return None
    if found == kind:
        return None
    if found in (None, "text") and (other := cut_in_signature(head)):
        # 'II' named .npy had read 'it is a text file'
        return signature_cut(head, kind, what) or (
            f"not {what} (it holds {len(head)} bytes, {head!r}, the start of "
            f"{KIND_NAMES[other]}'s signature: such a file cut short?)"
        )
    return f"not {what} ({kind_hint(found, otherwise, **hints)})"


def signature_cut(head: bytes, kind: str, what: str) -> str | None:
    """'the file is truncated: it holds 4 bytes, the start of <what>'s signature ...' where a
    file's `head` (its first bytes) is a few bytes that begin `kind`'s signature
    (fileutil.cut_in_signature), else None. '\\x93NUM' named .npy had read 'it does not start
    with NumPy's \\x93NUMPY', '\\x89HDF' named .h5 'it does not start with the HDF5 signature
    (\\x89HDF)', 'PK' named .npz 'it is a text file'."""
    if cut_in_signature(head) != kind:
        return None
    return (
        f"the file is truncated: it holds {len(head)} bytes, the start of {what}'s signature "
        "(an interrupted copy or save); copy or save it again"
    )


#: The file_kinds a text reader (.mca .msa .spe .csv .spx .rpl) refuses up front.
BINARY_KINDS = ("npy", "hdf5", "zip", "tiff")


def refuse_binary(
    path, data: bytes, what: str, known_binary: str = "damaged, or another format"
) -> None:
    """CubeReadError 'not <what> (it is an HDF5 file: rename it .h5)' when a text format's file
    starts as a binary one: an HDF5 scan saved as .mca read "unexpected line in .mca: '\x89HDF'",
    saved as .csv "non-numeric value on line 624", an .npy saved as .csv "needs one column
    (counts) or two", none saying what the file is. `known_binary`: what binary data of no kind
    named here most likely is, for a suffix that has a binary namesake (.spe: WinView images)."""
    kind = kind_of(data[:520])
    if kind in BINARY_KINDS:
        raise CubeReadError(path, f"not {what} ({KIND_HINTS[kind]})")
    # binary of no kind named here (a .bcf saved as .mca had read "unexpected line in .mca:
    # '\x00\x00\x00...'"): NULs where decode_text reads no UTF-16/32 text either
    if "\0" in decode_text(bytes(data[:512])):
        raise CubeReadError(
            path,
            f"not {what} (it holds binary data, not text: NUL bytes among its first; "
            f"{known_binary})",
        )


def text_format(text: str, own: str) -> str | None:
    """What other text format of ours a text file named as the `own` one ('mca', 'msa', 'spe',
    'csv', 'rpl') is, with the name that opens it ('it is a Bruker .spx spectrum (XML): rename
    it .spx'), or None. A Bruker .spx named .msa had read 'not an EMSA/MAS file (no #FORMAT
    line)', named .rpl 'ripple header lacks the required key 'width'', named .csv 'holds no
    lines of values'; a ripple header named .mca 'no spectrum found: 0 count values'. One
    test for every text reader, as read_mca's for an .spx (714b1b3) was its own. An EMSA file
    is no other format to the .csv and .mca readers, which read its data lines as columns (it
    had been refused, 'rename it .msa', though read as before)."""
    head = text[:65536].lstrip("\ufeff \t\r\n")
    if own != "spx" and head.startswith("<") and "TRTSpectrum" in head:
        return "it is a Bruker .spx spectrum (XML): rename it .spx"
    if own != "mca" and head.startswith("<<PMCA SPECTRUM>>"):
        return "it is an Amptek .mca spectrum: rename it .mca"
    if own in ("rpl", "spe", "spx") and re.search(r"^#FORMAT\s*:\s*EMSA", head, re.M | re.I):
        return "it is an EMSA/MSA spectrum: rename it .msa"
    if own != "spe" and head.startswith("$") and re.search(r"^\$DATA:", head, re.M):
        return "it is an ASCII SPE spectrum: rename it .spe"
    if own != "rpl":
        keys = {}
        for line in head.splitlines():
            key, value = ([*line.split(None, 1), "", ""])[:2]
            keys["".join(c for c in key.lower() if c.isalnum())] = value
        if {"width", "height", "depth"} <= keys.keys() and {"datatype", "datalength"} & keys.keys():
            size = " x ".join(keys[k].split()[0] for k in ("width", "height", "depth") if keys[k])
            return (
                f"it is a ripple (.rpl) header, the text half of a datacube ({size}): rename it "
                ".rpl and keep its .raw beside it"
            )
    if own == "spx" and _number_lines(head):  # a PyMca .mca had read "not a valid Bruker .spx
        # XML file (not well-formed (invalid token): line 1, column 1)"
        return (
            "it holds lines of numbers, not XML: a text spectrum, as a PyMca .mca (a column of "
            "counts) or a .csv holds; rename it .mca or .csv"
        )
    return None


def _number_lines(head: str) -> bool:
    """Whether the first 20 lines of `head` that are not blank or '#' comments are all numbers
    (split by white space, commas or semicolons): a plain text spectrum."""
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    try:
        return bool(lines) and all(
            float(v) is not None for ln in lines[:20] for v in re.split(r"[\s,;]+", ln.strip())
        )
    except ValueError:
        return False


def looked_in_both(looked: list[Path], what: str) -> str:
    """'looked for <beside the link> beside the <what> (a symbolic link) and for <beside its
    target> beside the file it links to': a partner missing from both places pair_places gave
    (a ripple .raw or .rpl, an HDF5 external raw file or virtual source) is told where it was
    looked for, in one wording for every reader, since the user sees only the link's folder;
    'looked for <place>' where there was one place (an absolute name, a file not a link)."""
    if len(looked) < 2:
        return f"looked for {looked[0]}"
    return (
        f"looked for {looked[0]} beside the {what} (a symbolic link) and for "
        f"{looked[1]} beside the file it links to"
    )


def check_path(path: Path, allow_dir: bool = False) -> os.stat_result:
    """stat() the path (following symlinks) and refuse what is not a regular file (or, with
    allow_dir, a directory) without opening it: FIFOs block, devices never end."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == 2:
            raise CubeReadError(path, "no such file or directory") from None
        raise CubeReadError(path, f"cannot access the file ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        if allow_dir:
            return st
        raise CubeReadError(path, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        what = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a regular file"
        )
        raise CubeReadError(path, f"is {what}, not a regular file: refused without opening it")
    return st


def check_tree(root: Path) -> None:
    """Every entry of a directory store (zarr) is a regular file or directory; bounded walk.
    The directory's own word on each entry's type is taken; only a link or a special file is
    stat()ed: a stat and a Path for each of the 80,000 entries of a 200 x 200 store in (1, 1, C)
    chunks took 4.5 s, the listing alone 1.4 s."""
    for seen, e in enumerate(tree_entries(root), 1):
        if seen > MAX_DIR_ENTRIES:
            return
        if e.is_dir(follow_symlinks=False):
            continue
        if e.is_symlink() or not e.is_file(follow_symlinks=False):
            p = Path(e.path)  # what it is, its link followed: check_path refuses the rest
            if stat.S_ISDIR(check_path(p, allow_dir=True).st_mode):
                raise CubeReadError(p, "a symbolic link to a directory inside the store: refused")


def tree_entries(root: Path | str):
    """Every entry below the directory `root`, depth first, a linked folder not entered: the walk
    of a zarr store's check (check_tree), of its storage bound (arrays._stored_bytes) and of the
    chunk files its stamp watches (_chunk_files). Each folder is listed as it is walked, so a
    caller that stops early lists no further. A folder that cannot be listed: CubeReadError
    naming `root`."""
    stack = [root]
    while stack:
        top = stack.pop()
        try:
            listing = os.scandir(top)
        except OSError as exc:
            raise CubeReadError(root, f"cannot list {top} ({exc.strerror or exc})") from None
        with listing:
            while True:
                try:
                    e = next(listing)
                except StopIteration:
                    break
                except OSError as exc:
                    raise CubeReadError(
                        root, f"cannot list {top} ({exc.strerror or exc})"
                    ) from None
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                yield e


def read_bounded(path: Path, max_bytes: int = MAX_TEXT_BYTES, what: str = "file") -> bytes:
    """The bytes of a small regular file; refuse a special file or one above max_bytes, saying
    what it is where it starts as a binary kind (refuse_binary's, which the readers ask of the
    bytes read): an HDF5 scan named .rpl read only "the ripple header is 1749280 bytes: more
    than the 1048576 a ripple header can hold"."""
    path = Path(path)
    st = check_path(path)
    if st.st_size > max_bytes:
        kind = kind_if_readable(path)
        is_ = f"; {KIND_HINTS[kind]}" if kind in BINARY_KINDS else ""
        raise CubeReadError(
            path,
            f"the {what} is {st.st_size} bytes: more than the {max_bytes} a {what} can hold{is_}",
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise CubeReadError(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise CubeReadError(path, f"the {what} is larger than {max_bytes} bytes")
    return data


_INT = re.compile(r"[+-]?\d+(\.0*)?")


def parse_int(text, path, what: str, lo: int = 0, hi: int = 2**40) -> int:
    """An integer written as text ('4096', '4096.0'), within [lo, hi]; inf, NaN, 1e400 and empty
    values are refused with a message instead of OverflowError/IndexError. An integer of 20
    digits or more is out of range, not 'must be an integer' (a ripple offset of
    99999999999999999999 had read so)."""
    token = str(text).strip().split()[0] if str(text).strip() else ""
    shown = token if len(token) <= 40 else token[:37] + "..."
    if not _INT.fullmatch(token):
        raise CubeReadError(path, f"{what} must be an integer, got {shown!r}")
    digits = token.split(".")[0]
    value = int(digits) if len(digits.lstrip("+-")) < 20 else None  # 400 digits: not converted
    if value is None or not lo <= value <= hi:
        raise CubeReadError(path, f"{what} must be between {lo} and {hi}, got {shown}")
    return value


def truncated_hint(missing: int, name: str, extent: str) -> str:
    """'<missing> bytes missing: <name> is truncated (<extent>); copy or export it again', the
    words after 'size mismatch: ...' for a data file shorter than its header declares: the
    ripple reader's .raw and an HDF5 dataset's external raw file are one kind of damage (a copy
    cut short) and are told it in one wording."""
    return f"{missing} bytes missing: {name} is truncated ({extent}); copy or export it again"


def require_stored(
    declared: int, stored, path, what: str, holder: str = "the file stores", why=None
) -> None:
    """A dataset must hold data for what it declares (up to the largest compression ratio): an
    HDF5/zarr header declaring 100000 x 100000 x 4096 over a few KB is refused, not streamed.
    Only a declaration over STORAGE_CHECK_BYTES is judged: `stored` may be a function giving
    the bytes stored (or None where it cannot tell: not judged), called only then, where
    counting them is slow (a zarr store's chunks); the zarr reader had its own copy of the
    bound to spare that count. holder: what keeps the bytes, and its verb (a zarr store's "the
    store holds"); why: a function saying why so little is there, asked only on refusing (a
    zarr store's chunks never written), else "unallocated, truncated or a decompression bomb"."""
    if declared <= STORAGE_CHECK_BYTES:
        return
    if callable(stored):
        stored = stored()
    if stored is not None and stored * MAX_COMPRESSION_RATIO < declared:
        raise CubeReadError(
            path,
            f"{what} declares {declared / 2**30:.3g} GiB but {holder} only "
            f"{stored} bytes of it: "
            f"{(why and why()) or 'unallocated, truncated or a decompression bomb'}",
        )


class StorageError(CubeReadError):
    """The bytes a dataset declares are not there or cannot be decoded (check_dataset): the
    file is damaged, not its values odd, so calibration.set_aside refuses it still where it
    sets a calibration that cannot be one aside (a truncated energy vector's .raw had read as
    no calibration, with a warning, instead of refusing the file)."""


def check_dataset(d, path, opened: str | None = None) -> None:
    """The data a dataset declares exists, else StorageError: a virtual dataset's source files
    are there (HDF5 would read a missing one as zeros), external raw files are regular files
    holding the bytes the dataset keeps in them (HDF5 reads a short one's missing end as zeros),
    and a chunked or contiguous dataset stores enough bytes for its declared shape (no
    unallocated declarations), and its compression filters can be decoded here (`check_filters`).
    `opened`: the path the user gave for it (`dataset=`), named in the messages beside the
    dataset a link leads to."""
    try:
        _check_stored(d, path, opened)
    except CubeReadError as exc:  # the same words, as damage
        raise StorageError(exc.path, exc.problem) from None


def _check_stored(d, path, opened: str | None) -> None:
    from ..fileutil import hdf5_efile_prefix

    check_filters(d, path)
    holder = holder_path(d, path)
    if d.is_virtual:
        for name, places, src in virtual_sources(d, path):
            if not src.exists():
                raise CubeReadError(
                    path,
                    f"dataset {dataset_label(d, path, opened)} is virtual and its source file "
                    f"{name} is missing ({looked_in_both(places, 'file')}"
                    f"{_vds_prefixed(holder, name, places)}; HDF5 would silently read zeros)",
                )
            check_path(src)
        return
    if d.external:
        total = int(d.size or 0) * d.dtype.itemsize
        left = total  # the segments hold the data in order; bytes past it are never read
        for name, src, offset, size in external_segments(d, path):
            if not src.exists():
                places, where = [src], ""
                if name.is_absolute():
                    pass
                elif hdf5_efile_prefix(holder) is None:
                    places = list(dict.fromkeys(p.parent / name for p in pair_places(holder)))
                else:
                    where = " in the folder $HDF5_EXTFILE_PREFIX names, where HDF5 reads it"
                raise CubeReadError(
                    path,
                    f"dataset {dataset_label(d, path, opened)} stores its data in {src.name}, "
                    f"which is missing ({looked_in_both(places, 'file')}{where})",
                )
            actual = check_path(src).st_size
            used = min(int(size), left)  # an unlimited last segment (H5F_UNLIMITED) holds the rest
            if used > 0 and actual < offset + used:
                _short_external(d, path, src, offset, used, actual, total - left, total)
            left -= used
        return
    require_stored(
        int(d.size) * d.dtype.itemsize, int(d.id.get_storage_size()), path, f"dataset '{d.name}'"
    )


def _vds_prefixed(holder: Path, name: str, places: list[Path]) -> str:
    """', and for <folder>/<name>, ... in $HDF5_VDS_PREFIX's folders' where a virtual source
    `name` of the file `holder` was looked for there too (fileutil.hdf5_link_places, the steps
    before beside the file), else '': a source missing from them was told as looked for beside
    the file only, though HDF5 looks in those folders first."""
    from ..fileutil import hdf5_link_places

    steps = hdf5_link_places(holder, name, "HDF5_VDS_PREFIX")[:-2]  # not beside it, nor cwd
    more = [p for step in steps for p in step if p not in places]
    if not more:
        return ""
    return f", and for {', '.join(map(str, more))} in $HDF5_VDS_PREFIX's folders"


def virtual_sources(d, path) -> list[tuple[str, list[Path], Path]]:
    """(name as the mapping gives it, the places HDF5 looks for it, the first of them that
    exists, else the first) of each source file of virtual dataset d but its own ('.'), once.
    One mapping per block or frame: a source file is often named many times, and the folders it
    is looked for in are those of the file holding the virtual dataset (HDF5's rule), not the
    mapping's: the file opened, or the one an external link leads to. The file found is where
    HDF5 finds it (fileutil.hdf5_link_places with $HDF5_VDS_PREFIX's folders first): a source
    only there was called missing and the scan refused, though h5py read it."""
    from ..fileutil import hdf5_link_places

    holder = holder_path(d, path)
    folders, seen, out = [p.parent for p in pair_places(holder)], {".", ""}, []
    for vs in d.virtual_sources():
        name = vs.file_name
        if name in seen:
            continue
        seen.add(name)
        src = Path(name)
        places = [src]
        if not src.is_absolute():  # HDF5 looks beside the file and beside a link's target
            places = list(dict.fromkeys(folder / name for folder in folders))
        steps = hdf5_link_places(holder, name, "HDF5_VDS_PREFIX")
        found = [p for step in steps for p in step if p.exists()]
        out.append((name, places, found[0] if found else places[0]))
    return out


def stored_files(data, path) -> list[Path]:
    """The files besides `path` whose bytes the cube `data` reads (errors.stores_under's
    stores), for io.mapped.FileStamp to watch: an HDF5 dataset's external raw files, its
    virtual sources, the file an external link led to; a zarr array's own metadata document
    (.zarray, zarr.json). The stamp watched the opened file (or a zarr store's top folder)
    alone: a scan whose raw data file was exported over, or a zarr array written anew inside
    its store, was not told; and its chunk files (up to WATCHED_CHUNKS, `_chunk_files`): a chunk
    written again (zarr writes a new file and renames it over) was read on without a word."""
    import sys

    from ..errors import stores_under
    from .mapped import WatchedFolder

    h5py, out = sys.modules.get("h5py"), []
    for store in stores_under(data):
        try:
            if h5py is not None and (
                isinstance(store, h5py.Dataset) or type(store).__name__ == "ExternalDataset"
            ):
                out.append(holder_path(store, path))
                if store.is_virtual:
                    out += [src for _name, _places, src in virtual_sources(store, path)]
                elif store.external:
                    out += [src for _n, src, _o, _s in external_segments(store, path)]
                continue
            root = getattr(getattr(store, "store", None), "root", None)  # zarr 3's LocalStore
            if root is None:  # zarr 2's DirectoryStore
                root = getattr(getattr(store, "store", None), "path", None)
            if isinstance(root, (str, os.PathLike)) and isinstance(store.path, str):
                docs = [Path(root) / store.path / doc for doc in ("zarr.json", ".zarray")]
                found = [doc for doc in docs if doc.is_file()][:1]
                out += found + (_chunk_watch(_chunk_files(found[0].parent)) if found else [])
        except (AttributeError, OSError, ValueError, RuntimeError, TypeError):
            continue  # a store that cannot tell: its file is watched as it was
    mine = [p for p in out if Path(p) != Path(path) or isinstance(p, WatchedFolder)]
    return list(dict.fromkeys(mine))  # the store's own folder too: its chunks named (FileStamp)


#: The most chunk files of a zarr array that its stamp watches (stored_files): listing them is
#: part of opening it (0.2 s for 1,500 in zarr 3's nested folders here), and a stamp looks at
#: LOOKED_PER_CALL of them a read, so a chunk written again is told within about 64 reads.
WATCHED_CHUNKS = 4096

#: A zarr array folder's metadata documents: no chunks.
_ZARR_DOCS = ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata")


def _chunk_files(folder: Path) -> list[Path]:
    """The chunk (or shard) files of the zarr array stored in `folder`, the first
    WATCHED_CHUNKS of them in listing order (the folders' own: the listing stops there). Every
    file of a folder had been listed, sorted and named before 4,096 were kept: a zarr v2 store
    of 40,000 chunks in one folder spent 1.5 s on it at opening, and a million (a 1000 x 1000
    scan in (1, 1, C) chunks) 25 times that, the more on a network share."""
    out: list[Path] = []
    try:
        for e in tree_entries(folder):
            if not e.is_dir(follow_symlinks=False) and e.name not in _ZARR_DOCS:
                out.append(Path(e.path))
                if len(out) >= WATCHED_CHUNKS:
                    break
    except CubeReadError:  # a folder that cannot be listed: the files found are watched
        pass
    return out


def _chunk_watch(chunks: list[Path]) -> list:
    """What a FileStamp watches for the chunk files `chunks`: a folder holding several of them
    as one WatchedFolder (its modification time changes as zarr renames a chunk written anew
    over the old one; a flat zarr v2 store is one os.stat a read, not 64), a chunk alone in its
    folder (zarr 3's nested chunk keys, one chunk along the last axis) as itself."""
    from .mapped import WatchedFolder

    folders: dict[Path, list[Path]] = {}
    for chunk in chunks:
        folders.setdefault(chunk.parent, []).append(chunk)
    return [
        WatchedFolder(folder, files) if len(files) > 1 else files[0]
        for folder, files in folders.items()
    ]


def holder_path(d, path) -> Path:
    """The file holding dataset d: `path` (the file opened) unless an HDF5 external link led to
    d in another file. A virtual dataset's relative source names and an external raw file's are
    resolved beside the file holding the dataset; they were looked for beside the file opened,
    so a valid virtual dataset reached through an external link into a subfolder was refused as
    missing its source."""
    try:
        name = d.file.filename
        if not os.path.samefile(name, path):
            return Path(name)
    except (AttributeError, ValueError, OSError, RuntimeError):
        pass
    return Path(path)


def dataset_label(d, path, opened: str | None = None) -> str:
    """The dataset as check_dataset's messages name it: its path, or the path the user opened
    and, where a link led elsewhere, "(a link to '<dataset>' in <file>)". A virtual dataset
    reached through an external link was named by its path in the other file only ('/raw/vds',
    said of main.h5, where the user had opened 'entry/ext')."""
    holder = holder_path(d, path)
    other = holder != Path(path)
    itself = not opened or "/" + str(opened).strip("/") == d.name
    if itself and not other:
        return f"'{d.name}'"
    shown = d.name if itself else opened
    return f"'{shown}' (a link to '{d.name}'" + (f" in {holder}" if other else "") + ")"


def _short_external(d, path, src: Path, offset, used, actual, before, total) -> None:
    """Refuse an external raw file shorter than the segment the dataset keeps in it: HDF5 reads
    the bytes past its end as zeros with no error, so a truncated copy of a scan showed empty
    rows (the ripple reader's truncated .raw is refused in the same words, truncated_hint)."""
    raw = src.name if src.parent == Path(path).parent else str(src)
    need = offset + used
    have = before + min(used, max(0, actual - offset))
    raise CubeReadError(
        path,
        f"size mismatch: dataset '{d.name}' keeps {used} bytes of its data in {raw} from "
        f"offset {offset}, so {raw} needs {need} bytes, but it has {actual} bytes; "
        + truncated_hint(
            need - actual,
            raw,
            f"only the first {have} of the dataset's {total} bytes are there, HDF5 would read "
            "the rest as zeros",
        ),
    )


def _external_names(d) -> list[Path]:
    """The raw files an HDF5 dataset with external storage keeps its data in, as it names them."""
    return [
        Path(os.fsdecode(name) if isinstance(name, bytes) else name) for name, _o, _s in d.external
    ]


def external_segments(d, path) -> list[tuple[Path, Path, int, int]]:
    """(name as the dataset gives it, the file it resolves to, offset, size) of each of dataset
    d's external raw file segments, in order: one rule for where they are, for the check
    (check_dataset) and for the read of a small side dataset (lazy.read_external)."""
    folder = external_folder(d, path)
    return [
        (name, name if name.is_absolute() else folder / name, offset, size)
        for name, (_n, offset, size) in zip(_external_names(d), d.external)
    ]


def external_folder(d, path) -> Path:
    """The folder a dataset's relative external raw file names are resolved against: beside the
    file holding the dataset (holder_path: the file opened, or the one an external link led to),
    or, where that path is a symbolic link and they lie beside the file it links to only, there
    (pair_places). HDF5 itself resolves them against the process's working directory, so
    such a scan opened from napari or `xrf-napari info /scans/scan.h5` failed 'unable to open
    external raw data file' though this check had found them: the reader opens the dataset
    with this folder as its external-file prefix (lazy.open_external)."""
    from ..fileutil import hdf5_efile_prefix

    if (prefix := hdf5_efile_prefix(holder_path(d, path))) is not None:
        return prefix  # where HDF5 reads them, whatever the reader's own prefix
    relative = [n for n in _external_names(d) if not n.is_absolute()]
    folders = [p.parent for p in pair_places(holder_path(d, path))]
    return next((fo for fo in folders if all((fo / n).exists() for n in relative)), folders[0])


#: HDF5's registered filter ids of the compressors met in scientific files beyond h5py's own
#: (gzip, szip, lzf, shuffle, fletcher32, scale-offset, n-bit), for the message.
#: HDF5 filter ids below this are HDF5's own (gzip 1, shuffle 2, fletcher32 3, szip 4, nbit 5,
#: scaleoffset 6): present or not as the HDF5 library was built, never from a plugin, so
#: hdf5plugin cannot supply them (szip is the one a wheel or distribution may lack).
HDF5_PLUGIN_FILTER_IDS = 256

HDF5_FILTER_NAMES = {
    4: "szip",
    307: "bzip2",
    32001: "Blosc",
    32004: "LZ4",
    32008: "Bitshuffle",
    32013: "ZFP",
    32015: "Zstandard",
    32017: "SZ",
    32024: "SZ3",
    32026: "Blosc2",
}


def check_filters(d, path) -> None:
    """Every required compression filter of an HDF5 dataset can be decoded by this installation
    (hdf5plugin's filters are loaded when it is installed). A dataset compressed with one that
    is not (Blosc, LZ4, Bitshuffle, Zstandard: HDF5 plugins) opened, and its first read failed
    with 'could not be read as hdf5 (OSError: Can't synchronously read data (can't open
    directory (/usr/local/lib/plugin)...))', which names no filter. A filter the stored chunks
    skipped (an optional one that failed when they were written: their filter mask says so) is
    no obstacle, when every stored chunk skipped it (`_chunks_need`): the pipeline is the
    dataset's, but each chunk says which of its filters it skipped, so one chunk late in the
    file may need a filter the first ones did without (until 2026-12-05 only the first 8 were
    asked, and such a file failed on reading that chunk, deep in a job). A missing HDF5
    built-in filter (szip, id 4) is no plugin: the advice is an h5py built with it, not
    hdf5plugin."""
    import h5py

    try:
        plist = d.id.get_create_plist()
        filters = [plist.get_filter(i) for i in range(plist.get_nfilters())]
    except (AttributeError, RuntimeError, ValueError, OSError):
        return  # no filter pipeline to read: the data says for itself
    missing = [
        (i, int(code), name)
        for i, (code, _flags, _values, name) in enumerate(filters)
        if not h5py.h5z.filter_avail(code)
    ]
    if missing and _load_hdf5plugin():
        missing = [m for m in missing if not h5py.h5z.filter_avail(m[1])]
    if missing:
        missing = _chunks_need(d, missing)
    if missing:
        _, code, name = missing[0]
        label = HDF5_FILTER_NAMES.get(code) or (
            name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        )
        if code < HDF5_PLUGIN_FILTER_IDS:
            advice = (
                f"{label or 'it'} is built into HDF5 itself, not a plugin (hdf5plugin does not "
                "provide it): install an h5py whose HDF5 library was built with it (h5py's own "
                "wheels from PyPI, or h5py from conda-forge: `conda install -c conda-forge h5py`)"
            )
        else:
            advice = (
                "install the hdf5plugin package (`pip install hdf5plugin` in xrf-napari's "
                "environment; it is loaded when a file needs it)"
            )
        raise CubeReadError(
            path,
            f"dataset '{d.name}' is compressed with HDF5 filter {code} ({label or 'unnamed'}), "
            f"which this installation cannot decode: {advice}, or save the file again "
            + ("uncompressed" if code == 1 else "with gzip compression"),
        )


#: Chunks whose filter masks check_filters reads one by one where HDF5 cannot iterate over them
#: (H5Dchunk_iter: HDF5 >= 1.12.3 / 1.10.10 with h5py >= 3.8); each H5Dget_chunk_info call walks
#: the chunk index from its start, so asking every chunk of a large dataset costs n^2.
FILTER_CHUNKS_CHECKED = 64


def _chunks_need(d, missing: list) -> list:
    """The filters of `missing` ((pipeline index, id, name)) that some stored chunk of dataset d
    applied (bit i of a chunk's filter mask clear: filter i not skipped). Every chunk is asked
    through H5Dchunk_iter, stopping at the first that needs one (a pass over the chunk index, not
    the data: 10,000 chunks in about 10 ms); without it (an h5py on an HDF5 older than 1.12.3
    or 1.10.10), by H5Dget_chunk_info, the first FILTER_CHUNKS_CHECKED chunks only, as before,
    so a file whose chunks all skipped an optional filter still opens there (a later chunk that
    needs it fails when read: `errors.explain_read_error` names the missing filter then). No stored
    chunk (fill values only) needs none."""
    needed: set[int] = set()
    bits = [(i, 1 << i) for i, _code, _name in missing]

    def look(mask) -> bool:
        needed.update(i for i, bit in bits if not int(mask) & bit)
        return len(needed) == len(bits)

    try:
        d.id.chunk_iter(lambda info: True if look(info.filter_mask) else None)
    except (AttributeError, NotImplementedError):  # an HDF5 or h5py without H5Dchunk_iter
        try:
            n = int(d.id.get_num_chunks())
            for k in range(min(n, FILTER_CHUNKS_CHECKED)):
                if look(d.id.get_chunk_info(k).filter_mask):
                    break
        except (AttributeError, RuntimeError, ValueError, OSError):
            return missing  # unknown: taken as needed
    except (RuntimeError, ValueError, OSError, TypeError):
        return missing
    return [m for m in missing if m[0] in needed]


def _load_hdf5plugin() -> bool:
    """Import hdf5plugin when installed (it registers its filters with HDF5); False if not."""
    try:
        import hdf5plugin  # noqa: F401
    except ImportError:
        return False
    return True
