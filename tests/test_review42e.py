"""Review of cf5f090 (session 42, e): the hidden "<clusters> (your edits)" layer a new run of
Embed & cluster keeps is the user's old regions, not the scan's clusters: the docks opened
afterwards must not take it for them."""

from _napari_helpers import cluster_with_tiny_dve, open_cube, wait_idle, write_painted_cube


def _painted_and_run_again(viewer, qtbot, tmp_path):
    """A scan clustered and a region painted on its clusters layer: (embed dock, clusters)."""
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    clusters = embed.labels_layer
    clusters.paint((3, 4), 7, refresh=True)
    return embed, clusters


def _run(embed, qtbot):
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error


def _kept(viewer, clusters):
    kept = [ly for ly in viewer.layers if ly.name.startswith(f"{clusters.name} (your edits)")]
    assert len(kept) == 1, [ly.name for ly in viewer.layers]
    return kept[0]


def test_docks_opened_after_a_rerun_take_the_clusters_not_the_kept_edits(
    make_napari_viewer, qtbot, tmp_path
):
    """The kept copy went just below the clusters layer, so it came first in the layer list: a
    Pigments or Spectrum dock opened after the run (the scan's image selected) chose the hidden
    old edits as the scan's regions, while the status line said the clusters layer shows the new
    ones. The copy now goes just above it, where napari's Duplicate Layer puts one."""
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    embed, clusters = _painted_and_run_again(viewer, qtbot, tmp_path)
    viewer.layers.selection.active = viewer.layers[f"{embed.current_cube().name} sum"]
    embed.k_spin.setValue(3)
    _run(embed, qtbot)
    kept = _kept(viewer, clusters)
    assert PigmentsWidget(viewer).labels_combo.current_layer() is clusters
    assert SpectrumWidget(viewer).region_combo.current_layer() is clusters
    assert viewer.layers.index(kept) == viewer.layers.index(clusters) + 1


def test_the_kept_edits_are_not_left_selected(make_napari_viewer, qtbot, tmp_path):
    """napari selects a layer inserted, and the dock put the user's selection back only when
    one layer was selected: with none (or several) selected, the hidden copy was left the
    selected layer (the layer controls showed it; a Pigments dock opened then took it as the
    scan's regions). The selection now stays as it was."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    embed, clusters = _painted_and_run_again(viewer, qtbot, tmp_path)
    viewer.layers.selection.clear()
    embed.k_spin.setValue(3)
    _run(embed, qtbot)
    kept = _kept(viewer, clusters)
    assert kept not in viewer.layers.selection
    assert PigmentsWidget(viewer).labels_combo.current_layer() is clusters
    assert len(viewer.layers.selection) == 0

    both = {clusters, viewer.layers[f"{embed.current_cube().name} sum"]}
    viewer.layers.selection.update(both)
    clusters.paint((5, 5), 8, refresh=True)
    embed.k_spin.setValue(2)
    _run(embed, qtbot)
    assert set(viewer.layers.selection) == both
