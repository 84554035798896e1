"""HDF5 datacubes: Crono, APS XRF-Maps, PyXRF, NeXus NXdata, napari-musa, PyMca siblings, the
project layout, and otherwise discovery of the largest spectral-looking 3-D dataset, or of a 4-D
one keeping each detector element apart (summed on read), through soft and external links too
(`_walk`: a NeXus master file's link to its detector's file).

The file is opened read-only and stays open for the cube's life (h5py datasets keep their file
alive); data is read lazily in row blocks.
"""

from __future__ import annotations

import errno
import re
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..errors import (
    CubeReadError,
    chosen_cube,
    explain_read_error,
    refused_read,
    require_3d,
    require_numeric,
    system_error,
    warn_outside,
)
from ..fileutil import file_head, kind_if_readable
from .calibration import (
    calibration_from_coefficients,
    calibration_from_energy_axis,
    calibration_from_mapping,
    set_aside,
)
from .lazy import (
    ChannelFirstView,
    DetectorElement,
    GriddedSpectra,
    open_external,
    open_for_row_blocks,
    read_whole,
)
from .limits import check_dataset, decode_text, kind_hint, signature_cut, text_format

#: A spectral axis has at least this many channels (maps have a handful of elements).
MIN_CHANNELS = 64
#: Most detector elements the element axis of a 4-D dataset may have (Xspress3 and the like: 1-8).
MAX_DETECTOR_ELEMENTS = 16


def is_hdf5(path) -> bool:
    """The file starts with the HDF5 signature, at byte 0 or behind a MATLAB v7.3 file's
    512-byte user block (fileutil.file_kind)."""
    return kind_if_readable(path) == "hdf5"


class EmbedOutput(CubeReadError):
    """A file `xrf-napari embed` wrote (cli/embed_cmd.py), an image rather than a scan: its
    region map (labels.h5) or its DVE latent (latent.h5). read_cube refuses it, saying what it
    is and where it serves; the napari reader catches it and opens the image instead."""

    USE = {
        "labels": "give it to `xrf-napari pigments SCAN --labels {path}` to name each region's "
        "pigments, or open it in napari, where it is a Labels layer for the Pigments dock",
        "latent": "open the scan it came from instead; in napari it opens as the RGB image "
        "latent.png shows",
    }

    def __init__(self, path, kind: str, detail: str):
        self.kind, self.detail = kind, detail
        what = "region map" if kind == "labels" else "latent image"
        use = self.USE[kind].format(path=Path(path).name)
        super().__init__(path, f"the {what} `xrf-napari embed` wrote ({detail}), not a scan: {use}")

    def __reduce__(self):
        return type(self), (self.path, self.kind, self.detail)


def embed_output(f) -> tuple[str, str] | None:
    """(kind, detail) when an open file is one `xrf-napari embed` wrote: a 2-D integer `labels`
    with attributes k and source, or an (H, W, 3) float `latent` with source and weights. Asked
    before cube discovery, which would take a latent of 64 rows or more for a channel-first cube."""
    import h5py

    attrs = f.attrs
    if "source" not in attrs:
        return None
    source = _attr_str(attrs["source"])
    d = f.get("labels")
    if "k" in attrs and isinstance(d, h5py.Dataset) and d.ndim == 2 and d.dtype.kind in "iu":
        return "labels", f"{_attr_str(attrs['k'])} regions of {source}"
    d = f.get("latent")
    if (
        "weights" in attrs
        and isinstance(d, h5py.Dataset)
        and d.ndim == 3
        and 3 <= d.shape[2] < MIN_CHANNELS
        and d.dtype.kind == "f"
    ):
        return "latent", f"{d.shape[2]} embedding coordinates per pixel of {source}"
    return None


def read_embed_output(path, kind: str) -> tuple[np.ndarray, dict]:
    """The `labels` or `latent` array of an embed output (bounded like any auxiliary dataset)
    and its attributes as plain values."""
    with _open_looked(path)[0] as f:
        data = small(f[kind], path)
        meta = {
            k: _attr_str(v) if isinstance(v, (bytes, str, np.bytes_)) else np.asarray(v).item()
            for k, v in f.attrs.items()
            if np.size(v) == 1
        }
    return data, {**meta, "path": str(path)}


def _open_looked(path, dataset: str | None = None) -> tuple:
    """(the file open read-only, the file_key its first look saw or None), after that look in a
    child process (first_look; dataset: the one the read is given). A file replaced or
    rewritten between its look and the open (the look takes from a fraction of a second to
    FIRST_LOOK_TIMEOUT_S) had been read without one; it is looked at again, up to
    LOOKS_PER_OPEN times (a file still being written changes at every look: it is then read
    as it is, as before the look, and without the layout the look found)."""
    from .hdf5_looked import file_key

    for _ in range(LOOKS_PER_OPEN):
        looked = first_look(path, dataset)
        f = open_hdf5(path)
        try:
            if looked is None or file_key(path) == looked:
                return f, looked
        except OSError:
            return f, None  # gone since the open: what is open is read
        f.close()
    return open_hdf5(path), None


#: Looks at a file that changes between its look and its open (_open_looked) before it is read.
LOOKS_PER_OPEN = 3


#: Longest an HDF5 file's first look (first_look) may take: seconds for a large NeXus file with
#: its linked detector files; libhdf5 loops for ever on some damaged files.
FIRST_LOOK_TIMEOUT_S = 60
#: What a first look imports, in its child before it takes the file (io.isolate's `preload`;
#: napari's reader prestarts the worker with them): a broken h5py build that crashes there is
#: the installation's fault, not the file's (the command line's looks had blamed the file).
LOOK_IMPORTS = ("h5py", __name__)


def first_look(path, dataset: str | None = None) -> tuple | None:
    """Do what reading an HDF5 file does before its data (open, every link and attribute, the
    layout's detection or, with `dataset`, that dataset's read, fileutil.hdf5_partners) in a
    child process (io.isolate) with a time limit, and refuse the file when that does not
    finish. libhdf5 (h5py 3.16 / HDF5 2.0) loops for ever reading an attribute of a file whose
    global heap is corrupt: C code cannot be stopped in-process, and the stuck thread holds
    h5py's global lock, so napari froze for good (now it waits up to FIRST_LOOK_TIMEOUT_S, on
    its GUI thread for a file it opens). A look that finished, whatever it found, is remembered
    per file (hdf5_looked.LOOKED), so a file's detection and read pay once: the in-process read
    does the same on the same bytes and finishes too (its errors are said by it). A named
    dataset's look is remembered apart (file_key + (dataset,)): the default read had been
    looked at instead, so a named path the walk does not reach (below MAX_WALK_DEPTH groups)
    leading to a damaged file froze the read. The layout the look found is handed to the read
    that follows it (HANDED). Returns the file_key of the file looked at, or None where there
    was none to look at (not HDF5, or it cannot be read: the open says why)."""
    from .hdf5_looked import LOOKED, file_key
    from .isolate import NoChild, call_in_child

    try:
        key = file_key(path)
    except OSError:
        return None  # the open says why
    seen = (*key, dataset) if dataset else key
    if seen in LOOKED:
        return key
    if not is_hdf5(path):
        return None
    try:
        detected = call_in_child(
            _look,
            (str(path), dataset),
            path,
            "the HDF5 library reading the file's structure (its groups, links and attributes)",
            FIRST_LOOK_TIMEOUT_S,
            late=f"the HDF5 library did not finish reading the file's structure (its groups, "
            f"links and attributes) within {FIRST_LOOK_TIMEOUT_S:g} s: the file is probably "
            "damaged (the library loops for ever on some damaged files), or it lies on a drive "
            "too slow for that (copy it to a local disk and open it again). The reading ran in a "
            "separate process, which was told to stop",
            reuse=True,  # one warm worker for every look: a new interpreter was 0.45 s of CPU each
            preload=LOOK_IMPORTS,
        )
    except NoChild as exc:  # the look is a guard: without it the file is read as before it
        warn_outside(f"{exc}; it is read without that first look")
        return None
    LOOKED.add(seen)
    HANDED.pop(key, None)
    if detected is not None:
        HANDED[key] = detected
        while len(HANDED) > HANDED_FILES:  # the oldest look's first
            del HANDED[next(iter(HANDED))]
    return key


#: The layouts (`_detect`'s answers) the latest first looks found, by the file_key each saw, for
#: the reads that follow to use: they had walked the file again in-process (about 1 s of a
#: 5,000-dataset file's open, docs/performance.md). A few files, not one: a command looks at all
#: its HDF5 inputs before it reads any (`pigments scan.h5 --labels l.h5`, cli._dispatch).
HANDED: dict[tuple, tuple] = {}
HANDED_FILES = 8


def _look(path: str, dataset: str | None = None):
    """Child side of first_look: what the readers do before the data. Whether it finishes is the
    answer; what goes wrong is the in-process read's to say. Each step is tried whatever the one
    before raised: the read goes another way than the walk (a Crono file is read by its names,
    not walked), so a walk stopped by one unreadable attribute had left the read unlooked at.
    The walk that reads every attribute is the one discovery uses (one walk, not three), and
    the detection is made once, for find_cube (which the read of an embed output leaves out)
    and the read. Returns that detection where it depends on this file's bytes alone (its
    file_key: the walk saw the whole file, and no external link to another), else None.
    fileutil.hdf5_partners (the commands' output guard) is run here only where the walk did not
    do all it does: walking the whole file again was a fifth of a large file's look."""
    import contextlib

    from ..fileutil import hdf5_partners

    detected = tree = None  # tree: the walk, where the file opened and it finished
    with contextlib.suppress(Exception), open_hdf5(path) as f:
        with contextlib.suppress(Exception):
            tree = _walk(f, attributes=True)
        if not dataset:  # a named dataset's read detects nothing
            with contextlib.suppress(Exception):
                detected = _detect(f, tree)
        with contextlib.suppress(Exception):
            _read_open(f, Path(path), dataset, tree, detected)
    whole = tree is not None and tree.whole
    if not whole:
        hdf5_partners(path)
    return detected if whole else None


def open_hdf5(path):
    """`path` open read-only with h5py, as every reader of an HDF5 file opens it (the trainers,
    export-set, `pigments --labels` too): a file locked, a MATLAB v5 file, one cut short,
    damaged or no HDF5 refused in words naming it (CubeReadError), and one changed on disk while
    this process holds it open refused (_refuse_changed_while_open)."""
    import h5py

    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        if "unable to lock file" in str(exc):  # a sound file another process holds open
            raise CubeReadError(
                path,
                "is locked by another process (still being written?): close it there, or, if "
                "nothing writes it, set HDF5_USE_FILE_LOCKING=FALSE",
            ) from exc
        raise CubeReadError(path, _open_problem(path, exc)) from exc
    try:
        _refuse_changed_while_open(f, path)
    except BaseException:
        f.close()
        raise
    return f


