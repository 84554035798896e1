"""Session 62's first-use walk through the user guide (helper user62): what a conservator saw."""

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    return make_reused_napari_viewer


def test_first_make_maps_from_the_plugins_menu_names_no_earlier_maps(
    make_napari_viewer, tmp_path, qtbot
):
    """Docked from the Plugins menu (napari's PublicOnlyProxy viewer), the first Make maps on the
    sample painting said "19 map(s) added ... The earlier maps of Zn, Ti, Ca, ... stay in the
    layer list, hidden." of its own 19 maps: each layer the proxy hands out is a new object. A
    second run with one element unticked names that one alone."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    _, maps = viewer.window.add_plugin_dock_widget("xrf-napari", "Elemental maps")
    assert type(maps.viewer).__name__ == "PublicOnlyProxy"  # what the test is about
    wait_idle(qtbot, maps.job)
    maps.set_checked_elements(["Fe", "Hg"])
    maps.run()
    wait_idle(qtbot, maps.job)
    first = maps.job.status.text()
    assert first.startswith("2 map(s) added") and "earlier" not in first, first
    maps.set_checked_elements(["Fe"])
    maps.run()
    wait_idle(qtbot, maps.job)
    second = maps.job.status.text()
    assert "The earlier map of Hg stays in the layer list, hidden." in second, second
    assert "Fe" not in second.split("earlier", 1)[1], second


def test_pigments_detector_box_says_where_the_resolution_will_come_from(make_napari_viewer):
    """The Pigments panel's Detector box read "resolution from the file" on every scan, also on
    the files that give none (a Bruker .rpl export, the real APS scan), whose fit line then said
    "detector resolution not in the metadata: about 145 eV ..., estimated from the peak widths".
    It names the file's value, else the estimate, for the scan chosen."""
    import numpy as np
    from _napari_helpers import add_cube

    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    viewer = make_napari_viewer()
    counts = np.ones((4, 5, 64), np.uint16)
    cal = Calibration(0.0, 0.2, source="file")
    add_cube(viewer, Cube(counts, cal, metadata={"name": "given", "fwhm_mn_ev": 152.0}))
    add_cube(viewer, Cube(counts, cal, metadata={"name": "none"}))
    _, pig = viewer.window.add_plugin_dock_widget("xrf-napari", "Pigments")
    box = pig.fwhm_spin
    said = {"none": "estimated from the spectra", "given": "from the file (152 eV)"}
    for name, words in said.items():
        pig.cube_combo.setCurrentText(name)
        assert pig.current_cube().metadata["name"] == name
        assert box.text() == words
    box.setValue(170)  # the user's value is the user's
    assert box.text().startswith("FWHM at Mn") and "170" in box.text()
