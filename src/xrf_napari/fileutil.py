"""Output files: written atomically, never over an input, refused before the compute if unwritable.

Atomic: a crash or Ctrl-C never leaves a half-written result under the final name. The temporary
beside it is named `.NAME.HOST-PID.XXXX.SUFFIX` (HOST: a short hash of the host name), so a later
run can tell a dead process's leftover (removed) from a live one's or another machine's on a shared
folder (kept), even after `kill -9`. Commands clean their outputs' leftovers when they start
(`check_outputs`), not on every write: a folder of 100,000 cubes is not rescanned per cube.

A command that writes several files that belong together (a report, the maps of one scan) wraps
them in `atomic_set()`: every file is finished as its temporary first and they are all moved into
place at the end, so an interrupted run leaves the earlier run's set whole, never half of each.
Durable: each temporary is flushed to the disk (fsync) before it is renamed, and the folder after
(POSIX), so a power cut after the rename cannot leave the final name empty or half written.
A failed write names its file (`cannot write PATH: No space left on device`), and `made_folder`
removes an output folder the failed run created. Names and paths go into files through
`printable`.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import os
import re
import socket
import stat
import tempfile
from pathlib import Path

#: Files that are one input together (the ripple header and its binary): guard both.
_SIBLING_SUFFIXES = {".rpl": (".raw",), ".raw": (".rpl",)}
#: A TIFF's suffixes: the scan reader's (io.registry), the photograph reader's, what
#: export.write_image writes beside .png.
TIFF_SUFFIXES = (".tif", ".tiff")
#: Suffixes of the inputs whose reader reads a JSON calibration sidecar: those io.registry gives to
#: an io.arrays reader (.npy, .npz, TIFF, zarr, .datastack). Written out here, as this base module
#: may not import io (tests/test_layers.py); tests/test_layer44.py checks it against the registry.
SIDECAR_SUFFIXES = (".npy", ".npz", *TIFF_SUFFIXES, ".zarr", ".datastack")
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.[A-Za-z0-9_]+\.[^.]*$")
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


#: Longest file name, in bytes, of the usual file systems (ext4, XFS, btrfs, APFS; NTFS counts 255
#: UTF-16 units, which a name of 255 UTF-8 bytes never exceeds).
NAME_MAX = 255
#: What a temporary's name adds to its output's, besides the suffix: "." + "." + host + "-",
#: a process id of up to 10 digits, "." and mkstemp's 8 random characters.
_TEMP_EXTRA = 3 + len(_HOST) + 10 + 1 + 8


def _temp_name(name: str, suffix: str | None = None) -> str:
    """`name` as its temporary holds it: cut, at a whole character, so that the temporary (of
    `suffix`, else the name's own suffix) stays within NAME_MAX bytes. A save under a name of
    235 bytes (77 CJK characters), which the disk takes, was refused "File name too long": its
    temporary's name, about 30 bytes longer, was not."""
    room = NAME_MAX - _TEMP_EXTRA - len(os.fsencode(suffix or Path(name).suffix or ".tmp"))
    while len(os.fsencode(name)) > room and name:
        name = name[:-1]
    return name


def temp_prefix(name: str, pid: int | None = None, suffix: str | None = None) -> str:
    """Start of the name of a temporary of output `name` written by process `pid` on this host,
    whose name ends in `suffix` (default: the name's own; see `_temp_name`)."""
    return f".{_temp_name(name, suffix)}.{_HOST}-{os.getpid() if pid is None else pid}."


#: The (temporary, final path) pairs of the innermost `atomic_set`, or None outside one.
_PENDING: contextvars.ContextVar[list | None] = contextvars.ContextVar("_PENDING", default=None)


class OutputError(ValueError):
    """An output that would overwrite an input, or that cannot be written. `clash`: the input
    file or folder the output is, or lies inside (None when it cannot be written for another
    reason), so a caller adds its own words to a clash without matching this message's."""

    def __init__(self, message: str, clash=None):
        super().__init__(message)
        self.clash = clash


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text) -> str:
    """A path or scan name as it can go into a UTF-8 file, an HDF5 attribute, a CSV comment, a
    page or a plot title: the bytes of a name that is not valid UTF-8 (a Latin-1 name from an old
    share, which Python holds as surrogates) as \\xNN, a line break or other control character as
    \\n, \\x01. Written raw, such a name failed the save after the whole compute, or broke a
    comment line in two."""
    text = os.fspath(text) if isinstance(text, os.PathLike) else text
    if isinstance(text, bytes):
        raw = text
    else:
        try:
            raw = os.fsencode(str(text))
        except UnicodeEncodeError:  # a surrogate no file name made
            raw = str(text).encode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def cannot_write(path, exc: OSError, action: str = "write") -> OSError:
    """`exc` as one line naming the file (`cannot write PATH: No space left on device`, its errno
    and class kept, PermissionError stays one): a bare `[Errno 28] No space left on device` left
    the user to guess which output. The system error of h5py's (HDF5's whole driver report) is
    taken from it (errors.system_error)."""
    from .errors import system_error

    code, text = system_error(exc)
    return os_error(code, f"cannot {action} {printable(path)}: {text or exc}")


def os_error(code: int | None, message: str) -> OSError:
    """An OSError of errno `code`'s subclass (PermissionError, FileNotFoundError, ...) saying
    `message` alone: a reworded error still caught as what it was."""
    cls = type(OSError(code, "")) if code else OSError  # errno -> its subclass
    err = cls(message)
    err.errno = code
    return err


#: Free space a streamed write keeps on its disk beyond the block it is about to write (HDF5's
#: metadata and chunk cache, 1 MiB a dataset by default).
FREE_SPACE_MARGIN = 8 * 2**20


