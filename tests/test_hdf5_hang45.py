"""A damaged .h5 on which libhdf5 (h5py 3.16 / HDF5 2.0) loops for ever while reading a
variable-length string attribute: its global heap is corrupt (H5HG__cache_heap_deserialize).
Found by tests/test_fuzz_readers.py's byte mutations of a project file (session 45). The readers
hung on it, so napari froze for good on such a file; since session 46 an HDF5 file's first look
runs in a child process with a time limit (io.hdf5.first_look, FIRST_LOOK_TIMEOUT_S, shortened
here to fit this test's limit), and the file is refused in time. tests/test_hdf5_hang46.py
follows the other paths (napari's reader, `xrf-napari info`)."""

import subprocess
import sys
from pathlib import Path

import pytest

HANG = Path(__file__).parent / "data" / "hdf5_global_heap_hang.h5"
LIMIT_S = 10
#: The product's first-look limit in the child (60 s), within LIMIT_S.
LOOK_S = 3


def test_a_corrupt_global_heap_is_refused_in_time(tmp_path):
    copy = tmp_path / HANG.name
    copy.write_bytes(HANG.read_bytes())
    code = (
        "import sys\n"
        "import xrf_napari.io.hdf5\n"
        f"xrf_napari.io.hdf5.FIRST_LOOK_TIMEOUT_S = {LOOK_S}\n"
        "from xrf_napari.io import CubeReadError, read_cube\n"
        "try:\n"
        "    read_cube(sys.argv[1])\n"
        "except CubeReadError as e:\n"
        "    print('refused:', e)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(copy)], capture_output=True, text=True, timeout=LIMIT_S
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading {HANG.name} did not end within {LIMIT_S} s")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "refused:" in done.stdout and HANG.name in done.stdout
    assert copy.read_bytes() == HANG.read_bytes()
