"""Dock state across scans (issue 17, item 2), session 38: what a dock shows, offers and saves
follows its scan when the scan is renamed, when its calibration arrives, when another scan of its
size is chosen, and when a result layer is deleted; the Regions list offers regions only."""

import numpy as np
import pytest
from _napari_helpers import (
    cube_stack_name,
    open_cube,
    painted_counts,
    pigments_dock_on_painted_regions,
    tiny_embed_dock,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _names(viewer, prefix):
    return [ly.name for ly in viewer.layers if ly.name.startswith(prefix)]


def _recoloured_with_outline(viewer, qtbot, tmp_path):
    """A painted scan opened and recoloured by a tiny model with its outline ticked: the dock."""
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = tiny_recolour_dock(viewer, tmp_path)
    widget.outline_box.setChecked(True)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    return widget


def test_a_renamed_scan_keeps_its_one_recolouring_and_outline(make_napari_viewer, qtbot, tmp_path):
    """After the scan was renamed, unticking the outline left it over the colours (it was looked
    for under the new name), ticking it added a second, and a re-run added a second "recoloured"
    layer beside the stale first."""
    viewer = make_napari_viewer()
    widget = _recoloured_with_outline(viewer, qtbot, tmp_path)
    (colours,) = _names(viewer, "recoloured")
    viewer.layers[cube_stack_name(viewer)].name = "renamed"
    widget.outline_box.setChecked(False)
    assert _names(viewer, "ambiguous colour") == []
    widget.outline_box.setChecked(True)
    (outline,) = _names(viewer, "ambiguous colour")
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert _names(viewer, "recoloured") == [colours]
    assert widget.result_layer is viewer.layers[colours]
    assert _names(viewer, "ambiguous colour") == [outline]
    widget.placement.setCurrentIndex(1)  # the outline still follows its colours
    assert tuple(viewer.layers[outline].translate) == tuple(widget.result_layer.translate)


def test_save_maps_is_off_once_the_scans_maps_are_deleted(make_napari_viewer, qtbot, tmp_path):
    """With every map layer of the scan deleted, Save maps stayed on (also on returning to the
    scan) and only refused after the user had chosen a folder; it is off, and on again for the
    other scan whose maps are still there."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)

    def make_maps(layer):
        widget.cube_combo.set_layer(layer)
        widget.set_checked_elements(["Pb", "Fe"])
        widget.run()  # it may wait for the scan's survey first
        qtbot.waitUntil(lambda: widget.save_button.isEnabled(), timeout=60000)
        wait_idle(qtbot, widget.job)

    make_maps(first)
    maps_a = list(widget.map_layers.values())
    make_maps(second)
    widget.cube_combo.set_layer(first)
    assert widget.save_button.isEnabled()
    for layer in maps_a:
        viewer.layers.remove(layer)
    assert not widget.save_button.isEnabled()
    widget.cube_combo.set_layer(second)
    assert widget.save_button.isEnabled()
    widget.cube_combo.set_layer(first)  # back to the scan whose maps are gone
    assert not widget.save_button.isEnabled()


def test_a_fit_whose_regions_were_deleted_meanwhile_says_so(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The Labels layer deleted while Find pigments ran: the fit came with no word that its
    rows select nothing (a layer deleted after the fit says "The regions of this fit (...) were
    deleted...")."""
    import threading

    pytest.importorskip("xraylib")
    import xrf_napari.analysis.pigment_fit as pigment_fit
    from xrf_napari.widgets.pigments import GONE_NOTE

    viewer = make_napari_viewer()
    widget, regions = pigments_dock_on_painted_regions(viewer, tmp_path)
    gate, real = threading.Event(), pigment_fit.iter_fit_regions

    def held(*args, **kwargs):
        gate.wait(30)
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(pigment_fit, "iter_fit_regions", held)
    assert widget.labels_combo.current_layer() is regions
    assert widget.run() is not None
    viewer.layers.remove(regions)
    gate.set()
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.table.rowCount() == 4
    assert widget.info.text().startswith(GONE_NOTE.format(regions.name))


def test_a_renamed_scan_keeps_its_one_latent_and_clusters_layer(
    make_napari_viewer, qtbot, tmp_path
):
    """Embed & cluster run again after the scan was renamed added a second latent and a second
    clusters layer over the first (Pigments then offered both as the scan's regions); the run
    updates the scan's layers, and Save still takes the edits painted on them."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = tiny_embed_dock(viewer, tmp_path, k=3)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    (latent,) = _names(viewer, "latent RGB")
    (clusters,) = _names(viewer, "clusters")
    viewer.layers[cube_stack_name(viewer)].name = "renamed"
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    assert _names(viewer, "latent RGB") == [latent]
    assert _names(viewer, "clusters") == [clusters]
    layer = viewer.layers[clusters]
    data = np.array(layer.data)
    data[0, 0] = data.max() + 1  # a new region painted on the layer
    layer.data = data
    edited = embed.edited_labels()
    assert edited is not None and edited[0, 0] == data[0, 0]


def test_regions_found_again_on_a_renamed_scan_replace_its_first(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Find regions on a scan renamed since its first regions added a second "regions (lines +
    photograph)" layer over the first, both offered as the scan's Regions."""
    from types import SimpleNamespace

    import xrf_napari.widgets.pigments as pigments_mod

    labels = painted_counts()[1].astype(np.int32)

    def found(cube, photo, k, photo_name="the photograph"):
        yield "Clustering\u2026"
        return SimpleNamespace(labels=labels.copy(), k=4, silhouette=None)

    monkeypatch.setattr(pigments_mod, "_regions_job", found)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    viewer.add_image(np.zeros((*labels.shape, 3), np.uint8), rgb=True, name="photo")
    widget = pigments_mod.PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.photo_combo.set_layer(viewer.layers["photo"])
    assert widget.find_regions() is not None
    wait_idle(qtbot, widget.job)
    (regions,) = _names(viewer, "regions (lines")
    viewer.layers[cube_stack_name(viewer)].name = "renamed"
    assert widget.find_regions() is not None
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    assert _names(viewer, "regions (lines") == [regions]
    assert widget.labels_combo.current_layer() is viewer.layers[regions]


def test_maps_made_again_on_a_renamed_scan_update_its_layers(make_napari_viewer, qtbot, tmp_path):
    """Make maps (and Add composite) on a scan renamed since added a second set of map layers
    (and composites) under the new name, the first set left hidden beside them."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)

    def results():
        return sorted(ly.name for ly in viewer.layers if ly.name.endswith("]"))

    qtbot.waitUntil(lambda: bool(widget.suggested()), timeout=60000)  # the scan's survey
    wait_idle(qtbot, widget.job)

    def make_maps():
        widget.set_checked_elements(["Pb", "Fe", "Cu"])
        assert widget.run() is not None
        wait_idle(qtbot, widget.job)
        assert widget.job.last_error is None, widget.job.last_error
        widget.add_composite(list(widget.live_maps())[:3])

    make_maps()
    first = results()
    assert len(first) == 4  # three maps and their composite
    viewer.layers[cube_stack_name(viewer)].name = "renamed"
    make_maps()
    assert results() == first


def test_the_photograph_chosen_for_a_scan_stays_with_that_scan(make_napari_viewer, tmp_path):
    """The Photograph chosen for one scan stayed chosen for another scan of its size, whose fit
    and regions then took their colours from a picture of the first scan's area unasked."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    photo = viewer.add_image(np.zeros((24, 20, 3), np.uint8), rgb=True, name="photo of a")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.cube_combo.set_layer(first)
    widget.photo_combo.set_layer(photo)
    widget.cube_combo.set_layer(second)
    assert widget.photo_combo.current_layer() is None
    assert widget.find_regions() is None  # refused: no photograph of this scan chosen
    widget.cube_combo.set_layer(first)
    assert widget.photo_combo.current_layer() is photo
    viewer.layers.remove(photo)
    widget.cube_combo.set_layer(second)
    widget.cube_combo.set_layer(first)
    assert widget.photo_combo.current_layer() is None


def test_the_photograph_stays_chosen_when_the_scans_calibration_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """The calibrated scan that replaces a large uncalibrated one is the same scan: the
    Photograph chosen while its calibration was fitted stays chosen, as ticked elements do."""
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, PigmentsWidget
    )
    old = layer_cube(stack)
    photo = viewer.add_image(np.zeros((24, 20, 3), np.uint8), rgb=True, name="photo")
    dock.photo_combo.set_layer(photo)
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert dock.current_cube() is layer_cube(stack) is not old
    assert dock.photo_combo.current_layer() is photo


