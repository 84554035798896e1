"""Readers: every supported file -> a lazy `Cube` (or a `Spectrum`), with its calibration's source.

`read_cube` picks the reader from the one format table (`registry.FORMATS`), checks a bounded
sample of the counts, reviews the file's calibration against the peaks, or for files without one
applies the automatic calibration. Whatever goes wrong on the way is a CubeReadError naming the
file and the problem.
"""

from __future__ import annotations

import numbers
import stat
import threading
import weakref
from pathlib import Path

from ..cube import Cube, release_mapped_pages
from ..detector import (
    ANODE_FROM_GIVEN,
    ANODE_FROM_SCATTER,
    AUTO_SAVED_KEY,
    DEFAULT_CALIBRATION_ANODE,
    GIVEN_ANODE_KEY,
    REFIT_FAILED_KEY,
    REFIT_KEPT,
    SEEN_ANODE_KEY,
    anode_from_metadata,
    calibration_anode,
    dict_from_metadata,
    symbol_or_refuse,
)
from ..energy import Calibration
from ..errors import CONTRAST_BYTES, CubeReadError, out_of_memory, sample_counts, warn_outside
from .calibration import implausible, notes_set_aside
from .limits import check_path, check_tree
from .mapped import FileStamp
from .registry import FORMATS, SPECTRUM_SUFFIXES, SUPPORTED_SUFFIXES, a_file, claims, format_of
from .spectra import Spectrum

#: Suffixes of pictures no scan is saved as: `xrf-napari info photo.png` said "unsupported file
#: type '.png'" alone, where a photograph saved as TIFF is told what to do with it (arrays).
_PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
_PICTURE_ADVICE = (
    "a picture, not a spectral datacube; give a photograph of a scan to `xrf-napari pigments "
    "--photo`, or open it with napari's own reader (drop it on napari without choosing xrf-napari)"
)


def _picture_words(path) -> str:
    """_PICTURE_ADVICE, or for an image xrf-napari wrote (a quicklook map, a region map, the
    recoloured image as PNG) what it is: the advice sent those to `pigments --photo`, which
    refuses them (saved_marks.made_by_xrf_napari)."""
    from ..saved_marks import made_by_xrf_napari

    made = made_by_xrf_napari(path)
    if made is None:
        return _PICTURE_ADVICE
    return f"{made}, a picture, not a spectral datacube; open it in napari or an image viewer"


#: metadata["auto_calibration"] of a cube whose automatic calibration read_cube left to its caller.
AUTO_PENDING = "pending"
#: ... and of one whose calibration pass failed (the user was told): the label its Cube keeps.
AUTO_READ_FAILED = "not fitted: reading the file failed"
#: ... and of one whose automatic calibration failed: AUTO_FAILED + why + AUTO_FAILED_END
AUTO_FAILED = "failed: "
AUTO_FAILED_END = "; energy axis is channel numbers"
#: cube.metadata key: what a pass over the scan's file that failed reading it (a bad block past
#: the opening check) told the user (tell_read_failure); a save of the cube does not write it
READ_ERROR_KEY = "xrf_read_error"
_READ_FAILURE_LOCK = threading.Lock()
#: The anode hint read_cube was given for each cube it left pending, for auto_calibrated: held
#: beside the cube, not in its metadata, which a save of the pending scan would write to the file.
_PENDING_ANODE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

__all__ = [
    "read_cube",
    "auto_calibrated",
    "read_spectrum",
    "can_read",
    "CubeReadError",
    "Spectrum",
    "SUPPORTED_SUFFIXES",
    "FORMATS",
]


def can_read(path) -> bool:
    """napari's claim check (called for every dropped file): our suffix claims the file, so a broken
    one gets our clear error; a cheap content look only for suffixes napari itself reads (a plain
    TIFF, a 2-D .npy, a points .csv stay napari's). Never opens a FIFO or device."""
    return claims(path)


