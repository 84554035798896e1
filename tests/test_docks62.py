"""Session 62's dock fixes: the status line of a job on another scan follows that scan's rename;
Spectrum's plot says a failed draw, and lets go of the images of closed scans and old sizes; a
Recolour layer napari saved as TIFF, given as the photograph, is said to be one."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")

from _napari_helpers import in_memory_scans, quick_survey  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_job_on_another_scan_is_named_anew_when_its_layer_is_renamed(
    make_napari_viewer, qtbot, monkeypatch
):
    """Make maps running on scan0 while scan1 was shown: the line said "On scan0: Integrating
    line windows..."; scan0's datacube layer renamed "left wing" in the layer list, the line
    went on saying "On scan0", a name no layer had. It names the scan as renamed."""
    from _napari_helpers import held_maps_dock_on_two_scans, wait_idle
    from qtpy.QtWidgets import QLabel

    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    dock, gate, a, b = held_maps_dock_on_two_scans(viewer, monkeypatch)

    def layer_of(cube):
        return next(ly for ly in viewer.layers if layer_cube(ly) is cube and ly.ndim == 3)

    viewer.layers.selection.active = layer_of(a)
    wait_idle(qtbot, dock.job)
    try:
        assert dock.run() is not None
        viewer.layers.selection.active = layer_of(b)
        line = dock.job.status
        assert QLabel.text(line) == "On scan0: Integrating line windows\u2026"
        layer_of(a).name = "left wing"
        assert QLabel.text(line) == "On left wing: Integrating line windows\u2026"
        layer_of(b).name = "right wing"  # the shown scan's rename leaves the job's name
        assert QLabel.text(line) == "On left wing: Integrating line windows\u2026"
    finally:
        gate.set()
    wait_idle(qtbot, dock.job)


def _shown(viewer, qtbot, dock, cube):
    """`cube`'s sum image selected in the layer list, once Spectrum's plot shows its mean."""
    from xrf_napari.widgets._layers import layer_cube

    viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is cube)
    qtbot.waitUntil(lambda: dock.plot_is_current() and "mean" in dock.curves, timeout=20000)


def test_a_plot_that_cannot_be_drawn_is_said_on_the_status_line_and_in_a_notification(
    make_napari_viewer, qtbot, monkeypatch
):
    """A figure whose build failed in the drawing thread was printed to the terminal alone: the
    plot went on showing the image before, the dock said nothing. The failure is said once
    (each pixel under the mouse asks for a draw) on the status line and in a notification."""
    from _napari_helpers import caught_notifications
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets import _plot
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    viewer = make_napari_viewer()
    (a,) = in_memory_scans(viewer, (0,))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    _shown(viewer, qtbot, dock, a)
    before = dock.canvas.image()

    def broken(spec):
        raise ValueError("no room for the legend")

    monkeypatch.setattr(dock._plot, "render", broken)
    with caught_notifications() as seen:
        dock.set_checked_elements(["Fe"])
        qtbot.waitUntil(lambda: "no room for the legend" in dock.job.status.text(), timeout=20000)
        dock.set_checked_elements(["Cu"])  # fails again: not said again
        qtbot.waitUntil(lambda: not dock.canvas._asked)  # handed to the drawing thread
        _plot._relay()[1].submit(lambda: None).result()  # which has failed it
        QApplication.processEvents()  # its failure told
    told = [n for n in seen if "no room for the legend" in str(n.message)]
    assert len(told) == 1, [str(n.message) for n in seen]
    assert dock.job.status.text().startswith("Spectrum plot: ValueError: no room for the legend")
    assert dock.canvas.image() == before
    monkeypatch.setattr(dock._plot, "render", type(dock._plot).render.__get__(dock._plot))
    dock.set_checked_elements(["Pb"])  # drawn again: the line no longer says it failed
    qtbot.waitUntil(dock.plot_is_current, timeout=20000)
    assert dock.job.status.text() == ""


def test_a_closed_scans_plot_images_are_let_go(make_napari_viewer, qtbot, monkeypatch):
    """Spectrum keeps the images of plots shown (FigureView.show_built), to show a scan chosen
    again at once: a closed scan's stayed, 30.4 MB each at 1900 x 1000 px and pixel ratio 2,
    until newer pushed them out, and for good once the last scan was closed."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    quick_survey(monkeypatch, {"scan0": ["Pb"], "scan1": ["Fe"]})
    viewer = make_napari_viewer()
    a, b = in_memory_scans(viewer, (0, 1))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    _shown(viewer, qtbot, dock, b)
    _shown(viewer, qtbot, dock, a)
    assert len(dock.canvas._images) == 2
    for layer in [ly for ly in viewer.layers if layer_cube(ly) is a]:
        viewer.layers.remove(layer)
    qtbot.waitUntil(lambda: dock.current_cube() is b and dock.plot_is_current(), timeout=20000)
    assert len(dock.canvas._images) == 1  # b's
    for layer in list(viewer.layers):
        viewer.layers.remove(layer)
    assert dock.canvas._images == {}


def test_a_resized_plot_drawn_without_a_key_lets_the_old_sizes_images_go(qtbot):
    """The images kept at an old size were dropped only as a keyed figure was drawn at the new
    one: with the pixel under the mouse plotted (no key) after a resize, they stayed."""
    from matplotlib.figure import Figure

    from xrf_napari.widgets._plot import FigureView

    view = FigureView((0.5, 0.1, 0.4, 0.1))
    qtbot.addWidget(view)
    view.resize(300, 200)
    size = (view.width(), view.height(), float(view.devicePixelRatioF()))
    view._images = {("a", *size): "image a", ("b", 250, 200, size[2]): "image b"}
    view.show_figure(Figure())
    assert list(view._images) == [("a", *size)]


