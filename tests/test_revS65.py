"""Review of session 65's save65 commits (revS65): the Software mark that says xrf-napari wrote
an image is the program's own name and a word, not any name starting alike."""

from __future__ import annotations

import numpy as np
import tifffile

from xrf_napari._reader import napari_get_reader
from xrf_napari.analysis.colour_prior import made_by_xrf_napari


def test_a_software_name_only_starting_like_xrf_napari_is_not_its_mark(tmp_path):
    """An RGB TIFF another program marked "xrf-naparix 1.0" was taken for xrf-napari's own:
    opened by XRF recolouring (aca525a5) and `pigments --photo` would refuse it as the program's
    own colours. The program's own marks still count."""
    rgb = np.zeros((20, 23, 3), np.uint8)
    for software in ("xrf-naparix 1.0", "xrf-napari-tools 2"):
        other = tmp_path / f"{software.split()[0]}.tif"
        tifffile.imwrite(other, rgb, photometric="rgb", software=software)
        assert napari_get_reader(str(other)) is None, software
        assert made_by_xrf_napari(other) is None, software
    for software in ("xrf-napari 0.1.0", "xrf-napari quicklook", "xrf-napari"):
        own = tmp_path / "own.tif"
        tifffile.imwrite(own, rgb, photometric="rgb", software=software)
        assert napari_get_reader(str(own)) is not None, software
        assert made_by_xrf_napari(own) == f"an image {software} wrote"
