"""Reader faults found by fuzzing the session-39 reader changes (fuzz39): each input is one a
user can have, and each was read wrongly or with a cryptic error before."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, read_spectrum

COUNTS = [5, 9, 40, 120, 33, 7, 3, 2]


@pytest.mark.parametrize(
    ("header", "rows", "named"),
    [
        ("channel,energy", [f"{i},{1 + 0.01 * i:.2f}" for i in range(8)], "energy"),
        (
            "channel,energy,kev",
            [f"{i},{1 + 0.01 * i:.2f},{1 + 0.01 * i:.2f}" for i in range(8)],
            "kev",
        ),
        ("energy", [f"{1 + 0.01 * i:.2f}" for i in range(8)], "energy"),
        # a header of three columns over lines of two: the counts column went missing
        ("channel,energy,counts", [f"{i},{1 + 0.01 * i:.2f}" for i in range(8)], "energy"),
    ],
)
def test_a_csv_of_axis_columns_only_is_refused_not_read_as_its_axis(tmp_path, header, rows, named):
    """A table whose only columns are axes had its energies (or channel numbers) read as the
    spectrum: a rising ramp, silently. Now refused naming the column and that counts are missing."""
    p = tmp_path / "axis.csv"
    p.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CubeReadError, match=rf"headed '{named}'.*no counts column") as info:
        read_spectrum(p)
    assert "axis.csv" in str(info.value)


def test_a_csv_with_counts_after_its_axis_columns_still_reads():
    """Guard for the refusal above: channel, energy, counts reads the counts, calibrated."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "ok.csv"
        lines = [f"{i},{1 + 0.01 * i:.2f},{c}" for i, c in enumerate(COUNTS)]
        p.write_text("channel,energy,counts\n" + "\n".join(lines) + "\n", encoding="utf-8")
        s = read_spectrum(p)
    assert list(np.asarray(s.counts)) == COUNTS
    assert s.calibration.gain == pytest.approx(0.01)


@pytest.mark.parametrize("axes", [["energy", "x"], "energy", ["y", "x", "energy", "z"]])
def test_nexus_axes_of_the_wrong_length_do_not_break_the_read(tmp_path, axes):
    """A NeXus NXdata whose `axes` attribute has not one name per dimension (a scalar 'energy',
    as NeXus writes for 1-D data, or a list of 2) made the cube unreadable: 'could not be read as
    hdf5 (IndexError: list index out of range)'. Such an attribute says nothing usable, so the
    energy vector beside the data decides, as without it."""
    import h5py

    p = tmp_path / "scan.nxs"
    with h5py.File(p, "w") as f:
        g = f.create_group("entry/data")
        g.attrs.update(NX_class="NXdata", signal="counts", axes=axes)
        g["counts"] = np.ones((4, 5, 300), np.uint16)
        g["energy"] = 0.5 + 0.01 * np.arange(300)
    cube = read_cube(p)
    assert cube.shape == (4, 5, 300)
    assert cube.calibration.gain == pytest.approx(0.01)
    assert cube.calibration.offset == pytest.approx(0.5)


@pytest.mark.parametrize("shape", [(20, 30, 0, 300), (0, 20, 30, 300)])
def test_a_4d_detector_cube_with_no_elements_is_refused_saying_so(tmp_path, shape):
    """A 4-D detector-element dataset with an empty axis (no elements stored, an aborted scan)
    failed with 'could not be read as hdf5 (IndexError: list index out of range)'; now it is
    refused naming the dataset and its empty axis."""
    import h5py

    p = tmp_path / "empty.h5"
    with h5py.File(p, "w") as f:
        f["entry/data"] = np.ones(shape, np.uint16)
        f["entry/energy"] = 0.5 + 0.01 * np.arange(300)
    with pytest.raises(CubeReadError, match=r"'/entry/data'.*empty axis") as info:
        read_cube(p)
    assert "IndexError" not in str(info.value)
