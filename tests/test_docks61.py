"""Session 61's dock fixes: Spectrum's plot of a scan chosen again is shown without a new draw,
and the calls of one turn are one build."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")

from _napari_helpers import in_memory_scans, quick_survey  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _draws_asked(monkeypatch):
    """What the drawing thread is asked: True for a draw, False for a figure built only."""
    import xrf_napari.widgets._plot as plot

    relay, executor, imported = plot._relay()
    asked = []

    class Recorder:
        def submit(self, fn, *args):
            asked.append(len(args) < 8 or bool(args[7]))
            return executor.submit(fn, *args)

    monkeypatch.setattr(plot, "_RELAY", (relay, Recorder(), imported))
    return asked


def test_a_scan_chosen_again_shows_its_plot_without_a_new_draw(
    make_napari_viewer, qtbot, monkeypatch
):
    """Choosing another scan asked Spectrum's drawing thread for two draws of a whole figure
    (its ticks, then its survey, in one turn), the first under way as the second came: the plot
    lagged 1.7-5.2 s behind a scan chosen in the layer list (five docks, 20 ticked elements). A
    turn's calls are one build, and a scan's plot drawn before is shown as it was, its figure
    built but not drawn again."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb", "Hg"], "scan1": ["Fe"]})
    viewer = make_napari_viewer()
    a, b = in_memory_scans(viewer, (0, 1))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)

    def shown(cube):  # the scan's sum image selected in the layer list
        viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is cube)
        qtbot.waitUntil(lambda: dock.plot_is_current() and "mean" in dock.curves, timeout=20000)
        return dock.canvas.image()

    first_b = shown(b)
    first_a = shown(a)
    asked = _draws_asked(monkeypatch)
    again_b = shown(b)
    assert asked == [False], asked  # one build, no draw
    assert again_b == first_b and again_b != first_a
    assert dock._plot.rebuilds == 3  # b's ticks, a's, b's again: built, not drawn
    assert (dock._plot._lines["mean"].get_ydata() == dock.curves["mean"][1]).all()


def test_a_job_on_another_scan_names_that_scan_on_the_status_line(
    make_napari_viewer, qtbot, monkeypatch
):
    """Make maps running on scan0 while scan1 was chosen: the line said "Integrating line
    windows..." over scan1, as if of it. It names scan0 until the job ends; the line the dock
    keeps (text()) is the job's own words, and back on scan0 the name goes."""
    from _napari_helpers import held_maps_dock_on_two_scans, wait_idle
    from qtpy.QtWidgets import QLabel

    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    dock, gate, a, b = held_maps_dock_on_two_scans(viewer, monkeypatch)

    def choose(cube):
        viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is cube)

    choose(b)
    wait_idle(qtbot, dock.job)
    choose(a)
    wait_idle(qtbot, dock.job)
    try:
        assert dock.run() is not None
        line = dock.job.status
        assert QLabel.text(line) == "Integrating line windows\u2026"
        choose(b)
        assert QLabel.text(line) == "On scan0: Integrating line windows\u2026"
        assert line.text() == "Integrating line windows\u2026"
        choose(a)
        assert QLabel.text(line) == "Integrating line windows\u2026"
        choose(b)
    finally:
        gate.set()
    wait_idle(qtbot, dock.job)
    assert "scan0" not in QLabel.text(line)  # scan1's own line again
    choose(a)
    assert QLabel.text(line).startswith("1 map(s) added")


def test_curves_left_of_a_table_are_named_cut_short(tmp_path):
    """A spectra table opened as its first curve names the others in a warning: four region
    names of 140 characters made 560 of them, past napari's notification. Each name is cut at
    40 characters ("..."), the short ones whole."""
    import warnings

    from xrf_napari.io.spectra import read_csv

    long = [f"region {i} lead white with vermilion over chalk" + " and more" * 10 for i in (1, 2)]
    path = tmp_path / "t.csv"
    path.write_text(
        "energy_keV,mean," + ",".join(long) + "\n1,2,3,4\n2,3,4,5\n3,4,5,6\n", encoding="utf-8"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_csv(path)
    (said,) = [str(w.message) for w in caught if "curves" in str(w.message)]
    assert "only its first, 'mean', is read" in said
    cut = long[0][:39].rstrip() + "\u2026"  # io.spectra.CURVE_NAME_SHOWN
    assert f"{cut!r}, " in said and long[0] not in said
    assert len(said) < len(str(path)) + 200


def test_make_maps_again_says_the_earlier_maps_it_left_hidden(
    make_napari_viewer, qtbot, monkeypatch
):
    """Make maps with Fe and Cu ticked, then with Pb alone: Fe's and Cu's maps were hidden with
    the scan's other results and stayed in the layer list, the line saying "1 map(s) added"
    only, so that they seemed gone. The line says they stay, hidden."""
    import numpy as np
    from _napari_helpers import stand_in_maps_job, wait_idle

    import xrf_napari.widgets.maps as maps_mod

    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", ones)
    quick_survey(monkeypatch, {"scan0": ["Pb", "Fe", "Cu"]})
    viewer = make_napari_viewer()
    in_memory_scans(viewer, (0,))
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    for ticked in (["Fe", "Cu"], ["Fe", "Pb"]):
        dock.set_checked_elements(ticked)
        assert dock.run() is not None
        wait_idle(qtbot, dock.job)
        if ticked == ["Fe", "Cu"]:
            assert dock.job.status.text() == "2 map(s) added (net line counts per pixel)."
    maps = {ly.metadata["xrf_element"]: ly for ly in viewer.layers if "xrf_element" in ly.metadata}
    assert sorted(maps) == ["Cu", "Fe", "Pb"] and not maps["Cu"].visible
    assert dock.job.status.text() == (
        "2 map(s) added (net line counts per pixel). The earlier map of Cu stays in the layer "
        "list, hidden."
    )


def test_a_single_spectrum_lists_no_region_and_says_why(make_napari_viewer, qtbot, monkeypatch):
    """On a single spectrum (a 1 x 1 px spot) the Region list said "(draw a Shapes or Labels
    layer)", or offered a Shapes layer drawn on another scan, beside a Region spectrum button
    that was off: a region of one pixel means nothing. It lists none, is off and says so; a
    scan of pixels lists the drawn shapes again."""
    import numpy as np
    from _napari_helpers import CANONICAL_CAL, add_cube, painted_counts

    from xrf_napari.cube import cube_from_array
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb"], "spot": ["Pb"]})
    viewer = make_napari_viewer()
    (scan,) = in_memory_scans(viewer, (0,))
    spot = cube_from_array(painted_counts(0)[0][:1, :1], CANONICAL_CAL, name="spot")
    add_cube(viewer, spot)
    viewer.add_shapes([np.array([[2, 2], [2, 8], [8, 8], [8, 2]])], name="drawn")
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    combo = dock.region_combo

    def choose(cube):
        viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is cube)

    choose(spot)
    assert dock.current_cube() is spot
    assert combo.current_layer() is None and combo.currentText() == dock.SPOT_REGION
    assert not combo.isEnabled() and combo.toolTip() == dock.SPOT_TIP
    choose(scan)
    assert combo.current_layer().name == "drawn" and combo.isEnabled()
