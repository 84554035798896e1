"""Session 68's post-review of the diff by file group (postA68)."""

import warnings

import numpy as np


def test_a_zarr_tie_reads_the_first_by_its_whole_name_as_the_warning_says(tmp_path):
    """Of equally large zarr cubes the first by name is read, by its whole name: the walk lists
    each group's members by name, so 'a/z' (in group 'a') came before 'a-b' ('-' sorts before
    '/') and was read, the warning calling it "the first by name"."""
    import zarr

    from xrf_napari.io import read_cube

    g = zarr.open_group(str(tmp_path / "t.zarr"), mode="w")
    g.create_group("a").create_array("z", data=np.full((4, 5, 64), 1, "u2"))
    g.create_array("a-b", data=np.full((4, 5, 64), 2, "u2"))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        cube = read_cube(tmp_path / "t.zarr", auto_calibrate=False)
    words = [str(w.message) for w in said if "equally large" in str(w.message)]
    first = sorted(["a/z", "a-b"])[0]
    assert cube.metadata["dataset"].strip("/") == first, words
    assert f"'{first}' was read (the first by name)" in words[0], words
