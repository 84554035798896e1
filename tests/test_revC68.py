"""Session 68, revC68: the zero-peak rule's errors are the scatter measured, not the counts'."""

from test_cal68 import GAIN, _matches

from xrf_napari.analysis.autocal import _wide_zero_peak


def test_a_zero_peak_within_the_measured_scatter_is_kept():
    """The counts' errors understate the scatter of the widths found 1.5-2.75 x (the PyMca .mca
    thinned, right axes), and 3 of them had refused the .mca's zero peak widened 1.4 x (read 1.31
    x, 3.2 counts' errors over 1.25 x). A zero peak 1.31 x the 86 eV noise beside lines of 10^5
    counts (5.6 counts' errors over) is kept; beside lines of 10^6 counts (13.5 over, as the
    generated scans' wrong fits at 1.35-1.42 x: 9-15 over) it is refused. Fails on the parent:
    the first was refused."""
    assert _wide_zero_peak(_matches(1.31 * 0.086, 0.086, 1e5), GAIN) is None
    wide = _wide_zero_peak(_matches(1.31 * 0.086, 0.086, 1e6), GAIN)
    assert wide is not None and round(wide[1]) == 86
