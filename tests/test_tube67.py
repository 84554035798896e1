"""Session 67, tube67: the scan's X-ray tube guess and the resolution grid it shares."""


def test_the_spill_width_and_the_fits_resolution_grid_are_one_source():
    """tube_guess.SPILL_FWHM_EV repeated max(pigment_fit.FWHM_GRID) as a literal 185.0: widening
    the fit's grid left the tube guess's spill at 185 eV. Both now read physics.detector's grid."""
    from xrf_napari.analysis import pigment_fit, tube_guess
    from xrf_napari.physics.detector import FWHM_GRID

    assert pigment_fit.FWHM_GRID is FWHM_GRID
    assert tube_guess.SPILL_FWHM_EV == max(FWHM_GRID)
