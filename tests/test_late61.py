"""Session 61 (late61): the message of a window narrower than a channel naming controls that
exist."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


def _cube(gain=0.01, n=4096):
    return cube_from_array(np.ones((1, 1, n), np.float32), Calibration(offset=0.0, gain=gain))


def test_window_narrower_than_channel_names_existing_controls():
    """The message told every caller to use --fwhm, which quicklook lacks."""
    with pytest.raises(ValueError, match="narrower than a channel") as e:
        M.plan_for_cube(_cube(gain=0.7, n=64), ["Fe"])
    msg = str(e.value)
    assert "Maps panel's FWHM box" in msg and "pigments command's --fwhm" in msg
    assert "quicklook has no such option" in msg
