"""Session 58 review of cli58 (the commands and scripts): what its commits left to break."""

import shutil

import numpy as np


def test_a_scan_renamed_png_is_no_picture_to_replace(tmp_path):
    """48fbcd44's not_a_picture judged a file not named .tif by whether Pillow opens it: Pillow
    "opens" an HDF5 file (its stub plugin) and any TIFF, so an HDF5 scan or a TIFF datacube named
    scan.png passed as a picture that `recolour -o scan.png` may replace. It goes by what the
    file holds."""
    import tifffile

    from xrf_napari.energy import Calibration
    from xrf_napari.io.arrays import not_a_picture
    from xrf_napari.io.project_h5 import write_cube

    h5 = write_cube(tmp_path / "s.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.05))
    shutil.copy(h5, tmp_path / "scan.png")
    assert not_a_picture(tmp_path / "scan.png") == (
        "it is not an image: it is an HDF5 file, such as a scan"
    )
    tifffile.imwrite(tmp_path / "cube.png", np.arange(64 * 36, dtype=np.uint16).reshape(64, 6, 6))
    said = not_a_picture(tmp_path / "cube.png")
    assert said == "it holds a spectral datacube (a TIFF of 64 pages), a scan", said
    tifffile.imwrite(tmp_path / "photo.png", np.zeros((4, 5, 3), np.uint8))  # one TIFF picture
    assert not_a_picture(tmp_path / "photo.png") is None
