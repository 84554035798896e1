"""Session 65 (lateD65): a tube voltage the file does not name, said alike by every command."""

from __future__ import annotations

import numpy as np


def test_a_missing_kv_is_said_alike_by_quicklook_and_pigments():
    """On the APS scan (no kV in the file) pigments said "tube voltage not in the metadata: 50 kV
    assumed", naming no option, where quicklook said "kV unknown (--kv)". Both now say what is
    assumed (50 kV for the fit, nothing for the element suggestion), that the file names no tube
    voltage, and the option that sets one."""
    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.cli.quicklook_cmd import instrument_said
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    cube = cube_from_array(np.ones((2, 2, 512), np.float32), Calibration(0.0, 0.05, source="file"))
    why = "(the file names no tube voltage; --kv"
    assert f"kV unknown {why})" in instrument_said(cube)
    profile, notes = instrument_for(cube)
    (note,) = [n for n in notes if getattr(n, "assumed", "") == "kv"]
    assert note == f"{profile.kv:g} kV assumed {why}, or the panel's Instrument kV)"
    # a kV given is no assumption, in either
    assert "kV unknown" not in instrument_said(cube, kv=40.0)
    assert not [n for n in instrument_for(cube, kv=40.0)[1] if "kV" in n]
