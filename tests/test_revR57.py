"""Session 57 review of the readers' commits: the files a scan is watched by (FileStamp) are its
own."""

from __future__ import annotations

import os
import warnings

import numpy as np

from xrf_napari.errors import FileWarning
from xrf_napari.io import read_cube


def test_a_saved_scans_old_data_file_is_not_watched_as_its_own(tmp_path):
    """911a082f stamped metadata["data_file"] of any format as a ripple header's .raw: a project
    .h5 saved from a ripple scan before 79272fd0 keeps that scan's .raw under the key. The .raw
    deleted while the .h5 was open was told as "<raw>: the file is gone ... the scan as it was
    then" of a scan that reads nothing of it; a .raw no longer there (moved, deleted after the
    save) left the .h5 unwatched: an export over it said nothing."""
    from _spectra import CANONICAL_CAL

    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((4, 4, 64), np.uint16)
    old_raw = tmp_path / "scan.raw"
    old_raw.write_bytes(b"\0" * 16)
    saved = write_cube(
        tmp_path / "saved.h5", counts, CANONICAL_CAL, metadata={"data_file": str(old_raw)}
    )
    gone = write_cube(tmp_path / "gone.h5", counts, CANONICAL_CAL, metadata={"data_file": "x.raw"})
    cubes = [read_cube(p, auto_calibrate=False) for p in (saved, gone)]
    old_raw.unlink()
    write_cube(tmp_path / "new.h5", counts + 1, CANONICAL_CAL)
    os.replace(tmp_path / "new.h5", gone)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cube in cubes:
            cube.sum_spectrum()
    said = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    assert len(said) == 1 and said[0].startswith(f"{gone}: the file was replaced"), said
