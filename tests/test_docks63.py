"""Session 63, the docks: napari 0.9's camera without its deprecation warning, and the words of a
plot whose build failed after the image kept for the curves asked for was shown."""

from __future__ import annotations

import warnings

import pytest

pytest.importorskip("napari")

from _napari_helpers import in_memory_scans, quick_survey  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _spectrum_of(viewer, monkeypatch, qtbot):
    """A Spectrum dock showing one painted scan's mean (Pb suggested and ticked)."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    (a,) = in_memory_scans(viewer, (0,))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is a)
    qtbot.waitUntil(lambda: dock.plot_is_current() and "mean" in dock.curves, timeout=20000)
    return dock


def test_closing_a_dock_uses_no_deprecated_camera(make_napari_viewer, qtbot, monkeypatch):
    """A dock's closing disconnects its callbacks from the viewer's camera among others; it took
    `viewer.camera`, which napari 0.9 deprecates: a DeprecationWarning at every closing."""
    from xrf_napari.widgets._layers import disconnect_viewer_callbacks

    viewer = make_napari_viewer()
    dock = _spectrum_of(viewer, monkeypatch, qtbot)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        disconnect_viewer_callbacks(viewer, [dock])
    deprecated = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert deprecated == []


def test_a_kept_image_shown_before_its_build_failed_is_said_to_be_of_the_curves(
    make_napari_viewer, qtbot, monkeypatch
):
    """Back to curves drawn before, their kept image is shown at once and the figure is built
    behind it; when that build failed, the line said "the plot shows what it showed before"
    over the image of the curves asked for. It now says which image stays."""
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets import _plot

    viewer = make_napari_viewer()
    dock = _spectrum_of(viewer, monkeypatch, qtbot)
    first, ticked = dock.canvas.image(), dock.checked_elements()
    dock.set_checked_elements(["Fe"])
    qtbot.waitUntil(dock.plot_is_current, timeout=20000)
    assert dock.canvas.image() != first

    def broken(spec):
        raise ValueError("no room for the legend")

    monkeypatch.setattr(dock._plot, "render", broken)
    dock.set_checked_elements(ticked)  # the first curves again: their kept image
    qtbot.waitUntil(lambda: not dock.canvas._asked, timeout=20000)
    _plot._relay()[1].submit(lambda: None).result()  # the drawing thread has failed it
    QApplication.processEvents()
    said = dock.job.status.text()
    assert "no room for the legend" in said
    assert dock.canvas.image() == first  # the image of the curves asked for
    assert "the image drawn earlier for these curves" in said
    assert "what it showed before" not in said


def test_a_scans_maps_and_composite_are_labelled_y_x(make_napari_viewer):
    """napari conventions (issue 17, item 6): the scan's 2-D results (maps, composites, regions,
    recolourings) were added with napari's default axis labels "-2", "-1": with the scan's own
    layers closed, the viewer's axes read -2 and -1 where the sum image had said y and x."""
    import numpy as np

    from xrf_napari.widgets._layers import layer_cube, upsert_layer

    viewer = make_napari_viewer()
    (a,) = in_memory_scans(viewer, (0,))
    h, w = a.shape[:2]
    upsert_layer(viewer, "Fe Ka [scan0]", np.ones((h, w), np.float32), cube=a)
    upsert_layer(viewer, "RGB Fe [scan0]", np.ones((h, w, 3), np.float32), cube=a, rgb=True)
    upsert_layer(viewer, "regions [scan0]", np.ones((h, w), np.int32), "labels", cube=a)
    for layer in [ly for ly in viewer.layers if layer_cube(ly) is a]:
        viewer.layers.remove(layer)  # the scan's sum image and stack
    assert [tuple(ly.axis_labels) for ly in viewer.layers] == [("y", "x")] * 3
    assert tuple(viewer.dims.axis_labels) == ("y", "x")


def test_the_samples_true_colours_are_labelled_y_x():
    """The sample's true-colour layer, beside its sum image labelled (y, x), came with napari's
    default "-2", "-1" (File > Open Sample)."""
    from xrf_napari._sample_data import sample_layers

    (true_rgb,) = [m for _, m, _ in sample_layers("panel") if m["name"].endswith("true colours")]
    assert true_rgb["axis_labels"] == ("y", "x")
