"""The docks, session 49 (second pass): what a result's layers said stays no longer than the
layers do. Recolour's notes stayed under colours deleted, Elemental maps' status line said
"4 map(s) added" over no map; Run stayed on over a scan the dock refuses as it is chosen."""

from __future__ import annotations

import pytest
from _napari_helpers import (
    cluster_with_tiny_dve,
    cu_tube_scan,
    open_cube,
    recoloured_cu_scan,
    tiny_embed_dock,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
    write_spot,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _shown(label) -> str:
    return label.text() if label.isVisibleTo(label.parentWidget()) else ""


def test_recolour_notes_go_with_the_colours_layer(make_napari_viewer, qtbot, tmp_path):
    """Deleting the colours layer turned Save and the outline box off, but the training-data
    line and the note on where the colour is a guess stayed, describing colours shown nowhere.
    They go with the layer, as Save does."""
    viewer = make_napari_viewer()
    dock = recoloured_cu_scan(viewer, qtbot, tmp_path)
    assert _shown(dock.ambiguity_label) and _shown(dock.ood_label)
    viewer.layers.remove(dock.result_layer)
    assert not dock.save_button.isEnabled()
    assert _shown(dock.ambiguity_label) == "", dock.ambiguity_label.text()
    assert _shown(dock.ood_label) == "", dock.ood_label.text()


def test_embed_training_data_line_goes_with_the_clusters_layer(make_napari_viewer, qtbot, tmp_path):
    """Embed & cluster's training-data line stayed once its clusters layer was deleted (its
    Save already went off): it goes with the layer too."""
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    assert _shown(embed.ood_label)
    viewer.layers.remove(embed.labels_layer)
    assert not embed.save_button.isEnabled()
    assert _shown(embed.ood_label) == "", embed.ood_label.text()


def test_maps_status_and_notes_go_once_every_map_is_deleted(make_napari_viewer, qtbot, tmp_path):
    """Elemental maps' status line still said "3 map(s) added" after every map layer was
    deleted, and kept saying it on coming back to the scan; its notes stayed too. Deleting
    one map keeps both (the others are still there)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    (_, a_sum) = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    (_, b_sum) = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.cube_combo.set_layer(a_sum)
    wait_idle(qtbot, dock.job)
    dock.set_checked_elements(["Pb", "As", "Hg"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    said = dock.job.status.text()
    assert "3 map(s) added" in said, said
    notes = _shown(dock.notes_label)
    assert "coincides with" in notes, notes  # Pb L-alpha on As K-alpha
    maps = list(dock.live_maps().values())
    viewer.layers.remove(maps[0])
    assert dock.job.status.text() == said
    assert _shown(dock.notes_label) == notes
    for layer in maps[1:]:
        viewer.layers.remove(layer)
    assert "map(s) added" not in dock.job.status.text(), dock.job.status.text()
    assert _shown(dock.notes_label) == ""
    dock.cube_combo.set_layer(b_sum)
    dock.cube_combo.set_layer(a_sum)
    assert "map(s) added" not in dock.job.status.text(), dock.job.status.text()


def test_run_is_off_on_a_scan_the_dock_refuses(make_napari_viewer, qtbot, tmp_path):
    """On a single spectrum Recolour's and Embed & cluster's status lines said the refusal as
    the scan was chosen, but Run stayed on and a click only said it again. Run is now off there,
    its tooltip saying why, and on again on a scan it can work on; a job ending on another scan
    while the refused one is chosen leaves it off."""
    viewer = make_napari_viewer()
    (_, painted) = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    (_, spot) = open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    recolour = tiny_recolour_dock(viewer, tmp_path)
    embed = tiny_embed_dock(viewer, tmp_path, k=2)
    for dock in (recolour, embed):
        dock.cube_combo.set_layer(spot)
        button = dock.job.run_button
        assert not button.isEnabled()
        assert button.toolTip() == dock.job.status.text() != "", dock.job.status.text()
        dock.cube_combo.set_layer(painted)
        assert button.isEnabled() and button.toolTip() == ""
    assert embed.run() is not None
    embed.cube_combo.set_layer(spot)
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    assert not embed.job.run_button.isEnabled()
    embed.cube_combo.set_layer(painted)
    assert embed.job.run_button.isEnabled()