#: The device, inode, size and mtime of the latest HDF5 files this process opened, when each was
#: opened, by HDF5's number for the open file (_object_key's, never reused):
#: _refuse_changed_while_open. The last OPENED_FILES, the oldest dropped first (a file still
#: open behind that many others goes unchecked).
OPENED: dict[int, tuple] = {}
OPENED_FILES = 64


def _refuse_changed_while_open(f, path) -> None:
    """Refuse a file this process has open already (HDF5 shares the open file: one number; a
    cube's datasets keep it open) that changed on disk since that first opening: HDF5 reads it
    through the structure it read then, so a scan copied over one still open in napari (cp:
    the same inode) and opened again read the old file's datasets at the new one's bytes: the
    wrong cube, or "KeyError: ... object 'x' doesn't exist". The words fit a command's read too
    (a file rewritten while the command holds it), not napari's alone. Files opened otherwise
    than by open_hdf5 go unchecked."""
    import h5py

    from .hdf5_looked import file_key

    try:
        # device, inode, size, mtime: not the path (a hard link's other one is the same file),
        # nor ctime, which a rename, a new hard link or a chmod changes too
        now = file_key(path)[1:5]
        number = h5py.h5o.get_info(f.id).fileno
        if h5py.h5f.get_obj_count(f.id, h5py.h5f.OBJ_ALL) == 1:  # nothing else of it open
            OPENED[number] = now
            while len(OPENED) > OPENED_FILES:
                del OPENED[next(iter(OPENED))]
            return
    except (OSError, RuntimeError, ValueError):
        return  # gone since the open, or HDF5 cannot say: what is open is read
    if OPENED.get(number, now) != now:
        raise CubeReadError(
            path,
            "changed on disk since this session opened it, and that opening is still in use (in "
            "napari a layer of it or a dock's scan; in a command, the scan it is reading): the "
            "HDF5 library would read the new file through the old one's structure (the wrong "
            "data). In napari close the earlier file's layers, then open it again (or restart "
            "napari); from the command line run the command again once nothing writes the file",
        )


#: A declared file size above this (16 TiB) is a damaged header's, not a file cut short.
MAX_DECLARED_BYTES = 1 << 44


def _open_problem(path, exc: OSError) -> str:
    """What is wrong with a file HDF5 cannot open, in a user's words: empty, a MATLAB v5 file, cut
    short (with how many bytes it has of those it declares), not HDF5 at all (and what it looks
    like), or a damaged header. All had read 'not a readable HDF5 file (Unable to synchronously
    open file (truncated file: eof = 81531, sblock->base_addr = 0, stored_eof = 90591))' or
    '(file signature not found)'. The file is opened once here (it had been five times)."""
    try:  # the system refuses it (permissions, a share gone): nothing says the file is bad
        head, kind = file_head(path, 65536)  # what text_format looks at
    except OSError as err:  # it had read 'not an HDF5 file: it cannot be read (...)'
        return (
            f"the file cannot be read ({err.strerror or err}): check its permissions, or that "
            "the drive or share it lies on is reachable"
        )
    if not head:  # it had read "not an HDF5 file: ... it is a text file"
        return "the file is empty (0 bytes)"
    if head.startswith(b"MATLAB 5.0 MAT-file") and kind != "hdf5":  # v7.3: HDF5 at byte 512
        return (
            "is a MATLAB v5/v7 MAT-file, which is not HDF5: xrf-napari reads v7.3 .mat files; "
            "in MATLAB save it again with save(..., '-v7.3')"
        )
    parted = _parted(head) if kind == "hdf5" else None
    if parted:
        return parted
    text = str(exc)
    cut = re.search(r"truncated file: eof = (\d+).*?stored_eof = (\d+)", text)
    if cut:
        has, declared = int(cut.group(1)), int(cut.group(2))
        if declared > MAX_DECLARED_BYTES:  # a flipped high byte of the end address: it had
            # read "truncated: it has 5120 bytes of the 18446744073709491456 its header declares"
            return (
                f"a damaged HDF5 file: its header declares a size of {declared:,} bytes, over "
                f"{MAX_DECLARED_BYTES >> 40} TiB (it has {has:,}), which no scan is: the header "
                "is damaged, not the file cut short; copy it again from its source"
            )
        return (
            f"the HDF5 file is truncated: it has {has} bytes of the {declared} its header "
            "declares (an interrupted copy, download or acquisition); copy it again from its "
            "source"
        )
    if kind != "hdf5":
        return signature_cut(head, "hdf5", "an HDF5 file") or (
            f"not an HDF5 file: {_looks_like(head, kind)}"
        )
    detail = re.sub(r"^Unable to (synchronously )?open file \((.*)\)$", r"\2", text)
    return f"a damaged HDF5 file: it starts as one, but its header cannot be read ({detail})"


def _parted(head: bytes) -> str | None:
    """Why a file written in parts by HDF5's family or split/multi driver does not open alone,
    from the driver its superblock names ("NCSAfami", "NCSAmult"), or None. The family's first
    part had read "the HDF5 file is truncated: it has 4096 bytes of the 10240 its header declares
    (an interrupted copy ...)" (it declares the whole family's size), a split file's metadata
    part "a damaged HDF5 file: ... its header cannot be read (multi driver should be used)"."""
    at = head.find(b"\x89HDF\r\n\x1a\n")
    driver = head[at : at + 1024] if at >= 0 else b""
    if b"NCSAfami" in driver:
        return (
            "is the first part of an HDF5 family of files (HDF5's family driver wrote one file in "
            "parts, as scan0.h5, scan1.h5, ...), not a file cut short; xrf-napari opens whole "
            "files: join the parts into one with HDF5's h5repart (as h5repart -family_to_sec2 "
            "'scan%d.h5' scan.h5)"
        )
    if b"NCSAmult" in driver:
        return (
            "holds the metadata of an HDF5 file written by HDF5's split or multi driver (its "
            "data lies in other files beside it, as scan-r.h5), not a damaged header; xrf-napari "
            "opens whole files: save the scan again as one HDF5 file"
        )
    return None


def _looks_like(head: bytes, kind: str | None) -> str:
    """What a file that lacks the HDF5 signature starts as (its first 64 KiB and file_kind),
    for the message."""
    like = kind_hint(
        kind,
        "its bytes match no format xrf-napari reads (damaged, or another format)",
        zip="it is a zip archive (an .npz, a zarr .datastack?)",
    )
    if kind == "text":  # a Bruker .spx saved as .h5 had read only 'it is a text file'
        like = text_format(decode_text(head), "h5") or like
    return f"it does not start with the HDF5 signature (\\x89HDF); {like}"


def read(path, **options) -> Cube:
    path = Path(path)
    dataset = options.get("dataset")
    f, looked = _open_looked(path, dataset)
    try:
        cube = _read_open(f, path, dataset, detected=HANDED.get(looked))
    except BaseException as exc:
        f.close()
        if (damaged := _structure_damaged(exc)) is not None:
            raise CubeReadError(path, damaged) from exc
        raise
    cube.metadata.setdefault("format", "hdf5")
    return cube


def _structure_damaged(exc: BaseException) -> str | None:
    """Why a file that opened cannot be read, where the HDF5 library failed on its structure (a
    group's heap, a symbol table, an object header): "a damaged HDF5 file: ... (HDF5 said:
    Link iteration failed (bad heap free list))"; it had read "could not be read as hdf5
    (RuntimeError: ...)". Where the system failed the read (an errno: a share's timeout, a
    permission), errors.refused_read's words: the file may be sound (it had read "could not be
    read as hdf5 (OSError: ...)" with HDF5's whole driver report), its errno an OSError's or the
    driver report's in a RuntimeError; EINVAL is no such one (a seek to a damaged offset): the
    damage wording. None where HDF5 did not raise it or a decoder is missing
    (errors.explain_read_error)."""
    if not isinstance(exc, (RuntimeError, OSError, KeyError, ValueError)):
        return None
    if isinstance(exc, CubeReadError) or not _raised_in_h5py(exc):
        return None
    keyed = isinstance(exc, KeyError) and exc.args  # str() of a KeyError adds quotes
    text = str(exc.args[0]) if keyed else str(exc)
    if isinstance(exc, ValueError):  # h5py's conversion of a float type's header (1 of 2,048
        # byte flips of a small cube: "Insufficient precision in available types to represent
        # (63, 52, 11, 0, 52)"); any other ValueError of h5py's is a call's, not the file's
        if not text.startswith("Insufficient precision"):
            return None
        return (
            "a dataset's data type, in its header, is one h5py cannot represent (h5py said: "
            f"{text[:120]}): a damaged header, or a float of an unusual precision; copy it "
            "again from its source, or save the scan as 32- or 64-bit floats"
        )
    if isinstance(exc, KeyError) and re.search(r"not found|doesn't exist", text):
        return None  # a name missing, not damage ("unable to determine object type" is)
    code, said = system_error(exc)  # an OSError's, or the driver report's in a RuntimeError
    if code == errno.EINVAL:  # a seek to an offset the damaged structure gave (it read "the
        # system refused the read ... may be sound"); HDF5's driver report without its buffers
        said = said or "Invalid argument"
        text = f"a read at an offset from its structure failed ({said}, EINVAL)"
    elif code:  # the system's own (EIO, EACCES), also in a RuntimeError's report, which
        # errors.system_refused (OSErrors only) passes over: it read "(Input/output error, EINVAL)"
        return f"reading it failed: {refused_read(exc)}"
    elif explain_read_error(exc) is not None:
        return None
    return (
        "a damaged HDF5 file: it opens, but the HDF5 library cannot read its structure (its "
        f"groups, links and object headers; HDF5 said: {text[:200]}); copy it again from its "
        "source"
    )


