"""Memory maps that refuse to read bytes their file no longer holds.

A reader that memory-maps its file (ripple .raw, .npy, an uncompressed TIFF stack, a decoded
.bcf) keeps the map for the cube's life. If the file is cut short meanwhile (the instrument
software exporting over the scan napari shows, a copy restarted), touching a mapped page past its
new end raises SIGBUS: Python cannot catch it, and napari died with every unsaved layer (exit
135). `guard_map` gives every such reader one guard: each indexing of the map first asks the
size of the open file (an fstat of the map's own descriptor: 1-2 us, where a pass reads a block
in milliseconds) and, where the file shrank below the bytes that read needs, raises
CubeReadError naming the file, from and to how many bytes it shrank and what to do; a pass, a
dock and napari's slicing show that as any unreadable block. The map's repr checks too: a
traceback printed with its locals (napari's error notification) prints it.

What stays unguarded:
- A race: a file cut short between the check and the read still raises SIGBUS. Indexing gives a
  view of the map, read when used: a pass's block within milliseconds, so the window is one
  block (napari's slices are copies that dask makes of its chunks). A view kept longer is read
  long after its check. Only reading with read() into memory would close the race, at the cost
  of the zero-copy map.
- Numpy functions given the whole map (np.sum(cube.data)) read it without indexing; every read
  in this package indexes it (Cube.read_rows, the opening sample, napari's dask chunks).

A file that grows after opening reads as before: the map covers the length it had, the cube
keeps its shape, the new bytes are not seen. A file overwritten in place (same inode) reads its
new content at the old layout (shrunk first, the reads in between are refused). A file replaced
by another (renamed over, or deleted and written anew: a new inode) is not what the map reads:
the map and its descriptor hold the old file, which the system keeps whole until they close, so
the cube reads the scan it opened and never shrinks. `FileStamp` tells the user once of either
(any reader's file: an HDF5 handle keeps the old file too, an in-memory read is the old one).
"""

from __future__ import annotations

import functools
import mmap
import os
import threading
import weakref
from pathlib import Path

import numpy as np

from ..errors import CubeReadError


class GuardedMap(np.memmap):
    """A read-only np.memmap whose indexing first checks that the file still holds the bytes the
    result covers (see the module docstring); views of it (slices, transposes, reshapes) carry
    the guard. Still an np.memmap: release_mapped_pages and isinstance checks see one."""

    _guard: tuple | None = None  # (file path, size when opened, file offset minus data address)

    def __array_finalize__(self, obj):
        super().__array_finalize__(obj)
        self._guard = getattr(obj, "_guard", None) if self._mmap is not None else None

    def __array_wrap__(self, arr, *args, **kwargs):
        """What a ufunc or reduction makes of the map is a plain array or a number, as np.memmap
        makes of itself: np.memmap leaves a subclass's results its class, so np.sum(cube.data)
        was a 0-d GuardedMap (unhashable, repr "GuardedMap(25)") and cube.data + 1 an np.memmap
        with no map behind it. `args`: numpy 2 passes (context, return_scalar), numpy 1 (context)
        and a 0-d result is its number there, as np.memmap has it."""
        arr = super().__array_wrap__(arr, *args, **kwargs)
        if arr is self or not isinstance(arr, GuardedMap) or arr._mmap is not None:
            return arr
        scalar = kwargs.get("return_scalar", args[1] if len(args) > 1 else arr.ndim == 0)
        return arr[()] if scalar else arr.view(np.ndarray)

    def __getitem__(self, key):
        if self._guard is not None:
            self._require(key)
        res = super().__getitem__(key)
        if isinstance(res, GuardedMap) and res._mmap is None:  # a copy (fancy index): not a map
            return res.view(np.ndarray)
        return res

    def __repr__(self):  # a traceback shown with its locals (napari's) prints the map
        return self._shrunk() or super().__repr__()

    def __str__(self):
        return self._shrunk() or super().__str__()

    def _shrunk(self) -> str | None:
        """What the map's repr says where its file no longer holds all it maps (printing the
        values reads them), else None."""
        if self._guard is None:
            return None
        try:
            self._require(...)
        except CubeReadError as exc:
            return f"<{type(self).__name__} {self.shape} {self.dtype}: {exc.problem}>"
        return None

    def _require(self, key) -> None:
        """Raise CubeReadError unless the file holds every byte self[key] covers."""
        path, opened, delta = self._guard
        try:
            size = self._mmap.size()  # fstat of the descriptor the map holds: the mapped file
        except (OSError, ValueError):  # closed: numpy never closes a map it made
            return
        if size >= opened:  # as long as when mapped: it holds the whole map
            return
        end = _end_address(self, key)
        need = None if end is None else end + delta  # file offset past the last byte read
        if need is not None and size < need:
            raise CubeReadError(
                path,
                f"the file shrank since it was opened (from {opened:,} to {size:,} bytes; this "
                f"read needs its first {need:,}): it was overwritten or cut short while open "
                "(an export or copy over it?); open it again once it is written",
            )


