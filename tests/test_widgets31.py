"""Widget fixes of session 31 (session 29's left-open list): results of a scan whose datacube layer
was deleted are labelled with the scan's name, not with the "<name> sum" image left in the viewer;
a single spectrum's "Pixel under the mouse" box (and, since session 60, Region spectrum) is greyed
out with a reason."""

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def test_a_single_spectrum_greys_out_pixel_under_the_mouse(make_napari_viewer, qtbot, tmp_path):
    """On a 1 x 1 scan the box did nothing (its pixel is the mean curve) and said nothing; it is
    disabled with a tooltip saying why, and enabled again for a scan of many pixels. Region
    spectrum's tooltip said to draw a rectangle there (session 60: it says why it is off)."""
    from _napari_helpers import open_cube, painted_counts, wait_idle, write_painted_cube
    from test_widgets29 import _write_msa

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    open_cube(viewer, _write_msa(tmp_path / "spot.msa", painted_counts()[0][0, 0]))
    wait_idle(qtbot, widget.job)
    assert widget.current_cube().shape[:2] == (1, 1)
    assert not widget.follow_mouse.isEnabled()
    assert "single spectrum" in widget.follow_mouse.toolTip()
    # nor Region spectrum, whose tooltip asked to draw a rectangle on a scan of one pixel
    assert not widget.region_button.isEnabled()
    assert "single spectrum" in widget.region_button.toolTip(), widget.region_button.toolTip()
    open_cube(viewer, write_painted_cube(tmp_path / "s.h5"))
    widget.cube_combo.set_layer(next(ly for ly in viewer.layers if ly.name == "s"))
    assert widget.current_cube().shape[:2] != (1, 1)
    assert widget.follow_mouse.isEnabled() and widget.follow_mouse.toolTip() == ""
    assert widget.region_button.toolTip() == widget.NO_REGION_TIP