def _raised_in_h5py(exc: BaseException) -> bool:
    """Whether the innermost frame of exc's traceback lies in h5py's folder."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and "h5py" in Path(tb.tb_frame.f_code.co_filename).parts


def find_cube(path) -> str | None:
    """The layout name this module would read, or None when the file holds no cube (cheap)."""
    path = Path(path)
    try:
        f, looked = _open_looked(path)
    except CubeReadError:
        return None
    with f:
        try:
            return (HANDED.get(looked) or _detect(f))[0]
        except CubeReadError:
            return None


def _read_open(
    f, path: Path, dataset: str | None, tree: _Tree | None = None, detected: tuple | None = None
) -> Cube:
    """The cube of an open file; tree: its walk, where one was made (first_look's `_look`);
    detected: its `_detect`, where one was made (there, or handed over by first_look). Both
    serve the default cube's read: a named dataset is read without them."""
    from . import project_h5

    if dataset:
        if (problem := _follow(f, dataset)[1]) is not None:
            raise CubeReadError(path, f"dataset '{dataset}' cannot be read: {problem}")
        if dataset not in f:
            raise CubeReadError(path, f"no dataset '{dataset}' in the file; {_cubes_held(f)}")
        if getattr(f[dataset], "ndim", None) == 4:
            return _detectors(f, path, dataset)
        if project_h5.is_project_file(f) and f[dataset] == f["counts"]:
            # as the file's default read: the generic one set aside its 0 s live times (pixels
            # not measured, which _project keeps) and its metadata
            return _project(f, path)
        return _generic(f, path, dataset, "user-selected")
    if not project_h5.is_project_file(f) and (embed := embed_output(f)) is not None:
        raise EmbedOutput(path, *embed)
    kind, target = detected or _detect(f, tree)
    if kind is None:
        tree = target  # what discovery's walk saw
        broken = "".join(f"; {why}" for why in tree.broken[:4])
        raise CubeReadError(
            path,
            "no datacube found: no 3-D numeric dataset with a spectral axis "
            f"(>= {MIN_CHANNELS} channels), nor a 4-D one of detector elements; datasets: "
            f"{_summary(tree)}{broken}",
        )
    if kind == "project":
        return _project(f, path)
    if kind == "crono":
        return _crono(f, path)
    if kind == "aps":
        return _aps(f, path, target)
    if kind == "detectors":
        return _detectors(f, path, target)
    if isinstance(target, tuple):  # (read, the others, the names that are no text):
        # discovery's or NeXus's (_others, _Tree.no_text)
        target, others, no_text = target
        said = [("/" + n.strip("/"), f[n].shape) for n in (target, *others)]  # as metadata
        if others:
            warn_outside(chosen_cube(path, "dataset", said[0], said[1:], "the last by name"))
        if no_text:  # a cube so named, larger than the one read, had been passed over unsaid
            warn_outside(
                f"{path}: dataset '{said[0][0]}' was read; {'; '.join(no_text[:3])}: set aside, "
                "not read (the file is damaged there: copy it again from its source)"
            )
    return _generic(f, path, target, kind)


def _detect(f, tree: _Tree | None = None) -> tuple[str | None, object]:
    """(layout, dataset name or list) of the cube in an open file; (None, the _Tree its walk
    saw) when it holds none, for the message. tree: the file's walk, where one was made."""
    import h5py

    from . import project_h5

    if project_h5.is_project_file(f):
        return "project", "counts"
    if "XRF/Spectra" in f and "XRF/SpectraSelectedIndex" in f:
        return "crono", "XRF/Spectra"
    # each asked whether it is a dataset: a group of such a name (no ndim) had made the read
    # "could not be read as hdf5 (AttributeError: 'Group' object has no attribute 'ndim')"
    raw = _member(f, "MAPS_RAW")
    if isinstance(raw, h5py.Group):
        names = sorted(n for n in _text_names(raw) if n.startswith("data_"))
        names = [n for n in names if _cube_3d(_member(raw, n))]
        if names:
            return "aps", [f"MAPS_RAW/{n}" for n in names]
    if _cube_3d(_member(f, "MAPS/mca_arr")):
        return "aps", ["MAPS/mca_arr"]
    if isinstance(_member(f, "xrfmap/detsum/counts"), h5py.Dataset):
        return "pyxrf", "xrfmap/detsum/counts"
    for name in ("XRFdata", "XRF_data", "data"):  # (a small `data`, e.g. element maps: no)
        d = _member(f, name)  # a spectral cube as discovery's: a `data` of strings is none
        if isinstance(d, h5py.Dataset) and _spectral(d.shape, d.dtype):
            return "musa", name
    if tree is None:
        tree = _walk(f)  # only now: the layouts above are found by their names
    signals = _nexus_signals(f, tree)
    if signals:
        nx = max(signals)[1]  # the largest, the last by name of equal ones, as discovery's
        others = _others(signals, nx)
        return "nexus", ((nx, others, tuple(tree.no_text)) if others or tree.no_text else nx)
    cubes = _spectral_cubes(tree)
    # a colour photograph beside the scan is no candidate (its 600 rows took for channels, a
    # 600 x 800 RGB photo outsized a 20 x 30 scan of 256 channels: the file was refused as a
    # picture, 84d31b12); one alone is still chosen, for _generic to refuse naming it
    cubes = [c for c in cubes if not _photo(f, c[1], tree)] or cubes
    found = max(cubes)[1] if cubes else None  # the largest, the last by name of equal ones
    elements = _largest_elements(f, tree)
    if elements and (
        not found
        or (f[elements].size > f[found].size and not isinstance(_element_axes(f, elements), str))
    ):  # a readable 4-D dataset over a smaller 3-D one (dead times of shape (H, W, elements))
        return "detectors", elements
    if found and ((others := _others(cubes, found)) or tree.no_text):  # said by the read: the
        # detection is cached
        return "discovered", (found, others, tuple(tree.no_text))
    return ("discovered", found) if found else (None, tree)


def _text_names(group) -> list[str]:
    """The link names of `group`, refused as damage where one is no text: h5py gives a name that
    is not UTF-8 as bytes (a byte of "data_c" altered: b'\\xa4ata_c'), and the APS detection's
    name test had read "could not be read as hdf5 (TypeError: startswith first arg must be bytes
    ...)"; passed over, a detector element would be left out of the sum without a word."""
    names = list(group)
    bad = next((n for n in names if not isinstance(n, str)), None)
    if bad is not None:
        raise CubeReadError(
            group.file.filename,
            f"a damaged HDF5 file: {_no_text(group, bad)}; copy it again from its source",
        )
    return names


def _no_text(group, name: bytes) -> str:
    """A link name that is no text (h5py gives one that is not UTF-8 as bytes), in words."""
    return f"the name of an object in {group.name} is no text ({name!r}: a byte of it altered)"


def _cube_3d(obj) -> bool:
    """A 3-D dataset (not a group, nor nothing: _member's None)."""
    import h5py

    return isinstance(obj, h5py.Dataset) and obj.ndim == 3


#: Soft and external links followed along one path from the root: a NeXus master file reaches
#: its detector file in one or two (/entry/data/data -> /entry/instrument/detector/data ->
#: frames.h5); a chain longer than this is not followed (and said).
MAX_LINK_HOPS = 8
#: Groups nested below one another that discovery descends (beyond: a pathological file).
MAX_WALK_DEPTH = 64
#: Links (objects) discovery looks at in one file with its linked files: a bounded look.
MAX_WALK_OBJECTS = 20_000


class _Tree:
    """What discovery saw of an open file (`_walk`): its datasets as (path, shape, dtype) and its
    NXdata groups, by their paths in the file opened, through links; and the links that lead
    nowhere, each said in a user's words (`broken_link`). whole: the walk opened every object
    and met no external link (what it saw depends on this file alone: first_look hands it
    over; and the look's walk read what fileutil.hdf5_partners reads, so _look leaves it out)."""

    def __init__(self):
        self.datasets: list[tuple[str, tuple, np.dtype]] = []
        self.nxdata: list[str] = []
        self.broken: list[str] = []
        self.no_text: list[str] = []  # of `broken`, the names that are no text (_no_text)
        self.whole = True


def _walk(f, attributes: bool = False) -> _Tree:
    """The file's objects as the reader may open them, hard, soft and external links followed;
    with `attributes` (first_look's), every attribute of each read too, and each dataset's
    external files and virtual sources (what fileutil.hdf5_partners reads of it).

    h5py's visititems follows hard links only, so a cube reached through an HDF5 external link
    (a beamline's NeXus master file: /entry/data/data -> the detector's frames file) or a soft
    link to one was not found: 'no datacube found ... datasets: none', though f[path] reads it.
    Each object is visited once, by the first path that reaches it (depth first, by name, as
    visititems): a link back to a group already seen (a cycle) is not followed again. Bounded by
    MAX_LINK_HOPS links along one path, MAX_WALK_DEPTH levels and MAX_WALK_OBJECTS links looked
    at. The linked files are found where HDF5 finds them (it opens them itself), the ones
    fileutil.hdf5_partners lists as inputs."""
    import contextlib

    import h5py

    from ..fileutil import hdf5_sources

    tree = _Tree()
    seen = {_object_key(f)}
    count = [0]
    if attributes:
        _read_attributes(f)

    def visit(group, prefix: str, hops: int, depth: int) -> None:
        try:
            names = list(group)  # the link names: nothing is opened
        except (KeyError, OSError, RuntimeError, ValueError):
            return
        for n in names:
            count[0] += 1
            if count[0] > MAX_WALK_OBJECTS:
                tree.whole = False
                return
            if not isinstance(n, str):  # its object was passed over without a word: "no
                # datacube found ... datasets: none" of a cube whose name had a byte altered
                tree.broken.append(_no_text(group, n))
                tree.no_text.append(tree.broken[-1])
                continue
            name = f"{prefix}/{n}" if prefix else n
            try:
                link = group.get(n, getlink=True)
            except (KeyError, OSError, RuntimeError, ValueError):
                continue
            linked = isinstance(link, (h5py.SoftLink, h5py.ExternalLink))
            if isinstance(link, h5py.ExternalLink):
                tree.whole = False
            if linked and hops >= MAX_LINK_HOPS:
                tree.whole = False
                tree.broken.append(f"{name} is the {hops + 1}th link in a row: not followed")
                continue
            obj = _member(group, n)
            if obj is None:
                if linked:
                    tree.broken.append(broken_link(group, name, link))
                else:
                    tree.whole = False
                continue
            key = _object_key(obj)
            if key is None:
                tree.whole = False
            if key is None or key in seen:
                continue
            seen.add(key)
            if attributes:
                _read_attributes(obj)
                if isinstance(obj, h5py.Dataset):
                    with contextlib.suppress(Exception):
                        hdf5_sources(obj)
            if isinstance(obj, h5py.Dataset):
                tree.datasets.append((name, tuple(obj.shape), obj.dtype))
            elif isinstance(obj, h5py.Group):
                if _attr_str(_attr(obj, "NX_class")) == "NXdata":
                    tree.nxdata.append(name)
                if depth < MAX_WALK_DEPTH:
                    visit(obj, name, hops + linked, depth + 1)
                else:
                    tree.whole = False

    visit(f, "", 0, 0)
    return tree


def _read_attributes(obj) -> None:
    """Every attribute of an object read (where libhdf5 loops on a corrupt global heap), as
    h5py's attrs[name] reads it (same memory type), opened by its index: by name (h5py's
    iteration, then a lookup of each name) took twice as long, half of a large file's look."""
    import contextlib

    import h5py

    with contextlib.suppress(Exception):
        for i in range(h5py.h5a.get_num_attrs(obj.id)):
            with contextlib.suppress(Exception):
                attr = h5py.h5a.open(obj.id, index=i, order=h5py.h5.ITER_NATIVE)
                if attr.shape is None:  # an empty attribute: no data
                    continue
                dtype, shape = attr.dtype, attr.shape
                memory = h5py.h5t.py_create(dtype)
                if dtype.subdtype is not None:  # an array type: numpy's shape holds it
                    dtype, inner = dtype.subdtype
                    shape += inner
                attr.read(np.zeros(shape, dtype), mtype=memory)


def _object_key(obj):
    """(file number, address) of an HDF5 object: one object however reached (the same file
    opened again through a link shares its number), or None where it cannot be told."""
    import h5py

    try:
        info = h5py.h5o.get_info(obj.id)
        return info.fileno, info.addr
    except (KeyError, OSError, RuntimeError, ValueError, TypeError):
        return None


def _member(group, name: str):
    """group[name], or None where it is absent, or a link leading nowhere (a missing linked file,
    a soft link to no object: h5py raises KeyError), or it cannot be opened."""
    try:
        return group.get(name)
    except (KeyError, OSError, RuntimeError, ValueError):
        return None


def _link_loop(group, name: str, link) -> str | None:
    """Where `link` (held by `group`, shown as `name`) leads round a loop of soft or external
    links, in words, else None. Such a link had been told "a link to /other, which does not
    exist" (/other existed: a link back) or "a link to /counts in b.h5, which cannot be opened"
    (b.h5 was sound: its /counts linked back to the file opened)."""
    import os
    import posixpath

    import h5py

    from ..fileutil import hdf5_link_targets

    start = here = os.path.realpath(group.file.filename)
    base, seen, shown, opened, shown_file = group.name, [], [], {}, None
    try:
        for _ in range(MAX_LINK_HOPS + 1):
            if isinstance(link, h5py.SoftLink):
                where = posixpath.normpath(posixpath.join(base, link.path))
            elif isinstance(link, h5py.ExternalLink):
                found = hdf5_link_targets(Path(here), link.filename)
                if not found:
                    return None
                here, shown_file = os.path.realpath(found[0]), found[0]
                where = posixpath.normpath(posixpath.join("/", link.path))
            else:
                return None
            label = where if here == start else f"{where} in {shown_file}"
            if (here, where) in seen:
                return (
                    f"{name} leads round a loop of links ({' -> '.join([*shown, label])}): "
                    "no dataset at its end"
                )
            seen.append((here, where))
            shown.append(label)
            if here not in opened:
                opened[here] = h5py.File(here, "r")
            link = opened[here].get(where, getlink=True)
            base = posixpath.dirname(where)
    except (KeyError, OSError, RuntimeError, ValueError):
        return None
    finally:
        for f in opened.values():
            f.close()
    return None


def broken_link(group, name: str, link) -> str:
    """Why link `name` leads nowhere: a soft link to no object, a linked file missing where HDF5
    looks for it (fileutil.hdf5_link_targets), unreadable, or without the object named."""
    import h5py

    from ..fileutil import hdf5_link_places, hdf5_link_targets

    loop = _link_loop(group, name, link)
    if loop:
        return loop
    if isinstance(link, h5py.SoftLink):
        return f"{name} is a link to {link.path}, which does not exist"
    holder = Path(group.file.filename)
    found = hdf5_link_targets(holder, link.filename)
    if not found:
        tried = [str(p) for step in hdf5_link_places(holder, link.filename) for p in step]
        where = f" (looked for {', '.join(dict.fromkeys(tried))})" if tried else ""
        return f"{name} is a link to {link.filename}, which is missing{where}"
    try:
        with h5py.File(found[0], "r") as target:
            has = link.path in target
    except OSError as exc:
        return f"{name} is a link to {found[0]}, which cannot be read as HDF5 ({exc})"
    if not has:
        return f"{name} is a link to {link.path} in {found[0]}, which holds no such object"
    return f"{name} is a link to {link.path} in {found[0]}, which cannot be opened"


def _nexus_signals(f, tree: _Tree) -> list[tuple[int, str]]:
    """(size, path) of each NXdata group's 3-D signal (else its `data`): the cubes NeXus
    detection chooses among, as `_spectral_cubes` are discovery's, and `_others` names beside
    the one read (two NXdata of equally large signals had been chosen between without a word).
    Signals that link to one dataset count once (by its HDF5 object, as discovery's walk visits each
    object once): NXdata groups linking the detector's data had been "equally large" choices.
    A signal holding no numbers (strings) is no cube: as the largest it had refused the file
    ("has dtype |S1") though another NXdata, or discovery, held a numeric one."""
    import h5py

    hits, seen = [], set()
    for name in tree.nxdata:
        obj = _member(f, name)
        if not isinstance(obj, h5py.Group):
            continue
        sig = _attr_str(_attr(obj, "signal"))
        for cand in ([sig] if sig else []) + ["data"]:
            d = _member(obj, cand)
            if isinstance(d, h5py.Dataset) and d.ndim == 3 and d.dtype.kind in "uif":
                if d.id not in seen:
                    seen.add(d.id)
                    hits.append((d.size, f"{name}/{cand}"))
                break
    return hits


def _spectral_cubes(tree: _Tree) -> list[tuple[int, str]]:
    """(size, path) of each numeric 3-D dataset with a spectral axis, in the walk's order: the
    cubes discovery chooses among (the largest), and `_others` names beside the one read."""
    return [
        (int(np.prod(shape)), name)
        for name, shape, dtype in tree.datasets
        if _spectral(shape, dtype)
    ]


def _spectral(shape, dtype) -> bool:
    """A numeric 3-D dataset with a spectral axis: a cube discovery (and the napari-musa names)
    may take. The napari-musa names had been taken whatever their dtype, so a root `data` of
    strings refused the file ("dataset '/data' has dtype |S1") past the numeric cube it held."""
    return len(shape) == 3 and dtype.kind in "uif" and _spectral_axis(shape) is not None


def _others(cubes: list[tuple[int, str]], found: str) -> tuple[str, ...]:
    """The 3-D datasets of `cubes` (discovery's or NeXus's) other than `found`, the largest first
    (of equal ones the last by name, as chosen): the read names them and --dataset, rather than
    choose silently (only one as large as `found` had been named)."""
    return tuple(name for _, name in sorted(cubes, reverse=True) if name != found)


def _largest_elements(f, tree: _Tree) -> str | None:
    """The largest numeric 4-D dataset that could hold spectra per detector element (readable
    ones first), or None."""
    found = [
        (not isinstance(_element_axes(f, name), str), int(np.prod(shape)), name)
        for name, shape, dtype in tree.datasets
        if _elements_stack(shape, dtype)
    ]
    return max(found)[2] if found else None


def _elements_stack(shape, dtype) -> bool:
    """A numeric 4-D dataset long enough for a spectral axis: spectra per detector element,
    maybe (_largest_elements)."""
    return len(shape) == 4 and dtype.kind in "uif" and max(shape) >= MIN_CHANNELS


def _cubes_held(f, limit: int = 6) -> str:
    """The datasets of an open file that discovery would take for a cube (3-D with a spectral
    axis, 4-D of detector elements), by path and shape, for a --dataset the file lacks: `info
    --dataset nope` said "no dataset 'nope' in the file" and no more. Walked here, in-process:
    the file's first look (first_look) walked it and finished."""
    tree = _walk(f)
    cubes = [
        f"/{name} {shape}"
        for name, shape, dtype in tree.datasets
        if _spectral(shape, dtype) or _elements_stack(shape, dtype)
    ]
    if not cubes:
        return f"it holds no datacube (datasets: {_summary(tree, limit)})"
    more = f" and {len(cubes) - limit} more" if len(cubes) > limit else ""
    return f"its datacubes: {', '.join(cubes[:limit])}{more}"


def _element_axes(f, name) -> tuple[int, int, str] | str:
    """(element axis, channel axis, how the channel axis was found) of 4-D dataset `name`, such
    as (H, W, elements, C) or (elements, H, W, C), or why they cannot be told apart. The channel
    axis is the one an energy vector beside it matches (C values or C + 1 edges), else the
    longest. The element axis is the first or the last of the other three (never between the
    image axes), of at most MAX_DETECTOR_ELEMENTS entries: where only one of those two is that
    small it is the one, so a line scan (1, 200, 4, C) or an image 8 pixels wide (100, 8, 4, C)
    is read; where both are, the axis names (NeXus `axes`, HDF5 dimension labels) must say
    which, as (1, 200, 4, C) may as well be one element over a 200 x 4 image."""
    d = f[name]
    shape = tuple(int(s) for s in d.shape)
    if min(shape) < 1:  # no element (or pixel) to sum: it had failed with an IndexError
        return "it has an empty axis"
    groups = _beside(f, name, _follow(f, name)[0])
    n_energy = _energy_vector_lengths(f, groups)
    match = [i for i, s in enumerate(shape) if s in n_energy] or [
        i for i, s in enumerate(shape) if s + 1 in n_energy
    ]
    longest = [i for i, s in enumerate(shape) if s == max(shape)]
    if len(match) == 1:
        channel, how = match[0], "energy vector"
    elif len(longest) == 1:
        channel, how = longest[0], "longest axis"
    else:
        return "no energy vector or single longest axis says which axis holds the channels"
    if shape[channel] < MIN_CHANNELS:
        return f"its channel axis would have fewer than {MIN_CHANNELS} channels"
    rest = [i for i in range(4) if i != channel]
    small = [i for i in (rest[0], rest[2]) if shape[i] <= MAX_DETECTOR_ELEMENTS]
    if len(small) == 2:
        named = _named_element_axis(d, small, groups)
        if named is not None:
            return named, channel, how
        return (
            f"besides the {shape[channel]} channels, both its first and last other axes (sizes "
            f"{shape[small[0]]} and {shape[small[1]]}) have at most {MAX_DETECTOR_ELEMENTS} "
            "entries, so either could hold the detector elements, and no axis name (NeXus "
            "`axes`, dimension labels) says which"
        )
    if not small:
        if shape[rest[1]] <= MAX_DETECTOR_ELEMENTS:
            return "its only small axis lies between the two image axes"
        sizes = ", ".join(str(shape[i]) for i in rest)
        return (
            f"besides the {shape[channel]} channels, none of its axes ({sizes}) has at most "
            f"{MAX_DETECTOR_ELEMENTS} entries, as the detector elements' must"
        )
    return small[0], channel, how


#: Axis names that mark a detector-element axis (NeXus `axes` entries, HDF5 dimension labels).
ELEMENT_AXIS_WORDS = ("element", "detector", "mca")


def _named_element_axis(d, candidates, groups) -> int | None:
    """Which of two candidate axes of a 4-D dataset holds the detector elements, from the axis
    names: the one whose name says element/detector/mca, else the other of one named as a
    position (NeXus `axes` ["y", "x", ".", "energy"]: "." is no axis, so the element's). None
    when the names do not tell them apart. groups: where the NeXus `axes` may be (`_beside`)."""
    axes = _axes_names(groups)
    names = []
    for i in range(4):
        name = axes[i] if len(axes) == 4 else ""
        if name in ("", "."):
            try:
                name = d.dims[i].label or ""
            except (AttributeError, IndexError, OSError, ValueError):
                name = ""
        names.append(name.strip().lower())

    def element(n):
        return n == "det" or any(w in n for w in ELEMENT_AXIS_WORDS)

    said = [i for i in candidates if element(names[i])]
    if len(said) == 1:
        return said[0]
    positions = [i for i in candidates if names[i] not in ("", ".") and not element(names[i])]
    if len(positions) == 1:
        return next(i for i in candidates if i != positions[0])
    return None


def _spectral_axis(shape) -> int | None:
    """-1 when the last axis looks spectral, 0 for channel-first, None when neither does. A
    guess from the shape alone (an energy vector decides first, `_channel_axis`): where both end
    axes are long enough, a square image beside the other axis, then a power of two (1024, 2048,
    4096 channels) over any other length, then the last axis unless the first is over four times
    the longer of the others."""
    first, middle, last = shape
    if max(first, last) < MIN_CHANNELS:
        return None
    if min(first, last) < MIN_CHANNELS:
        return -1 if last >= MIN_CHANNELS else 0
    if (first == middle) != (middle == last):
        return -1 if first == middle else 0
    if _power_of_two(first) != _power_of_two(last):
        return 0 if _power_of_two(first) else -1
    if last >= max(first, middle) / 4:
        return -1
    return 0 if first > last else -1


def _power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# -- bounded access ----------------------------------------------------------------------------
#: Largest auxiliary dataset (index map, energy vector, live times) read whole.
MAX_SMALL_ITEMS = 2**26


def small(d, path, max_items: int = MAX_SMALL_ITEMS) -> np.ndarray:
    """An auxiliary numeric dataset read whole, after checking its size and storage."""
    import h5py

    if not isinstance(d, h5py.Dataset):
        raise CubeReadError(path, f"'{d.name}' is a group, expected a dataset")
    if d.dtype.kind not in "uif":
        raise CubeReadError(path, f"dataset '{d.name}' has dtype {d.dtype}, expected numbers")
    if d.size > max_items:
        raise CubeReadError(
            path, f"dataset '{d.name}' has {d.size} values, more than the {max_items} expected"
        )
    check_dataset(d, path)
    return read_whole(d, path)


def _index_map(index: np.ndarray, path) -> np.ndarray:
    """Crono's pixel -> spectrum index map as int64; floats must be whole numbers."""
    if index.dtype.kind == "f":
        if (
            not np.isfinite(index).all()
            or np.any(index != np.round(index))
            or np.abs(index).max(initial=0) > 2**62
        ):
            raise CubeReadError(
                path, "/XRF/SpectraSelectedIndex holds non-integer, NaN or infinite indices"
            )
    return index.astype(np.int64)


# -- layouts -----------------------------------------------------------------------------------
def _crono(f, path: Path) -> Cube:
    spectra = f["XRF/Spectra"]
    check_dataset(spectra, path)
    index = _index_map(small(f["XRF/SpectraSelectedIndex"], path), path)
    if spectra.ndim != 2:
        raise CubeReadError(path, f"/XRF/Spectra has shape {spectra.shape}, expected (N, channels)")
    if index.ndim == 3:
        index = index[..., 0]
    if index.ndim != 2:
        raise CubeReadError(
            path, f"/XRF/SpectraSelectedIndex has shape {index.shape}, expected (H, W[, 1])"
        )
    require_numeric(spectra.dtype, path, "/XRF/Spectra")
    _require_some(spectra.shape, index.shape, path)
    index_note = _index_note(index, int(spectra.shape[0]), path)
    if spectra.external:  # its raw file found where check_dataset found it (open_external)
        del spectra
        spectra = open_external(f, b"/XRF/Spectra")
    data = GriddedSpectra(spectra, index)
    cal = None
    if "XRF/EnergyVector" in f:
        n = spectra.shape[1]
        cal = set_aside(
            lambda: calibration_from_energy_axis(small(f["XRF/EnergyVector"], path), path, n),
            "energy vector '/XRF/EnergyVector'",
        )
    live, live_note = _gridded_times(f, "XRF/LiveTimes", index, spectra.shape[0], path)
    meta = {"format": "crono", "dataset": "/XRF/Spectra", "n_spectra": int(spectra.shape[0])}
    if "XRF/RealTimes" in f:
        meta["real_time_total_s"] = float(np.sum(small(f["XRF/RealTimes"], path), dtype=np.float64))
    if index_note:
        meta["index_note"] = index_note
    if live_note:
        meta["live_time_note"] = live_note
    meta.update(_instrument_attrs(f))
    return Cube(data, cal or Calibration.uncalibrated(), live_time=live, metadata=meta, path=path)


def _require_some(spectra: tuple, index: tuple, path) -> None:
    """A Crono file holds spectra of channels over pixels: /XRF/Spectra of no spectra had
    opened as a map of zeros ("point at or beyond the 0 spectra"), and one of no channels, or
    an index map of no pixels, failed as "could not be read as hdf5 (ValueError: cube has an
    empty axis ...)"."""
    what = ("spectra", "channels")
    for name, shape, empty in (
        ("/XRF/Spectra", spectra, what),
        ("/XRF/SpectraSelectedIndex", index, ("rows of pixels", "columns of pixels")),
    ):
        if 0 in shape:
            raise CubeReadError(
                path, f"{name} has shape {tuple(shape)}: it holds no {empty[shape.index(0)]}"
            )


def _index_note(index: np.ndarray, n: int, path) -> str | None:
    """A negative index marks a pixel not measured (read as zeros); one at or beyond N points at
    no spectrum and reads as zeros too, so it is reported (warning + note), with the likely cause
    when the indices run 1..N (1-based: every pixel would show its neighbour's spectrum)."""
    beyond = int(np.count_nonzero(index >= n))
    if not beyond:
        return None
    note = (
        f"{beyond} of {index.size} pixels of /XRF/SpectraSelectedIndex point at or beyond the "
        f"{n} spectra of /XRF/Spectra and read as zeros"
    )
    if index.min() == 1 and index.max() == n:
        note += "; the indices run 1..N, as if 1-based (they are 0-based): pixels may be shifted"
    warn_outside(f"{path}: {note}")
    return note


def _gridded_times(f, name, index, n, path) -> tuple[np.ndarray | None, str | None]:
    """(Crono's per-spectrum live times placed on the pixel grid, None), or (None, why they
    were set aside) with a warning, checked as any HDF5 file's live times (_live_time_problem):
    NaN, negative or zero live times had been taken into the cube without a word. Those of
    spectra no pixel shows are not looked at."""
    import h5py

    if name not in f:
        return None, None
    d = f[name]
    problem = _live_time_problem(d, path) if isinstance(d, h5py.Dataset) else "is not a dataset"
    ok = (index >= 0) & (index < n)
    if problem is not None and isinstance(d, h5py.Dataset) and d.size == n:
        # only the spectra the pixels show matter: one the index map leaves out (never filled
        # in a scan stopped early, its live time 0) had set the live times of all aside
        try:
            shown = np.asarray(small(d, path), dtype=np.float64).ravel()[index[ok]]
        except (CubeReadError, OSError):
            shown = None
        if shown is not None and np.isfinite(shown).all() and (shown > 0).all():
            problem = None
    if problem is not None:
        why = f"live time '{d.name}' {problem}: set aside, the cube opens without live times"
        warn_outside(f"{path}: {why}")
        return None, why
    t = np.asarray(small(d, path), dtype=np.float64).ravel()
    if t.size != n:
        return None, None
    out = np.zeros(index.shape, dtype=np.float64)
    out[ok] = t[index[ok]]
    return out, None


def _project(f, path) -> Cube:
    """A project file's cube, its /live_time checked as the other readers' (_checked_live_time):
    a NaN or negative one had been kept unsaid, the maps scaling some pixels and not others. 0 s
    is a pixel not measured (a Crono scan stopped early, saved)."""
    from . import project_h5

    cube = project_h5.read_project_cube(f, path)
    if cube.live_time is not None:
        cube.live_time, note = _checked_live_time(cube.live_time, None, path, "", zero_ok=True)
        if cube.live_time is None:
            cube.metadata["live_time_note"] = note
    return cube


def _aps(f, path: Path, names) -> Cube:
    dsets = [open_for_row_blocks(f, n, row_axis=1) for n in names]  # stored (C, H, W)
    for d in dsets:
        require_numeric(d.dtype, path, d.name)
        if 0 in d.shape:  # had failed as "could not be read as hdf5 (ValueError: cube has ...)"
            require_3d(d.shape, path, f"dataset '{d.name}' (channels, y, x)")
        check_dataset(d, path)
    try:
        data = ChannelFirstView(dsets)
    except ValueError as exc:
        raise CubeReadError(path, str(exc)) from exc
    groups = _beside(f, names[0], _follow(f, names[0])[0])
    live, live_note = _live_time(groups, tuple(data.shape[:2]), path)  # (elements, H, W)
    cal = None
    for cand in ("energy_calib", "energy"):  # fitted XRF-Maps files
        for grp in (*groups, _member(f, "MAPS")):
            if grp is not None and (found := _member(grp, cand)) is not None:
                cal = _aps_calibration(found, path, data.shape[2], len(names))
                break
        if cal:
            break
    meta = {"format": "aps-xrfmaps", "dataset": names, "detector_elements": len(names)}
    if live is None and live_note:  # set aside: say why
        meta["live_time_note"] = live_note
    meta.update(_instrument_attrs(f))
    return Cube(data, cal or Calibration.uncalibrated(), live_time=live, metadata=meta, path=path)


def _aps_calibration(d, path: Path, n: int, n_det: int) -> Calibration | None:
    """XRF-Maps' energy_calib (dataset d): [offset, gain, quadratic], or one such triple per
    detector element ((3, n_det) or (n_det, 3): their mean, as the elements are summed), or an
    energy axis. One that fits none of these, or is no small numeric dataset (strings, a group:
    the scan had been refused, "dataset '/MAPS/energy_calib' has dtype |S1, expected
    numbers"), is set aside with a warning (the cube is then calibrated from its peaks), not a
    reason to refuse the scan (calibration.set_aside, as any file's)."""

    def read() -> Calibration:
        v = np.asarray(small(d, path))
        if v.ndim == 2 and v.shape in ((3, n_det), (n_det, 3)) and v.size > 3:
            v = v.mean(axis=1 if v.shape == (3, n_det) else 0)
        v = v.ravel()
        if v.size <= 3:
            return calibration_from_coefficients(v, path, units=None)
        return calibration_from_energy_axis(v, path, n)

    return set_aside(read, f"calibration '{d.name}'")


def _detectors(f, path: Path, name: str) -> Cube:
    """A 4-D dataset keeping each detector element apart (Xspress3 via NeXus/GDA): read as one
    (H, W, C) cube summed over the elements, lazily, by the summing view APS's data_a..d use."""
    import h5py

    d = f[name]
    target = _follow(f, name)[0]  # one walk of the path's links, for both
    groups, (shown, linked) = _beside(f, name, target), _shown(f, name, target)  # by `name`
    if not isinstance(d, h5py.Dataset):
        raise CubeReadError(path, f"'{shown}' is a group, not a dataset")
    shape = tuple(int(s) for s in d.shape)
    axes = _element_axes(f, name)
    if isinstance(axes, str):
        raise CubeReadError(
            path,
            f"{_named(shown, linked)} of shape {shape} is 4-D, as if it kept each detector "
            f"element apart, but {axes}: not read (pass a 3-D dataset with dataset=, or sum the "
            "elements into a 3-D dataset)",
        )
    require_numeric(d.dtype, path, _named(shown, linked))
    check_dataset(d, path, opened=name)
    element_axis, channel, how = axes
    kept = [a for a in range(4) if a != element_axis]  # an element's (3-D) storage axes
    del d  # one open handle only (see _generic)
    d = open_for_row_blocks(f, name, row_axis=kept[0] if kept[0] != channel else kept[1])
    ch = kept.index(channel)
    y, x = (a for a in range(3) if a != ch)
    n_det = shape[element_axis]
    data = ChannelFirstView(DetectorElement.views(d, element_axis), axes=(y, x, ch))
    axes_attr = _axes_names(groups)
    energy_name = axes_attr[channel] if len(axes_attr) == 4 else None
    cal = _sibling_calibration(f, groups, d, path, data.shape[2], energy_name)
    image = tuple(s for i, s in enumerate(shape) if i not in (channel, element_axis))
    first = element_axis == next(a for a in range(4) if a != channel)  # the data's order first
    live, live_note = _live_time(groups, image, path, elements=n_det, element_first=first)
    meta = {
        "format": "hdf5",
        "dataset": shown,
        "layout": "detector elements",
        "detector_elements": n_det,
        "detector_note": f"{n_det} detector element{'s' * (n_det != 1)} summed (axis "
        f"{element_axis} of {shape})",
        "channel_axis_from": how,
    }
    if linked:
        meta["linked_to"] = linked
    if live_note:
        meta["live_time_note"] = live_note
    meta.update(_instrument_attrs(f))
    return Cube(data, cal or Calibration.uncalibrated(), live_time=live, metadata=meta, path=path)


def _generic(f, path: Path, name: str, kind: str) -> Cube:
    import h5py

    d = f[name]
    target = _follow(f, name)[0]  # one walk of the path's links, for both
    groups, (shown, linked) = _beside(f, name, target), _shown(f, name, target)
    if not isinstance(d, h5py.Dataset):
        raise CubeReadError(path, f"'{shown}' is a group, not a dataset")
    require_3d(d.shape, path, _named(shown, linked))
    require_numeric(d.dtype, path, _named(shown, linked))
    check_dataset(d, path, opened=name)
    matlab = _is_matlab(f, d)
    axes_attr = _axes_names(groups) if kind == "nexus" else []
    axes, how = _storage_axes(f, groups, d, kind, matlab, axes_attr, path, _named(shown, linked))
    # its channel axis guessed from the shape alone: `info --dataset targets/rgb` read a 96 x 128
    # RGB image as 128 x 3 pixels of 96 channels, warning only of the energy vector's length
    if how == "shape" and (picture := _picture(d, matlab, axes)) is not None:
        raise CubeReadError(path, f"{_named(shown, linked)} {picture}")
    del d  # one open handle only: HDF5 shares the first handle's chunk cache with later ones
    d = open_for_row_blocks(f, name, row_axis=axes[0])
    data = d if axes == (0, 1, 2) else ChannelFirstView(d, axes=axes)
    n = data.shape[2]
    # NeXus `axes` names one axis per dimension; any other length says nothing usable (it had
    # raised IndexError: 'could not be read as hdf5 (list index out of range)')
    energy_name = axes_attr[axes[2]] if len(axes_attr) == 3 else None
    cal = _sibling_calibration(f, groups, d, path, n, energy_name)
    live, live_note = _live_time(groups, tuple(data.shape[:2]), path)
    meta = {
        "format": {"pyxrf": "pyxrf", "musa": "napari-musa", "nexus": "nexus"}.get(kind, "hdf5"),
        "dataset": shown,
        "layout": kind,
        "channel_axis": ("first", "middle", "last")[axes[2]],
        "channel_axis_from": how,
    }
    if linked:
        meta["linked_to"] = linked
    if live is None and live_note:  # set aside: say why
        meta["live_time_note"] = live_note
    if matlab:
        meta["matlab"] = True  # column-major: MATLAB's [H W C] is stored (C, W, H)
    meta.update(_instrument_attrs(f))
    return Cube(data, cal or Calibration.uncalibrated(), live_time=live, metadata=meta, path=path)


def _live_time(groups, hw: tuple, path, elements: int | None = None, element_first: bool = True):
    """(per-pixel live time (H, W), a note) from a dataset beside a cube (LIVE_TIME_NAMES), or
    (None, None): one of shape (H, W) as it is (read lazily), or one per detector element,
    (elements, H, W) or (H, W, elements), as the elements' MEAN. `elements`: the count of a 4-D
    cube's element axis, which the dataset must match (else at most MAX_DETECTOR_ELEMENTS, beside
    a cube of their summed counts); `element_first`: the order tried first. The mean, not the
    sum: the summed counts over the mean live time are the summed detector's counts per second
    (exactly so when the elements count at one rate), and it stays at most the real time, as a
    live time must (APS XRF-Maps' 4 elements had been summed: 4.8 s of live time in a 1.2 s
    pixel). Per-element datasets beside a 3-D cube had been ignored.

    The values are checked (`_live_time_problem`): one NaN, infinite, negative or zero value, or
    a `units` attribute naming no time, sets the dataset aside with a warning and the note
    (None, note), and the cube opens without live times; they had been kept as they were, for
    the cube's metadata and a project save. A `units` of ms or us is converted to seconds.
    groups: where to look, in order (`_beside`)."""
    import h5py

    orders = ((0, slice(1, 3)), (2, slice(0, 2)))
    misfit = None  # the first image-like one of another shape: said, where none fits
    for group, name in ((g, n) for g in groups for n in LIVE_TIME_NAMES):
        d = _member(group, name)
        if not isinstance(d, h5py.Dataset):
            continue
        got = tuple(int(s) for s in d.shape)
        if got == tuple(hw):
            return _checked_live_time(d, None, path, f"'{d.name}' per pixel")
        if misfit is None and len(got) >= 2:
            misfit = (d.name, got)
        if len(got) != 3:
            continue
        for axis, image in orders if element_first else orders[::-1]:
            n = got[axis]
            if got[image] == tuple(hw) and (
                n == elements if elements else n <= MAX_DETECTOR_ELEMENTS
            ):
                note = f"'{d.name}': the mean of the {n} detector elements' live times"
                return _checked_live_time(d, axis, path, note)
    if misfit is None:
        return None, None
    # had been passed over without a word: the counts read as not normalised, none said why
    shape = " x ".join(map(str, misfit[1]))
    why = (
        f"live time '{misfit[0]}' has shape {shape}, not the scan's {hw[0]} x {hw[1]} pixels "
        "(nor one such image per detector element): set aside, the cube opens without live times"
    )
    warn_outside(f"{path}: {why}")
    return None, why


#: Seconds per unit of a live-time dataset's `units` attribute (none given: seconds).
LIVE_TIME_UNITS = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "ms": 1e-3,
    "msec": 1e-3,
    "millisecond": 1e-3,
    "milliseconds": 1e-3,
    "us": 1e-6,
    "usec": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "microsecond": 1e-6,
    "microseconds": 1e-6,
    # nanoseconds too: 'ns' had been set aside as "has units 'ns', not a time", which it is
    "ns": 1e-9,
    "nsec": 1e-9,
    "nanosecond": 1e-9,
    "nanoseconds": 1e-9,
}
#: Values of a per-pixel live-time dataset checked per read.
LIVE_TIME_BLOCK = 2**22


