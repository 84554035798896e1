"""Session 65 (lateC65): one wording for a compressed part whose decompression failed, and one
parser of the system error in HDF5's driver report."""

import zlib

import numpy as np
import pytest

from xrf_napari._reader import _own_tiff_fault
from xrf_napari.errors import CubeReadError, explain_read_error
from xrf_napari.io import read_cube

#: What every reader now says after the codec's own words.
SO = "), so the file is corrupt (a copy, transfer or disk altered its bytes); "


def test_a_failed_decompression_is_said_in_one_wording_by_every_reader(tmp_path):
    """An HDF5 or zarr chunk, a zarr energy array and a TIFF xrf-napari wrote each had their own
    sentence ("... there is damaged: its decompression failed (...), so the file is corrupt or
    truncated there (...): other rows may read", "a compressed chunk of it is damaged (its
    decompression failed: ...); copy the store again", "its compressed image data is damaged:
    its decompression failed (...), so the file is corrupt (...)"); now one, each with its
    part, its file and its own next step."""
    import zarr

    path = tmp_path / "scan.zarr"
    z = zarr.open_group(str(path), mode="w")
    z.create_array("counts", data=np.ones((4, 5, 64), np.uint16))
    z.create_array("energy", data=np.linspace(0.0, 20.0, 64))
    chunk = path / "energy" / "c" / "0"
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    energy = str(err.value)
    hdf5 = explain_read_error(OSError("Can't synchronously read data (filter returned failure)"))
    own = _own_tiff_fault(zlib.error("Error -3 while decompressing data: incorrect data check"))
    said = {
        "a compressed chunk of it is damaged: its decompression failed (": energy,
        "a compressed chunk of the scan dataset there is damaged: its decompression failed "
        "(HDF5 said: ": hdf5,
        "its compressed image data is damaged: its decompression failed (Error -3": own,
    }
    for part, text in said.items():
        assert part in text and SO in text, text
    assert energy.startswith(f"{path}: zarr array 'energy' (its energy axis) cannot be read: ")
    assert energy.endswith(SO + "copy the store again from its source")
    assert hdf5.endswith(
        SO + "other rows may read, but not the whole scan: copy the file again from the "
        "instrument or a backup"
    )
    assert own.endswith(SO + "save it again from xrf-napari")


#: HDF5's driver report as h5py gives it (its system error: errno 5).
REPORT = (
    "Can't synchronously read data (file read failed: time = Mon Dec  7 20:30:21 2026\n, "
    "filename = 'a.h5', file descriptor = 3, errno = 5, error message = 'Input/output error', "
    "buf = 0x7fff76ffb258, total read size = 8, bytes this sub-read = 8, offset = 0)"
)


@pytest.mark.parametrize(
    "exc",
    [
        OSError(None, REPORT),
        OSError(5, REPORT),
        OSError(28, REPORT),  # an errno beside another report's: the report's is the system's
        RuntimeError(REPORT),
        OSError(None, "x, errno = 5, buf = 0x1"),  # a report without its words
    ],
    ids=["no errno", "same errno", "other errno", "RuntimeError", "no words"],
)
def test_read_errno_and_cannot_write_read_one_errno_from_hdf5s_report(exc):
    """errors.read_errno took the exception's errno first, fileutil.cannot_write the report's,
    each with its own pattern: an OSError(28) carrying a report of errno 5 was 28 to the one and
    5 to the other, and a report without "error message" left cannot_write no errno. Now one
    parser (errors.system_error), the report's errno first (h5py copies its OSError's errno
    from it), its words with it."""
    from xrf_napari.errors import read_errno
    from xrf_napari.fileutil import cannot_write

    assert read_errno(exc) == 5
    if isinstance(exc, OSError):
        said = cannot_write("out.h5", exc)
        assert said.errno == 5 and str(said).startswith("cannot write out.h5: ")
        assert "\n" not in str(said)


def test_h5pys_own_errors_keep_their_errno_class_and_words(tmp_path):
    """A guard: errors h5py raised (a missing file, a folder opened as a file) carry the errno
    of their report, so one parser reads them as both had: class, errno and the system's words."""
    import h5py

    from xrf_napari.errors import read_errno
    from xrf_napari.fileutil import cannot_write

    for path, cls, words in [
        (tmp_path / "nope.h5", FileNotFoundError, "No such file or directory"),
        (tmp_path, IsADirectoryError, "Is a directory"),
    ]:
        with pytest.raises(OSError) as err:
            h5py.File(path, "r")
        said = cannot_write("out.h5", err.value)
        assert type(said) is cls and read_errno(err.value) == said.errno == err.value.errno
        assert str(said) == f"cannot write out.h5: {words}"