def read_spectrum(path) -> Spectrum:
    """A single spectrum from one of SPECTRUM_SUFFIXES (.spx .mca .msa .emsa .csv ...)."""
    path = Path(path)
    check_path(path)
    fmt = format_of(path)
    if fmt is None or not fmt.spectrum:
        raise CubeReadError(
            path,
            f"not a spectrum file (suffix {path.suffix.lower()!r}; expected one of "
            f"{' '.join(SPECTRUM_SUFFIXES)})",
        )
    try:
        spectrum = fmt.load()(path)
    except CubeReadError:
        raise
    except MemoryError as exc:
        raise out_of_memory(path, exc, "reading it") from None
    except Exception as exc:
        raise CubeReadError(
            path, f"could not be read as a spectrum ({type(exc).__name__}: {_short(exc)})"
        ) from exc
    # checked as read_cube checks a scan's (it had been for a spectrum opened as a cube only):
    # an .msa's #XPERCHAN of 10 in keV, a .csv's keV column of eV values came back as they were
    said = _implausible(spectrum.calibration, len(spectrum.counts))
    if spectrum.calibration.source == "file" and said:
        warn_outside(f"{path}: {said}")
        spectrum.calibration = Calibration.uncalibrated()
        spectrum.metadata["calibration_note"] = f"{path}: {said}"
    return spectrum


def _implausible(cal: Calibration, n_channels: int) -> str | None:
    """What read_cube and read_spectrum say of a file's calibration no detector can have."""
    problem = implausible(cal, n_channels)
    if problem is None:
        return None
    return f"the file's energy calibration is implausible ({problem}): ignored"


def normalise_anode_metadata(metadata: dict, path) -> str | None:
    """Rewrite the tube anode a file's metadata holds (root, "profile" or "tube") as an element
    symbol ("rh", "RH", "Rhodium", 45 -> "Rh") and return it (None if there is none). Every later
    reader of the metadata (calibration review, maps, the OOD check) then sees the symbol.
    An anode that names no element is the file's error: CubeReadError naming the file."""
    found = None
    for where in (metadata.get("profile"), metadata.get("tube"), metadata):
        if not isinstance(where, dict):
            continue
        value = where.get("anode")
        if value is None or isinstance(value, bool) or (isinstance(value, str) and not value):
            continue
        if not isinstance(value, (str, bytes, numbers.Integral)):
            continue
        where["anode"] = symbol_or_refuse(
            value,
            CubeReadError(
                path,
                f"its metadata names the tube anode {value!r}, which is not an element symbol, "
                "name or atomic number (e.g. Rh, rhodium, 45); correct the file's anode attribute",
            ),
        )
        found = found or where["anode"]
    return found


