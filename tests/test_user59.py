"""What a conservator meets on first use (session 59): the README's demo, the user guide's docks
in its order on the bundled samples and the real files."""

from types import SimpleNamespace

import pytest
from _napari_helpers import open_cube, wait_idle, write_spot


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_spot_spectrum_regions_box_says_none_are_needed(qtbot):
    """On the real Bruker M6 .spx the Pigments panel's Regions box read "(draw or cluster regions
    first)" while Find pigments was on and fitted the spot whole (Embed & cluster refuses a
    single spectrum, and nothing can be drawn on one pixel): the box says no regions are needed;
    an image scan's still asks for them."""
    from napari.components import ViewerModel

    from xrf_napari.widgets.pigments import RegionsCombo

    cube = SimpleNamespace(shape=(1, 1, 4096))
    combo = RegionsCombo(ViewerModel(), lambda: cube)
    qtbot.addWidget(combo)
    assert "draw or cluster" not in combo.currentText()
    assert combo.currentText() == "(none needed: the whole scan is one region)"
    cube.shape = (96, 128, 512)  # another scan chosen: the Datacube box refreshes the list
    combo.refresh()
    assert combo.currentText() == "(draw or cluster regions first)"


def test_add_composite_is_off_on_a_single_spectrum(make_napari_viewer, qtbot, tmp_path):
    """On the real M6 .spx, Make maps said "a single spectrum (1 x 1 px): there is no image to
    map", yet Add composite stayed on and added "RGB Ca/P/As": one pixel, each map scaled to its
    own brightest, so white, filling the canvas. It is off there, its tooltip saying why; Save
    maps (the lines' net counts) stays on. The spot's maps are shown as Make maps shows them
    (show_result), without its survey and line fits."""
    import numpy as np

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.job.cancel_button.click()  # the spot's survey is not what is tested
    wait_idle(qtbot, widget.job)
    maps = {s: viewer.add_image(np.ones((1, 1), np.float32), name=f"{s} [spot]") for s in "AB"}
    widget.show_result((maps, "", [], None))
    assert widget.save_button.isEnabled()
    assert not widget.rgb_button.isEnabled()
    assert "single spectrum" in widget.rgb_button.toolTip()
