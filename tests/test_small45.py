"""Small leftovers (session 45): Save's CSV called painted regions "K-Means cluster"; the pooling
note's grammar and its 3 x 3 claim on a scan of one or two rows; the RGB composite's display range
guessed by napari on large arrays; a digest helper used only by a test."""

import pytest
from _napari_helpers import stand_in_embed_dock, wait_idle


@pytest.fixture
def embedded(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """An Embed & cluster dock after a run of a stand-in job (two bands, no model)."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job, 10000)
    assert embed.job.last_error is None, embed.job.last_error
    return viewer, embed


def _first_comment(csv):
    return csv.read_text(encoding="utf-8").splitlines()[0]


def test_saved_csv_of_painted_regions_does_not_call_them_k_means_clusters(embedded, tmp_path):
    """The CSV's header said "K-Means cluster" for regions the user painted on the layer; now it
    says they were edited on the layer. A plain run's header is as it was."""
    _, embed = embedded
    _, plain = embed.save(tmp_path / "plain.png")
    assert "each region (K-Means cluster) of" in _first_comment(plain)
    embed.labels_layer.paint((3, 4), 2, refresh=True)
    _, edited = embed.save(tmp_path / "edited.png")
    head = _first_comment(edited)
    assert "K-Means" not in head
    assert "each region (edited on the layer) of" in head