def _napari_saved_rgb(path, hw):
    """A float RGB image of `hw` pixels written as napari's File > Save Selected Layers writes
    an image layer to .tif (napari's own imsave)."""
    import numpy as np
    from napari.utils.io import imsave

    imsave(str(path), np.random.default_rng(0).random((*hw, 3)).astype(np.float32))
    return path


def test_a_saved_layer_given_as_photograph_is_warned_of(tmp_path):
    """`xrf-napari pigments --photo recoloured.tif`, the file napari wrote of a Recolour layer
    (none of write_image's marks), was read as the painting's photograph without a word: the
    SmallUViT's colours fed back as evidence. It is read, with a warning saying what it may be;
    a camera's 8-bit TIFF, or a float one of another size, is not warned of."""
    import warnings

    import numpy as np
    import tifffile

    from xrf_napari.analysis.colour_prior import read_photo
    from xrf_napari.errors import FileWarning

    saved = _napari_saved_rgb(tmp_path / "recoloured.tif", (24, 20))
    with pytest.warns(FileWarning, match="napari saves an image layer") as told:
        photo = read_photo(saved, (24, 20))
    assert photo.shape == (24, 20, 3)
    assert str(saved) in str(told[0].message) and "24 x 20" in str(told[0].message)
    camera = tmp_path / "camera.tif"
    tifffile.imwrite(camera, np.full((24, 20, 3), 120, np.uint8))
    other = _napari_saved_rgb(tmp_path / "registered.tif", (48, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FileWarning)
        read_photo(camera, (24, 20))
        read_photo(other, (24, 20))


def test_the_pigments_dock_warns_of_a_saved_layer_chosen_as_photograph(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The dock's Photograph list offered napari's save of a Recolour layer, opened again, and
    Find regions took its colours as the painting's without a word; it now says what the file
    may be as the job starts (a notification), and still runs."""
    from types import SimpleNamespace

    import numpy as np
    from _napari_helpers import caught_notifications, wait_idle

    import xrf_napari.widgets.pigments as pigments_mod

    def found(cube, photo, k, photo_name="the photograph"):
        yield "Clustering\u2026"
        return SimpleNamespace(labels=np.ones(cube.shape[:2], np.int32), k=1, silhouette=None)

    monkeypatch.setattr(pigments_mod, "_regions_job", found)
    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    viewer = make_napari_viewer()
    (cube,) = in_memory_scans(viewer, (0,))
    saved = _napari_saved_rgb(tmp_path / "recoloured.tif", cube.shape[:2])
    (photo,) = viewer.open(str(saved), rgb=True)  # napari guesses RGB from 30 px a side
    dock = pigments_mod.PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    assert dock.photo_combo.offers(photo)
    dock.photo_combo.set_layer(photo)
    with caught_notifications() as seen:
        assert dock.find_regions() is not None
        wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None
    said = [str(n.message) for n in seen if "napari saves an image layer" in str(n.message)]
    assert len(said) == 1 and "recoloured.tif" in said[0], [str(n.message) for n in seen]


def test_a_reports_regions_png_converted_to_labels_is_the_pigments_regions(
    make_napari_viewer, tmp_path
):
    """A guard: a report's regions.png (16-bit grey) opens in napari as an Image, xrf-napari
    claiming no PNG (napari would ask which reader for every photograph); the guide's way back,
    right-click > Convert to Labels, gives a Labels layer the Pigments panel offers and fits as
    the scan's Regions."""
    import numpy as np
    from napari.layers._layer_actions import _convert_to_labels

    from xrf_napari.analysis.export import write_image
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    (cube,) = in_memory_scans(viewer, (0,))
    labels = np.repeat(np.arange(1, 5, dtype=np.uint16), cube.shape[0] // 4)[:, None]
    path = write_image(tmp_path / "regions.png", labels.repeat(cube.shape[1], axis=1), "map")
    (image,) = viewer.open(str(path))
    assert type(image).__name__ == "Image"
    viewer.layers.selection = {image}
    _convert_to_labels(viewer.layers)
    regions = viewer.layers["regions"]
    assert type(regions).__name__ == "Labels"
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    assert dock.labels_combo.current_layer() is regions
    assert dock.labels_combo._fits(regions)


def test_a_region_deleted_while_averaged_is_said_instead_of_done(
    make_napari_viewer, qtbot, monkeypatch
):
    """Region spectrum pressed, then its Shapes layer deleted while the region was averaged:
    the curve was dropped (its source gone) under a bare "Done.", nothing saying why no region
    curve came. The line says the layer was deleted; no curve is added."""
    import threading

    import numpy as np
    from _napari_helpers import held_job, wait_idle

    import xrf_napari.widgets.spectrum as spectrum_mod
    from xrf_napari.widgets._layers import layer_cube

    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    gate = threading.Event()
    monkeypatch.setattr(spectrum_mod, "_region_job", held_job(gate, then=spectrum_mod._region_job))
    viewer = make_napari_viewer()
    (cube,) = in_memory_scans(viewer, (0,))
    dock = spectrum_mod.SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    _shown(viewer, qtbot, dock, cube)
    box = viewer.add_shapes([np.array([[2, 2], [2, 10], [10, 10], [10, 2]])], name="box")
    viewer.layers.selection.active = next(ly for ly in viewer.layers if layer_cube(ly) is cube)
    dock.region_combo.set_layer(box)
    try:
        assert dock.region_spectrum() is not None
        viewer.layers.remove(box)
    finally:
        gate.set()
    wait_idle(qtbot, dock.job)
    assert dock.job.status.text() == (
        "No region curve: the layer \u201cbox\u201d was deleted while its region was averaged."
    )
    assert "region" not in dock.curves
