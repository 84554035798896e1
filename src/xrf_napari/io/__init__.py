"""Readers: every supported file -> a lazy `Cube` (or a `Spectrum`), with its calibration's source.

`read_cube` picks the reader by suffix (and content for HDF5/zarr), checks a bounded sample of the
counts, applies a user calibration or, for files without one, the automatic calibration.
"""

from __future__ import annotations

import stat
from pathlib import Path

from ..cube import Cube
from ..energy import Calibration
from .errors import CubeReadError, check_counts_sample
from .limits import check_path, check_tree
from .spectra import Spectrum

RIPPLE_SUFFIXES = (".rpl", ".raw")
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs", ".he5", ".mat")
ARRAY_SUFFIXES = (".npy", ".npz")
TIFF_SUFFIXES = (".tif", ".tiff")
ZARR_SUFFIXES = (".zarr", ".datastack")
BCF_SUFFIXES = (".bcf",)
SPECTRUM_SUFFIXES = (".spx", ".mca", ".msa", ".emsa", ".csv")
CUBE_SUFFIXES = RIPPLE_SUFFIXES + HDF5_SUFFIXES + ARRAY_SUFFIXES + TIFF_SUFFIXES + ZARR_SUFFIXES + BCF_SUFFIXES
SUPPORTED_SUFFIXES = CUBE_SUFFIXES + SPECTRUM_SUFFIXES

__all__ = ["read_cube", "read_spectrum", "can_read", "CubeReadError", "Spectrum", "SUPPORTED_SUFFIXES"]


def _kind(path: Path) -> str | None:
    """Which reader family a path belongs to, from its suffix or (directories, HDF5) content."""
    from .arrays import is_zarr
    from .hdf5 import is_hdf5

    suffix = path.suffix.lower()
    if path.is_dir():
        return "zarr" if (suffix in ZARR_SUFFIXES or is_zarr(path)) else None
    if suffix in RIPPLE_SUFFIXES:
        return "ripple"
    if suffix in HDF5_SUFFIXES:
        return "hdf5"
    if suffix in ARRAY_SUFFIXES:
        return "npy"
    if suffix in TIFF_SUFFIXES:
        return "tiff"
    if suffix in ZARR_SUFFIXES:
        return "zarr"
    if suffix in BCF_SUFFIXES:
        return "bcf"
    if suffix in SPECTRUM_SUFFIXES:
        return "spectrum"
    if path.is_file() and is_hdf5(path):  # an HDF5 file with an unusual suffix
        return "hdf5"
    return None


def can_read(path) -> bool:
    """Cheap claim check (napari calls it for every dropped file): suffix plus a look at the
    structure for containers that often hold something else (HDF5 without a cube, a plain TIFF)."""
    path = Path(path)
    kind = _kind(path)
    if kind is None or not path.exists():
        return False
    if kind == "hdf5":
        from .hdf5 import find_cube

        return find_cube(path) is not None
    if kind == "tiff":
        from .arrays import tiff_cube_layout

        return tiff_cube_layout(path) is not None
    if kind == "ripple" and path.suffix.lower() == ".raw":
        return any(path.with_suffix(s).is_file() for s in (".rpl", ".RPL"))
    if kind == "npy" and path.suffix.lower() == ".npy":
        import numpy as np

        try:
            return np.load(path, mmap_mode="r", allow_pickle=False).ndim == 3
        except Exception:
            return False
    return True


def read_spectrum(path) -> Spectrum:
    """A single spectrum from .spx / .mca / .msa / .emsa / .csv."""
    path = Path(path)
    check_path(path)
    suffix = path.suffix.lower()
    from . import spectra
    from .bruker import read_spx

    readers = {".mca": spectra.read_mca, ".msa": spectra.read_msa, ".emsa": spectra.read_msa,
               ".csv": spectra.read_csv, ".spx": read_spx}
    if suffix not in readers:
        raise CubeReadError(path, f"not a spectrum file (suffix {suffix!r}; expected one of .spx .mca .msa .emsa .csv)")
    try:
        return readers[suffix](path)
    except CubeReadError:
        raise
    except MemoryError:
        raise CubeReadError(path, "reading it needs more memory than this process may use") from None
    except Exception as exc:
        raise CubeReadError(path, f"could not be read as a spectrum ({type(exc).__name__}: "
                                  f"{_short(exc)})") from exc


