"""The five docks used as a conservator would, session 40 audit: real files through napari's
reader, two scans at once, saves, hand-drawn regions, Cancel and closing while a job runs."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    open_cube,
    tiny_embed_dock,
    tiny_recolour_dock,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


OFF_GRID = "wholly outside the 1-26.6 keV read by"


def _off_grid_scan(path, shape):
    """A .rpl whose calibrated axis lies wholly below 1 keV (the real spacekeys_variant.rpl's
    origin, -0.956 keV, on a few channels)."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    data = np.random.default_rng(0).poisson(20, (*shape, 16)).astype(np.uint16)
    write(path, data, Calibration(offset=-0.956, gain=0.010002))
    return path


def _dock(name, viewer, folder):
    if name == "recolour":
        return tiny_recolour_dock(viewer, folder)
    if name == "embed":
        return tiny_embed_dock(viewer, folder)
    from xrf_napari.widgets.pigments import PigmentsWidget

    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    return widget


@pytest.mark.parametrize(
    ("dock", "shape"), [("recolour", (20, 20)), ("embed", (20, 20)), ("pigments", (3, 3))]
)
def test_a_scan_off_the_models_grid_is_refused_as_it_is_chosen(
    make_napari_viewer, qtbot, tmp_path, dock, shape
):
    """Recolour, Embed & cluster and Pigments refused a scan wholly off the 1-26.6 keV grid only
    inside the job, once Run was pressed: the models loaded first, Pigments added a "whole
    scan" layer to the spot scan it then refused, and a 3 x 3 scan was sent from Embed to
    Pigments as "one region" it could not fit either. The reason is now the scan's status line
    as soon as it is chosen, and Run refuses with it before any work."""
    viewer = make_napari_viewer()
    good = open_cube(viewer, write_painted_cube(tmp_path / "good.h5"))[-1]
    widget = _dock(dock, viewer, tmp_path)
    off = open_cube(viewer, _off_grid_scan(tmp_path / "off.rpl", shape))[-1]
    assert widget.current_layer() is off  # the scan just opened is chosen
    line = widget.job.status.text()
    assert OFF_GRID in line and "check the calibration" in line, line
    assert line.startswith({"recolour": "Recolour", "embed": "Embed", "pigments": "Pigments"}[dock])
    before = [layer.name for layer in viewer.layers]
    with caught_notifications() as seen:
        assert widget.run() is None
    assert not widget.job.is_running and widget.job.last_error is None
    assert [str(n.message) for n in seen] == [line]
    assert widget.job.status.text() == line
    assert [layer.name for layer in viewer.layers] == before  # no "whole scan" layer
    widget.cube_combo.set_layer(good)  # another scan: its own (blank) line
    assert OFF_GRID not in widget.job.status.text()
    widget.cube_combo.set_layer(off)
    assert widget.job.status.text() == line


def test_pigments_says_as_an_uncalibrated_scan_is_chosen_that_it_cannot_fit_it(
    make_napari_viewer, tmp_path
):
    """A scan left without a calibration (its automatic one failed) was fitted only to fail in
    the job ("Failed: ... no energy calibration"); the dock now says so on choosing it, with
    where a calibration is set, and Find pigments and Find regions refuse before any work."""
    from test_widgets_audit24 import _flat_uncalibrated_scan

    viewer = make_napari_viewer()
    scan = open_cube(viewer, _flat_uncalibrated_scan(tmp_path))[-1]
    assert scan.metadata["xrf_cube"].calibration.source == "none"
    widget = _dock("pigments", viewer, tmp_path)
    viewer.add_labels(np.ones((16, 16), np.int32), name="drawn")
    viewer.add_image(np.zeros((16, 16, 3), np.uint8), name="photo", rgb=True)
    widget.photo_combo.set_layer(viewer.layers["photo"])
    line = widget.job.status.text()
    assert "no energy calibration, so its lines cannot be fitted" in line, line
    assert "JSON sidecar" in line
    for action in (widget.run, widget.find_regions):
        assert action() is None
        assert not widget.job.is_running and widget.job.status.text() == line


def _clustered(viewer, qtbot, folder):
    """A Spectrum dock and an Embed & cluster dock that made 3 regions of a painted scan."""
    from _napari_helpers import cluster_with_tiny_dve, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    open_cube(viewer, write_painted_cube(folder / "a.h5"))
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    wait_idle(qtbot, spectrum.job)
    embed = cluster_with_tiny_dve(viewer, qtbot, folder, k=3)
    return spectrum, embed, viewer.layers["clusters [a]"]


