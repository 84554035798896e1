"""Session 61, command-line tools: what a user reads when a targets file, a photograph or a label
map is another kind of file, a reference-table cube's true elements, the scripts' grammar, and a
Ctrl-C before a command runs."""

from __future__ import annotations

import pytest

from xrf_napari.errors import CubeReadError


def test_read_targets_of_a_file_that_is_no_hdf5_names_it_and_says_what_it_is(tmp_path):
    """read_targets passed h5py's bare "Unable to synchronously open file (file signature not
    found)" on, naming no file; it opens the file as the readers do (hdf5.open_hdf5)."""
    from xrf_napari.io.project_h5 import read_targets

    path = tmp_path / "notes.h5"
    path.write_text("region,pigment\n1,lead white\n", encoding="utf-8")
    with pytest.raises(CubeReadError) as exc:
        read_targets(path)
    said = str(exc.value)
    assert "notes.h5" in said and "not an HDF5 file" in said and "text file" in said, said
    assert "signature not found" not in said, said
