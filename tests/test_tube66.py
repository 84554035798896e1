"""Session 66, tube66: the scan's X-ray tube guess and the calibration record."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_revB64 import _saved_default  # noqa: E402


def test_pigments_note_names_the_tube_given_with_no_auto_calibration(tmp_path):
    """`pigments --anode Cu --no-auto-calibration` on a project whose saved automatic
    calibration assumed Rh: the first note said "leave out --no-auto-calibration to fit it for
    another tube given with --anode", though Cu was given (calibration_notes knows only the
    fit's anode, not --anode). It names the tube given to read_cube, as `info` does. Fails on
    the parent: "another tube given with --anode"."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    path = _saved_default(tmp_path)
    cube = read_cube(path, anode="Cu", auto_calibrate=False)
    first = calibration_notes(cube, InstrumentProfile(anode="Cu"), auto_off=True)[0]
    assert "leave out --no-auto-calibration to fit it for the Cu tube given" in first, first
    cube = read_cube(path, auto_calibrate=False)  # none given: the option is named
    first = calibration_notes(cube, InstrumentProfile(anode="Rh"), auto_off=True)[0]
    assert "to fit it for another tube given with --anode" in first, first
