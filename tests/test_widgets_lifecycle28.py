"""Lifecycle and concurrency of the docks' jobs (concurrency audit 28): a job's RuntimeError
reaches its dock, closing a dock ends it at once without freezing napari, the short passes the
user waits on (sum image, element survey) never queue behind long jobs, and results go to their
own scan only. Slow and failing jobs are stand-ins: fast generators gated by an Event."""

from pathlib import Path

import numpy as np


# -- F8: the writer and a worker's metadata key --------------------------------------------
def test_writer_metadata_survives_a_key_added_meanwhile(tmp_path):
    """The first full pass over a cube (the sum pass, the survey: worker threads) adds
    'values_checked' to cube.metadata; the writer iterated the dict itself on the GUI thread."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.cube import cube_from_array

    cube = cube_from_array(np.ones((2, 2, 8), np.uint16))

    class Meanwhile(type(Path())):
        def __str__(self):  # json's default() reads it while a worker ends its pass
            cube.metadata["values_checked"] = True
            return super().__str__()

    cube.metadata["source"] = Meanwhile("/data/scan.h5")
    out = _file_metadata(cube)  # raised "dictionary changed size during iteration"
    assert str(out["source"]) == "/data/scan.h5" and "values_checked" in cube.metadata
