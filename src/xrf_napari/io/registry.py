"""The one table of file formats: `read_cube`/`read_spectrum` dispatch, `can_read` and the napari
manifest's reader patterns (tests/test_io_registry.py checks napari.yaml against it) come from here.

A format is claimed in napari by its suffix alone, so a broken file of ours gets our clear error
rather than "no reader"; only where napari's own reader also reads the suffix (TIFF, .npy, .csv,
zarr) a cheap look at the content decides, so plain images and point tables stay napari's.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from ..fileutil import TIFF_SUFFIXES, file_kind
from .limits import BINARY_KINDS, check_path


@dataclass(frozen=True)
class Format:
    name: str
    suffixes: tuple[str, ...]
    reader: str  # "module:function" inside xrf_napari.io, imported when first used
    spectrum: bool = False  # a single spectrum (read_spectrum), opened as a 1 x 1 x C cube
    sniff: str | None = None  # "module:function(path) -> bool" when napari also reads the suffix
    directory: bool = False  # may be a directory store

    def load(self):
        module, func = self.reader.split(":")
        return getattr(import_module(f"{__package__}.{module}"), func)


FORMATS = (
    Format("ripple", (".rpl", ".raw"), "ripple:read"),
    Format("hdf5", (".h5", ".hdf5", ".hdf", ".nxs", ".he5", ".mat"), "hdf5:read"),
    Format("npy", (".npy",), "arrays:read_npy", sniff="registry:_sniff_npy"),
    Format("npz", (".npz",), "arrays:read_npy"),
    Format("tiff", TIFF_SUFFIXES, "arrays:read_tiff", sniff="registry:_sniff_tiff"),
    Format("zarr", (".zarr",), "arrays:read_zarr", sniff="registry:_sniff_zarr", directory=True),
    Format("datastack", (".datastack",), "arrays:read_zarr"),  # maxrf4u: a zarr ZipStore
    Format("bcf", (".bcf",), "bruker:read_bcf"),
    Format("spx", (".spx",), "bruker:read_spx", spectrum=True),
    Format("mca", (".mca",), "spectra:read_mca", spectrum=True),
    Format("emsa", (".msa", ".emsa"), "spectra:read_msa", spectrum=True),
    Format("spe", (".spe",), "spectra:read_spe", spectrum=True),
    Format("csv", (".csv",), "spectra:read_csv", spectrum=True, sniff="registry:_sniff_csv"),
)
BY_SUFFIX = {s: f for f in FORMATS for s in f.suffixes}

#: Each format as a message names one of its files, its article as the name is said ("an .mca
#: file", "an HDF5 file": "a mca file" and "a hdf5 file" had been written from the bare name).
A_FILE = {
    "ripple": "a ripple (.rpl/.raw)",
    "hdf5": "an HDF5",
    "npy": "an .npy",
    "npz": "an .npz",
    "tiff": "a TIFF",
    "zarr": "a zarr",
    "datastack": "a .datastack",
    "bcf": "a Bruker .bcf",
    "spx": "an .spx",
    "mca": "an .mca",
    "emsa": "an EMSA (.msa/.emsa)",
    "spe": "an .spe",
    "csv": "a .csv",
}


def a_file(kind: str) -> str:
    """'an .mca file': format `kind` (Format.name) with its article, for messages."""
    return f"{A_FILE.get(kind, f'a {kind}')} file"


#: Metadata keys the readers set that say how the file read lays out its data or where its
#: parts lie, not what the cube is: ripple's `header`, `data_file`, `byte_order`, `record_by`;
#: the HDF5, zarr, .npz and TIFF readers' dataset, member, channel axis, chunks and links; the
#: text spectra's columns, first channel and inferred axis unit; a sidecar's file. A cube saved
#: as the project .h5 (_writer._file_metadata) keeps them under `source_notes`, with that file's
#: name: at the top they read as the saved file's own ("record_by: image", "data_file:
#: scan.raw"), though its counts are (H, W, C) in /counts.
SOURCE_KEYS = (
    "header",
    "data_file",
    "byte_order",
    "record_by",
    "dataset",
    "member",
    "layout",
    "channel_axis",
    "channel_axis_from",
    "matlab",
    "linked_to",
    "n_spectra",
    "detector_elements",
    "tiff_layout",
    "tiff_access",
    "stored_chunks",
    "format_flavour",
    "first_channel",
    "xunits_inferred",
    "column",
    "row_index_dropped",
    "decimal_mark",
    "calibration_file",
)

SUPPORTED_SUFFIXES = tuple(BY_SUFFIX)
SPECTRUM_SUFFIXES = tuple(s for s, f in BY_SUFFIX.items() if f.spectrum)


def manifest_patterns() -> list[str]:
    """The reader's filename_patterns for napari.yaml, in table order."""
    return [f"*{s}" for s in SUPPORTED_SUFFIXES]


