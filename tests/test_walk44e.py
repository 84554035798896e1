"""Walkthrough of the Recolour and Elemental maps docks (session 44): what a conservator saw."""

import pytest
from _napari_helpers import (
    OTHER_PIGMENTS,
    gated_method,
    open_cube,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def test_make_maps_dropped_for_another_scan_says_so_on_its_scan(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Make maps pressed on a scan just opened waits for its survey (run in the dock's panel);
    choosing another scan meanwhile drops it. The drop's words were written only when the panel
    was idle, so back on that scan the line said "Scan surveyed: ..." and nothing said why no
    maps came.

    The survey is held where it reads the scan (analysis.spectra.iter_survey, in its thread):
    a tiny scan's survey otherwise ends within milliseconds, and napari's viewer.open turns the
    event loop after adding the layers (its progress bar's processEvents), so on a loaded
    machine the survey was known before Make maps was pressed and the maps started at once."""
    from xrf_napari.analysis import spectra
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    with gated_method(monkeypatch, spectra, "iter_survey") as gate:
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1, pigments=OTHER_PIGMENTS))
        assert dock.cube_combo.currentText() == "b"
        b = dock.current_cube()
        # the precondition, said: b's survey runs in this panel and is held in its reading
        qtbot.waitUntil(lambda: len(gate.calls) == 1, timeout=10000)
        assert SURVEYS.is_running(b) and SURVEYS.get(b) is None
        assert dock.job.is_running and dock._job_cube is b
        dock.set_checked_elements(["Ti", "Zn"])
        assert dock.run() is None and dock._deferred is not None  # waits for b's survey
        dock.cube_combo.setCurrentIndex(0)  # the user looks at a meanwhile
        assert dock._deferred is None
        gate.set()
        wait_idle(qtbot, dock.job)
    assert SURVEYS.get(b) is not None  # b's survey ended, and no maps followed it
    dock.cube_combo.setCurrentIndex(1)
    assert dock.current_cube() is b
    assert "Make maps was not started" in dock.job.status.text()
    assert not any(ly.name.startswith("Ti") for ly in viewer.layers)
