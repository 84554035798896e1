"""Session 58, duplicated logic: one map path for the docks, quicklook and element_maps."""

import numpy as np
from _napari_helpers import painted_counts
from _spectra import CANONICAL_CAL


def test_element_maps_given_the_scans_sum_and_kv_are_the_docks_maps():
    """element_maps took no scan sum and no kV, while the Elemental maps dock and quicklook judge
    an absent neighbour by the scan's sum and plan apart a line the kV cannot excite
    (plan_for_cube): the benchmarks timed a path no user runs, its Hg map up to 7.6 counts a
    pixel off the dock's on the painted scan. Given the same sum and kV they are the dock's."""
    from xrf_napari.analysis.maps import element_maps
    from xrf_napari.cube import cube_from_array
    from xrf_napari.progress import run_to_end
    from xrf_napari.widgets.maps import _maps_job

    cube = cube_from_array(painted_counts()[0], CANONICAL_CAL, name="painted")
    symbols, spectrum = ["Hg", "Pb", "Fe"], cube.sum_spectrum()
    lines = {"Hg": "La"}  # chosen: Auto maps Hg by M-alpha under 12 kV (maps62)
    plans, maps, _ = run_to_end(
        _maps_job(cube, symbols, None, True, symbols, lines, spectrum=spectrum, kv=12.0)
    )
    assert "cannot be excited" in plans[0].note  # Hg L-alpha under 12 kV: planned apart
    got = element_maps(cube, symbols, present=symbols, lines=lines, spectrum=spectrum, kv=12.0)
    for s in symbols:
        np.testing.assert_array_equal(got[s], maps[s])
    assert not np.array_equal(element_maps(cube, symbols, present=symbols)["Hg"], maps["Hg"])
