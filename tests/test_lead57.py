"""Lead's small fixes, session 57: messages that said less or other than the code does."""

import numpy as np

from xrf_napari.analysis.ambiguity import AmbiguityReport


def test_the_no_line_note_says_no_single_pixel_stands_out_either():
    """Since 38afb14b an element counts where one pixel stands far out of its noise, not only
    summed over the scan; the note said "(summed over all its pixels)" alone."""
    report = AmbiguityReport(
        np.ones((1, 5), bool),
        elements=("Fe", "Pb"),
        quiet=frozenset({"Fe", "Pb"}),
    )
    msg = report.message()
    assert msg.startswith("No element's line stands out of the counting noise in this scan")
    assert "nor in any one pixel" in msg, msg


def test_a_one_channel_image_is_not_called_1_channels_or_1_images():
    from xrf_napari.cube import cube_from_array
    from xrf_napari.io import few_channels

    one = few_channels(cube_from_array(np.zeros((4, 3, 1), np.float32)))
    assert one.startswith("1 channel is too few") and "one image" in one, one
    many = few_channels(cube_from_array(np.zeros((4, 3, 20), np.float32)))
    assert many.startswith("20 channels are too few") and "20 images" in many, many
