"""Session 68's docs-truth checks (docs68): the Calibrate from two peaks... refusals as the
user guide's "Fixing a calibration" words them."""

import pytest

from xrf_napari.io.user_calibration import calibration_from_peaks


def test_an_energy_over_60_kev_is_said_typed_in_ev_only_where_that_is_a_line():
    """A peak given "61" (6.1 mistyped) was told "(in eV? write 61 eV)", 0.061 keV, where no
    XRF line lies; the hint is kept for a number that is a line in eV ("6400": Fe Ka). Fails
    on the parent: the hint for 61."""
    with pytest.raises(ValueError) as typo:
        calibration_from_peaks(100, 61.0, 200, 70.0)
    assert "outside 0-60 keV" in str(typo.value)
    assert "in eV?" not in str(typo.value)
    with pytest.raises(ValueError) as in_ev:
        calibration_from_peaks(100, 6400.0, 200, 10540.0)
    assert "(in eV? write 6400 eV)" in str(in_ev.value)
