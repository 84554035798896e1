"""Walkthrough of the Recolour and Elemental maps docks (session 44): what a conservator saw."""

import pytest
from _napari_helpers import (
    OTHER_PIGMENTS,
    open_cube,
    wait_idle,
    write_painted_cube,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_show_box_says_where_the_chosen_scans_colours_are(make_napari_viewer, qtbot, tmp_path):
    """Recolour's Show box is one for every scan: set to "Over the scan" on one scan, it went on
    saying so on another whose colours stayed beside it (and picking "Over" there did
    nothing). It now mirrors the chosen scan's colours, as the opacity slider does."""
    from _napari_helpers import tiny_recolour_dock

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1, pigments=OTHER_PIGMENTS))
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.cube_combo.currentText() == "b"
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    dock.cube_combo.setCurrentIndex(0)  # a: its colours over it
    dock.placement.setCurrentIndex(1)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    a_layer, b_layer = viewer.layers["recoloured [a]"], viewer.layers["recoloured [b]"]
    assert tuple(a_layer.translate) == tuple(viewer.layers["a"].translate[-2:])
    dock.cube_combo.setCurrentIndex(1)  # b: its colours are still beside it
    assert tuple(b_layer.translate) != tuple(viewer.layers["b"].translate[-2:])
    assert dock.placement.currentText() == "Beside the scan"
    dock.placement.setCurrentIndex(1)  # and "Over" there puts them over
    assert tuple(b_layer.translate) == tuple(viewer.layers["b"].translate[-2:])
    dock.cube_combo.setCurrentIndex(0)
    assert dock.placement.currentText() == "Over the scan"
