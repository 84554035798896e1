"""Review of anode54's tube given to read_cube (b7a00beb, 9549d368), session 54 (revA54): a tube
given to auto_calibrated later, or recorded by a calibration saved before the "given" word, was
the calibration's tube but not the scan's."""

from __future__ import annotations

import numpy as np
from _napari_helpers import CANONICAL_CAL, cu_tube_scan


def test_a_tube_given_to_auto_calibrated_is_the_scans_too(tmp_path):
    """Fails on the parent: read with Rh, calibrated later for the Cu given to auto_calibrated,
    the calibration assumed Cu while the suggestion, the fit and the rows kept Rh; and a Cu given
    to auto_calibrated of a scan whose calibration failed was the scan's tube nowhere."""
    from xrf_napari.cube import cube_from_array
    from xrf_napari.detector import calibration_anode, named_anode
    from xrf_napari.io import auto_calibrated, read_cube

    path = tmp_path / "cu.npy"  # a Cu-tube scan naming no tube, with no calibration
    np.save(path, np.asarray(read_cube(cu_tube_scan(tmp_path / "cu.h5", h=8, w=4)).data))
    late = auto_calibrated(read_cube(path, anode="Rh", calibrate_later=0), anode="copper")
    assert late.calibration.source == "auto"
    assert calibration_anode(late.metadata) == named_anode(late.metadata) == "Cu"
    kept = auto_calibrated(read_cube(path, anode="Cu", calibrate_later=0))  # none given later
    assert calibration_anode(kept.metadata) == named_anode(kept.metadata) == "Cu"
    flat = cube_from_array(np.ones((4, 4, 512), np.uint16), name="flat")
    failed = auto_calibrated(flat, anode="Cu")
    assert failed.calibration.source == "none" and named_anode(failed.metadata) == "Cu"


def test_a_calibration_the_docks_call_given_names_the_scans_tube():
    """Fails on the parent: an automatic calibration recorded for a Mo given before the word
    "given" was recorded (a scan saved earlier today) was "given with --anode" to the Spectrum
    dock's tip (calibration_anode_origin), yet given_anode read the word alone: the suggestion
    took the tube for unknown and quicklook said "tube unknown"."""
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.cube import cube_from_array
    from xrf_napari.detector import calibration_anode_origin, given_anode, named_anode

    counts = np.ones((2, 2, 512), np.uint16)
    old = cube_from_array(counts, CANONICAL_CAL, auto_calibration={"anode": "Mo"})
    assert calibration_anode_origin(old.metadata).startswith("given")
    assert given_anode(old.metadata) == named_anode(old.metadata) == "Mo"
    assert instrument_said(old).startswith("Mo tube (given)")
    for auto in ({"anode": "Rh"}, {"anode": "Mo", "anode_from": "scatter lines"}):  # no naming
        cube = cube_from_array(counts, CANONICAL_CAL, auto_calibration=auto)
        assert named_anode(cube.metadata) is None
        assert not calibration_anode_origin(cube.metadata).startswith("given")
