"""Session 60, helper late60: a long-format spectra table read back, a non-numeric column named,
a PNG named .tif named as one by the cube reader, pigment_fit.choose_ground removed."""

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError


def test_a_png_named_tif_is_named_by_the_cube_reader(tmp_path):
    """read_cube told a PNG named .tif only 'it does not start with a TIFF's II/MM byte-order
    mark'; recolour's output check (not_a_picture) already named it."""
    from PIL import Image

    from xrf_napari.io import read_cube

    path = tmp_path / "scan.tif"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, format="PNG")
    with pytest.raises(CubeReadError, match=r"not a TIFF file \(it is a PNG image named \.tif\)"):
        read_cube(path)


def test_choose_ground_is_gone():
    """pigment_fit.choose_ground had no caller (the fit runs iter_choose_ground)."""
    from xrf_napari.analysis import pigment_fit

    assert not hasattr(pigment_fit, "choose_ground")
    assert hasattr(pigment_fit, "iter_choose_ground")
