"""Small leftovers (session 45): Save's CSV called painted regions "K-Means cluster"; the pooling
note's grammar and its 3 x 3 claim on a scan of one or two rows; the RGB composite's display range
guessed by napari on large arrays; a digest helper used only by a test."""

import pytest
from _napari_helpers import stand_in_embed_dock, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def _low_count_cube(h, w, per_pixel=1):
    import numpy as np

    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    counts = np.zeros((h, w, 512), np.uint16)
    counts[..., 200] = per_pixel
    return cube_from_array(counts, Calibration.canonical())


@pytest.mark.parametrize(
    ("h", "w", "shape"), [(1, 8, "1 x 3"), (2, 8, "2 x 3"), (8, 1, "3 x 1"), (5, 5, "3 x 3")]
)
def test_pooling_note_says_the_neighbourhood_a_thin_scan_pools(h, w, shape):
    """On a scan of one or two rows (or columns) the note claimed a 3 x 3 neighbourhood though
    pool3 repeats the edges (a 1-row scan pools 1 x 3); it said "1 counts per pixel"."""
    from xrf_napari.analysis import pooling

    pool, note = pooling.decide(_low_count_cube(h, w))
    assert pool
    assert note.startswith("1 count per pixel: ")
    assert f"each pixel's {shape} neighbourhood pooled before embedding" in note


def test_pooling_note_of_a_single_pixel_claims_no_neighbourhood():
    from xrf_napari.analysis import pooling

    note = pooling.decide(_low_count_cube(1, 1, per_pixel=40)).note
    assert note.startswith("40 counts per pixel: ")
    assert "neighbourhood" not in note and "nothing to pool" in note


def test_out_of_distribution_notes_say_1_count_per_pixel():
    from xrf_napari.analysis.ood import OODReport

    assert "(reconstruction mismatch 0.10, 1 count per pixel)" in OODReport(0.1, 1.2).message()
    assert "(reconstruction mismatch 0.10, 2 counts per pixel)" in OODReport(0.1, 2.0).message()


@pytest.fixture
def three_maps(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """An Elemental maps dock with three maps by a stand-in job: "Fe" all ones, "Pb" and "Cu"
    ramps that never reach zero (a composite with no black pixel)."""
    import numpy as np
    from _napari_helpers import stand_in_maps_dock

    def make_maps(h, w, symbols):
        ramp = np.arange(h * w, dtype=np.float32).reshape(h, w) + h * w
        return {"Fe": np.ones((h, w), np.float32), "Pb": ramp, "Cu": ramp[::-1].copy()}

    viewer = make_napari_viewer()
    widget = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, make_maps, ["Fe", "Pb", "Cu"])
    return viewer, widget


def test_rgb_composite_shows_its_0_to_1_values_as_they_are(three_maps):
    """The composite's values are 0..1, but its display range was napari's guess: the data's
    own range (here about 0.5..1, stretched), or above 10^7 values a central patch's, so the
    same composite looked different by size. Now it is (0, 1), also when the layer is reused."""
    import numpy as np

    _, widget = three_maps
    layer = widget.add_composite(["Fe", "Pb", "Cu"])
    assert float(np.asarray(layer.data).min()) > 0.4  # no black pixel: napari guessed > 0
    assert tuple(layer.contrast_limits) == (0.0, 1.0)
    layer.contrast_limits = (0.3, 0.6)
    again = widget.add_composite(["Fe", "Pb", "Cu"])
    assert again is layer and tuple(again.contrast_limits) == (0.0, 1.0)
