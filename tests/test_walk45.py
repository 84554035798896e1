"""A conservator's walk through Embed & cluster (session 45): what its summary says of regions
partly erased."""

import numpy as np
from _napari_helpers import clustered_painted_scan


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