def _checked_live_time(d, element_axis, path, note: str, zero_ok: bool = False):
    """(live time in seconds, note) of dataset `d`, or (None, why it was set aside) with a
    warning. element_axis: the axis averaged (None: the (H, W) dataset itself, kept lazy when in
    seconds). zero_ok: 0 s marks a pixel not measured (a project file's, saved from a Crono
    scan stopped early), not a damaged dataset."""
    unit = _attr_str(d.attrs.get("units", "")).strip().lower()
    scale = LIVE_TIME_UNITS.get(unit)
    problem = (
        f"has units {unit!r}, not a time (s, ms, us, ns)"
        if scale is None
        else _live_time_problem(d, path, zero_ok)
    )
    if problem is None:
        try:
            if element_axis is None and scale == 1.0 and not d.external:
                return d, note  # lazy: an external one is read now, from its folder (small)
            t = np.asarray(small(d, path), dtype=np.float64) * scale
        except (CubeReadError, OSError) as exc:
            problem = f"could not be read ({getattr(exc, 'problem', exc)})"
        else:
            if scale != 1.0:
                note += f", converted from {unit} to seconds"
            return (t if element_axis is None else t.mean(axis=element_axis)), note
    why = f"live time '{d.name}' {problem}: set aside, the cube opens without live times"
    warn_outside(f"{path}: {why}")
    return None, why