def read_cube(
    path,
    *,
    calibration: Calibration | None = None,
    auto_calibrate: bool = True,
    anode: str | None = None,
    dataset: str | None = None,
    check_counts: bool = True,
    calibrate_later: int | None = None,
    keep_contrast_sample: bool = False,
) -> Cube:
    """Open a datacube lazily.

    calibration: overrides whatever the file says (source kept as given, e.g. "user").
    auto_calibrate: for a file with no calibration, fit one from scatter/element peaks
        (`analysis.autocal`); failure leaves channel numbers (source "none"), never an exception.
    anode: tube anode hint for auto-calibration (the file's own anode metadata wins); a symbol in
        any case, an English name or an atomic number ("rh", "Rhodium", 45 -> "Rh"). None: Rh,
        unless the scan's scatter lines show another tube (autocal.scatter_recalibrated), or the
        fit assuming Rh is refused or shows no tube and those assuming Mo and Ag agree, one
        showing its tube (autocal.anode_agreed_calibration). Given for a file naming none, it is
        the scan's tube too, whatever calibration it keeps
        (metadata GIVEN_ANODE_KEY, read by detector.named_anode): the element suggestion, maps,
        pigment fit and the docks' Instrument rows take it as they take a file's.
    dataset: HDF5 dataset / zarr array path / .npz member, bypassing discovery.
    calibrate_later: a cube of more bytes than this (or whose pass is as slow: arrays.pass_bytes)
        that needs the automatic calibration is returned without it (source "none",
        metadata["auto_calibration"] = AUTO_PENDING), for the caller to run `auto_calibrated` (a
        whole pass over the file) where it does not block: the napari reader, in a worker thread.
    keep_contrast_sample: keep the cube layer's contrast sample from the opening check's read
        (Cube.opening_sample, up to errors.CONTRAST_BYTES) for the napari reader, which takes it:
        a zarr store decodes its sampled chunks once. Off, nothing is held for a script or the CLI.
    """
    anode = None if anode is None else _anode_hint(anode)  # before the file is opened: a bad
    # hint is the caller's error
    path = Path(path)
    st = check_path(path, allow_dir=True)
    fmt = format_of(path)
    if fmt is None:
        if stat.S_ISDIR(st.st_mode):  # it said "unsupported file type '(no suffix)'"
            raise CubeReadError(
                path,
                "is a directory, not a scan: give the scan's file in it (a zarr store, the one "
                "directory read, is named .zarr); supported: " + " ".join(SUPPORTED_SUFFIXES),
            )
        picture = path.suffix.lower() in _PICTURE_SUFFIXES
        raise CubeReadError(
            path,
            f"unsupported file type {path.suffix or '(no suffix)'!r}"
            + (f": {_picture_words(path)}" if picture else "")
            + "; supported: "
            + " ".join(SUPPORTED_SUFFIXES),
        )
    kind = fmt.name
    if dataset and kind not in ("hdf5", "zarr", "datastack", "npz"):
        raise ValueError(
            f"{path}: {a_file(kind)} holds no named datasets; leave out the dataset (--dataset)"
        )
    if stat.S_ISDIR(st.st_mode):
        if not fmt.directory:
            raise CubeReadError(path, f"is a directory, not {a_file(kind)}")
        check_tree(path)
    elif st.st_size == 0:
        raise CubeReadError(path, "the file is empty (0 bytes)")
    from .arrays import pass_bytes, sample_chunks  # a zarr of tiny chunks: slow to sample, pass

    try:  # one guard: the reader and the first look at the data
        with notes_set_aside() as aside:  # every reader's calibration set aside, in its words
            cube = (
                read_spectrum(path).to_cube() if fmt.spectrum else fmt.load()(path, dataset=dataset)
            )
        if aside and not cube.metadata.get("calibration_note"):  # a reader's own (ripple) kept
            cube.metadata["calibration_note"] = "; ".join(aside)
        sample = None
        if check_counts:  # with the cube layer's contrast sample when asked: not read again
            keep = CONTRAST_BYTES if keep_contrast_sample else None
            total, peak, cube.opening_sample = sample_counts(
                cube.data, path, max_chunks=sample_chunks(cube), keep_bytes=keep
            )
            sample = (total, peak)
        release_mapped_pages(cube.data)  # the sampled rows: not held while the caller works
        named = normalise_anode_metadata(cube.metadata, path)
        cube.metadata.pop(SEEN_ANODE_KEY, None)  # read again (_review_file_calibration)
        if anode and not named:  # the scan's tube from now on (named_anode), the calibration's
            cube.metadata[GIVEN_ANODE_KEY] = anode  # or the file's kept
        given = None if named else anode
        anode = named or anode or _given_saved(cube.metadata, path)
        saved_auto = calibration is None and cube.calibration.source == "auto"
        if saved_auto and auto_calibrate and given:
            cube = _refitted_for_given(cube, path, given)
            saved_auto = cube.calibration.source == "auto"
        if calibration is not None:
            cube = cube.with_calibration(calibration)
        else:
            if cube.calibration.source == "file":
                cube = _review_file_calibration(cube, path, sample, anode, check=auto_calibrate)
            if cube.calibration.source == "none" and auto_calibrate:
                if calibrate_later is not None and pass_bytes(cube) > calibrate_later:
                    cube.metadata["auto_calibration"] = AUTO_PENDING
                    _PENDING_ANODE[cube] = anode
                else:
                    cube = _auto_calibrate(cube, anode)
                    _warn_few_channels(cube, path)
    except CubeReadError:
        raise
    except MemoryError as exc:  # the size it needed said, where none was
        huge = "a corrupt header declaring a huge array? Else close other scans or programs"
        raise out_of_memory(path, exc, f"reading it as {kind}", advice=huge) from None
    except Exception as exc:  # never a bare library traceback: zlib, h5py, blosc, tifffile...
        raise CubeReadError(
            path, f"could not be read as {kind} ({type(exc).__name__}: {_short(exc)})"
        ) from exc
    cube.metadata["calibration_source"] = cube.calibration.source
    _note_auto_saved(cube, saved_auto)
    if cube.file_stamp is None:  # the file as read, and a ripple header's .raw (the ripple
        # reader's data_file alone: a project .h5 saved from a ripple scan before 79272fd0 holds
        # that scan's .raw under the key, another file, whose change was told of this scan)
        raw = cube.metadata.get("data_file") if kind == "ripple" else None
        from .limits import stored_files  # an HDF5 dataset's raw files, a zarr array's document

        cube.file_stamp = FileStamp.of(path, st, raw, *stored_files(cube.data, path))
    return cube


