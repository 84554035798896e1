"""What a conservator meets on first use (session 59): the README's demo, the user guide's docks
in its order on the bundled samples and the real files."""

from types import SimpleNamespace


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
