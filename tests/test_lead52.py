"""Lead's fixes of session 52 (found by the diff reviews)."""

import warnings

import numpy as np

from xrf_napari.io import read_cube


def test_a_whole_integer_mca_whose_last_count_has_fewer_digits_is_read_whole(tmp_path):
    """revI52: 1ccbb61 read any shorter last line without a newline after 16 lines of one width as
    a copy cut inside its value, so a whole integer spectrum (counts 100-119, then 99, no final
    newline: high channels hold fewer counts) lost its last channel with a false "cut short"
    warning. Plain numbers' width follows their value; only exponent lines are of one width."""
    counts = [*range(100, 120), 99]
    path = tmp_path / "s.mca"
    path.write_text("".join(f"{c}\n" for c in counts).rstrip("\n"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(cube.data[0, 0], counts)
