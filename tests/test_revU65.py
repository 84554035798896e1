"""Session 65, review of docks65 (revU65)."""

import numpy as np
import pytest


def test_a_script_writing_onto_a_folder_is_told_the_same_as_a_save(tmp_path):
    """Fails on the parent: 9c4f6faa gave check_outputs' "it exists and is not a regular file"
    a next step, but atomic_path, which a script's write_cube or write_image reaches without
    check_outputs (and the sample cache, the trainers' files), kept the old words, unprintable
    names included: the two refusals of one case now read alike."""
    from xrf_napari.fileutil import OutputError, atomic_path, check_outputs, printable
    from xrf_napari.io.project_h5 import write_cube

    for name in ("scan.h5", "a\nb.h5"):
        folder = tmp_path / name
        folder.mkdir()
        with pytest.raises(OutputError) as checked:
            check_outputs(files=[folder], inputs=[])
        with pytest.raises(OutputError) as written:
            write_cube(folder, np.zeros((2, 2, 4), np.uint16), np.arange(4.0))
        with pytest.raises(OutputError) as atomic, atomic_path(folder):
            pass
        want = (
            f"cannot write {printable(folder)}: it exists and is not a regular file; "
            "choose another output"
        )
        assert str(checked.value) == str(written.value) == str(atomic.value) == want
