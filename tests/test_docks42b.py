"""The docks as a conservator uses them (session 42, b): corrections painted on the clusters
layer outlive a new run of Embed & cluster."""

import numpy as np
import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    cluster_with_tiny_dve,
    next_run_gives_another_latent,
    open_cube,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_new_run_keeps_the_regions_painted_on_the_clusters_layer(
    make_napari_viewer, qtbot, tmp_path
):
    """Regions painted on the clusters layer, then Run again with another K: the run overwrote
    the layer without a word, beyond napari's undo. Now the painted regions stay in a hidden
    layer "<clusters> (your edits)" (a plain Labels layer napari saves, offered as the scan's
    regions), the status line says so, and the clusters layer itself holds the new regions,
    which Save, Pigments and the Spectrum panel use. A run after no painting keeps nothing."""
    import napari

    from xrf_napari.widgets._layers import find_result, labels_for, layer_type

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    clusters = embed.labels_layer
    name = clusters.name
    cube = embed.current_cube()
    clusters.paint((3, 4), 7, refresh=True)  # the brush: a new region 7 around (3, 4)
    painted = np.array(clusters.data, copy=True)
    assert (painted == 7).any()

    embed.k_spin.setValue(3)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error

    kept = [ly for ly in viewer.layers if ly.name == f"{name} (your edits)"]
    assert len(kept) == 1, [ly.name for ly in viewer.layers]
    kept = kept[0]
    np.testing.assert_array_equal(kept.data, painted)
    assert layer_type(kept) == "Labels" and not kept.visible
    assert "(your edits)" in embed.job.status.text()
    # the clusters layer holds the new run's regions, and is the one the docks act on
    assert find_result(viewer, cube, name) is clusters and embed.labels_layer is clusters
    assert not (np.asarray(clusters.data) == 7).any()
    assert embed.edited_labels() is None  # Save writes the new regions, not the kept ones
    assert labels_for(kept, cube) and labels_for(clusters, cube)
    saved = napari.save_layers(str(tmp_path / "edits.tif"), [kept])
    assert saved
    from tifffile import imread

    np.testing.assert_array_equal(imread(saved[0]), painted)

    # nothing painted since: a run replaces the regions, keeping no other layer
    count = len(viewer.layers)
    embed.k_spin.setValue(2)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert len(viewer.layers) == count
    assert embed.job.status.text() == "Done."


@pytest.mark.parametrize("which", ["maps", "pigments"])
def test_composite_and_suggestions_are_off_while_the_scan_is_run_again(
    make_napari_viewer, qtbot, tmp_path, which
):
    """Elemental maps' Add composite and Pigments' Paint the photograph's suggestions stayed
    enabled while Make maps / Find pigments computed the scan's new result: a composite mixed
    maps being replaced, suggestions were painted on a fit about to be replaced. Off as the
    save buttons are (CubeDock.result_busy), on again once the job stops."""
    import threading

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = (ElementMapsWidget if which == "maps" else PigmentsWidget)(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)  # Maps surveys the scan first
    if which == "pigments":  # a fit shown whose photograph suggests a partner
        button = dock.suggested_button
        dock.result, dock._suggests = object(), True
        button.setEnabled(True)  # as show_result leaves it
    else:  # maps to composite (the button is off without)
        button = dock.rgb_button
        dock.set_checked_elements(["Pb", "Fe", "Hg"])
        assert dock.run() is not None
        wait_idle(qtbot, dock.job)
        assert button.isEnabled()
    gate = threading.Event()

    def held(*_args):
        while not gate.wait(0.01):
            yield 0, 1

    try:
        assert dock.start_job(held, cube=dock.current_cube(), on_result=lambda v: v)
        assert not button.isEnabled()
    finally:
        dock.job.cancel()
        gate.set()
    wait_idle(qtbot, dock.job, 5000)
    assert button.isEnabled()


def test_a_scan_closed_between_its_latent_and_clusters_keeps_its_layers_a_pair(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Closing a scan while Embed & cluster added its layers (one per turn of the event loop)
    dropped the result after the latent step: the new latent layer stood beside the previous
    run's clusters (or alone, on a first run). Now the dropped result's latent is put back."""
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    cube = embed.current_cube()
    latent, clusters = embed.latent_layer, embed.labels_layer
    old_rgb, old_meta = np.array(latent.data, copy=True), latent.metadata["xrf_latent"]
    close_scan_when_layer_arrives(monkeypatch, embed_mod, viewer, cube, "latent RGB")
    next_run_gives_another_latent(monkeypatch, embed_mod)
    embed.k_spin.setValue(3)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == (
        "The scan a.h5 was closed; its result was dropped and the latent RGB and clusters "
        "layers were put back as they were before this run."
    )
    assert latent in viewer.layers and clusters in viewer.layers
    np.testing.assert_array_equal(latent.data, old_rgb)
    assert latent.metadata["xrf_latent"] is old_meta
