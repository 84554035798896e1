"""Session 67 review of the maps commits (revM67)."""

import numpy as np

from xrf_napari.analysis import maps as M


def test_the_tube_compton_template_is_worked_out_once_per_tube_axis_and_width():
    """d21f3339's Compton template of a Cu tube's lines (Ni beside the tube's scattered K-alpha)
    was built anew at each ask: twice per Ni plan, 8 ms CPU each on 4,096 channels. Kept: equal
    axes given as other arrays get the same read-only template; another width another one."""
    edges = np.arange(4097) * 0.01
    first = M._tube_compton("Cu", 40.0, edges, 140.0)
    again = M._tube_compton("Cu", 40, edges.copy(), 140)
    assert again is first and not first.flags.writeable
    assert abs(first.sum() - 1.0) < 1e-12
    wider = M._tube_compton("Cu", 40.0, edges, 170.0)
    assert wider is not first and wider.max() < first.max()
