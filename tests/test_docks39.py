"""Dock state across scans, session 39: ticks of a scan not on screen survive its calibration
arriving; Recolour's ambiguity outline is no Region; Pigments gives back the Labels layer's
"show selected" setting; the instrument overrides belong to the scan they were set on."""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _widget_class(name):
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    return {"spectrum": SpectrumWidget, "maps": ElementMapsWidget}[name]


@pytest.mark.parametrize("dock", ["spectrum", "maps"])
def test_ticks_of_a_scan_not_shown_survive_its_calibration(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass, dock
):
    """Elements ticked on a large uncalibrated scan, then another scan chosen while its
    calibration was fitted: back on the scan, the ticks were gone (its suggestions instead)."""
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _layers

    import xrf_napari._reader as reader
    from xrf_napari.widgets._common import SURVEYS

    synchronous = reader.ASYNC_SUM_BYTES
    viewer, widget, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, _widget_class(dock)
    )
    total = _layers(viewer)[1]
    widget.set_checked_elements(["Co", "Zn"])
    if dock == "maps":
        widget.fwhm_spin.setValue(180)  # the scan's own FWHM goes with it too
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", synchronous)
    other = open_cube(viewer, write_painted_cube(tmp_path / "other.h5", seed=1))[-1]
    assert widget.current_layer() is other  # the scan just opened is chosen
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=10000)
    widget.cube_combo.set_layer(total)
    qtbot.waitUntil(lambda: SURVEYS.get(widget.current_cube()) is not None, timeout=60000)
    wait_idle(qtbot, widget.job)
    assert widget.current_cube().calibration.source == "auto"
    assert widget.checked_elements() == ["Co", "Zn"]
    if dock == "maps":
        assert widget.fwhm_spin.value() == 180


def test_the_spectrum_dock_does_not_offer_the_recolour_outline_as_a_region(
    make_napari_viewer, qtbot, tmp_path
):
    """Recolour's "ambiguous colour" outline (1 where the lines do not fix the colour) was listed
    as the scan's Region, and chosen: Region spectrum averaged the pixels where the colour is a
    guess as if they were a region the user drew."""
    from test_docks_state38 import _recoloured_with_outline

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    _recoloured_with_outline(viewer, qtbot, tmp_path)
    assert [ly.name for ly in viewer.layers if ly.name.startswith("ambiguous colour")]
    for dock in (spectrum, SpectrumWidget(viewer)):  # open before the outline, and after
        combo = dock.region_combo
        assert combo.current_layer() is None
        assert not any("ambiguous" in combo.itemText(i) for i in range(combo.count()))
        assert dock.region_spectrum() is None  # refused: no region
    drawn = viewer.add_labels(painted_counts()[1].astype(np.int32), name="drawn")
    assert spectrum.region_combo.current_layer() is drawn  # a region of the user's still is


def _fitted_pigments(viewer, qtbot, regions):
    """A Pigments dock that fitted `regions` on the selected scan."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    widget.labels_combo.set_layer(regions)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.table.rowCount() == 4
    return widget


def test_pigments_gives_the_labels_layer_its_show_selected_setting_back(
    make_napari_viewer, qtbot, tmp_path
):
    """Clicking a row turned on the Labels layer's "show selected" (every other region hidden)
    and left it on: with no row selected, on another scan, after the regions were painted on,
    and with the dock closed, the layer showed one region until the user found the box."""
    pytest.importorskip("xraylib")
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    regions = viewer.add_labels(painted_counts()[1].astype(np.int32), name="regions")
    theirs = viewer.add_labels(painted_counts()[1].astype(np.int32), name="theirs")
    theirs.show_selected_label = True  # the user's own choice
    viewer.layers.selection.active = first
    widget = _fitted_pigments(viewer, qtbot, regions)
    assert widget.current_layer() is first

    def click(row):
        widget.table.setCurrentCell(row, 0)
        assert widget.table.selectionModel().hasSelection()
        assert regions.selected_label == row + 1 and regions.show_selected_label

    click(1)
    widget.table.clearSelection()  # ctrl+click on the selected row
    assert not regions.show_selected_label
    click(1)  # the same row again (its cell was current all along)
    widget.cube_combo.set_layer(second)
    assert not regions.show_selected_label
    widget.cube_combo.set_layer(first)
    click(2)
    data = np.array(regions.data)
    data[0, 0] = 3  # a stroke: the row's number may name other pixels now
    regions.data = data
    assert not regions.show_selected_label
    regions.data = painted_counts()[1].astype(np.int32)  # undone: the fit's regions again
    click(0)
    viewer.window.remove_dock_widget(widget)
    assert not regions.show_selected_label
    assert theirs.show_selected_label  # never the dock's to give back


def test_the_instrument_overrides_belong_to_the_scan_they_were_set_on(make_napari_viewer, tmp_path):
    """Maps' FWHM and Pigments' Tube, Detector and Optic, gas set for one scan stayed set for
    every other scan chosen after, maybe from another scanner, which was mapped and fitted with
    them without a word; each scan now keeps its own, a scan not set shows the file's."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    maps, pigments = ElementMapsWidget(viewer), PigmentsWidget(viewer)
    for dock in (maps, pigments):
        viewer.window.add_dock_widget(dock)
        dock.cube_combo.set_layer(first)
    maps.fwhm_spin.setValue(180)
    pigments.instrument_row.anode_combo.setCurrentText("W")
    pigments.instrument_row.kv_spin.setValue(30)
    pigments.fwhm_spin.setValue(160)
    pigments.instrument_row.optic_combo.setCurrentIndex(1)
    pigments.instrument_row.gas_combo.setCurrentIndex(1)
    set_on_first = pigments.instrument()
    assert set(set_on_first) == {"anode", "kv", "fwhm_mn_ev", "optic", "atmosphere"}
    for dock in (maps, pigments):
        dock.cube_combo.set_layer(second)
    assert maps.fwhm_spin.value() == 0  # "from file (140 eV)"
    assert pigments.instrument() == {}
    maps.fwhm_spin.setValue(120)
    pigments.instrument_row.kv_spin.setValue(40)
    for dock in (maps, pigments):
        dock.cube_combo.set_layer(first)
    assert maps.fwhm_spin.value() == 180
    assert pigments.instrument() == set_on_first
    for dock in (maps, pigments):
        dock.cube_combo.set_layer(second)
    assert maps.fwhm_spin.value() == 120
    assert pigments.instrument() == {"kv": 40.0}


