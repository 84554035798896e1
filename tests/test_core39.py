"""Session 39 core fixes (tests fail on their parents)."""

from __future__ import annotations

import numpy as np
import pytest


def _off_grid_rpl(tmp_path):
    """A 6 x 6 scan whose calibration puts every channel below 1 keV (an origin in keV with the
    channels counted from the wrong end, as the real spacekeys_variant.rpl of ../shared has)."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    data = np.random.default_rng(0).poisson(20, (6, 6, 16)).astype(np.uint16)
    path = tmp_path / "off.rpl"
    write(path, data, Calibration(offset=-0.956, gain=0.010002))
    return path


def test_recolour_and_embed_refuse_a_scan_wholly_outside_the_models_grid(tmp_path):
    """A scan whose channels all lie outside 1-26.6 keV fed the models all-zero spectra: the
    recolouring wrote a PNG of guessed colours (only an out-of-distribution warning), where the
    pigment fit refused the same axis. Both now refuse it by name, writing nothing."""
    from xrf_napari.analysis.embed import embed
    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    path = _off_grid_rpl(tmp_path)
    with pytest.raises(ValueError, match="wholly outside the 1-26.6 keV read by the models"):
        embed(read_cube(path), device="cpu")
    png = tmp_path / "out.png"
    assert main(["recolour", str(path), "--output", str(png), "--device", "cpu"]) != 0
    assert not png.exists()
