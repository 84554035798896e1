"""Session 63's review of the command lines' commits (cli63): a --dataset the file lacks, and the
decimal-comma hint of a number refused."""

import argparse

import numpy as np
import pytest


def test_a_dataset_the_file_lacks_is_told_with_the_cubes_it_holds(tmp_path):
    """`xrf-napari info scan.h5 --dataset nope` said "no dataset 'nope' in the file" and no more:
    which paths the file holds was for h5ls to tell. It now names the datasets discovery would
    take for a cube (3-D with a spectral axis, 4-D of detector elements), by path and shape, and
    where there are none says so with the datasets it holds."""
    import h5py

    from xrf_napari.io import CubeReadError, read_cube

    scan, none = tmp_path / "scan.h5", tmp_path / "none.h5"
    with h5py.File(scan, "w") as f:
        f["counts"] = np.zeros((4, 5, 64), np.uint16)
        f["detectors/raw"] = np.zeros((4, 5, 2, 64), np.uint16)
        f["energy"] = np.linspace(0, 20, 64)
    with h5py.File(none, "w") as f:
        f["energy"] = np.linspace(0, 20, 64)
    with pytest.raises(CubeReadError) as err:
        read_cube(scan, dataset="nope")
    said = str(err.value)
    assert said.endswith(
        "no dataset 'nope' in the file; its datacubes: /counts (4, 5, 64), "
        "/detectors/raw (4, 5, 2, 64)"
    ), said
    with pytest.raises(CubeReadError) as err:
        read_cube(none, dataset="/counts")
    assert str(err.value).endswith("it holds no datacube (datasets: energy (64,) float64)"), err


@pytest.mark.parametrize(
    "text, hint",
    [
        ("10,000", "(no commas: write decimals with a point and thousands without a separator)"),
        ("1,000,000", "(no commas: write decimals with a point and thousands without a "),
        ("5,", None),
    ],
)
def test_a_comma_that_may_group_thousands_is_not_told_to_be_a_decimal_point(text, hint):
    """A number refused for its comma was told "(write decimals with a point, not a comma)"
    wherever the comma made a point read: `generate --counts-per-pixel 10,000` or
    `--time-budget 3,600`, thousands grouped, were to be written 10.000 (ten) and 3.600; '5,' (a
    list's comma) was told it too, and '1,000,000' nothing. Digits grouped by three are now told
    both ways, and a comma with no digit after it nothing."""
    from xrf_napari.argtypes import float_in

    with pytest.raises(argparse.ArgumentTypeError) as err:
        float_in(0)(text)
    said = str(err.value)
    assert said.startswith(f"{text!r} is not a number"), said
    if hint is None:
        assert "(" not in said, said
    else:
        assert hint in said and "not a comma" not in said, said


@pytest.mark.parametrize("text", ["17,5", "1,5e-3", "0,001", ",5"])
def test_a_decimal_comma_is_still_told_to_be_a_point(text):
    """A guard: a decimal comma (1c1e83a6) is told so as before."""
    from xrf_napari.argtypes import float_in

    with pytest.raises(argparse.ArgumentTypeError) as err:
        float_in(0)(text)
    assert str(err.value) == f"{text!r} is not a number (write decimals with a point, not a comma)"


@pytest.mark.parametrize(
    "what, said",
    [
        ("a whole number", "'10,000' is not written in digits (10000)"),
        ("the steps", "the steps must be written in digits (10000), not '10,000'"),
    ],
)
def test_a_whole_number_with_thousands_commas_is_told_in_digits(what, said):
    """`--steps 10,000` (or `--n-cubes 1,000`) was told "'10,000' is not a whole number", which it
    is: only the commas are wrong. It is told as '1e3' is, in digits."""
    from xrf_napari.argtypes import int_in

    with pytest.raises(argparse.ArgumentTypeError) as err:
        int_in(1, None, what)("10,000")
    assert str(err.value) == said
