"""Review of session 62's diff (clean-clone check)."""

import argparse

import pytest

from xrf_napari.argtypes import int_in


@pytest.mark.parametrize("text", ["1_", "1__2", "6_"])
def test_a_misplaced_underscore_is_no_number_not_out_of_range(text):
    """'--tile 1_' (a typo: int() refuses a trailing or doubled underscore) was told "1_ is out
    of range: the tile size must be between 1 and 64", as if the digits were too many; it is
    told it is no whole number, as any other text int() refuses."""
    with pytest.raises(argparse.ArgumentTypeError) as exc:
        int_in(1, 64, "the tile size")(text)
    assert str(exc.value) == f"the tile size must be a whole number, not {text!r}"