def free_if_short(where: Path, need: int, margin: int = FREE_SPACE_MARGIN) -> int | None:
    """The bytes free on `where`'s disk when they are fewer than `need` plus `margin`, else
    None: the one lookup and comparison of check_free_space, check_room and the decoded TIFF
    stack's temporary file (io.arrays._unpacked_file, with a margin of its own)."""
    import shutil

    free = shutil.disk_usage(where).free
    return free if free < need + margin else None


def check_free_space(path, upcoming: int) -> None:
    """Raise ENOSPC (atomic_path adds the file) before writing `upcoming` bytes would leave
    its disk with less than FREE_SPACE_MARGIN: HDF5 failing on a full disk crashed the process
    as h5py freed its objects (h5py#914; napari gone with the user's session), while this error
    unwinds cleanly and the temporary is removed (a 50 MiB tmpfs, a 64 MiB cube: rc 139 before,
    this message after; 72 MiB still takes it). Compressed writes take less than `upcoming`,
    so the guard is checked per block, not once for the whole file."""
    import errno

    path = Path(path)
    free = free_if_short(path.parent if not path.is_dir() else path, upcoming)
    if free is not None:
        raise OSError(  # atomic_path names the file (cannot_write)
            errno.ENOSPC,
            f"its disk has {free / 2**20:,.0f} MiB free, less than the next "
            f"{upcoming / 2**20:,.0f} MiB block plus a margin of {FREE_SPACE_MARGIN // 2**20} MiB: "
            "free some space or choose another disk",
        )


def size_text(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.1f} MiB"


def cache_dir(kind: str) -> Path:
    """The user's cache folder for `kind` (samples, decoded stacks): $XDG_CACHE_HOME or
    ~/.cache, under xrf-napari/. Here, not with its users, so io (a low layer) and the sample
    loader (a high one) share it."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "xrf-napari" / kind


class NoRoomError(OSError):
    """check_room's refusal: errno ENOSPC, and as text its message alone (not "[Errno 28] ...");
    it crosses a process pool whole (a plain OSError's errno set afterwards is lost there)."""

    def __str__(self) -> str:
        return str(self.strerror)


def existing_above(folder) -> Path:
    """`folder`, or where it is made later its nearest existing folder above: whose disk it is."""
    there = Path(folder)
    while not there.exists() and there != there.parent:
        there = there.parent
    return there


def disk_id(folder) -> int:
    """The device `folder` (or, made later, its nearest existing folder above) is on: outputs
    with one disk_id share its free space."""
    return os.stat(existing_above(folder)).st_dev


def check_room(folder, need: int, what: str, hint: str = "") -> None:
    """Refuse, before a command writes, outputs of up to `need` bytes (its estimate, an upper
    bound: compressed data counted uncompressed) into `folder` (created later if missing) when
    its disk has less free than that plus FREE_SPACE_MARGIN: a NoRoomError naming the folder,
    the bytes needed and free. The CLIs' HDF5 writers had no such check, and HDF5 meeting a full
    disk crashes the process (check_free_space). `hint`: what else the user can change (", or
    ..."), after "free some space or choose another folder"."""
    import errno

    folder = Path(folder)
    free = free_if_short(existing_above(folder), need)
    if free is not None:
        raise NoRoomError(
            errno.ENOSPC,
            f"not enough free space in {printable(folder)} for {what}: up to "
            f"{size_text(need)} ({need:,} bytes) plus a margin of "
            f"{FREE_SPACE_MARGIN // 2**20} MiB are needed, its disk has {size_text(free)} "
            f"({free:,} bytes) free: free some space or choose another folder{hint}",
        )


@contextlib.contextmanager
def made_folder(folder):
    """Create `folder` (and missing parents) for the block's outputs; if the block fails, remove
    those it created that are still empty: a failed run leaves no empty folder behind. A folder
    that cannot be made is named ("cannot create the folder PATH: Permission denied"): the bare
    "[Errno 1] Operation not permitted: 'out'" came where the check before the run (os.access)
    passes but the disk refuses, as on a network share or a folder an ACL closes."""
    folder = Path(folder)
    made, p = [], folder
    while not os.path.lexists(p) and p != p.parent:
        made.append(p)
        p = p.parent
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise cannot_write(folder, exc, "create the folder") from exc
        yield folder
    except BaseException:
        for p in made:  # the deepest first
            with contextlib.suppress(OSError):
                p.rmdir()
        raise


def _umask() -> int:
    """The process umask without changing it
    (os.umask(0) would briefly open up other threads' files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(folder, name: str | None = None) -> list[Path]:
    """Delete this module's temporaries in `folder` (of output `name` only, if given) whose writer
    process on this host is gone; a live writer's or another host's is left alone. Returns them."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP_RE.match(p.name)
        if (
            not m
            or m["host"] != _HOST
            or (name is not None and m["name"] != _temp_name(name))
            or _pid_alive(int(m["pid"]))
        ):
            continue
        with contextlib.suppress(OSError):
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(p)
    return removed


def is_temporary(path) -> bool:
    """True for hidden files (dot files), which include every temporary of `atomic_path`."""
    return Path(path).name.startswith(".")


def hidden_name(path, example: str) -> str:
    """Why an output named `path` is refused where its name starts with a dot (".x.png",
    ".png", "..."), else "": such a file is hidden, as atomic_path's temporaries are, and file
    browsers and napari's Open dialog do not show it. One rule of the docks' save dialogs,
    `recolour -o` (which wrote the hidden .x.png the dialogs refused) and embed's prefix;
    `example`: a name to give instead."""
    if not os.path.basename(os.fspath(path)).startswith("."):
        return ""
    return (
        "a name starting with a dot makes a hidden file, which file browsers and napari's Open "
        f"dialog do not show: give it a name, e.g. {example}"
    )


#: errnos of a file system that cannot fsync (some network and FUSE mounts): nothing to flush.
_NO_FSYNC = {"EINVAL", "ENOTSUP", "EOPNOTSUPP", "ENOSYS", "EBADF", "EISDIR"}


def _fsync_unsupported(exc: OSError) -> bool:
    import errno

    return any(exc.errno == getattr(errno, name, None) for name in _NO_FSYNC)


def fsync_file(path) -> None:
    """Flush `path`'s data to the disk before it is renamed onto its final name: without it a
    power cut soon after the rename can leave the renamed file empty (ext4, XFS journal the
    rename before the data). A writer that made a folder (not a file) is left as it is; an error
    of a file system that cannot fsync is ignored, a real one (EIO) raised.

    Opened for writing (it is this process's temporary): Windows, an SMB share mounted with cifs
    and a Windows host's folder mounted in a VM refuse to flush a handle opened read-only
    (EACCES), which failed every output written there ("cannot write ...: Permission denied")
    after the whole compute. A temporary this process may only read (a writer that made it
    read-only) is flushed read-only, and that refusal ignored: its data is written."""
    import errno

    path = Path(path)
    if not path.is_file():
        return
    writable = True
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        writable = False
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return  # no access to reopen it: the rename still happens
    try:
        os.fsync(fd)
    except OSError as exc:
        refused = not writable and exc.errno in (errno.EACCES, errno.EPERM)
        if not (refused or _fsync_unsupported(exc)):
            raise
    finally:
        os.close(fd)


def fsync_folder(folder) -> None:
    """Best effort: flush `folder`'s entries (the renames into it) to the disk on POSIX; Windows
    cannot open a folder for it, and a failure here loses nothing already written."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_target(path) -> Path:
    """Where an output named `path` is written: `path`, or, where it is a symbolic link, the file
    it leads to (through every link), as a shell's `>` and most tools write. The rename of an
    atomic write replaced the link itself by a file, and the file linked to kept the old result.
    A link leading into a folder that does not exist, and a loop of links, are refused naming
    the path (a loop was "[Errno 40] Too many levels of symbolic links")."""
    path = Path(path)
    if not os.path.islink(path):
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:  # a link to a file not made yet: made, where its folder is
        target = Path(os.path.realpath(path))
        if target.parent.is_dir():
            return target
        raise OutputError(
            f"cannot write {printable(path)}: it is a symbolic link to {printable(target)}, whose "
            "folder does not exist"
        ) from None
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise cannot_write(path, exc) from exc
        raise OutputError(f"cannot write {printable(path)}: {link_loop()}") from None


def not_a_regular_file(path) -> OutputError:
    """The refusal of an output that exists as a folder (or a device, a pipe): one wording from
    check_outputs and from atomic_path, which a script's writes reach unchecked (it said the
    same without the way on, and named the path unprintably). A folder is called one, as
    `recolour -o` calls it (folder_output): a save onto "dir.csv" said "it exists and is not a
    regular file" where the command said "is a folder"."""
    what = "is a folder, not a file" if os.path.isdir(path) else "exists and is not a regular file"
    return OutputError(f"cannot write {printable(path)}: it {what}; choose another output")