def _note_auto_saved(cube: Cube, saved: bool) -> None:
    """AUTO_SAVED_KEY: whether the cube's automatic calibration is the one its file holds (the
    pigment fit's note said "automatic (the file has none)" of a saved scan's)."""
    if saved and cube.calibration.source == "auto":
        cube.metadata[AUTO_SAVED_KEY] = True
    else:
        cube.metadata.pop(AUTO_SAVED_KEY, None)


def _refitted_for_given(cube: Cube, path: Path, anode: str) -> Cube:
    """A saved automatic calibration (a project .h5's) fitted again for the tube given to
    read_cube (anode=, --anode) where it assumed another: it was kept, and `info`, quicklook and
    the Spectrum dock advised --anode (read_cube's anode=) for another tube, which changed
    nothing. One pass over the file, as its first read's; the saved one is kept where the new
    fit fails, as calibration_note says (why_calibrated) and its record (REFIT_FAILED_KEY,
    saved with it: a reopened project's tooltip advised --anode again had a flag not saved)."""
    assumed = calibration_anode(cube.metadata)
    if assumed == anode:
        return cube
    said = f"{path}: its saved automatic calibration assumed a {assumed or 'named'} tube"
    out = _auto_calibrate(cube.with_calibration(Calibration.uncalibrated()), anode)
    if out.calibration.source != "auto":
        why = auto_calibration_failure(out.metadata)
        cube.metadata["calibration_note"] = f"{said}; {REFIT_KEPT} {anode} given failed ({why})"
        saved = dict_from_metadata(cube.metadata, "auto_calibration") or {}  # not changed in place
        cube.metadata["auto_calibration"] = {**saved, REFIT_FAILED_KEY: anode}
        return cube
    out.metadata["calibration_note"] = f"{said}; fitted again for the {anode} tube given"
    return out


def _given_saved(metadata: dict, path) -> str | None:
    """The tube given when the scan was read before and saved with it (GIVEN_ANODE_KEY in the
    file), as its symbol, for the calibration as for every other reader of it (named_anode): a
    scan read with anode="Cu" and saved uncalibrated was "tube: given (Cu)" to the docks when
    opened again, and calibrated for "Rh by default". One naming no element is the file's error,
    as a file's own anode (normalise_anode_metadata)."""
    value = metadata.get(GIVEN_ANODE_KEY)
    if not isinstance(value, str) or not value.strip():
        return None
    return symbol_or_refuse(
        value.strip(),
        CubeReadError(
            path,
            f"its metadata records the tube anode {value!r} as given ({GIVEN_ANODE_KEY}), which "
            "is not an element symbol, name or atomic number (e.g. Rh, rhodium, 45); correct or "
            "remove that attribute",
        ),
    )


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc) or "no detail"
    return text if len(text) <= limit else text[:limit] + "..."


def _review_file_calibration(
    cube: Cube, path: Path, sample, anode: str | None, check: bool = True
) -> Cube:
    """A file's calibration is not trusted silently: an implausible one is dropped, and one that
    contradicts the peaks of the sampled rows is replaced by the automatic one (warning + note),
    for the tube the scatter lines show where none is named, as _auto_calibrate's; not `check`
    (--no-auto-calibration) it is kept unchecked. One kept, with no tube named, records the
    anode whose scatter lines the sampled rows show under it (SEEN_ANODE_KEY,
    detector.seen_anode), as the automatic calibration reads one, unchecked too: a look at the
    tube, not a calibration, where quicklook said "tube unknown" while Pigments read the tube."""
    auto = None
    problem = _implausible(cube.calibration, cube.n_channels)
    if problem is None and sample is not None and check:
        from ..analysis.autocal import check_calibration

        pixels = cube.shape[0] * cube.shape[1]
        spectra = list(sample[:1] if pixels == 1 else sample)
        found = check_calibration(spectra, cube.calibration, anode or DEFAULT_CALIBRATION_ANODE)
        if found is not None:
            problem, auto = found
    if problem is None:
        if sample is not None and not anode:
            from ..analysis.autocal import shown_anode

            seen = shown_anode(sample[0], cube.calibration)
            if seen:
                cube.metadata[SEEN_ANODE_KEY] = seen
        return cube
    warn_outside(f"{path}: {problem}")
    out = (
        cube.with_calibration(Calibration.uncalibrated())
        if auto is None
        else _with_auto_seen(cube, spectra, auto, anode)
    )
    out.metadata["calibration_note"] = f"{path}: {problem}"
    return out


