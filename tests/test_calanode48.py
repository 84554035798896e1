"""The anode an automatic calibration assumed, as `info` and the Spectrum dock's calibration label
name it (session 48): both read it as the pigment fit and the tube guess do
(detector.calibration_anode), a saved "rh" or the entry as JSON text included."""

import json

import numpy as np
import pytest


def _auto_calibrated(tmp_path, entry):
    """A project file saved with calibration source "auto" whose `auto_calibration` entry is
    `entry` (a dict, or its JSON text as early files stored dicts), read back."""
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import write_cube

    cal = Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="auto")
    counts = np.ones((4, 4, 512), dtype=np.uint16)
    path = write_cube(tmp_path / "scan.h5", counts, cal, metadata={"auto_calibration": entry})
    cube = read_cube(path)
    assert cube.calibration.source == "auto"
    return cube


ENTRIES = [{"anode": "rh", "matched": ["Fe Ka"]}, json.dumps({"anode": "rh", "matched": ["Fe Ka"]})]


@pytest.mark.parametrize("entry", ENTRIES, ids=["lower case", "JSON text"])
def test_info_names_the_assumed_tube_as_its_symbol(tmp_path, entry):
    """Fails on the parent: `info` named a saved "rh" as "rh", and an entry as JSON text not at
    all (None), where the pigment fit's note reads Rh, the default."""
    from xrf_napari.cli.info_cmd import calibration_tube

    tube = calibration_tube(_auto_calibrated(tmp_path, entry))
    assert tube is not None and tube["anode"] == "Rh"
    assert "Rh by default" in tube["origin"]


@pytest.mark.parametrize("entry", ENTRIES, ids=["lower case", "JSON text"])
def test_the_spectrum_label_names_the_assumed_tube_as_its_symbol(tmp_path, entry):
    """Fails on the parent: the Spectrum dock's calibration label read "auto, assuming a rh
    tube", and for the entry as JSON text "auto" alone, no tube named."""
    from xrf_napari.widgets.spectrum import calibration_origin

    label, tip = calibration_origin(_auto_calibrated(tmp_path, entry))
    assert label == "auto, assuming a Rh tube"
    assert "matched: Fe Ka" in tip and "Rh by default" in tip