def folder_output(path, example, option: str = "") -> str:
    """The refusal of a file output `path` that is a folder (or ends in a separator), in
    not_a_regular_file's words, with a file name to give in it (`example`): `recolour -o`'s
    (naming its `option`) and the docks' save dialogs' ("adir/" had become "adir/.png")."""
    shown = printable(path)
    where = f"{option} {shown}: is" if option else f"cannot write {shown}: it is"
    return f"{where} a folder, not a file; give a file name in it, e.g. {printable(example)}"


def link_loop(name: str = "it", instead_of: str = "") -> str:
    """What is wrong with an output (`name`, or a folder above it) that is a symbolic link leading
    back to itself, and the way on: one wording wherever a loop is met. `instead_of`: what the
    path had to be ("a folder")."""
    instead = f", not {instead_of}" if instead_of else ""
    return (
        f"{name} is a loop of symbolic links (it leads back to itself){instead}: remove it, or "
        "choose another output"
    )


def is_link_loop(path) -> bool:
    """Whether `path` is a symbolic link that leads back to itself (through other links)."""
    if not os.path.islink(path):
        return False
    try:
        os.path.realpath(path, strict=True)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def in_the_way(paths, ours) -> list[Path]:
    """The outputs of `paths` present that a run would replace though no earlier run wrote them:
    all those present, unless `ours()` (called only then; it reads the set's mark, such as a
    report.html's generator or an embed latent.h5's attributes) says they are an earlier run's,
    written together. A symbolic link leading nowhere is not present: atomic_path writes the
    file it names (write_target) and keeps the link, so nothing of the user's is lost. Shared
    by `embed -o` and `pigments -o`, which replaced a user's own file of a generic name."""
    present = [Path(p) for p in paths if Path(p).exists()]
    if not present or ours():
        return []
    return present


@contextlib.contextmanager
def atomic_path(path, suffix: str | None = None):
    """Yield a temporary path beside `path`; move it onto `path` only if the block succeeds.
    Where `path` is a symbolic link, the file it leads to is written (`write_target`), its
    temporary beside that file (a rename stays on one file system), and the link is kept.

    A new file gets the mode a plain open() would give (0666 & ~umask), whatever the writer used
    (mkstemp and safetensors make 0600); a file replaced keeps its own, as a shell's `>` keeps it
    (a 0600 result replaced became 0644, readable by others). The temporary is fsynced before
    the rename and the folder after it (`fsync_file`, `fsync_folder`): a power cut leaves the
    old file or the new one, never an empty one under the final name."""
    path = Path(path)
    target = write_target(path)
    st = _stat_or_none(target)  # one stat: whether it is there, a regular file, and its mode
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise not_a_regular_file(path)
    mode = st.st_mode & 0o777 if st is not None else 0o666 & ~_umask()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = suffix or target.suffix or ".tmp"
        fd, tmp = tempfile.mkstemp(
            prefix=temp_prefix(target.name, suffix=suffix), suffix=suffix, dir=target.parent
        )
        os.close(fd)
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, mode)
        fsync_file(tmp)
        pending = _PENDING.get()
        if pending is None:
            os.replace(tmp, target)
            fsync_folder(target.parent)
        else:  # inside atomic_set: moved with the others when the set is complete
            pending.append((tmp, target, path))
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise cannot_write(path, exc) from exc
        raise


