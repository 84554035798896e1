"""Embed & cluster (session 45): Save stayed on once the clusters layer was deleted and saved the
run's regions, shown nowhere (Recolour's Save had the same fault, fixed by d942f9a: both now go
through CubeDock's follow_busy on a layer's removal and deleted_layer_refusal); and the status
line still named the "(your edits)" copy of painted regions after the user deleted it."""

import pytest
from _napari_helpers import open_cube, stand_in_embed_dock, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def embedded(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """An Embed & cluster dock after a run of a stand-in job (two bands, no model)."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    _run(embed, qtbot)
    return viewer, embed


def _run(embed, qtbot):
    assert embed.run() is not None
    wait_idle(qtbot, embed.job, 10000)
    assert embed.job.last_error is None, embed.job.last_error


def test_save_is_off_once_the_clusters_layer_is_deleted_and_back_after_a_run(
    embedded, qtbot, tmp_path
):
    """Save stayed on with the clusters layer deleted and wrote the run's regions. Now it is
    off, save() (a script's) refuses naming the layer and writes nothing; a new run turns it on."""
    viewer, embed = embedded
    assert embed.save_button.isEnabled()
    name = embed.labels_layer.name
    viewer.layers.remove(embed.labels_layer)
    assert not embed.save_button.isEnabled()
    with pytest.raises(ValueError) as refused:
        embed.save(tmp_path / "clusters.png")
    assert str(refused.value) == (
        f"the layer \u201c{name}\u201d of these regions was deleted: run Embed & cluster again "
        "to save new ones"
    )
    assert not list(tmp_path.glob("clusters*"))
    _run(embed, qtbot)
    assert embed.save_button.isEnabled()
    png, csv = embed.save(tmp_path / "clusters.png")
    assert png.is_file() and csv.is_file()


def test_the_line_stops_naming_a_deleted_your_edits_copy(embedded, qtbot, tmp_path):
    """A run over painted regions keeps them in a hidden "(your edits)" copy and says so; once
    the user deleted that copy, the line (and the line kept for the scan while another is
    shown) still named it."""
    viewer, embed = embedded

    def run_over_a_stroke():
        embed.labels_layer.paint((3, 4), 2, refresh=True)
        _run(embed, qtbot)
        (kept,) = [ly for ly in viewer.layers if "(your edits)" in ly.name]
        assert kept.name in embed.job.status.text()
        return kept

    viewer.layers.remove(run_over_a_stroke())
    assert embed.job.status.text() == "Done."
    assert embed.save_button.isEnabled()  # the clusters layer is still there
    scan = embed.current_layer()
    kept = run_over_a_stroke()
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5"))  # chosen: a's line is kept
    assert embed.current_layer() is not scan
    viewer.layers.remove(kept)
    embed.cube_combo.set_layer(scan)
    assert embed.job.status.text() == "Done."


def test_embed_and_recolour_say_a_scans_size_in_the_same_words(make_napari_viewer, tmp_path):
    """Of the same single spectrum Embed & cluster said "(1 × 1 px)", Recolour "(1 x 1 px)":
    both now say it with cube.pixels_text."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    counts, _ = painted_counts()
    write_cube(tmp_path / "spot.h5", counts[:1, :1], CANONICAL_CAL, metadata={"name": "spot"})
    viewer = make_napari_viewer()
    open_cube(viewer, tmp_path / "spot.h5")
    for dock in (EmbedClusterWidget(viewer), RecolourWidget(viewer)):
        viewer.window.add_dock_widget(dock)
        assert dock.run() is None
        assert "spot is a single spectrum (1 x 1 px)" in dock.job.status.text()
    from xrf_napari.cube import pixels_text

    assert pixels_text((1, 1, 512)) == "1 x 1 px"