def auto_calibrated(cube: Cube, anode: str | None = None, on_block=None) -> Cube:
    """The automatic calibration read_cube(calibrate_later=...) left pending: the cube with it, or
    the same cube with metadata["auto_calibration"] saying why it failed (channel numbers stay).
    anode: as read_cube's; by default the one read_cube was given (else as read_cube's None), so
    both paths fit the same way; the file's own anode metadata wins.
    One pass over the file (Cube.sum_and_max_spectra, which keeps the sum image); on_block(row
    slice, block) sees its blocks, and an exception it raises stops the pass and comes out here.
    A bad block is a CubeReadError naming the file, as from read_cube."""
    named = normalise_anode_metadata(cube.metadata, cube.path or cube.name)
    if anode is not None:
        anode = _anode_hint(anode)
        if not named:  # the scan's tube, as read_cube's (named_anode): the suggestion kept the
            cube.metadata[GIVEN_ANODE_KEY] = anode  # one read_cube was given, or none on failure
    anode = named or (anode if anode is not None else _PENDING_ANODE.get(cube))
    cube.sum_and_max_spectra(on_block=on_block)  # auto_calibrate asks again: kept, not re-read
    out = _auto_calibrate(cube, anode)
    out.metadata["calibration_source"] = out.calibration.source
    _note_auto_saved(out, False)
    return out


def read_failed(cube) -> bool:
    """A scan whose file a pass failed reading (its sum image's, with its automatic calibration's
    when uncalibrated, or the docks' survey): the user was told which block and why, and nothing
    should read the broken file again for the same error. A refused calibration (the file read,
    no fit) or a pass cancelled (its layers closed) is no such failure."""
    return cube is not None and READ_ERROR_KEY in cube.metadata


def tell_read_failure(cube, error: BaseException) -> bool:
    """Note that reading `cube`'s file failed; True for the first pass to fail, which tells the
    user, False once another has: the sum pass (GUI thread) and a dock's survey (a worker) read
    the file together and met the same bad block, each telling it. A read that ran out of
    memory (errors.CubeOutOfMemory) is told each time and marks nothing: the file is not
    broken, and its advice is to free memory and try again (marked, every dock had refused the
    scan, "reading the file failed", until it was opened again)."""
    if getattr(error, "out_of_memory", False):
        return True
    with _READ_FAILURE_LOCK:
        if READ_ERROR_KEY in cube.metadata:
            return False
        cube.metadata[READ_ERROR_KEY] = str(error)
        return True


def _anode_hint(anode: str) -> str:
    """A tube anode hint as its element symbol ("mo" -> "Mo"), as the calibration's line tables
    name it; anything else is refused."""
    return symbol_or_refuse(
        anode, ValueError(f"anode {anode!r} is not an element symbol (Rh, Mo, W, Cu, Ag...)")
    )


def _auto_calibrate(cube: Cube, anode: str | None) -> Cube:
    """The cube with its automatic calibration; anode None: no tube named, the default's unless
    the scatter lines show another (autocal.scatter_recalibrated), or where the default's is
    refused or shows no tube (scatter_recalibrated asks then), the one the other K-line tubes
    agree on (autocal.anode_agreed_calibration). The spectra's peaks are found once for all these
    fits: after a refusal they had been found again (12-19 ms of CPU a scan of 256-512 channels)."""
    from ..analysis.autocal import (
        AutoCalibrationError,
        anode_agreed_calibration,
        auto_calibrate,
        fitted_spectra,
        spectra_peaks,
    )

    assumed = anode or DEFAULT_CALIBRATION_ANODE
    peaks = spectra_peaks(fitted_spectra(cube))
    try:
        result = auto_calibrate(cube, anode=assumed, peaks=peaks)
    except AutoCalibrationError as exc:
        if anode is None and (agreed := anode_agreed_calibration(cube, peaks)):
            out = _with_auto(cube, *agreed)
            out.metadata["auto_calibration"]["anode_from"] = ANODE_FROM_SCATTER
            return out
        why = few_channels(cube) or str(exc)
        cube.metadata["auto_calibration"] = f"{AUTO_FAILED}{why}{AUTO_FAILED_END}"
        return cube
    return _with_auto_seen(cube, cube, result, anode)


