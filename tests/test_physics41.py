"""Physics/generator audit of session 41: colour clustering of images with few distinct colours.

Both generators cluster the source image before any physics: the physics generator in CIELAB with
K in 4..16 (`synth.regions.cluster_regions`), the paper-style one in RGB with K in 8..12
(`synth.paper_style.cluster_rgb`). An image with fewer distinct colours than the smallest K (a flat
graphic, a hand-made test image) left the K loop without a single fit, and the whole image became
one region of its mean colour: a three-colour image came out as one brown region, and its palette
target and every spectrum of the cube with it.
"""

from __future__ import annotations

import numpy as np
import pytest

RED, YELLOW, BLUE = (0.8, 0.1, 0.1), (0.9, 0.8, 0.2), (0.1, 0.3, 0.6)


def _flat_image(colours, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """(rgb float (size, size, 3), truth labels): vertical stripes, one per colour."""
    truth = np.minimum(np.arange(size) * len(colours) // size, len(colours) - 1)
    truth = np.broadcast_to(truth[None, :], (size, size))
    return np.asarray(colours, dtype=float)[truth], truth


def _same_partition(labels: np.ndarray, truth: np.ndarray) -> bool:
    pairs = set(zip(labels.ravel().tolist(), truth.ravel().tolist()))
    return len(pairs) == len(np.unique(labels)) == len(np.unique(truth))


def test_physics_regions_of_a_three_colour_image_are_its_three_colours():
    from xrf_napari.synth.regions import cluster_regions

    img, truth = _flat_image([RED, YELLOW, BLUE])
    regions = cluster_regions(img, np.random.default_rng(0))
    assert regions.k == 3  # was 1: the mean colour (0.62, 0.40, 0.29) everywhere
    assert _same_partition(regions.labels, truth)
    got = sorted(map(tuple, np.round(regions.palette, 6)))
    assert got == sorted([RED, YELLOW, BLUE])


@pytest.mark.parametrize("n_colours", [2, 5])
def test_paper_style_clusters_of_an_image_with_few_colours_are_its_colours(n_colours):
    from xrf_napari.synth.paper_style import cluster_rgb

    colours = [RED, YELLOW, BLUE, (0.2, 0.6, 0.2), (0.95, 0.95, 0.9)][:n_colours]
    img, truth = _flat_image(colours, size=40)
    labels, palette, scores = cluster_rgb(img, np.random.default_rng(1))
    assert len(palette) == n_colours  # was 1 cluster of the mean colour
    assert _same_partition(labels, truth)
    assert sorted(map(tuple, np.round(palette, 6))) == sorted(colours)
    assert max(scores) <= n_colours


def test_a_flat_image_is_still_one_region():
    from xrf_napari.synth.paper_style import cluster_rgb
    from xrf_napari.synth.regions import cluster_regions

    img = np.full((16, 16, 3), 0.4)
    assert cluster_regions(img, np.random.default_rng(0)).k == 1
    assert len(cluster_rgb(img, np.random.default_rng(0))[1]) == 1


def test_paper_style_pigment_spectra_follow_the_pigment_table_in_use():
    """`generate --style paper --pigment-table reference` with one worker runs in the calling
    process; the spectra cache ignored the table, so after a main-table set the reference set
    mixed the main table's spectra (its lead white holds Ag and Cu, the reference one does not)."""
    from xrf_napari.physics.pigments import use_table
    from xrf_napari.synth import paper_style as ps

    names = [p.name for p in ps.database_pigments()]
    main = ps.pigment_spectra()
    with use_table("reference"):
        assert [p.name for p in ps.database_pigments()] == names
        ref = ps.pigment_spectra()
    assert ps.pigment_spectra() is main  # cached per table
    white = names.index("Lead white")
    assert not np.allclose(ref[white], main[white], rtol=1e-3, atol=0)  # was the same array
    # a pigment of one formula and density in both tables keeps its spectrum
    same = names.index("Vermilion")
    np.testing.assert_allclose(ref[same], main[same], rtol=1e-12)


def test_a_three_pixel_image_of_three_colours_clusters_without_an_error():
    """Three pixels of three colours: K = 3 leaves no silhouette (it needs K <= pixels - 1); the
    range stops at 2 instead of raising sklearn's 'Number of labels is 3' from the generator."""
    from xrf_napari.synth.paper_style import cluster_rgb
    from xrf_napari.synth.regions import cluster_regions

    img = np.array([[RED, YELLOW, BLUE]])
    assert cluster_regions(img, np.random.default_rng(0), min_area_px=1).k == 2
    assert len(cluster_rgb(img, np.random.default_rng(0))[1]) == 2