def test_a_region_number_painted_past_k_is_not_counted_with_the_numbers_it_skips(
    make_napari_viewer, qtbot, tmp_path
):
    """A 7 painted on 3 regions, saved: the dock said "7 regions ... 4: 0%, 5: 0%, 6: 0%" and
    the Spectrum dock got three flat curves "cluster 4-6" of no pixel (written as columns of 0
    by its Export CSV). Now 4 regions, their areas, and their 4 curves."""
    viewer = make_napari_viewer()
    spectrum, embed, layer = _clustered(viewer, qtbot, tmp_path)
    labels = np.array(layer.data)
    labels[:3, :3] = 7
    layer.data = labels
    embed.save(tmp_path / "edited.png")
    said = embed.summary.text()
    assert said.startswith("4 regions, as edited on the layer"), said
    assert "7: 2%" in said and "4: 0%" not in said, said
    clusters = sorted(n for n in spectrum.curves if n.startswith("cluster"))
    assert clusters == ["cluster 1", "cluster 2", "cluster 3", "cluster 7"]


def test_saving_a_clusters_layer_erased_whole_is_refused_and_changes_nothing(
    make_napari_viewer, qtbot, tmp_path
):
    """Every region erased from the clusters layer, then Save: the empty edit was taken as the
    dock's result ("1 region, as edited on the layer", the Spectrum dock's region curves gone),
    then the save failed with "there is no spectrum to export". Now refused before that, saying
    what is wrong and what to do; the result, its curves and the folder are left as they were."""
    viewer = make_napari_viewer()
    spectrum, embed, layer = _clustered(viewer, qtbot, tmp_path)
    layer.data = np.zeros_like(layer.data)  # (which takes the cluster curves off: c2350aa)
    said, curves = embed.summary.text(), sorted(spectrum.curves)
    with pytest.raises(ValueError, match="no region left \\(every pixel is 0\\): paint regions"):
        embed.save(tmp_path / "erased.png")
    assert embed.summary.text() == said and sorted(spectrum.curves) == curves
    assert not list(tmp_path.glob("erased*"))


def test_a_photograph_with_pixels_of_no_value_is_refused_before_any_work(
    make_napari_viewer, tmp_path
):
    """A float photograph with NaN pixels (a registration tool's no-data border) as Pigments'
    Photograph: Find pigments failed in the job with "cannot convert float NaN to integer", and
    Find regions with "too few pixels to find regions: 0 ... a spot spectrum is one region".
    Both now refuse before any work, naming the photograph and how many pixels have no value;
    `photo_on_scan` (also `xrf-napari pigments --photo`) says the same."""
    from _napari_helpers import H, W, painted_counts

    from xrf_napari.analysis.colour_prior import photo_on_scan
    from xrf_napari.widgets.pigments import PigmentsWidget

    photo = np.full((2 * H, 2 * W, 3), 0.5)
    photo[:4] = np.nan  # the top 4 of 48 rows
    with pytest.raises(ValueError, match="160 of its 1,920 pixels over the scan have no value"):
        photo_on_scan(photo, (H, W), "photo.tif")
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.labels_combo.set_layer(viewer.add_labels(painted_counts()[1].astype(np.int32)))
    widget.photo_combo.set_layer(viewer.add_image(photo, name="registered", rgb=True))
    for action in (widget.run, widget.find_regions):
        assert action() is None
        assert not widget.job.is_running
        line = widget.job.status.text()
        assert (
            "photograph 'registered': 160 of its 1,920 pixels over the scan have no value" in line
        )
        assert "crop it to the scanned area, or fill those pixels" in line


