"""Review of cf5f090 (session 42, e): the hidden "<clusters> (your edits)" layer a new run of
Embed & cluster keeps is the user's old regions, not the scan's clusters: the docks opened
afterwards must not take it for them."""

import pytest
from _napari_helpers import cluster_with_tiny_dve, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def test_closing_the_dock_between_a_first_runs_latent_and_clusters(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """6583a2e puts back the latent layer of a delivery dropped before its clusters step, but
    through the dock's viewer, which is None once the dock is closed: closing Embed & cluster
    (the title bar's x) as a first run added its layers left the new latent layer alone
    beside no clusters, with "AttributeError: 'NoneType' object has no attribute 'layers'"
    printed as an exception ignored in the generator. Now the latent it added is removed."""
    from _napari_helpers import tiny_embed_dock
    from qtpy.QtCore import QTimer

    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = tiny_embed_dock(viewer, tmp_path, 2)
    count = len(viewer.layers)
    real = embed_mod.upsert_layer
    errors = []

    def close_dock():
        try:
            viewer.window.remove_dock_widget(embed)
        except Exception as exc:  # noqa: BLE001 - what Qt's event loop would print and drop
            errors.append(exc)

    def closing(viewer_, name, data, *args, **kwargs):  # the user closes the dock meanwhile
        layer = real(viewer_, name, data, *args, **kwargs)
        if name.startswith("latent RGB"):
            QTimer.singleShot(0, close_dock)  # before the clusters step (a 10 ms timer)
        return layer

    monkeypatch.setattr(embed_mod, "upsert_layer", closing)
    assert embed.run() is not None
    qtbot.waitUntil(lambda: embed._closed and not embed.job.is_running, timeout=30000)
    assert errors == []
    assert [ly.name for ly in viewer.layers][count:] == []
    assert embed.latent_layer is None
