"""Session 60, helper late60: a long-format spectra table read back, a non-numeric column named,
a PNG named .tif named as one by the cube reader, pigment_fit.choose_ground removed."""


def test_choose_ground_is_gone():
    """pigment_fit.choose_ground had no caller (the fit runs iter_choose_ground)."""
    from xrf_napari.analysis import pigment_fit

    assert not hasattr(pigment_fit, "choose_ground")
    assert hasattr(pigment_fit, "iter_choose_ground")
