"""What a conservator meets on first use (session 60): saving a result and opening it again, two
scans open, a dock run twice."""

import warnings

import pytest
from _napari_helpers import open_cube, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_table_of_region_spectra_opened_again_names_the_curves_left_out(tmp_path):
    """The Pigments report's region_spectra.csv dropped into napari opened as region 1's mean
    alone (22 curves of 11 regions on the bundled panel), without a word about the others: a
    warning names the file and the curves not read. A table of one curve says nothing."""
    from xrf_napari.errors import FileWarning
    from xrf_napari.io.spectra import read_csv

    rows = "\n".join(f"{1 + 0.05 * i:.3f},{i % 7},{i % 5},{i % 3}" for i in range(40))
    wide = tmp_path / "region_spectra.csv"
    wide.write_text("energy_keV,region_1_mean,region_1_best_fit,region_2_mean\n" + rows + "\n")
    with pytest.warns(FileWarning) as caught:
        spectrum = read_csv(wide)
    assert spectrum.metadata["column"] == "region_1_mean"
    said = " ".join(str(w.message) for w in caught)
    assert str(wide) in said and "3 curves" in said
    assert "'region_1_best_fit', 'region_2_mean'" in said

    one = tmp_path / "one.csv"
    one.write_text("energy_keV,mean\n" + "\n".join(r.rsplit(",", 2)[0] for r in rows.split("\n")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_csv(one)


def test_two_scans_the_maps_line_keeps_a_survey_and_maps_made_again_take_their_new_colours(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Two scans open, one set-up for two slips of the Elemental maps dock.

    Make maps running on one scan, the user selected the other's sum layer: the Spectrum panel
    surveyed that one meanwhile ("Scan surveyed: 13 elements suggested."), and when the first
    scan's maps landed the Elemental maps line went blank, where it said how its survey ended
    once the scan was chosen again. It says so as the job ends.

    Then, on that scan, Make maps showed Pb, Cu, Fe in red, green, blue; with Pb and Hg unticked,
    Make maps again showed Cu, Fe, Ca in green, blue and cyan, each blended additively onto the
    sum image (the maps kept their first run's places): the new first three take red, green,
    blue, the first hiding the layers below. A colour the user chose for a map is kept, and the
    other scan's maps keep theirs. A new strongest map (Pb ticked after Fe was mapped) goes
    under the others, which its opaque layer on top hid."""
    import threading

    import numpy as np
    from _napari_helpers import held_job, stand_in_maps_job, write_painted_cube

    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.widgets._layers import layer_cube, result_cube
    from xrf_napari.widgets.maps import MAP_COLORMAPS
    from xrf_napari.widgets.spectrum import SpectrumWidget

    gate = threading.Event()
    inner = stand_in_maps_job(lambda h, w, s: {x: np.ones((h, w), np.float32) for x in s})
    monkeypatch.setattr(maps_mod, "_maps_job", held_job(gate, then=inner))
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    other = layer_cube(open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[0])
    spectrum = SpectrumWidget(viewer)  # first: it surveys a scan chosen in both
    viewer.window.add_dock_widget(spectrum)
    widget = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, spectrum.job)  # b surveyed
    widget.set_checked_elements(["Fe"])
    try:
        assert widget.run() is not None
        viewer.layers.selection.active = next(ly for ly in first if ly.name.endswith(" sum"))
        assert widget.current_cube() is spectrum.current_cube()
        wait_idle(qtbot, spectrum.job)  # a surveyed in the Spectrum panel
        assert spectrum.job.status.text().startswith("Scan surveyed")
        assert widget.job.is_running
    finally:
        gate.set()
    wait_idle(qtbot, widget.job)
    assert widget.job.status.text() == spectrum.job.status.text()

    # Make maps twice on the scan shown (a), the other's map (b: Fe red) beside
    def shown(cube):
        return [
            (ly.metadata["xrf_element"], ly.colormap.name, ly.blending)
            for ly in viewer.layers
            if "xrf_element" in ly.metadata and ly.visible and result_cube(ly) is cube
        ]

    cube = widget.current_cube()
    widget.set_checked_elements(["Ca", "Fe", "Cu", "Pb"])
    assert widget.run() is not None
    wait_idle(qtbot, widget.job)
    maps = {
        ly.metadata["xrf_element"]: ly
        for ly in viewer.layers
        if "xrf_element" in ly.metadata and result_cube(ly) is cube
    }
    order = sorted(maps, key=lambda s: MAP_COLORMAPS.index(maps[s].colormap.name))  # the job's
    assert [c for _, c, _ in shown(cube)] == ["red", "green", "blue"]
    later = order[1:]  # the first unticked
    maps[later[2]].colormap = "magma"  # the user's choice for the third
    widget.set_checked_elements(later)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job)
    assert shown(cube) == [
        (later[0], "red", "translucent_no_depth"),
        (later[1], "green", "additive"),
        (later[2], "magma", "additive"),
    ]
    assert shown(other) == [("Fe", "red", "translucent_no_depth")]

    # on b, Pb ticked too: its new map, the strongest, went on top of Fe's, and opaque it hid it
    # (Pb's red alone was seen); it goes under it
    viewer.layers.selection.active = next(
        ly for ly in viewer.layers if layer_cube(ly) is other and ly.name.endswith(" sum")
    )
    widget.set_checked_elements(["Pb", "Fe"])
    assert widget.run() is not None
    wait_idle(qtbot, widget.job)
    assert shown(other) == [("Pb", "red", "translucent_no_depth"), ("Fe", "green", "additive")]