class ZeroFilledMap(GuardedMap):
    """A GuardedMap view whose refused reads are zeros of their shape, each refusal handed to
    the callable `_told()` gives first (see zero_filled); its views carry both. Once that is
    None (a bound method whose object is gone), a refused read raises as the GuardedMap's."""

    _told = None

    def __array_finalize__(self, obj):
        super().__array_finalize__(obj)
        self._told = getattr(obj, "_told", None)

    def __getitem__(self, key):
        try:
            return super().__getitem__(key)
        except CubeReadError as exc:
            told = None if self._told is None else self._told()
            if told is None:
                raise
            told(exc)
            return zeros_read(self, key)


def zero_filled(arr, told):
    """`arr`, a view of a guarded map, as one whose reads the guard refuses give zeros after
    told(CubeReadError): the napari cube layer's dask chunks, which napari's cache keeps and
    indexes again as the slider steps back onto them. Any other array is returned as it is.

    A bound method `told` is held weakly (weakref.WeakMethod): napari's dask cache, shared by
    all layers and emptied by size alone, keeps these chunks after their layer is closed, and
    the layer's face held that way kept the closed scan's Cube (its sum image, its results in
    the docks) alive with them."""
    if not isinstance(arr, GuardedMap) or arr._guard is None:
        return arr
    import inspect
    import weakref

    out = arr.view(ZeroFilledMap)
    out._told = weakref.WeakMethod(told) if inspect.ismethod(told) else (lambda: told)
    return out


def zeros_read(arr, key) -> np.ndarray:
    """Zeros of the shape arr[key] has, reading and allocating nothing of arr (a zero-strided
    stand-in is indexed)."""
    stand_in = np.broadcast_to(np.zeros((), arr.dtype), tuple(int(n) for n in arr.shape))
    return np.zeros(stand_in[key].shape, arr.dtype)


def guard_map(mm: np.memmap, path) -> np.memmap:
    """`mm` (a read-only map of the file `path`, from np.memmap or np.load(mmap_mode="r")) as a
    GuardedMap: what every reader that keeps a memory map of its file hands the Cube."""
    if not isinstance(mm, np.memmap) or mm._mmap is None or not isinstance(mm._mmap, mmap.mmap):
        return mm
    out = mm.view(GuardedMap)
    start = mm.__array_interface__["data"][0]
    out._guard = (Path(path), int(mm._mmap.size()), int(mm.offset) - start)
    return out


def _end_address(arr: np.ndarray, key) -> int | None:
    """The address just past the last byte `arr[key]` covers, without reading it (None when it
    covers none). A key of ints, slices, None and Ellipsis is resolved exactly, as a view with
    each int made a one-wide slice; any other (index arrays, masks) is taken to cover all of arr."""
    keys = key if isinstance(key, tuple) else (key,)
    part = arr
    if all(k is None or k is Ellipsis or isinstance(k, (slice, int, np.integer)) for k in keys):
        if not any(isinstance(k, bool) for k in keys):  # a bool index is a mask
            one = tuple(
                slice(int(k), int(k) + 1 or None) if isinstance(k, (int, np.integer)) else k
                for k in keys
            )
            try:
                part = np.ndarray.__getitem__(arr.view(np.ndarray), one)
            except (IndexError, TypeError, ValueError):  # indexing arr says what is wrong
                return None
    if part.size == 0:
        return None
    start = part.__array_interface__["data"][0]
    return (
        start + part.itemsize + sum((n - 1) * s for n, s in zip(part.shape, part.strides) if s > 0)
    )


#: The files besides the one opened that one FileStamp.changed looks at (the others in turn).
LOOKED_PER_CALL = 64
#: The chunk files inside watched folders that one FileStamp.changed looks at (the others in
#: turn): a writer overwriting a chunk in place (truncate and write, as zarr 3.0-3.1.2's
#: LocalStore and fsspec's local files do) changes that file, not its folder.
INSIDE_PER_CALL = 8


