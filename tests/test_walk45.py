"""A conservator's walk through Embed & cluster (session 45): what its summary says of regions
partly erased, and a K as large as the scan's pixels or larger."""

import numpy as np
from _napari_helpers import (
    clustered_painted_scan,
    open_cube,
    painted_counts,
    tiny_embed_dock,
)
from _spectra import CANONICAL_CAL


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