def _live_time_problem(d, path, zero_ok: bool = False) -> str | None:
    """Why a live-time dataset cannot be one (NaN or infinite, negative or zero values: a live
    time is a positive number of seconds, and counts over it would be infinite or negative), or
    None; `zero_ok`: zeros allowed (_checked_live_time). Read in blocks of rows: a per-pixel
    dataset stays lazy, and this pass holds at most LIVE_TIME_BLOCK values of it."""
    if d.dtype.kind not in "uif":
        return f"holds {d.dtype} values, not numbers"
    if d.size == 0:
        return "is empty"
    try:
        check_dataset(d, path)
        source = small(d, path) if d.external else d  # h5py would look in the working directory
        rows = max(1, LIVE_TIME_BLOCK // max(1, int(np.prod(d.shape[1:], dtype=np.int64))))
        bad = {"NaN or infinite": 0, "negative": 0, "zero": 0}
        for y in range(0, int(d.shape[0]), rows):
            t = np.asarray(source[y : y + rows], dtype=np.float64)
            finite = np.isfinite(t)
            bad["NaN or infinite"] += int(t.size - np.count_nonzero(finite))
            bad["negative"] += int(np.count_nonzero(t[finite] < 0))
            bad["zero"] += 0 if zero_ok else int(np.count_nonzero(t == 0))
    except (CubeReadError, OSError) as exc:
        return f"could not be read ({getattr(exc, 'problem', exc)})"
    found = [f"{n} {what}" for what, n in bad.items() if n]
    if not found:
        return None
    return (
        f"holds {', '.join(found)} of its {d.size} values (a live time is a positive number "
        "of seconds)"
    )


def _is_matlab(f, d) -> bool:
    """A MATLAB v7.3 .mat file (HDF5 behind a 512-byte header starting "MATLAB"), or a dataset
    MATLAB wrote (its `MATLAB_class` attribute)."""
    if "MATLAB_class" in d.attrs:
        return True
    if f.userblock_size < 128:
        return False
    try:
        with open(f.filename, "rb") as fh:
            return fh.read(6) == b"MATLAB"
    except OSError:
        return False


def _storage_axes(
    f, groups, d, kind, matlab, axes_attr, path, named: str
) -> tuple[tuple[int, int, int], str]:
    """(the stored axes of (y, x, channel), how the channel axis was found). named: the dataset
    as the warning names it (`_named`: the user's path, not the one inside a linked file).

    The channel axis is, in order: the one NeXus `axes` names energy; the one whose length an
    energy vector beside the data matches; PyXRF's last; else a guess from the shape, with a
    warning when both end axes could hold channels. MATLAB stores arrays column-major, so its
    [H W C] is read from (C, W, H)."""
    shape = tuple(d.shape)[::-1] if matlab else tuple(d.shape)  # in the writer's own order
    axis, how = None, "shape"
    if axes_attr and len(axes_attr) == 3:
        for i, a in enumerate(axes_attr[::-1] if matlab else axes_attr):
            if a.lower() in ("energy", "channels", "channel", "e"):
                axis, how = (0, 1, -1)[i], "nexus axes"  # (y, energy, x) too: it says so
                break
    if axis is None and kind == "pyxrf":
        axis, how = -1, "pyxrf"
    if axis is None:
        n_energy = _energy_vector_lengths(f, groups)
        first, last = shape[0] in n_energy, shape[-1] in n_energy
        if not (first or last):  # bin edges: one value more than channels (NeXus allows them)
            first, last = shape[0] + 1 in n_energy, shape[-1] + 1 in n_energy
        if first != last:
            axis, how = (0 if first else -1), "energy vector"
    if axis is None:
        axis = _spectral_axis(shape)
        axis = -1 if axis is None else axis
        if min(shape[0], shape[-1]) >= MIN_CHANNELS:
            guess = f"{shape[axis]} channels along the {'first' if axis == 0 else 'last'} axis"
            warn_outside(
                f"{path}: {named} {tuple(d.shape)} could hold its channels along "
                f"either end axis and no energy vector beside it says which: read as {guess}; "
                "if the image looks scrambled, the file needs an energy vector (e.g. `energy`) "
                "of as many values as channels",
            )
    order = {-1: (0, 1, 2), 0: (1, 2, 0), 1: (0, 2, 1)}[axis]
    if matlab:
        order = tuple(2 - a for a in order)
    return order, how


def _picture(d, matlab: bool, axes: tuple[int, int, int]) -> str | None:
    """Why a 3-D dataset is an RGB(A) colour picture, not a scan's counts, or None: its last axis
    (in the writer's order: MATLAB's [H W C] is stored reversed) holds 3 or 4 samples, and it is
    marked an image (the HDF5 Image specification's CLASS attribute), 8-bit, or of floats between
    0 and 1 (a sample of its first rows). Asked only where the channel axis was guessed from the
    shape: an energy vector or NeXus `axes` naming the channel axis is the file's word. axes: the
    reading `_storage_axes` chose, which the refusal describes."""
    why = _picture_why(d, matlab)
    if why is None:
        return None
    stored = tuple(int(s) for s in d.shape)
    h, w, n = stored[::-1] if matlab else stored
    y, x, c = (stored[a] for a in axes)
    return (
        f"{tuple(stored)} looks like an {'RGBA' if n == 4 else 'RGB'} colour picture, not a "
        f"scan's counts: a {h} x {w} image of {n} samples a pixel, {why} (read as a scan it "
        f"would be {y} x {x} pixels of {c} channels); a scan's counts have an axis of at least "
        f"{MIN_CHANNELS} energy channels: name their dataset, or open the picture as an image"
    )


def _photo(f, name: str, tree: _Tree) -> bool:
    """Whether discovery's candidate `name` is an RGB(A) colour picture (_picture_why); only
    one with 3 or 4 samples at an end axis is opened."""
    shape = next((s for n, s, _ in tree.datasets if n == name), ())
    if not shape or not {shape[0], shape[-1]} & {3, 4}:
        return False
    try:
        d = f[name]
        return _picture_why(d, _is_matlab(f, d)) is not None
    except Exception:  # noqa: BLE001 - unreadable here: left to the read, which says why
        return False


def _picture_why(d, matlab: bool) -> str | None:
    """Why 3-D dataset `d` is an RGB(A) colour picture (_picture's words), or None."""
    stored = tuple(int(s) for s in d.shape)
    n = stored[0] if matlab else stored[-1]
    if n not in (3, 4):
        return None
    if _attr_str(d.attrs.get("CLASS")).upper() == "IMAGE":
        return "marked an image (its CLASS attribute)"
    if d.dtype == np.uint8:
        return "of 8-bit values"
    if d.dtype.kind == "f":
        rows = np.asarray(d[tuple(slice(0, 64) for _ in stored)])  # a bounded sample
        if rows.size == 0 or not (np.isfinite(rows).all() and rows.min() >= 0 and rows.max() <= 1):
            return None
        # and not whole numbers: counts stored as floats, a channel-first scan 3-4 pixels wide
        # whose first 64 channels (below 0.6 keV) count 0 or 1, had been refused as a picture
        if (rows == np.round(rows)).all():
            return None
        if _scaled_counts(d, matlab):
            return None
        return "of values between 0 and 1"
    return None


#: Most values _scaled_counts reads (a few lines along the axis read as channels).
SCALED_SAMPLE_VALUES = 2**18


def _scaled_counts(d, matlab: bool) -> bool:
    """Whether float dataset `d`, of values between 0 and 1, holds counts scaled a pixel at a
    time (counts / I0, the incident flux: synchrotron maps are normalised so), not a picture:
    along the axis a channel-first reading takes as channels (the first stored, or MATLAB's
    last), each line's non-zero values are whole multiples (up to 1/6) of its smallest, and
    its values are not 8- or 16-bit levels (k / 255, k / 65535: a picture saved as floats).
    Such a scan 3-4 pixels wide had been refused as an RGB colour picture."""
    axis = -1 if matlab else 0
    n = int(d.shape[axis])
    across = max(1, min(8, SCALED_SAMPLE_VALUES // max(1, n * int(min(d.shape)))))
    key = [slice(0, across)] * 3
    key[axis] = slice(None)
    lines = np.moveaxis(np.asarray(d[tuple(key)], dtype=np.float64), axis, -1).reshape(-1, n)
    for levels in (255, 65535):
        if np.allclose(lines * levels, np.round(lines * levels), rtol=0, atol=1e-3):
            return False  # a picture's levels stored as floats
    told = []
    for line in lines:
        v = line[line > 0]
        if np.unique(v).size < 2:
            continue  # one value a line says nothing
        if not _whole_multiples(v):
            return False
        told.append(v)
    # each pixel's counts over its own I0: the lines' steps differ. One step for every line, up
    # to bright values, is a picture's (a grey ramp k / (H - 1), a drawing of 0.5 and 1), which
    # had opened sideways; counts over one I0 for all (a monitor preset) are small fractions
    if not told:
        return False
    pooled = np.concatenate(told)
    return len(told) == 1 or pooled.max() <= 0.5 or not _whole_multiples(pooled)


def _whole_multiples(v) -> bool:
    """Whether the positive values `v` are whole multiples of one step, their smallest over a
    whole number up to 6 (_scaled_counts)."""
    r = v / v.min()
    return any(np.allclose(r * m, np.round(r * m), rtol=1e-5, atol=1e-3) for m in range(1, 7))


#: Names live times beside the data go by (PyMca, NeXus NXdetector, Xspress3 via GDA).
LIVE_TIME_NAMES = ("live_time", "livetime", "LiveTime", "elapsed_live_time")

#: Names an energy vector beside the data goes by (besides a NeXus `axes` entry).
ENERGY_NAMES = ("energy", "ENERGY", "Energy", "energy_axis", "channels_energy")


def _vector_length(obj, numeric: bool = True) -> int | None:
    """Length of a 1-D dataset, or of an (n, 1) / (1, n) one (MATLAB writes vectors 2-D); of
    numbers only unless `numeric` is False (the calibration's look, which says why one of
    strings is set aside)."""
    import h5py

    if not isinstance(obj, h5py.Dataset) or (numeric and obj.dtype.kind not in "uif"):
        return None
    shape = tuple(obj.shape)
    if len(shape) == 1 or (len(shape) == 2 and min(shape) == 1):
        return max(shape)
    return None


def _energy_vector_lengths(f, groups) -> set[int]:
    return {
        n
        for grp in _and_root(groups, f)
        for name in ENERGY_NAMES
        if (n := _vector_length(_member(grp, name))) is not None
    }


def _axes_names(groups) -> list[str]:
    """The NeXus `axes` of the first of `groups` that has them (`_beside`)."""
    for group in groups:
        axes = _attr(group, "axes")
        if axes is not None:
            return [_attr_str(a) for a in np.atleast_1d(axes)]
    return []


def _beside(f, name, target) -> tuple:
    """The groups whose datasets describe the dataset opened by path `name` (energy vector, live
    time, NeXus `axes`, PyMca `calibration`), in the order looked in: the group holding `name`
    in the file opened, then, where a link led elsewhere, the group holding the dataset there
    (`_follow`). A NeXus master file keeps the axes and energy beside its link to the
    detector's frames file, which keeps its own beside the frames: only the frames' side had
    been looked in, so a master's energy vector went unused. target: where `_follow` says `name`
    leads."""
    import posixpath

    folder = posixpath.dirname("/" + str(name).strip("/"))
    here = f if folder == "/" else _member(f, folder)
    out = [here] if here is not None else []
    if target is not None:
        root, inner = target
        there = _member(root, posixpath.dirname(inner))
        if there is not None and not any(there == g for g in out):
            out.append(there)
    return tuple(out)


def _follow(f, name) -> tuple[tuple[object, str] | None, str | None]:
    """Path `name` of open file f walked through its links, each soft and external one followed
    (at most MAX_LINK_HOPS): (where it leads, why it leads nowhere).

    where: (the root group of the file holding the object it leads to, its path there), or None
    where it leads nowhere. Not the object's own `name` and `file`: HDF5 names an object reached
    through a soft link and then an external link by the soft link's path in the other file
    (/entry/plot/counts in frames.h5), whose parent there is no group.
    why: a link on the path as given that leads nowhere, said by `broken_link` under the path's
    part up to it (`name in f` is true of a link whose target is missing), or None."""
    import posixpath

    import h5py

    given = [p for p in str(name).split("/") if p]
    root, done, todo, hops = f, "/", list(given), 0
    left = len(given)  # the given parts still to walk: always todo's tail
    while todo:
        own = len(todo) == left  # a part of the path as given, not of a link's
        part = todo.pop(0)
        left -= own
        group = _member(root, done)
        if not isinstance(group, h5py.Group):
            return None, None
        try:
            link = group.get(part, getlink=True)
        except (KeyError, OSError, RuntimeError, ValueError):
            return None, None
        if link is None:
            return None, None
        if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
            obj = _member(group, part)
            if obj is None:
                why = broken_link(group, "/".join(given[: len(given) - left]), link)
                return None, (why if own else None)
            hops += 1
            if hops > MAX_LINK_HOPS:
                return None, None
            if isinstance(link, h5py.SoftLink):
                inner = posixpath.normpath(posixpath.join(done, link.path))
            else:
                root, inner = obj.file, link.path
            done, todo = "/", [p for p in inner.split("/") if p] + todo
        else:
            done = posixpath.join(done, part)
    return (root, done), None


def _and_root(groups, f) -> tuple:
    """groups, then the file's root where it is not one of them."""
    return tuple(groups) + (() if any(g == f for g in groups) else (f,))


def _shown(f, name, target) -> tuple[str, str | None]:
    """(the dataset's path as the metadata shows it, where a link led): its path in the file
    opened (what `dataset=` takes), and 'frames.h5:/entry/data/data' where a link led to
    another file (None where it did not). target: where `_follow` says it leads."""
    import os

    shown = "/" + str(name).strip("/")
    if target is None:
        return shown, None
    root, inner = target
    try:
        elsewhere = not os.path.samefile(root.file.filename, f.filename)
    except (OSError, ValueError):
        elsewhere = False
    return shown, (f"{root.file.filename}:{inner}" if elsewhere else None)


def _named(shown: str, linked: str | None) -> str:
    """A dataset as a refusal names it (`_shown`): by its path in the file opened, which the user
    sees and dataset= takes, not by its path in a linked file (h5py's `name` there), and where a
    link led."""
    return f"dataset '{shown}'" + (f" (a link to {linked})" if linked else "")


def _sibling_calibration(f, groups, d, path, n, axis_name=None) -> Calibration | None:
    """PyMca `calibration` [a, b, c], attributes offset/gain, an energy vector (the NeXus axis of
    the channels, napari-musa ENERGY, `energy`), in that order. An energy vector must hold one
    value per channel or the n + 1 bin edges: a longer one describes another axis (or the channel
    axis was guessed wrong), so it is set aside with a warning rather than truncated. Attributes
    or a `calibration` that cannot be read as one (strings, unknown units) are set aside with a
    warning too, as an APS energy_calib is: the cube reads uncalibrated (then calibrated from its
    peaks) where the whole scan had been refused. groups: where to look, in order (`_beside`),
    then the file's root."""
    import h5py

    cal = set_aside(
        lambda: calibration_from_mapping(d.attrs, path), f"offset/gain attributes of '{d.name}'"
    )
    if cal is not None:
        return cal
    places = _and_root(groups, f)
    for grp in places:  # a group named `calibration` (another writer's) is not PyMca's
        c = _member(grp, "calibration")
        if isinstance(c, h5py.Dataset) and c.size <= 3:
            units = _attr_str(c.attrs.get("units", "")) or None
            cal = set_aside(
                lambda c=c, units=units: calibration_from_coefficients(small(c, path), path, units),
                f"calibration '{c.name}'",
            )
            if cal is not None:
                return cal
    names = list(dict.fromkeys(([axis_name] if axis_name else []) + list(ENERGY_NAMES)))
    for grp in places:
        for name in names:
            v = _member(grp, name)
            length = _vector_length(v, numeric=False)
            if length is None and isinstance(v, h5py.Dataset) and v.ndim >= 2:
                # an energy a row was passed over without a word (2-D: no vector)
                cal = set_aside(lambda v=v: _energy_rows(v, path, n), f"energy '{v.name}'")
                if cal is not None:
                    return cal
                continue
            # a shorter one (2 values or more: one is a beam energy) was passed over silently
            if length is not None and (length > n + 1 or 1 < length < n):
                warn_outside(
                    f"{path}: energy vector '{v.name}' has {length} values for "
                    f"{n} channels: not used as the energy calibration",
                )
            elif length is not None and length >= n:
                cal = set_aside(lambda v=v: _energy_vector(v, path, n), f"energy vector '{v.name}'")
                if cal is not None:
                    return cal
    return None


#: Most rows a 2-D energy dataset may have to be read (_energy_rows): detector elements.
MAX_ENERGY_ROWS = 64


def _energy_rows(v, path, n: int) -> Calibration:
    """The calibration of a 2-D energy dataset `v` holding one energy vector a row (a detector
    element's, along an axis of n values or n + 1 edges) that all agree; CubeReadError, in
    words, where it holds no such vectors or they differ (which is this scan's is unknown). A
    2-D `energy` had been passed over without a word, the scan opening uncalibrated."""
    shape = tuple(int(s) for s in v.shape)
    label = f"energy '{v.name}' of shape {' x '.join(map(str, shape))}"
    along = [a for a in range(len(shape)) if shape[a] in (n, n + 1)] if len(shape) == 2 else []
    if not along or shape[1 - along[-1]] > MAX_ENERGY_ROWS:
        raise CubeReadError(path, f"{label} is no energy vector of the {n} channels")
    rows = np.moveaxis(np.asarray(small(v, path, v.size), dtype=np.float64), along[-1], -1)
    units = _attr_str(v.attrs.get("units", "")).strip().lower()
    span = float(np.ptp(rows[0])) if np.isfinite(rows[0]).all() else 0.0
    gaps = np.abs(rows - rows[0])
    gaps[np.isnan(rows) & np.isnan(rows[0])] = 0  # equal rows holding NaN: said below, not "differ"
    differ = gaps.max(initial=0.0)
    if not differ <= 1e-6 * span:  # NaN too
        raise CubeReadError(
            path,
            f"{label} holds {len(rows)} energy vectors that differ (by up to {differ:.4g}"
            f"{' ' + units if units else ''}): which one is this scan's is unknown",
        )
    return calibration_from_energy_axis(
        rows[0], path, n, units=units if units in ("ev", "kev") else None
    )


def _energy_vector(v, path, n: int) -> Calibration:
    """The calibration energy vector `v` gives n channels; CubeReadError where it cannot (strings,
    NaN, not increasing), which _sibling_calibration sets aside: one of strings had been passed
    over without a word, one of numbers that does not increase refused the scan."""
    e = np.asarray(small(v, path, max_items=n + 1), dtype=np.float64)
    units = _attr_str(v.attrs.get("units", "")).strip().lower()
    # the unit named decides; the values (eV above 200) only where none is: a keV axis ending
    # past 200 keV was scaled again as eV, 1000 times too low
    return calibration_from_energy_axis(
        e.ravel(), path, n, units=units if units in ("ev", "kev") else None
    )


def _instrument_attrs(f) -> dict:
    """anode / kV / detector if a writer left them as root attributes (several spellings)."""
    out = {}
    spellings = {
        "anode": ("anode", "tube_anode", "target"),
        "kV": ("kV", "kv", "tube_voltage", "voltage"),
        "detector": ("detector", "detector_type"),
    }
    for key, names in spellings.items():
        for n in names:
            if n in f.attrs:
                try:
                    v = f.attrs[n]
                    out[key] = (
                        _attr_str(v)
                        if isinstance(v, (bytes, str, np.bytes_))
                        else np.asarray(v).item()
                    )
                except (OSError, TypeError, ValueError):  # an unreadable attribute is only metadata
                    pass
                break
    return out


def _attr(obj, name: str):
    """obj's attribute `name`, or None where it is absent or cannot be read (a type h5py has no
    NumPy equivalent for, such as an HDF5 time; a damaged one): a hint discovery consults (NXdata,
    its signal and axes), whose unreadable value had stopped the whole file ('could not be read
    as hdf5 (TypeError: No NumPy equivalent for TypeTimeID exists)')."""
    try:
        return obj.attrs.get(name)
    except (KeyError, OSError, RuntimeError, TypeError, ValueError):
        return None


def _attr_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (bytes, np.bytes_)):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.size == 1:
        return _attr_str(v.item())
    return str(v)


def _summary(tree: _Tree, limit: int = 12) -> str:
    """The first `limit` datasets discovery saw (through links too), for the no-cube message."""
    items = [f"{name} {shape} {dtype}" for name, shape, dtype in tree.datasets[:limit]]
    return "; ".join(items) if items else "none"