def test_recolour_controls_follow_its_layers_deleted_by_the_user(
    make_napari_viewer, qtbot, tmp_path
):
    """The outline deleted in the layer list left its box ticked (unticking it did nothing), and
    the colours deleted left the opacity slider on, moving nothing."""
    viewer = make_napari_viewer()
    widget = _recoloured_with_outline(viewer, qtbot, tmp_path)
    (outline,) = _names(viewer, "ambiguous colour")
    assert widget.outline_box.isChecked() and widget.opacity.isEnabled()
    viewer.layers.remove(outline)
    assert not widget.outline_box.isChecked()
    widget.outline_box.setChecked(True)  # ticking it again outlines again
    assert _names(viewer, "ambiguous colour") == [outline]
    viewer.layers.remove(widget.result_layer)
    assert not widget.opacity.isEnabled()


def test_pigments_does_not_take_the_recolour_outline_for_regions(
    make_napari_viewer, qtbot, tmp_path
):
    """Recolour's "ambiguous colour" outline (1 where the lines do not fix the colour) is a
    Labels layer of the scan, made from it: Pigments chose it as its Regions and fitted the
    pixels where the colour is a guess as one paint region."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    _recoloured_with_outline(viewer, qtbot, tmp_path)
    assert _names(viewer, "ambiguous colour")
    for dock in (pigments, PigmentsWidget(viewer)):  # open before the outline, and after
        combo = dock.labels_combo
        assert combo.current_layer() is None
        assert not any("ambiguous" in combo.itemText(i) for i in range(combo.count()))
        assert dock.run() is None  # refused: no regions, not a fit of the outline
