"""The docks, session 51: Recolour and Embed & cluster let go of a result whose layer was deleted;
the Spectrum dock's region curve follows an edit of its region; a "(your edits)" copy's sentence
follows the layers it names; every pick-list's set_layer refuses a layer it does not offer."""

from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pytest
from _napari_helpers import H, W, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _stand_in_recolour(cube, *_args, **_kwargs):
    """Recolour's job with no model: grey colours, a zero latent, every pixel ambiguous."""
    from xrf_napari.analysis.ambiguity import AmbiguityReport
    from xrf_napari.analysis.recolour import RecolourResult

    yield "Recolouring\u2026"
    h, w = cube.shape[:2]
    return RecolourResult(
        rgb=np.full((h, w, 3), 0.5, np.float32),
        latent=np.zeros((h, w, 3), np.float32),
        device="cpu",
        ambiguity=AmbiguityReport(np.ones((h, w), bool)),
        provenance={},
    )


def test_recolour_lets_go_of_deleted_colours(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Recolour kept a deleted colours layer's image, the latent it came from and the outline's
    mask (400 MB at 4000 x 4000 px) per scan until the scan was closed or recoloured again,
    though nothing shown reads them (Save is off, the notes withheld, the outline removed with
    the colours): they are let go, and Save still names the deleted layer."""
    import xrf_napari.widgets.recolour as module

    monkeypatch.setattr(module, "_recolour_job", _stand_in_recolour)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = module.RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    layer = dock.result_layer
    assert layer is not None and dock.save_button.isEnabled()
    rgb, latent = weakref.ref(dock.result.rgb), weakref.ref(dock.result.latent)
    name = layer.name
    viewer.layers.remove(layer)
    del layer
    qtbot.wait(10)
    gc.collect()
    assert rgb() is None and latent() is None
    assert not dock.save_button.isEnabled() and dock.result_deleted()
    with pytest.raises(ValueError, match=re.escape(f"\u201c{name}\u201d of these colours")):
        dock.save(tmp_path / "c.png")


def test_embed_lets_go_of_deleted_clusters(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Embed & cluster kept a deleted clusters layer's regions (the run's labels: 64 MB at
    4000 x 4000 px) per scan until the scan was closed or clustered again, though nothing
    shown reads them (Save is off, the summary gone): they are let go. Regions whose latent
    RGB alone was deleted are kept: Save writes them."""
    from _napari_helpers import stand_in_embed_dock

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    viewer.layers.remove(embed.latent_layer)
    assert embed.save_button.isEnabled() and embed.result[2].labels is not None
    labels = weakref.ref(embed.result[2].labels)
    name = embed.labels_layer.name
    viewer.layers.remove(embed.labels_layer)
    qtbot.wait(10)
    gc.collect()
    assert labels() is None
    assert not embed.save_button.isEnabled() and not embed.summary.isVisible()
    with pytest.raises(ValueError, match=re.escape(f"\u201c{name}\u201d of these regions")):
        embed.save(tmp_path / "c.png")


def test_every_pick_list_refuses_a_layer_it_does_not_offer(make_napari_viewer, tmp_path):
    """set_layer of a layer a pick-list does not offer chose nothing, without a word, in every
    pick-list but the scans' (7877cc1): Pigments' Photograph given the scan's sum image,
    Regions given a photograph, Spectrum's region given an image. One refusal for all, naming
    the layer; None still empties an optional list. A photograph remembered for a scan and
    deleted since is not chosen when the scan is shown again."""
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    scan = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
    photo = viewer.add_image(np.zeros((H, W, 3), np.uint8), rgb=True, name="photo")
    pigments, spectrum = PigmentsWidget(viewer), SpectrumWidget(viewer)
    for combo, layer in (
        (pigments.photo_combo, scan),
        (pigments.labels_combo, photo),
        (spectrum.region_combo, photo),
    ):
        with pytest.raises(ValueError, match=re.escape(f"the layer {layer.name!r} is not on")):
            combo.set_layer(layer)
    pigments.photo_combo.set_layer(photo)
    assert pigments.photo_combo.current_layer() is photo
    pigments.photo_combo.set_layer(None)
    assert pigments.photo_combo.current_layer() is None
    pigments.photo_combo.set_layer(photo)
    pigments.leave_cube(pigments.current_cube())
    viewer.layers.remove(photo)
    pigments.on_cube(pigments.current_layer())  # shown again: its deleted photo is not chosen
    assert pigments.photo_combo.current_layer() is None


def test_your_edits_sentence_follows_renamed_layers(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Embed & cluster run again over painted regions keeps them in a "(your edits)" copy and
    says so, naming the copy and the clusters layer: renamed, either went on being named by its
    old name in the status line (shown, and kept for the scan while another is shown)."""
    from _napari_helpers import stand_in_embed_dock

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    for _ in range(2):
        assert embed.run() is not None
        wait_idle(qtbot, embed.job)
        embed.labels_layer.paint((0, 0), 2, refresh=True)  # a stroke of napari's brush
    clusters = embed.labels_layer
    copy = next(ly for ly in viewer.layers if "(your edits)" in ly.name)
    old = (copy.name, clusters.name)
    assert all(f"\u201c{name}\u201d" in embed.job.status.text() for name in old)
    copy.name, clusters.name = "kept strokes", "my regions"
    said = embed.job.status.text()
    assert "\u201ckept strokes\u201d" in said and "\u201cmy regions\u201d shows" in said, said
    assert not any(f"\u201c{name}\u201d" in said for name in old), said
    viewer.layers.remove(copy)  # the renamed sentence still goes with its copy
    assert "kept strokes" not in embed.job.status.text()


def test_region_curve_follows_an_edit_of_its_region(make_napari_viewer, qtbot, tmp_path):
    """The Spectrum dock's region curve stayed after its Labels region was painted on, as the
    spectrum of a region that had changed (and was exported so): the curve goes with a
    sentence, once the region's pixels change, not on a stroke that leaves them as they were."""
    from xrf_napari.widgets.spectrum import REGION_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)  # the survey
    labels = np.zeros((H, W), np.int32)
    labels[:4, :4] = 1
    region = viewer.add_labels(labels, name="drawn")
    dock.region_combo.set_layer(region)
    region.selected_label = 1
    region.brush_size = 1
    assert dock.region_spectrum() is not None
    wait_idle(qtbot, dock.job)
    assert REGION_CURVE in dock.curves
    region.paint((1, 1), 1, refresh=True)  # inside the region, with its own label: no change
    assert REGION_CURVE in dock.curves
    region.paint((10, 10), 1, refresh=True)  # a stroke that grows the region
    assert REGION_CURVE not in dock.curves
    assert "\u201cdrawn\u201d was taken off the plot" in dock.job.status.text()


def test_region_curve_follows_a_moved_shape(make_napari_viewer, qtbot, tmp_path):
    """As a painted region's: a Shapes region's curve goes once its shape is moved."""
    from xrf_napari.widgets.spectrum import REGION_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)  # the survey
    box = np.array([[0, 0], [0, 5], [5, 5], [5, 0]], float)
    shapes = viewer.add_shapes([box], shape_type="rectangle", name="box")
    dock.region_combo.set_layer(shapes)
    assert dock.region_spectrum() is not None
    wait_idle(qtbot, dock.job)
    assert REGION_CURVE in dock.curves
    shapes.data = [box + 8]
    assert REGION_CURVE not in dock.curves
    assert "\u201cbox\u201d was taken off the plot" in dock.job.status.text()
