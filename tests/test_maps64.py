"""Session 64: elemental maps under a tube other than Rh (analysis.maps)."""

import numpy as np

from xrf_napari.analysis import maps as M


def test_escape_template_takes_the_scans_anode():
    """Escape peaks follow the line shares of the scan's tube, as the line templates do: under a
    15 kV W tube Hg's L-beta escapes took a Rh tube's shares (4 % apart at their peak)."""
    edges = np.arange(2049) * 0.01
    w = M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0, "W")
    rh = M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0, "Rh")
    assert np.abs(w - rh).max() > 0.01 * w.max()
    # no anode named: Rh's, as the line templates take it (_under_tube)
    assert np.array_equal(M.escape_template("Hg", edges, 140.0, "Lb", "L", 15.0), rh)
