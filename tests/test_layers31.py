"""Results of a scan whose datacube layer was deleted are labelled with the scan's name, not with
the name of the "<name> sum" image left in the viewer (session 29's left-open list)."""

import pytest

pytest.importorskip("napari")


def test_results_of_a_scan_without_its_cube_layer_keep_the_scan_name(make_napari_viewer):
    import xrf_napari._sample_data as samples
    from xrf_napari.widgets._layers import cube_display_name, layer_cube

    if not (samples.SAMPLE_DIR / "panel.h5").is_file():
        pytest.skip("panel.h5 not shipped in this checkout")
    viewer = make_napari_viewer()
    viewer.open_sample("xrf-napari", "panel")
    cube_layer = next(ly for ly in viewer.layers if layer_cube(ly) is not None and ly.ndim == 3)
    sum_layer = next(ly for ly in viewer.layers if ly.metadata.get("kind") == "sum")
    assert cube_display_name(viewer, sum_layer) == cube_layer.name == "panel"
    viewer.layers.remove(cube_layer)
    assert cube_display_name(viewer, sum_layer) == "panel"