@contextlib.contextmanager
def atomic_set():
    """Files written with `atomic_path` inside the block reach their names together when it ends
    (a few renames) and none does if it fails or is interrupted; a nested block joins the outer.
    Only this thread's writes join (a context variable)."""
    if _PENDING.get() is not None:
        yield
        return
    pending: list = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        for tmp, *_ in pending:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
    finally:
        _PENDING.reset(token)
    folders = {dst.parent for _, dst, _ in pending}
    try:
        while pending:
            os.replace(*pending[0][:2])
            del pending[0]
        for folder in folders:  # each temporary was fsynced by atomic_path
            fsync_folder(folder)
    except BaseException as exc:
        target = pending[0][2] if pending else None  # as the user named it
        for tmp, *_ in pending:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        if isinstance(exc, OSError) and target is not None:
            raise cannot_write(target, exc) from exc
        raise


# -- partners: where the readers look for the files read with an input -------------------------
# Pure path rules, here in the base layer so that both the readers (io.limits, io.calibration
# re-export them) and the output guard below use one definition without fileutil importing io.
def pair_places(path) -> list[Path]:
    """Where a file's partner (a .rpl's .raw, an array's JSON sidecar) is looked for: beside
    `path`, then, where `path` itself is a symbolic link, beside the file it links to (as
    that file is named). A .rpl linked alone into another folder had its .raw looked for beside
    the link only, and was refused though the pair lay together; beside the link first, as a
    user may link both."""
    path = Path(path)
    real = Path(os.path.realpath(path))
    if real == Path(os.path.realpath(path.parent)) / path.name:  # not a link itself
        return [path]
    return [path, real]


def sidecar_path(path) -> Path:
    """`scan.npy` -> `scan.json` (also `scan.npy.json`, and for an OME-TIFF `scan.ome.tif` also
    `scan.json`, if that is the one that exists); `.JSON` too, as the scan's own suffix is
    matched in any case: `SCAN.NPY` beside `SCAN.JSON` (files named on Windows, read on Linux)
    opened without the sidecar's calibration, as a file with none. Looked for beside `path`,
    then beside the file it links to where it is a symbolic link (pair_places): an .npy
    linked alone into another folder opened uncalibrated, its sidecar beside the real file."""
    path = Path(path)
    for place in pair_places(path):
        stems = [place.stem, place.name]
        if place.stem.lower().endswith(".ome"):
            stems.append(place.stem[: -len(".ome")])
        for stem in stems:
            for ext in (".json", ".JSON"):
                cand = place.with_name(stem + ext)
                if cand.is_file():
                    return cand
    return path.with_suffix(".json")


# -- output guard --------------------------------------------------------------------------------
def input_files(*paths) -> list[Path]:
    """The given inputs plus the files the readers read with them: a ripple .rpl's .raw and vice
    versa, an array file's JSON calibration sidecar, an HDF5 file's external raw files and
    virtual datasets' sources (hdf5_partners). Their partners are looked for where the
    readers look (pair_places): beside the path, then, where it is a symbolic link,
    beside the file it links to. A .rpl linked into a project folder reads the .raw beside its
    target, and saving over that .raw was not refused, as it was looked for beside the link only."""
    out = []
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        out.append(p)
        partners = _SIBLING_SUFFIXES.get(p.suffix.lower())
        for place in pair_places(p) if partners else ():
            if place.parent.is_dir():
                with contextlib.suppress(OSError):
                    out += [
                        q
                        for q in place.parent.iterdir()
                        if q.stem == place.stem and q.suffix.lower() in partners and q.is_file()
                    ]
        if p.suffix.lower() in SIDECAR_SUFFIXES:
            side = sidecar_path(p)
            if side.is_file():
                out.append(side)
        out += hdf5_partners(p)
    return out


#: What an HDF5 file holds at byte 0, or at 512, 1024, 2048... behind a user block (MATLAB v7.3's
#: is 512 bytes; _hdf5_behind_user_block looks further). Here, in the
#: base layer, for the output guard (hdf5_partners); io.limits' file kinds use it too.
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"

#: What every .npy file starts with (numpy.lib.format).
NPY_MAGIC = b"\x93NUMPY"


def is_text(head: bytes) -> bool:
    """The first bytes decode as UTF-8 text of printable characters and line ends (for saying
    what a file named .npy or .h5 really is)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:  # a character cut at the 512th byte is still text
        text = head[:-3].decode("utf-8", "replace")
        if "\ufffd" in text:
            return False
    return all(c.isprintable() or c in "\t\r\n" for c in text)


#: The first bytes of the formats a misnamed file is told to be (TIFF: little/big-endian, BigTIFF).
TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
#: What a file of each binary file_kind starts with, in kind_of's order (an HDF5 file may also
#: have its signature at byte 512, 1024, ...: behind a user block).
SIGNATURES = {
    "npy": (NPY_MAGIC,),
    "hdf5": (HDF5_SIGNATURE,),
    "zip": (b"PK\x03\x04",),
    "tiff": TIFF_MAGICS,
}


def file_kind(path) -> str | None:
    """What a file starts as: 'npy', 'hdf5', 'zip', 'tiff', 'text', or None (none of these),
    for saying what a file named .npy or .h5 really is. One test for both readers: the .npy
    one (arrays.not_npy) had its own and did not know a TIFF, the .h5 one (hdf5._looks_like)
    did not know an HDF5 file behind a user block. OSError when it cannot be read."""
    return file_head(path)[1]


def file_head(path, n: int = 520) -> tuple[bytes, str | None]:
    """A file's first `n` bytes (520 at least) and its file_kind, on one open: the HDF5
    reader's refusal of a file that is none had opened it five times to say what it is."""
    with open(path, "rb") as fh:
        head = fh.read(max(n, 520))
        kind = kind_of(head[:520])
        if kind in (None, "text") and _hdf5_behind_user_block(fh):
            kind = "hdf5"
    return head, kind


