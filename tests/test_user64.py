"""What a conservator meets following docs/user_guide.md in a real napari (session 64): the
docks on the bundled samples, the real files, scans closed and switched, saves and Cancel."""

import pytest
from _napari_helpers import in_memory_scans


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


class _Scan:
    """A scan's shape, all RegionsCombo reads of it (weakly referable, as a Cube is)."""

    def __init__(self, shape):
        self.shape = shape


def test_a_second_spot_spectrum_is_not_shown_another_scans_regions(make_napari_viewer, qtbot):
    """The real M6 .spx fitted in Pigments leaves "whole scan [spx]"; the PyMca .mca opened next
    showed "whole scan [spx]  (another scan's regions)" as its chosen Regions (and an image
    scan's clusters, "(128x128: not the scan's size)"), while Find pigments fitted the .mca
    whole all the same, as the user guide says a spot spectrum is: the box says no regions are
    needed and lists only Labels layers of that spectrum."""
    import numpy as np

    from xrf_napari.widgets._layers import upsert_layer
    from xrf_napari.widgets.pigments import RegionsCombo

    viewer = make_napari_viewer()
    first, painting = _Scan((1, 1, 4096)), _Scan((8, 9, 64))
    upsert_layer(viewer, "whole scan [spx]", np.ones((1, 1), np.int32), kind="labels", cube=first)
    upsert_layer(viewer, "clusters [p]", np.ones((8, 9), np.int32), kind="labels", cube=painting)
    mca = _Scan((1, 1, 4096))
    chosen = [mca]
    combo = RegionsCombo(viewer, lambda: chosen[0])
    qtbot.addWidget(combo)
    assert combo.current_layer() is None
    assert [combo.itemText(i) for i in range(combo.count())] == [RegionsCombo.WHOLE_SCAN]
    chosen[0] = first  # the .spx chosen again: its own whole-scan region is offered and chosen
    combo.refresh()
    assert combo.current_layer() is viewer.layers["whole scan [spx]"]
    chosen[0] = painting  # an image scan still lists the others, marked why
    combo.refresh()
    assert combo.current_layer() is viewer.layers["clusters [p]"]
    assert combo.count() == 2


def test_find_pigments_tooltip_names_the_scan_as_renamed(make_napari_viewer):
    """The real APS scan's layer renamed (the user guide's renamed-scan workflow): every dock's
    Datacube box and lines took the new name, but Find pigments' tooltip kept "Needs regions of
    aps_xrfmaps_2xfm_0011" until another scan was chosen."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    in_memory_scans(viewer, [0])  # a file's read spent 3 of the test's 3.2 s in its checks
    layer = viewer.layers["scan0"]
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert "Needs regions of scan0:" in widget.job.run_button.toolTip()
    layer.name = "NG6461 left"
    assert "Needs regions of NG6461 left:" in widget.job.run_button.toolTip()
    assert not widget.job.run_button.isEnabled()


def test_a_read_only_folder_is_refused_with_what_to_do(tmp_path, monkeypatch):
    """Saving from a dock into a folder the user may not write (a read-only share) said only
    "Save: cannot write /share/recoloured.png: folder /share is not writable", where a folder
    that refuses new files (/sys) is told "...; choose another output folder": both say it.
    Simulated (tests run as root), as test_io41 does."""
    import os

    from xrf_napari.fileutil import OutputError, check_outputs

    shut = tmp_path / "share"
    shut.mkdir()
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **k: os.fspath(p) != str(shut) and access(p, m))
    with pytest.raises(OutputError) as err:
        check_outputs(files=[str(shut / "recoloured.png")], inputs=[])
    assert str(err.value).endswith(f"folder {shut} is not writable; choose another output folder")