def auto_calibration_failure(metadata) -> str | None:
    """Why a cube's automatic calibration failed, as _auto_calibrate noted it in
    metadata["auto_calibration"] ("failed: <why>; energy axis is channel numbers"): <why>; None
    where the note says no failure (a fit's dict, pending, none)."""
    said = (metadata or {}).get("auto_calibration")
    if not (isinstance(said, str) and said.startswith(AUTO_FAILED)):
        return None
    return said[len(AUTO_FAILED) :].split("; energy axis is")[0]


def _with_auto_seen(cube: Cube, source, result, anode: str | None) -> Cube:
    """_with_auto of `result` (calibrated assuming `anode`, else the default), or, where no tube
    is named and the spectra of `source` so calibrated show another's scatter lines (or none, and
    the fits assuming Mo and Ag agree), of the calibration for that tube
    (autocal.scatter_recalibrated): a file's calibration replaced for contradicting its peaks had
    stayed with the default's (revB53)."""
    from ..analysis.autocal import scatter_recalibrated

    seen = None if anode else scatter_recalibrated(source, result)
    out = _with_auto(cube, *(seen or (result, anode or DEFAULT_CALIBRATION_ANODE)))
    if seen:
        out.metadata["auto_calibration"]["anode_from"] = ANODE_FROM_SCATTER
    elif anode and not anode_from_metadata(out.metadata):  # given (anode=, --anode): no default
        out.metadata["auto_calibration"]["anode_from"] = ANODE_FROM_GIVEN
    return out


def few_channels(cube: Cube) -> str | None:
    """Why an image of fewer channels than a spectrum has (hdf5.MIN_CHANNELS) found no peaks to
    calibrate on, or None. A plain array of few trailing channels opens as a cube (.npy, .npz,
    zarr, a TIFF of samples: arrays.channel_order), and 20 element maps so saved had read
    'only 0 clear peaks in the spectrum (need 4)', as if a spectrum were noisy. The one rule of
    "an image stack, not a spectrum": napari's reader, `info` and quicklook ask it (None: a
    spectrum, to calibrate) where each had spelt it again."""
    from .hdf5 import MIN_CHANNELS

    h, w, n = cube.shape
    if n >= MIN_CHANNELS or h * w < 2:
        return None
    if n == 1:
        return (
            f"1 channel is too few for an X-ray spectrum (a spectral cube has at least "
            f"{MIN_CHANNELS}): this is more likely one image, such as an element map"
        )
    return (
        f"{n} channels are too few for an X-ray spectrum (a spectral cube has at least "
        f"{MIN_CHANNELS}): these are more likely {n} images, such as element maps"
    )


def _warn_few_channels(cube: Cube, path: Path) -> None:
    """Warn, once, naming the file, that a cube of few channels left uncalibrated is more likely
    a stack of images (element maps) than a spectral cube: it had opened as an uncalibrated cube
    without a word (the napari reader, `info`, `recolour` coloured it), since a TIFF of (H, W, 20)
    samples opens as a .npy does (2026-12-05). Told once its automatic calibration failed, so a
    sidecar's calibration (the user's word) or auto_calibrate=False stays quiet."""
    why = few_channels(cube)
    if why is None or cube.calibration.source != "none":
        return
    warn_outside(
        f"{path}: {why}; it opens as a stack of {cube.n_channels} images without an energy "
        "axis (one a slider step), on which element mapping, pigments and recolouring mean "
        "nothing",
    )


def _with_auto(cube: Cube, result, anode: str) -> Cube:
    out = cube.with_calibration(result.calibration)
    out.metadata["auto_calibration"] = {
        "residual_ev_rms": result.residual_ev_rms,
        "matched": [f"{p.label} ch {p.channel:.1f}" for p in result.matched_peaks],
        "anode": anode,
    }
    return out
