"""The docks as a conservator uses them (session 42, b): corrections painted on the clusters
layer outlive a new run of Embed & cluster."""

import numpy as np
from _napari_helpers import cluster_with_tiny_dve, open_cube, wait_idle, write_painted_cube


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
