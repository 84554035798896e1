"""Review of session 65's save65 commits (revS65): the Software mark that says xrf-napari wrote
an image is the program's own name and a word, not any name starting alike; a damaged TIFF
the program wrote is said damaged."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from xrf_napari._reader import napari_get_reader
from xrf_napari.analysis.colour_prior import made_by_xrf_napari
from xrf_napari.analysis.export import save_label_image
from xrf_napari.io import CubeReadError


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


def test_a_damaged_own_labels_tiff_is_said_damaged_naming_the_file(tmp_path):
    """Save labels & spectra's TIFF (zlib) with bytes zeroed in its image data, opened with XRF
    recolouring chosen: "could not be read (error: Error -3 while decompressing data: ...)",
    zlib's words, where the cube readers say a damaged strip is damaged (e277dda5)."""
    path = save_label_image(tmp_path / "clusters.tif", np.arange(300 * 300).reshape(300, 300) % 997)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2 : len(raw) // 2 + 200] = bytes(200)
    path.write_bytes(bytes(raw))
    reader = napari_get_reader(str(path))
    assert reader is not None
    with pytest.raises(CubeReadError) as err:
        reader(str(path))
    said = str(err.value)
    assert said.startswith(str(path)) and "image data is damaged" in said, said
    assert "decompression failed (Error -" in said and "save it again" in said, said