def format_of(path: Path) -> Format | None:
    """The format of a path: by suffix, else (an HDF5 file or a zarr directory under another name)
    by content. Never opens a special file."""
    import stat

    fmt = BY_SUFFIX.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        from .arrays import is_zarr

        return BY_SUFFIX[".zarr"] if is_zarr(path) else None
    if stat.S_ISREG(mode):
        from .hdf5 import is_hdf5

        return BY_SUFFIX[".h5"] if is_hdf5(path) else None
    return None


def claims(path) -> bool:
    """napari's claim check: our suffix (or HDF5 content); a content look only where napari's own
    reader shares the suffix, and there a file no reader reads is ours (_no_reader_reads). A
    special file is claimed by suffix and refused by the reader."""
    import os

    path = Path(path)
    fmt = format_of(path)
    if fmt is None or not os.path.lexists(path):
        return False
    if fmt.sniff is None:
        return True
    from ..errors import CubeReadError

    try:
        st = check_path(path, allow_dir=fmt.directory)
    except CubeReadError:
        return True  # ours by suffix; read_cube says what is wrong with it
    if _no_reader_reads(path, fmt, st):
        return True  # read_cube says what is wrong with it
    module, func = fmt.sniff.split(":")
    try:
        return bool(getattr(import_module(f"{__package__}.{module}"), func)(path))
    except Exception:  # noqa: BLE001 - a claim check must never raise inside napari
        return False


#: What a file named with a suffix napari also reads may really be, for that suffix, when no
#: reader reads it: an .npy that is not one (np.load, napari's reader, calls it pickled data); a
#: .tif that is an HDF5 file or an .npy array (imageio reads no such TIFF); a .csv that is a
#: binary file read_csv refuses up front (limits.refuse_binary's BINARY_KINDS).
_NOT_READ_AS = {
    "npy": {"hdf5", "zip", "tiff", "text", None},
    "tiff": {"hdf5", "npy"},
    "csv": set(BINARY_KINDS),
}


def _no_reader_reads(path: Path, fmt: Format, st) -> bool:
    """True for a file of a shared suffix (.npy, .tif, .csv) that napari's own reader cannot
    read either: empty, or (fileutil.file_kind) another kind of file under that name. Unclaimed,
    choosing XRF recolouring in napari's reader dialog (or having it remembered for the suffix)
    gave napari's 'Reader 'xrf-napari' was selected to open ..., but refused the file', with
    nothing on what is wrong, where read_cube says 'the file is empty (0 bytes)' or 'not a
    NumPy .npy file (it is an HDF5 file: rename it .h5)'. napari's reader stays offered."""
    import stat

    if not stat.S_ISREG(st.st_mode):
        return False
    if st.st_size == 0:
        return True
    kinds = _NOT_READ_AS.get(fmt.name)
    if not kinds:
        return False
    try:
        return file_kind(path) in kinds
    except OSError:
        return False  # the sniff meets it too


def _sniff_npy(path: Path) -> bool:
    """A 3-D array by its header, nothing mapped: np.load(mmap_mode="r") mapped the file to read
    its ndim, and refused one cut short of the data its header declares, which napari's own
    reader then took ("Failed to read all data for array"), where read_cube says how far it is
    short. One whose header is cut or damaged is claimed too (it holds NumPy's signature: any
    other file named .npy is claimed before the sniff, _NOT_READ_AS): napari's reader said 'EOF:
    reading array header' or 'Cannot parse header', where read_cube says what is wrong."""
    from .arrays import npy_header

    try:
        shape, dtype, _ = npy_header(path)
    except ValueError:
        return True
    return len(shape) == 3 and not dtype.hasobject


def _sniff_tiff(path: Path) -> bool:
    from .arrays import tiff_is_cube

    return tiff_is_cube(path)


def _sniff_zarr(path: Path) -> bool:
    from .arrays import is_zarr

    return is_zarr(path)


def _sniff_csv(path: Path) -> bool:
    """A spectrum CSV (one or two numeric columns), not a napari points/shapes table; read as
    read_csv reads it, saying nothing (the read that follows says what it says). A text file of
    another format of ours under the name (limits.text_format: a Bruker .spx, an Amptek .mca, a
    ripple header saved as .csv) is claimed too: left to napari, whose CSV reader makes no layer
    of it, it read 'No compatible readers are available for ['p059.csv']', where read_csv says
    'it is a Bruker .spx spectrum (XML): rename it .spx'."""
    import warnings

    from ..errors import CubeReadError, FileWarning
    from .limits import text_format
    from .spectra import _csv_spectrum, _read_text, table_by_head

    if path.stat().st_size > 16 * 2**20 or table_by_head(path):
        return False
    try:
        with warnings.catch_warnings():  # its words (pairs read in rising order) said once
            warnings.simplefilter("ignore", FileWarning)
            _csv_spectrum(path)
    except CubeReadError:
        return text_format(_read_text(path), "csv") is not None  # read again on a refusal only
    return True