def _hdf5_behind_user_block(fh) -> bool:
    """The HDF5 signature at 1024, 2048, ... bytes: behind a user block larger than MATLAB's
    512 bytes (h5py's userblock_size), which HDF5 opens; such a file was refused as 'a text
    file' or as no HDF5 (the scan readers, read_targets, the output guard)."""
    offset, size = 1024, os.fstat(fh.fileno()).st_size
    while offset + 8 <= size:
        fh.seek(offset)
        if fh.read(8) == HDF5_SIGNATURE:
            return True
        offset *= 2
    return False


def kind_if_readable(path) -> str | None:
    """file_kind, or None where the file cannot be read either: for a hint in a message about
    the file, which its reader's own open words (read_bounded, is_hdf5, image_fault's)."""
    try:
        return file_kind(path)
    except OSError:
        return None


def kind_of(head: bytes) -> str | None:
    """file_kind of a file's first 520 bytes, for a reader that holds them already (the text
    readers' refuse_binary: they read the whole file once, through read_bounded)."""
    for kind, signatures in SIGNATURES.items():
        if head.startswith(signatures):
            return kind
    if head[512:520] == HDF5_SIGNATURE:
        return "hdf5"
    return "text" if is_text(head[:512]) else None


def cut_in_signature(head: bytes) -> str | None:
    """The binary file_kind whose signature a whole file of these bytes begins, cut short
    before its end ('II' or 'MM\\0' of a TIFF, '\\x93NUM' of an .npy), or None: two bytes
    at least, fewer than the signature. kind_of calls such a file text or nothing, and a
    reader had told a TIFF cut after 2 bytes 'it is a text file', after 3 'it does not start
    with a TIFF's II/MM byte-order mark'."""
    if len(head) < 2:
        return None
    for kind, signatures in SIGNATURES.items():
        if any(len(head) < len(s) and s.startswith(head) for s in signatures):
            return kind
    return None


#: What each file_kind is, in words: one table for a misnamed file's hint (KIND_HINTS) and for
#: a file given as a picture (colour_prior.image_fault).
KIND_NAMES = {
    "npy": "a NumPy .npy array",
    "hdf5": "an HDF5 file",
    "zip": "a zip archive",
    "tiff": "a TIFF image",
    "text": "a text file",
}
#: The suffix that opens a file of each kind that has one of its own.
_KIND_SUFFIXES = {"npy": ".npy", "hdf5": ".h5", "tiff": ".tif"}

#: What each file_kind is, and the name that would open it, for a file named as another format
#: ('it is an HDF5 file: rename it .h5').
KIND_HINTS = {
    kind: f"it is {name}"
    + (f": rename it {_KIND_SUFFIXES[kind]}" if kind in _KIND_SUFFIXES else "")
    for kind, name in KIND_NAMES.items()
}


#: Most objects of an HDF5 input hdf5_partners looks through.
MAX_HDF5_OBJECTS = 20_000


def hdf5_partners(path, _seen=None) -> list[Path]:
    """The files an HDF5 input's datasets read their data from: external raw files (h5py
    `external=`) and virtual datasets' source files, where they exist, named relatively beside
    the file or, through a symbolic link, beside the file it links to (pair_places, where the
    reader looks). They were not guarded: saving an output over `cube.raw` destroyed the data of
    the scan it was computed from. Any file starting with the HDF5 signature is looked into
    (a .mat, an HDF5 file under another name); nothing is ever raised, as this is a guard.

    The files its HDF5 external links lead to (h5py ExternalLink: the scan's dataset in another
    .h5), found where HDF5 finds them (hdf5_link_targets), and, in turn, their own partners and
    links: an output saved as the linked file destroyed the data, though the .h5 opened was
    guarded. _seen: the files already looked into (links between files may form a cycle).

    Opened through a Python file object, so HDF5 sees another file than the one the reader holds
    open: opening a dataset plainly while the reader reads it with an external-file prefix would
    fail one of the two ('new external file prefix does not match', see io.lazy); nor does it
    follow the links itself (a file object has no folder to resolve them from)."""
    path = Path(path)
    seen = set() if _seen is None else _seen
    names: list[str] = []
    links: list[str] = []
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return []
        key = os.path.realpath(path)
        if key in seen:
            return []
        seen.add(key)
        with open(path, "rb") as fh:
            head = fh.read(520)
            if HDF5_SIGNATURE not in (head[:8], head[512:520]) and not (
                _hdf5_behind_user_block(fh)
            ):
                return []
            fh.seek(0)
            import h5py

            with h5py.File(fh, "r") as f:
                seen_objects = [0]

                def links_of(group):
                    for name in group:  # the link names: nothing is opened
                        seen_objects[0] += 1
                        if seen_objects[0] > MAX_HDF5_OBJECTS:
                            return
                        link = group.get(name, getlink=True)
                        if isinstance(link, h5py.ExternalLink):
                            links.append(link.filename)

                def visit(_name, obj):
                    seen_objects[0] += 1
                    if seen_objects[0] > MAX_HDF5_OBJECTS:
                        return True  # stop: a bounded look
                    if isinstance(obj, h5py.Group):
                        links_of(obj)  # visititems follows hard links only
                    elif isinstance(obj, h5py.Dataset):  # not a named datatype
                        names.extend(hdf5_sources(obj))
                    return None

                links_of(f)
                f.visititems(visit)
    except (OSError, ValueError, RuntimeError, KeyError, TypeError, ImportError):
        pass  # unreadable here: its reader says why; the partners found so far are kept
    out: list[Path] = []
    folders = [p.parent for p in pair_places(path)]
    for name in dict.fromkeys(names):
        if name in ("", ".") or "%" in name:  # the file itself; a printf-style pattern
            continue
        # and where HDF5 finds a virtual source under $HDF5_VDS_PREFIX (io.limits.
        # virtual_sources reads it there): such a source was not guarded
        prefixed = [q for step in hdf5_link_places(path, name, "HDF5_VDS_PREFIX") for q in step]
        name = Path(name)
        if (efile := hdf5_efile_prefix(path)) is not None and not name.is_absolute():
            prefixed.append(efile / name)  # an external raw file where HDF5 reads it
        for cand in ([name] if name.is_absolute() else [fo / name for fo in folders]) + prefixed:
            if cand.is_file() and cand not in out:
                out.append(cand)
    for name in dict.fromkeys(links):
        for linked in hdf5_link_targets(path, name):
            if linked in out or same_file(linked, path):  # a link to itself is no partner
                continue
            out.append(linked)
            out += [q for q in hdf5_partners(linked, seen) if q not in out]
    return out


