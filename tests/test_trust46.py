"""Does the plugin say when it does not know (session 46)? A copper tube's own lines named copper
pigments in the ambiguity note, and a scan whose file names no tube was called like the training
data without a word on what the check cannot see."""

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def panel():
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path

    cube = read_cube(sample_path("panel"))
    return np.asarray(cube.data[()]), cube.calibration


def test_a_scan_whose_file_names_no_tube_is_not_called_like_the_training_data_unqualified(panel):
    """The score does not see a new tube or detector (Mo and Ag cubes stripped of their metadata
    scored 0.01-0.62, training instruments -0.04-0.75), yet such a scan got the plain "Like the
    training data (...)." Now
    the line says what the file does not name, and what to do if it is outside training."""
    from xrf_napari.analysis.ood import check_scan

    data, cal = panel
    report = check_scan(cube_from_array(data, cal))
    text = report.message()
    assert not report.warn, text
    assert "as far as the spectra show" in text, text
    assert "does not name its tube anode or its detector resolution" in text, text
    assert "If the tube is not Rh, W or Cu" in text and "extra caution" in text, text
    named = check_scan(cube_from_array(data, cal, profile={"anode": "Rh", "fwhm_mn_ev": 140.0}))
    assert named.message().endswith("counts per pixel).")  # nothing left unsaid
    half = check_scan(cube_from_array(data, cal, profile={"anode": "Rh"})).message()
    assert "does not name its detector resolution" in half and "tube is not" not in half, half