def test_pigments_says_so_once_the_automatic_calibration_of_its_scan_failed(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A large uncalibrated scan opened under the Pigments dock waits for its automatic
    calibration with a blank line; when the calibration failed, the line stayed blank (the
    blank was kept as the scan's line) and only Find pigments said it could not fit."""
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _write_ripple

    from xrf_napari.widgets.pigments import PigmentsWidget

    noise = np.random.default_rng(0).poisson(3, size=(12, 10, 256))
    path = _write_ripple(tmp_path, "noise", noise)
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, PigmentsWidget, path
    )
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert dock.current_cube().calibration.source == "none"
    line = dock.job.status.text()
    assert "noise: no energy calibration, so its lines cannot be fitted" in line, line


IMAGES = "PNG (*.png);;TIFF (*.tif *.tiff)"


@pytest.mark.parametrize(
    ("typed", "filters", "chosen", "saved"),
    [
        ("NG6461_2024.03.12", IMAGES, "PNG (*.png)", "NG6461_2024.03.12.png"),
        ("scan.v2", IMAGES, "TIFF (*.tif *.tiff)", "scan.v2.tif"),
        ("NG6461_2024.03.12", "CSV (*.csv)", "CSV (*.csv)", "NG6461_2024.03.12.csv"),
        ("name.", "CSV (*.csv)", "CSV (*.csv)", "name.csv"),
        ("kept.TIFF", IMAGES, "PNG (*.png)", "kept.TIFF"),  # a suffix offered is kept
    ],
)
def test_a_name_with_a_dot_of_its_own_gets_the_file_type_suffix(
    qtbot, tmp_path, monkeypatch, typed, filters, chosen, saved
):
    """A name typed with a dot of its own (a date, a version) was taken as having a suffix:
    Recolour refused 'NG6461_2024.03.12' ("the recoloured image is saved as .png, .tif or
    .tiff"), Embed saved it as 'NG6461_2024.03.png' (the '.12' dropped), Export CSV wrote
    'NG6461_2024.03.12', which napari does not reopen. Now it gets the chosen type's suffix, as
    a name without a dot does."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets._dialogs import ask_save_path

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / typed), chosen))
    assert ask_save_path(None, "Save", filters) == str(tmp_path / saved)


def test_the_docks_save_a_dated_name_under_that_name(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The three save dialogs end to end with dated names: the files keep the whole name."""
    from _napari_helpers import scripted_questions, wait_idle
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.No)  # none expected: no file is replaced
    viewer = make_napari_viewer()
    spectrum, embed, _ = _clustered(viewer, qtbot, tmp_path)
    recolour = tiny_recolour_dock(viewer, tmp_path)
    assert recolour.run() is not None
    wait_idle(qtbot, recolour.job)
    for click, typed in (
        (recolour._save_clicked, "colours 2024.03.12"),
        (embed._save_clicked, "regions 2024.03.12"),
        (spectrum._export_clicked, "spectra 2024.03.12"),
    ):
        path = str(tmp_path / typed)
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, p=path: (p, a[3].split(";;")[0])
        )
        click()
    wait_idle(qtbot, recolour.job)  # each dock writes in a job of its own
    wait_idle(qtbot, embed.job)
    wait_idle(qtbot, spectrum.job)  # else its temporary ".spectra ….csv.…" was listed, under load
    names = sorted(p.name for p in tmp_path.glob("* 2024.03.12*"))
    assert names == [
        "colours 2024.03.12.png",
        "regions 2024.03.12.png",
        "regions 2024.03.12_spectra.csv",
        "spectra 2024.03.12.csv",
    ], names
    assert not asked
    assert recolour.job.status.text() == "Saved colours 2024.03.12.png."


@pytest.mark.parametrize("selected", ["photograph", "stack"])
def test_a_labels_layer_drawn_at_another_size_is_refused_saying_how_to_draw_one(
    make_napari_viewer, tmp_path, selected
):
    """napari's New labels layer button makes a layer of the selected layer's size: with the
    photograph (the last layer opened) or the scan's channel stack selected, the regions a
    conservator painted were (96, 80) or (512, 24, 20), and Find pigments said only "choose a
    Labels layer of the scan's size (24, 20) (Embed & cluster makes one, or draw one); got (96,
    80)". Now it also says how to draw one of the scan's size."""
    from _napari_helpers import H, W

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    stack, total = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    photo = viewer.add_image(np.zeros((4 * H, 4 * W, 3), np.uint8), rgb=True, name="photo")
    viewer.layers.selection.active = photo if selected == "photograph" else stack
    viewer._new_labels()  # the layer list's New labels layer button
    drawn = viewer.layers[-1]
    drawn.data[..., : H // 2, :] = 1
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.labels_combo.set_layer(drawn)
    assert widget.run() is None
    line = widget.job.status.text()
    assert (
        f"got {drawn.data.shape}: a new Labels layer takes the size of the layer selected" in line
    )
    assert "select 'a sum' before napari's New labels layer button" in line, line