def hdf5_sources(d) -> list[str]:
    """The file names an HDF5 dataset reads its data from, as written in it: its external raw
    files or its virtual sources' files (hdf5_partners; io.hdf5's first look reads them by this
    too, so that a look leaves nothing of hdf5_partners unread)."""
    if d.external:
        return [os.fsdecode(n) for n, _o, _s in d.external]
    if d.is_virtual:
        return [vs.file_name for vs in d.virtual_sources()]
    return []


def hdf5_link_places(path, name: str, prefix: str = "HDF5_EXT_PREFIX") -> list[list[Path]]:
    """Where HDF5 looks for the file an external link of `path` naming `name` leads to
    (H5Lcreate_external), in its order, one list a step: an absolute name as given; then, by the
    name (its last part where the absolute one is missing), in each folder of $HDF5_EXT_PREFIX
    as written, beside the file holding the link (and, through a symbolic link, beside the file
    it links to: where pair_places looks), and last in the working directory. hdf5_link_targets
    finds by it and a missing file's message lists it, so the two cannot tell different rules.
    prefix: the variable of the folders, HDF5_VDS_PREFIX for a virtual dataset's source files
    (HDF5 looks for them by the same rule, then in the whole value as one folder where it starts
    with `${ORIGIN}`, the folder of `path`)."""
    if not name or name == ".":
        return []
    given = Path(name)
    steps: list[list[Path]] = []
    if given.is_absolute():
        steps.append([given])
        given = Path(given.name)
    value = os.environ.get(prefix, "")
    prefixes = [Path(p) for p in value.split(os.pathsep) if p]  # as written: no ${ORIGIN}
    if prefix == "HDF5_VDS_PREFIX" and value.startswith("${ORIGIN}"):
        # the whole value, its leading ${ORIGIN} the folder of `path`, as HDF5 takes it (for
        # virtual sources only): ${ORIGIN} expanded anywhere in each folder (and in
        # $HDF5_EXT_PREFIX) found a source HDF5 did not read, the scan opening as its fill value
        prefixes.append(Path(_origin_expanded(value, path)))
    steps += [[folder / given] for folder in dict.fromkeys(prefixes)]
    steps.append(list(dict.fromkeys(p.parent / given for p in pair_places(path))))
    steps.append([Path.cwd() / given])
    return steps


def hdf5_efile_prefix(path) -> Path | None:
    """The one folder HDF5 resolves a dataset's relative external raw file names against where
    $HDF5_EXTFILE_PREFIX is set (H5Pset_efile_prefix; the variable wins over the prefix a reader
    sets): its whole value (no list of folders), a leading `${ORIGIN}` the folder of `path`, the
    file holding the dataset, relative to the working directory ('.': the working directory);
    None where it is unset or empty. The reader and the output guard looked beside the file
    only, so such a scan that h5py reads was refused as missing its raw file."""
    value = os.environ.get("HDF5_EXTFILE_PREFIX", "")
    if not value:
        return None
    return Path(os.path.abspath(_origin_expanded(value, path)))


def _origin_expanded(value: str, path) -> str:
    """A prefix variable's `value` with its leading `${ORIGIN}` (if any) made the folder of
    `path`, the file HDF5 reads through it ($HDF5_VDS_PREFIX, $HDF5_EXTFILE_PREFIX)."""
    if value.startswith("${ORIGIN}"):
        return os.path.dirname(os.path.abspath(path)) + value[len("${ORIGIN}") :]
    return value


def hdf5_link_targets(path, name: str) -> list[Path]:
    """The file an HDF5 external link of `path` naming `name` leads to, where HDF5 looks for it
    (hdf5_link_places): the existing places of the first step with one (both of a symbolic
    link's, as the reader may open either): [] where none exists."""
    for step in hdf5_link_places(path, name):
        found = [c for c in step if c.is_file()]
        if found:
            return found
    return []


