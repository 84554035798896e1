"""Session 65 (postD65, review of lateC65's 8018fecf): the system error of a failed read or write
is not taken from its file's name."""

import pytest


@pytest.mark.parametrize("h5py_made", [False, True], ids=["OSError", "h5py"])
def test_a_file_named_errno_n_does_not_change_the_errno(tmp_path, h5py_made):
    """errors.system_error searched str(exc) for "errno = N", the report's words optional: a
    missing "scan errno = 7.h5" was errno 7 to read_errno and cannot_write said HDF5's whole
    report (h5py's own errno is 7 too: it takes the first match), and an OSError(2) naming
    "errno = 5.h5" was errno 5. Fails on the parent: 7 and 5."""
    import h5py

    from xrf_napari.errors import read_errno
    from xrf_napari.fileutil import cannot_write

    path = tmp_path / ("scan errno = 7.h5" if h5py_made else "errno = 5.h5")
    if h5py_made:
        with pytest.raises(OSError) as err:
            h5py.File(path, "r")
        exc = err.value
    else:
        exc = OSError(2, "No such file or directory", str(path))
    said = cannot_write("out.h5", exc)
    assert read_errno(exc) == said.errno == 2
    assert type(said) is FileNotFoundError
    assert str(said) == "cannot write out.h5: No such file or directory"