def read_cube(path, *, calibration: Calibration | None = None, auto_calibrate: bool = True,
              anode: str = "Rh", dataset: str | None = None, check_counts: bool = True) -> Cube:
    """Open a datacube lazily.

    calibration: overrides whatever the file says (source kept as given, e.g. "user").
    auto_calibrate: for a file with no calibration, fit one from scatter/element peaks
        (`analysis.autocal`); failure leaves channel numbers (source "none"), never an exception.
    anode: tube anode hint for auto-calibration (the file's own anode metadata wins).
    dataset: HDF5 dataset / zarr array path, bypassing discovery.
    """
    path = Path(path)
    st = check_path(path, allow_dir=True)
    kind = _kind(path)
    if kind is None:
        raise CubeReadError(path, f"unsupported file type {path.suffix or '(no suffix)'!r}; supported: "
                                  + " ".join(SUPPORTED_SUFFIXES))
    if kind == "zarr" and stat.S_ISDIR(st.st_mode):
        check_tree(path)
    elif st.st_size == 0:
        raise CubeReadError(path, "the file is empty (0 bytes)")
    try:  # one guard: the reader and the first look at the data
        cube = _READERS[kind](path, dataset=dataset)
        sample = check_counts_sample(cube.data, path) if check_counts else None
        anode = cube.metadata.get("anode") or anode
        if calibration is not None:
            cube = cube.with_calibration(calibration)
        else:
            if cube.calibration.source == "file":
                cube = _review_file_calibration(cube, path, sample if auto_calibrate else None, anode)
            if cube.calibration.source == "none" and auto_calibrate:
                cube = _auto_calibrate(cube, anode)
    except CubeReadError:
        raise
    except MemoryError:
        raise CubeReadError(path, f"reading it as {kind} needs more memory than this process may "
                                  "use (a corrupt header declaring a huge array?)") from None
    except Exception as exc:  # never a bare library traceback: zlib, h5py, blosc, tifffile...
        raise CubeReadError(path, f"could not be read as {kind} ({type(exc).__name__}: "
                                  f"{_short(exc)})") from exc
    cube.metadata["calibration_source"] = cube.calibration.source
    return cube


def _short(exc: BaseException, limit: int = 300) -> str:
    text = str(exc) or "no detail"
    return text if len(text) <= limit else text[:limit] + "..."


def _review_file_calibration(cube: Cube, path: Path, sample, anode: str) -> Cube:
    """A file's calibration is not trusted silently: an implausible one is dropped, and one that
    contradicts the peaks of the sampled rows is replaced by the automatic one (warning + note)."""
    import warnings

    from .calibration import implausible

    auto = None
    problem = implausible(cube.calibration, cube.n_channels)
    if problem is not None:
        problem = f"the file's energy calibration is implausible ({problem}): ignored"
    elif sample is not None:
        from ..analysis.autocal import check_calibration

        pixels = cube.shape[0] * cube.shape[1]
        found = check_calibration(sample[:1] if pixels == 1 else sample, cube.calibration, anode)
        if found is not None:
            problem, auto = found
    if problem is None:
        return cube
    warnings.warn(f"{path}: {problem}", stacklevel=3)
    out = cube.with_calibration(Calibration.uncalibrated()) if auto is None else _with_auto(cube, auto, anode)
    out.metadata["calibration_note"] = f"{path}: {problem}"
    return out


def _auto_calibrate(cube: Cube, anode: str) -> Cube:
    from ..analysis.autocal import AutoCalibrationError, auto_calibrate

    try:
        result = auto_calibrate(cube, anode=anode)
    except AutoCalibrationError as exc:
        cube.metadata["auto_calibration"] = f"failed: {exc}; energy axis is channel numbers"
        return cube
    return _with_auto(cube, result, anode)


def _with_auto(cube: Cube, result, anode: str) -> Cube:
    out = cube.with_calibration(result.calibration)
    out.metadata["auto_calibration"] = {
        "residual_ev_rms": result.residual_ev_rms,
        "matched": [f"{p.label} ch {p.channel:.1f}" for p in result.matched_peaks],
        "anode": anode,
    }
    return out


def _read_ripple(path, **opts):
    from .ripple import read

    return read(path, **opts)


def _read_hdf5(path, **opts):
    from .hdf5 import read

    return read(path, **opts)


def _read_npy(path, **opts):
    from .arrays import read_npy

    return read_npy(path, **opts)


def _read_tiff(path, **opts):
    from .arrays import read_tiff

    return read_tiff(path, **opts)


def _read_zarr(path, **opts):
    from .arrays import read_zarr

    return read_zarr(path, **opts)


def _read_bcf(path, **opts):
    from .bruker import read_bcf

    return read_bcf(path, **opts)


def _read_spectrum_cube(path, **_opts):
    return read_spectrum(path).to_cube()


_READERS = {"ripple": _read_ripple, "hdf5": _read_hdf5, "npy": _read_npy, "tiff": _read_tiff,
            "zarr": _read_zarr, "bcf": _read_bcf, "spectrum": _read_spectrum_cube}