def same_file(a: Path, b: Path) -> bool:
    """Same file or folder: one path, a symlink to the other, or a hard link (same device and
    inode); where either cannot be looked at (not there yet, a NUL byte in it), one path. The
    commands' and the writer's output guards and `pigments --labels` (the scan's own file) ask
    it."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.abspath(a) == os.path.abspath(b)


def _inside(path: Path, folder: Path) -> bool:
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder))
    except (OSError, ValueError):
        return False


def _writable_folder(folder: Path, what: Path, probed: dict | None = None) -> None:
    """Raise OutputError unless `folder` is, or can be created as, a folder this process may
    write: a file is created and removed in it, or, where it is made later, in its nearest
    existing folder (_write_probe). os.access alone let through what the file system refuses
    (root under /sys, a read-only mount or share, an ACL): `recolour -o /sys/out.png` embedded
    and recoloured the scan, then failed to write. `probed`: folders already probed in this check,
    with their answer (one probe a folder however many outputs go there)."""
    anc = folder
    while not os.path.lexists(anc) and anc != anc.parent:
        anc = anc.parent
    if is_link_loop(anc):  # it said "loop is not a folder"
        raise OutputError(
            f"cannot write {printable(what)}: {link_loop(printable(anc), 'a folder')}"
        )
    if os.path.islink(anc) and not anc.exists():  # it said "dangling is not a folder"
        raise OutputError(
            f"cannot write {printable(what)}: {printable(anc)} is a symbolic link to "
            f"{printable(os.readlink(anc))}, which does not exist: create that folder, or choose "
            "another output"
        )
    out, name = printable(what), printable(anc)  # as the two refusals above
    if not anc.is_dir():
        raise OutputError(
            f"cannot write {out}: {name} is not a folder; choose another output folder"
        )
    if not os.access(anc, os.W_OK | os.X_OK):
        raise OutputError(
            f"cannot write {out}: folder {name} is not writable; choose another output folder"
        )
    probed = {} if probed is None else probed
    if anc not in probed:
        probed[anc] = _write_probe(anc)
    if probed[anc] is not None:
        raise OutputError(
            f"cannot write {out}: folder {name} refuses new files ({probed[anc]}); choose "
            "another output folder"
        )


def write_protected(path: Path, st: os.stat_result) -> bool:
    """An existing output whose write permission is off (chmod a-w), or that this process may not
    write: the atomic write renames a new file over it, which the folder's permission allows, so a
    file its owner had protected was silently replaced (and root's writes ignore permissions).
    Also quicklook's: a rerun keeps an earlier run's protected maps."""
    return not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
        path, os.W_OK
    )


def _write_probe(folder: Path) -> str | None:
    """Why a new file cannot be created in `folder` (its system error), or None: an empty file is
    created there, named as atomic_path's temporaries (remove_stale_temporaries takes it, were
    the process killed between), and removed. A folder that is there yet answers "No such file
    or directory" (/proc: its file system makes no files) is said to be so: that error read as
    if the folder were missing."""

    try:
        fd, name = tempfile.mkstemp(prefix=temp_prefix("write-check"), suffix=".tmp", dir=folder)
    except OSError as exc:
        if exc.errno == errno.ENOENT and folder.is_dir():
            return "its file system cannot hold files: a system one, such as /proc"
        return exc.strerror or str(exc)
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


def _input_folder(i: Path, folder_inputs=()) -> str:
    """The end of a clash with an input folder: a folder given where a file was meant (`--weights
    .`) is the likelier mistake than an output chosen inside a folder-store scan. An input that
    is a folder by design (`folder_inputs`: a training set's --data; a .zarr scan store) gets no
    such advice: the trainers told a user whose --out lay inside --data that --data "was meant to
    be a file", and `quicklook scan.zarr -o scan.zarr/ql` said so of the scan."""
    name = printable(i)  # as every refusal of check_outputs
    if not i.is_dir():
        return f"{name}: choose another output"
    by_design = [d for d in folder_inputs if d is not None and os.path.exists(d)]
    if i.suffix.lower() == ".zarr" or any(same_file(i, d) for d in by_design):
        return f"folder {name}: choose another output, outside it"
    return (
        f"folder {name}: choose another output; or, if {name} was meant to be a file (weights, "
        "labels, a photo), it is a folder: give the file"
    )


def name_too_long(path) -> str | None:
    """Why `path` cannot be made, one of its names being longer than its file system allows
    (NAME_MAX of the nearest existing folder above it, 255 bytes where that cannot be asked),
    else None: such an output was "[Errno 36] File name too long: 'xxx...'", the name cut
    nowhere and the limit unsaid."""
    path = Path(os.path.abspath(path))
    above = next((p for p in path.parents if os.path.isdir(p)), None)
    try:
        limit = os.pathconf(above, "PC_NAME_MAX") if above is not None else 255
    except (OSError, ValueError, AttributeError):  # not asked on Windows
        limit = 255
    if limit <= 0:  # -1: the file system sets no limit
        return None
    unit = "characters" if os.name == "nt" else "bytes"  # Windows counts UTF-16 characters
    for part in path.parts[1:]:
        n = len(part) if os.name == "nt" else len(os.fsencode(part))
        if n > limit:
            return (
                f"the name {printable(part[:24])}... is {n} {unit}, longer than the {limit} its "
                "file system allows"
            )
    return None


def _stat_or_none(f: Path) -> os.stat_result | None:
    """os.stat(f), or None where no file is there (f.exists()'s False): one stat, where
    `os.stat(f) if f.exists()` raised FileNotFoundError for a file removed between the two."""
    try:
        return os.stat(f)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # a loop of links: no file, as f.exists() said
        if exc.errno == errno.ELOOP:
            return None
        raise


@contextlib.contextmanager
def option_first(option, errors=ValueError):
    """A refusal of type `errors` raised inside starts with the command-line `option` that gave
    the path it is about (`--out: output folder X exists and is not a folder`), as argparse's
    own refusals do. The same exception is raised again, its message prefixed: its type and
    attributes stay (an OutputError's clash), so callers that catch it are unchanged. One
    mechanism for check_outputs, training.data.list_cubes and generate's --images, which each
    rebuilt the exception. For exceptions worded by their first argument (not WeightsError, which
    words itself: models.weights.weights_option names its option). option None: left as raised."""
    try:
        yield
    except errors as exc:
        if option is None:
            raise
        exc.args = (f"{option}: {exc}", *exc.args[1:])
        raise exc from None


def check_outputs(files=(), folders=(), inputs=(), folder_inputs=(), option=None) -> None:
    """Refuse, before any compute, outputs that would overwrite or sit inside an input, or that
    cannot be written. `files`: output files; `folders`: output folders (created later if missing);
    `inputs`: input files or folders (ripple partners added); `folder_inputs`: those of them that
    are folders by design (a dataset), whose clash says so (_input_folder). One OutputError line
    naming both paths, and first the command-line `option` that gave the outputs (--output,
    --out) where one did: quicklook's, embed's, recolour's, pigments' and export-set's refusals
    named none ("output folder X is, or lies inside, the input X") where the trainers' did. Then
    remove the leftovers of killed writers: of `files`, and any in `folders`."""
    with option_first(option, OutputError):
        _check_outputs(files, folders, inputs, folder_inputs)


def _check_outputs(files, folders, inputs, folder_inputs) -> None:
    ins = [Path(p) for p in input_files(*inputs) if os.path.exists(p)]
    probed: dict = {}
    for f in map(Path, folders):
        out = printable(f)  # every path of a refusal so, as _writable_folder's
        for i in ins:
            if same_file(f, i) or (i.is_dir() and _inside(f, i)):
                raise OutputError(
                    f"output folder {out} is, or lies inside, the input "
                    f"{_input_folder(i, folder_inputs)}",
                    clash=i,
                )
        if is_link_loop(f):  # it said "exists and is not a folder"
            raise OutputError(f"output folder {out}: {link_loop()}")
        if os.path.lexists(f) and not f.is_dir():
            raise OutputError(
                f"output folder {out} exists and is not a folder; choose another output folder"
            )
        _writable_folder(f, f, probed)
    for f in map(Path, [*folders, *files]):
        why = name_too_long(f)
        if why:
            raise OutputError(
                f"cannot write in {printable(f.parent)}: {why}; choose a shorter name"
            )
    targets = []  # where each file is written (a link's file): its folder probed, leftovers removed
    for f in map(Path, files):
        targets.append(target := write_target(f))
        out = printable(f)
        st = _stat_or_none(f)
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise not_a_regular_file(f)
        for i in ins:
            if same_file(f, i):
                raise OutputError(
                    f"output {out} is the input {printable(i)} (or a link to it): it would be "
                    "overwritten; choose another output",
                    clash=i,
                )
            if i.is_dir() and _inside(f, i):
                raise OutputError(
                    f"output {out} lies inside the input {_input_folder(i, folder_inputs)}",
                    clash=i,
                )
        # after the inputs: a write-protected scan saved over was told to "make it writable"
        if st is not None and write_protected(f, st):
            raise OutputError(
                f"cannot write {out}: the file is read-only (write-protected): make it "
                "writable, or choose another output"
            )
        _writable_folder(target.parent, f, probed)
    _refuse_one_file_twice(list(map(Path, files)), targets)
    for f in targets:
        remove_stale_temporaries(f.parent, f.name)
    for f in map(Path, folders):
        remove_stale_temporaries(f)


def _refuse_one_file_twice(files: list[Path], targets: list[Path]) -> None:
    """Two outputs of one run written through links to one file (embed's prefix_latent.h5 a
    link to its prefix_labels.h5) would each replace the other: the first result lost, though
    both were said written."""
    seen: dict = {}
    for f, target in zip(files, targets):
        key = os.path.normcase(os.path.realpath(target))
        earlier = seen.setdefault(key, f)
        if os.path.abspath(earlier) != os.path.abspath(f):  # one output listed twice is one
            raise OutputError(
                f"outputs {printable(earlier)} and {printable(f)} lead to one file, "
                f"{printable(target)} (a symbolic link): one would overwrite the other; remove "
                "the link, or choose another output"
            )


def check_output_folder(folder, names=(), inputs=(), folder_inputs=(), option=None) -> None:
    """check_outputs for a command writing the files `names` into `folder`. `option`: the
    command-line option that gave the folder (--out), which a refusal then starts with: the
    trainers' `--out FILE` said "output folder FILE exists and is not a folder", naming none."""
    if folder is None:
        return
    check_outputs(
        files=[Path(folder) / n for n in names],
        folders=[folder],
        inputs=inputs,
        folder_inputs=folder_inputs,
        option=option,
    )


#: Endings of a file name, not a folder's: `--output report.png` to a command that writes a
#: folder of files meant one file, and made a folder "report.png" holding them.
#: A report.pdf or maps.svg (formats none of them writes) made a folder of that name as well.
#: The trainers' weights and records (.safetensors, .pt, .md) too: `xrf-napari-train embedder
#: --out dve.safetensors` made a folder of that name.
FILE_SUFFIXES = (
    ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".h5", ".hdf5", ".csv", ".html", ".txt",
    ".pdf", ".svg", ".gif", ".bmp", ".webp", ".json", ".npy", ".npz", ".xlsx", ".zip",
    ".safetensors", ".pt", ".pth", ".md",
)  # fmt: skip


def check_not_a_file_name(
    out, command: str, option: str = "--out", prefix: str = "", scans: tuple = ()
) -> None:
    """Refuse a new folder `out` (given by `option`) whose name ends like a file's (.png, .h5,
    .safetensors ...: FILE_SUFFIXES) or like a scan's (`scans`: the readers' suffixes,
    io.registry.SUPPORTED_SUFFIXES, which this layer cannot import) for `command`, which writes
    several files into it; an existing folder or file is left to the caller's checks.
    `xrf-napari-train generate --out set.png` or `embedder --out dve.safetensors` made a folder
    of that name."""
    path = Path(out)
    # `--out set.h5/`: the separator ends a folder's name, asked for as one
    folder = str(out).endswith(tuple(s for s in (os.sep, os.altsep) if s))
    ending = path.suffix.lower()
    if folder or os.path.lexists(path):
        return
    if ending in FILE_SUFFIXES:
        what = f"a file ({path.suffix})"
    elif ending in scans:  # `quicklook X -o out/scan.mca` made a folder "scan.mca"
        what = f"a scan ({path.suffix}, an ending xrf-napari opens as a scan)"
    else:
        return
    raise ValueError(
        f"{option} {out}: names {what}; {command} writes several files into a "
        f"folder: give a folder, e.g. {path.with_suffix('')}{prefix}"
    )