class WatchedFolder(os.PathLike):
    """A folder of a zarr array's chunk files that a FileStamp watches in their place: zarr
    writes a chunk anew as a new file renamed over the old one, which changes the folder's
    modification time, so one os.stat a read covers them all; `files`, those it then looks at
    to name the one written. Every chunk file had been looked at, up to LOOKED_PER_CALL a read
    (a slider chunk's read waited on 64 os.stat more: 1.1-1.7 ms a read on a loaded machine,
    64 round trips on a network share, for a flat zarr v2 store of 4,096 chunk files)."""

    def __init__(self, folder, files):
        self.folder, self.files = Path(folder), tuple(Path(f) for f in files)

    def __fspath__(self) -> str:
        return os.fspath(self.folder)

    def __repr__(self) -> str:
        return f"WatchedFolder({str(self.folder)!r}, {len(self.files)} files)"


class FileStamp:
    """The files a scan was read from as they were then (device, inode, size, modification
    time), to tell once that one was replaced, changed or removed while the scan is open.

    The instrument software exports over the scan napari shows through a temporary file and a
    rename: the reader's map or handle keeps the old file (the system keeps it whole until it is
    closed), so napari and every dock went on showing the old scan without a word while the file
    under that name was the new one. `changed` compares each file's os.stat with what it was
    (1-3 us a file): Cube.read_rows asks it after each block it reads (read_pixel after each
    pixel) and the napari reader's layer after each chunk, so a pass or a slider step over
    channels not yet shown says it; what napari's cache or a dock already holds is not read
    again, and says nothing. The stamps of one file as it was share whether it was told."""

    def __init__(self, files, inside=None):
        self._files = [(Path(os.path.abspath(p)), _identity(st)) for p, st in files]
        # a WatchedFolder's files as they were, looked at once the folder changed
        self._inside = {Path(os.path.abspath(k)): v for k, v in (inside or {}).items()}
        self._inner = [fw for files in self._inside.values() for fw in files]  # all, in turn
        self._inner_next = 0
        # one told flag for every stamp of the same files as they were: a file opened twice
        # (two layers, two Cubes) replaced once is told once, not once a layer
        key = tuple(self._files)
        with _SHARED_LOCK:
            told = _TOLD_FLAGS.get(key)
            if told is None:
                told = _TOLD_FLAGS[key] = _Told()
        self._told_flag = told  # held here: the flag lives as long as a stamp of those files
        self._next = 0  # where the next look at the files besides the first starts (_looked)
        self._lock = _SHARED_LOCK

    @property
    def _told(self) -> bool:
        return self._told_flag.told

    @classmethod
    def of(cls, path, st: os.stat_result | None = None, *more) -> FileStamp | None:
        """The stamp of `path` (st: its os.stat, if taken) and of the `more` files it reads (a
        ripple header's .raw), or None where one cannot be looked at."""
        try:
            files = [(path, st or os.stat(path))]
        except (OSError, ValueError):
            return None
        seen = {Path(path)}  # a set: a scan of 2,000 virtual sources took 71 s to open here
        inside = {}
        for p in more:
            if isinstance(p, WatchedFolder):  # the opened folder too (a zarr store's top)
                inside[p.folder] = [(f, _identity(s)) for f, s in _stats(p.files)]
            if p and Path(p) not in seen:
                seen.add(Path(p))
                try:
                    files.append((p, os.stat(p)))
                except (OSError, ValueError):  # not looked at: the others are watched still
                    inside.pop(Path(p), None)
                    continue
        return cls(files, inside)

    def _looked(self, every: bool = False) -> list:
        """The files one `changed` looks at: the one opened and at most LOOKED_PER_CALL of the
        others, the next ones at the next call (an HDF5 scan of 2,000 virtual source files had
        each slider chunk and block wait on 2,000 os.stat, 47 ms here, far more on a share);
        every: all of them (a failed read, where the cost hardly matters)."""
        rest = self._files[1:]
        if every or len(rest) <= LOOKED_PER_CALL:
            return self._files
        turn, self._next = _in_turn(rest, self._next, LOOKED_PER_CALL)
        return self._files[:1] + turn

    def _inner_looked(self, every: bool = False) -> list:
        """The chunk files inside the watched folders that one `changed` looks at: at most
        INSIDE_PER_CALL, the next ones at the next call (all: `every`). The folders alone
        missed a chunk overwritten in place, which the parent's 64 a call had told."""
        inner = self._inner
        if every or len(inner) <= INSIDE_PER_CALL:
            return inner
        turn, self._inner_next = _in_turn(inner, self._inner_next, INSIDE_PER_CALL)
        return turn

    def changed(self, every: bool = False) -> str | None:
        """The first time a file is seen replaced, changed or gone since the scan was read, what
        that means to the user (naming the file), else None: told once a scan. every: look at
        all the files, not LOOKED_PER_CALL of the others (a read that failed: the replaced
        source is likely why, and the failure's message must say it)."""
        if self._told:
            return None
        news = None
        for path, was in self._looked(every):
            news = _news(path, was)
            if news is not None and path in self._inside:  # a chunk folder: which chunk
                files = self._inside[path]
                news = next(filter(None, (_news(f, w) for f, w in files)), None) or (
                    f"{path}: chunk files of the zarr store in this folder were written or "
                    "removed since the scan was opened: what napari shows and the docks read "
                    "may no longer match it; open the scan again once it is written"
                )
            if news is not None:
                break
        if news is None:  # a chunk written over in place: its folder is as it was
            news = next(filter(None, (_news(f, w) for f, w in self._inner_looked(every))), None)
        if news is None:
            return None
        with self._lock:
            if self._told:
                return None
            self._told_flag.told = True
        return news