def test_a_deleted_map_leaves_three_different_maps_for_the_composite(
    make_napari_viewer, qtbot, tmp_path
):
    """The map chosen as red deleted, red fell to the first map left, the one green showed:
    Add composite made "RGB Fe/Fe/Cu" of two maps without a word. Red now takes a map no other
    colour shows, and the choices still offered stay."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.set_checked_elements(["Pb", "Fe", "Cu", "Hg"])
    widget.run()  # it may wait for the scan's survey first
    qtbot.waitUntil(lambda: widget.save_button.isEnabled(), timeout=60000)
    wait_idle(qtbot, widget.job)
    red, green, blue = (c.currentText() for c in widget.rgb_combos)
    assert len({red, green, blue}) == 3
    (fourth,) = set(widget.map_layers) - {red, green, blue}
    viewer.layers.remove(widget.map_layers[red])
    assert [c.currentText() for c in widget.rgb_combos] == [fourth, green, blue]
    layer = widget.add_composite()
    assert layer.metadata["xrf_composite"] == [fourth, green, blue]


def test_a_dock_does_not_say_it_waits_for_a_survey_that_ended_while_away(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A scan left while the Spectrum dock surveyed it kept "Finding elements (in another
    dock)…" as its line in Elemental maps: back on the scan, long surveyed, the line still said
    so, also when shown again as the dock's own job on another scan ended."""
    import threading

    import xrf_napari.widgets._common as common
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    elsewhere = "Finding elements (in another dock)\u2026"
    gate, real = threading.Event(), common._survey_job

    def held(cube):
        gate.wait(30)
        return (yield from real(cube))

    monkeypatch.setattr(common, "_survey_job", held)
    viewer = make_napari_viewer()
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    for dock in (spectrum, maps):
        viewer.window.add_dock_widget(dock)
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    assert maps.job.status.text() == elsewhere  # Spectrum surveys the scan
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    gate.set()
    for cube in (layer_cube(first), maps.current_cube()):
        qtbot.waitUntil(lambda c=cube: common.SURVEYS.get(c) is not None, timeout=60000)
    for dock in (spectrum, maps):
        wait_idle(qtbot, dock.job)
    maps.set_checked_elements(["Pb"])
    assert maps.run() is not None  # a job on the second scan ...
    maps.cube_combo.set_layer(first)  # ... which ends once the first is shown again
    wait_idle(qtbot, maps.job)
    assert elsewhere not in maps.job.status.text()
    maps.cube_combo.set_layer(first)
    spectrum.cube_combo.set_layer(first)
    for dock in (spectrum, maps):
        assert elsewhere not in dock.job.status.text()


def test_a_rerun_never_writes_into_the_users_duplicate_of_a_result(
    make_napari_viewer, qtbot, tmp_path
):
    """napari's Duplicate Layer copies the metadata that names the scan a result was made from:
    with the clusters layer deleted and its painted copy kept, Embed & cluster run again wrote
    its regions into the copy, the user's edits gone without a word. The run adds its own
    layer; the copy stays the scan's regions to choose."""
    from _napari_helpers import tiny_embed_dock
    from napari.layers._layer_actions import _duplicate_layer

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = tiny_embed_dock(viewer, tmp_path, k=3)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    (clusters,) = [ly for ly in viewer.layers if ly.name.startswith("clusters")]
    viewer.layers.selection = {clusters}
    _duplicate_layer(viewer.layers)
    copy = viewer.layers[f"{clusters.name} copy"]
    painted = np.array(copy.data)
    painted[:4, :4] = 9  # the user's edit, kept in the copy
    copy.data = painted
    viewer.layers.remove(clusters)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    np.testing.assert_array_equal(copy.data, painted)
    (new,) = [ly for ly in viewer.layers if ly.name == clusters.name]
    assert new is not copy and new.data.max() <= 3
