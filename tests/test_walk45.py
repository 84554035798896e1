"""A conservator's walk through Embed & cluster and Recolour (session 45): what Embed's summary
says of regions partly erased, a K as large as the scan's pixels or larger, and where Recolour
puts colours run while another scan was chosen."""

import numpy as np
import pytest
from _napari_helpers import (
    clustered_painted_scan,
    open_cube,
    painted_counts,
    tiny_embed_dock,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
)
from _spectra import CANONICAL_CAL


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_area_per_region_is_a_share_of_the_scan_and_erased_pixels_are_said(
    make_napari_viewer, qtbot, tmp_path
):
    """Half the clusters layer erased (label 0), then Save: the summary's "Area per region" was
    each region's share of the pixels left in a region (two regions of a quarter of the scan
    each read "1: 50%, 2: 50%"), and nothing said that half the scan was in no region. Now the
    shares are of the scan, and a line says how much of it is in no region."""
    viewer = make_napari_viewer()
    embed, _, layer = clustered_painted_scan(viewer, qtbot, tmp_path, k=2)
    run_said = embed.summary.text()
    assert "in no region" not in run_said  # a run labels every pixel
    h, w = layer.data.shape
    labels = np.zeros((h, w), np.int32)
    labels[: h // 4] = 1  # a quarter of the scan each, half of it erased
    labels[h // 4 : h // 2] = 2
    layer.data = labels
    embed.save(tmp_path / "edited.png")
    said = embed.summary.text()
    assert said.startswith("2 regions, as edited on the layer"), said
    assert "Area per region: 1: 25%, 2: 25%" in said, said
    assert said.endswith("50% of the scan is in no region."), said

    labels = np.zeros((h, w), np.int32)  # one region, and a single pixel left out of it
    labels[:, :] = 1
    labels[0, 0] = 0
    layer.data = labels
    embed.save(tmp_path / "edited.png")
    said = embed.summary.text()
    assert said.startswith("1 region, as edited on the layer"), said
    assert said.endswith("under 1% of the scan is in no region."), said


def test_as_many_regions_as_pixels_are_made_without_a_silhouette():
    """K = 20 on a 20-pixel scan is allowed ("ask for at most 20"), but failed once fitted with
    scikit-learn's words: "Number of labels is 20. Valid values are 2 to n_samples - 1
    (inclusive)" (the silhouette is defined for 2 to n - 1 regions). Now the regions are made,
    with no silhouette, as for a scan of one region."""
    from xrf_napari.analysis.embed import cluster

    latent = np.random.default_rng(0).normal(size=(4, 5, 3)).astype(np.float32)
    result = cluster(latent, k=20)
    assert result.k == 20 and result.silhouette is None
    assert sorted(np.unique(result.labels)) == list(range(1, 21))
    assert cluster(latent, k=19).silhouette is not None  # 19 of 20: still scored


def test_a_k_above_the_scans_pixels_is_refused_before_the_model_loads(
    make_napari_viewer, tmp_path, monkeypatch
):
    """K = 21 on a 4 x 5 px scan (20 pixels: not a spot scan, whose refusal comes first): the
    dock loaded the model, embedded the scan and only then failed ("Failed: cannot make 21
    regions from 20 pixels ..."). Now Run refuses at once in those words, starting no job."""
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets import embed as embed_mod

    viewer = make_napari_viewer()
    counts = painted_counts()[0][::6, ::4][:4, :5]
    open_cube(viewer, write_cube(tmp_path / "small.h5", counts, CANONICAL_CAL))
    embed = tiny_embed_dock(viewer, tmp_path, k=21)
    started = []
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", lambda *a: started.append(a) or (yield))
    assert embed.run() is None
    said = embed.job.status.text()
    assert said == (
        "Embed & cluster: cannot make 21 regions from 20 pixels: ask for at most 20, or let K "
        "be chosen"
    ), said
    assert not embed.job.is_running and not started


def test_recolour_places_its_colours_as_show_said_at_run(make_napari_viewer, qtbot, tmp_path):
    """Run on scan a with Show at "Beside the scan", then scan b chosen while it ran, b's colours
    over b: Show follows the chosen scan's colours ("Over the scan"), and a's colours, placed
    by the box as they came, landed over a. Now Show is read at Run, as the outline box is:
    a's colours are beside a, and Show says so when a is chosen again."""
    from xrf_napari.widgets._layers import side_by_side_translate

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    a, b = viewer.layers["a sum"], viewer.layers["b sum"]
    dock = tiny_recolour_dock(viewer, tmp_path)
    dock.cube_combo.set_layer(b)
    dock.placement.setCurrentIndex(1)  # Over the scan
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    dock.cube_combo.set_layer(a)
    dock.placement.setCurrentIndex(0)  # Beside the scan, for a's run
    assert dock.run() is not None
    dock.cube_combo.set_layer(b)  # while it runs
    assert dock.placement.currentIndex() == 1  # b's colours are over b
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    colours = viewer.layers["recoloured [a]"]
    assert tuple(colours.translate[-2:]) == side_by_side_translate(a, 20)
    assert tuple(viewer.layers["recoloured [b]"].translate[-2:]) == (0.0, 0.0)  # b's untouched
    dock.cube_combo.set_layer(a)
    assert dock.placement.currentText() == "Beside the scan"