def _in_turn(items: list, start: int, n: int) -> tuple[list, int]:
    """`n` of `items` (more than `n`) from `start` on, wrapping round to the first, and where the
    next `n` start: FileStamp's files looked at in turn, a few a call."""
    start %= len(items)
    end = start + n
    return items[start:end] + items[: max(0, end - len(items))], end


def _stats(paths) -> list:
    """(path, os.stat) of each of `paths` that can be looked at."""
    out = []
    for p in paths:
        try:
            out.append((p, os.stat(p)))
        except (OSError, ValueError):
            continue
    return out


def _news(path, was) -> str | None:
    """What the file at `path`, whose _identity was `was`, being gone, replaced or modified
    since means to the user (naming it), or None where it is as it was (or cannot be looked
    at)."""
    try:
        now = _identity(os.stat(path))
    except FileNotFoundError:
        return (
            f"{path}: the file is gone (deleted or moved) since the scan was opened: "
            "what napari shows and the docks read is the scan as it was then"
        )
    except (OSError, ValueError):
        return None
    if now[0] != was[0] or (now[1] != was[1] and _inodes_kept(was[0])):
        return (
            f"{path}: the file was replaced since the scan was opened (another file now "
            "has its name: an export or copy over it?): napari shows, and the docks "
            "read, the scan as it was when opened, not the file now on disk; open the "
            "file again to see the new one"
        )
    if now[2:] != was[2:]:  # (a new inode alone, where inodes are made up: no news)
        how = (
            f"from {was[2]:,} to {now[2]:,} bytes"
            if now[2] != was[2]
            else "its modification time changed"
        )
        return (
            f"{path}: the file was modified since the scan was opened ({how}: written "
            "over in place?): what napari shows and the docks read may no longer match "
            "it; open the file again once it is written"
        )
    return None


class _Told:
    """Whether a file's change was told (FileStamp), shared by the stamps of one file."""

    told = False


_SHARED_LOCK = threading.Lock()
#: (files, as they were) -> their _Told, while a stamp of them lives (weakly: a closed scan's
#: stamp frees it; a file written anew has another identity, so another flag)
_TOLD_FLAGS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


#: File systems that make a file's inode number up as it is looked up rather than keep it:
#: FAT's (Linux's vfat and exfat number a file anew once it is not held open) and CIFS mounted
#: noserverino (the client numbers the files itself). A new inode there is no new file: a scan
#: on a USB stick or such a share was told "replaced" though nothing had touched it.
MADE_UP_INODES = frozenset({"vfat", "msdos", "exfat", "fat", "umsdos"})


@functools.lru_cache(maxsize=32)
def _inodes_kept(dev: int) -> bool:
    """Whether the file system on device `dev` keeps its files' inode numbers (mount_keeps_inodes
    of /proc/self/mountinfo); True where that cannot be looked at (not Linux), as before."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            return mount_keeps_inodes(fh.read(), dev)
    except (OSError, ValueError):
        return True


def mount_keeps_inodes(mountinfo: str, dev: int) -> bool:
    """False where the mount of device `dev` in `mountinfo` (/proc/self/mountinfo's text) is a
    file system of made-up inode numbers (MADE_UP_INODES, or cifs/smb3 with noserverino)."""
    if not hasattr(os, "major"):
        return True
    want = f"{os.major(dev)}:{os.minor(dev)}"
    for line in mountinfo.splitlines():
        fields, sep, tail = line.partition(" - ")
        if not sep or fields.split()[2:3] != [want]:
            continue
        fstype, *rest = tail.split()
        options = set(",".join(rest[1:2] + fields.split()[5:6]).split(","))
        if fstype in MADE_UP_INODES or (fstype in ("cifs", "smb3") and "noserverino" in options):
            return False
    return True


def _identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
