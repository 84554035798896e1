"""State that belongs to one scan or one job: a scan's results never act on another scan's
layers, its curves come back with it, and its jobs (the element survey included) end with the
scan or the dock that runs them."""

import gc
import threading
import time

import numpy as np
import pytest
from _napari_helpers import (
    OTHER_PIGMENTS,
    caught_notifications,
    cluster_with_tiny_dve,
    open_cube,
    scripted_questions,
    tiny_weights,
    wait_idle,
    write_painted_cube,
)

from xrf_napari.widgets._common import SURVEYS
from xrf_napari.widgets._layers import viewer_camera
from xrf_napari.widgets.maps import ElementMapsWidget
from xrf_napari.widgets.recolour import RecolourWidget
from xrf_napari.widgets.spectrum import MEAN_CURVE, REGION_CURVE, SpectrumWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


RECTANGLE = [np.array([[1, 1], [1, 10], [5, 10], [5, 1]])]


def _dock(viewer, cls):
    widget = cls(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def _slowed(real, seconds: float):
    """A core progress generator that first waits `seconds` in 0.02 s steps (a whole-painting
    scan takes minutes), stopping at any of them when cancelled."""
    steps = round(seconds / 0.02)

    def slow(*args, **kwargs):
        for i in range(steps):
            time.sleep(0.02)
            yield i, 2 * steps
        return (yield from real(*args, **kwargs))

    return slow


def _slow_survey(monkeypatch, seconds: float) -> None:
    from xrf_napari.analysis import spectra

    monkeypatch.setattr(spectra, "iter_survey", _slowed(spectra.iter_survey, seconds))


def _held_survey(monkeypatch) -> threading.Event:
    """The element survey steps every 0.01 s (stopping at any step when cancelled) until the
    returned gate is set (10 s at most), then runs: the test acts while it surely runs, then
    lets it end (a fixed 1 s survey ran to its end in every test, and on a loaded machine could
    end before the test looked)."""
    from xrf_napari.analysis import spectra

    gate, real = threading.Event(), spectra.iter_survey

    def held(*args, **kwargs):
        end = time.monotonic() + 10
        while not gate.is_set() and time.monotonic() < end:
            time.sleep(0.01)
            yield 0, 2
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(spectra, "iter_survey", held)
    return gate


def test_a_scan_never_takes_over_another_scans_maps(make_napari_viewer, qtbot, tmp_path):
    """Scan A is mapped and renamed by the user; scan B, opened from a file of A's old name,
    gets map layers of its own: A's keep their values and stay shown, and Save maps on A
    writes A's numbers (B's maps used to be written into A's layers)."""
    import tifffile

    viewer = make_napari_viewer()
    for sub in ("before", "after"):
        (tmp_path / sub).mkdir()
    a_layers = open_cube(viewer, write_painted_cube(tmp_path / "before" / "scan.h5"))
    maps = _dock(viewer, ElementMapsWidget)

    def fe_map():
        wait_idle(qtbot, maps.job)  # the survey
        maps.set_checked_elements(["Fe"])
        assert maps.run() is not None
        wait_idle(qtbot, maps.job)
        assert maps.job.last_error is None, maps.job.last_error
        return maps.map_layers["Fe"]

    fe_a = fe_map()
    values_a = np.array(fe_a.data)
    for ly in a_layers:
        ly.name = ly.name.replace("scan", "before cleaning")
    b_layers = open_cube(
        viewer, write_painted_cube(tmp_path / "after" / "scan.h5", pigments=OTHER_PIGMENTS)
    )
    maps.cube_combo.set_layer(b_layers[-1])
    fe_b = fe_map()
    assert fe_b is not fe_a and fe_a in viewer.layers and fe_a.visible
    np.testing.assert_array_equal(fe_a.data, values_a)
    assert fe_b.name != fe_a.name  # napari keeps layer names unique
    assert fe_map() is fe_b  # B's own layer is updated in place on a re-run
    maps.cube_combo.set_layer(a_layers[-1])
    saved = tifffile.imread(maps.save(tmp_path / "out")[0])
    np.testing.assert_allclose(saved, values_a)


def test_closing_the_dock_that_surveys_lets_another_dock_survey(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The survey runs in the panel of the dock that asked first; closing that dock mid-survey
    used to leave the scan marked "surveying" for good: every other dock waited forever."""
    gate = _held_survey(monkeypatch)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    maps = ElementMapsWidget(viewer)
    dock = viewer.window.add_dock_widget(maps)
    cube = maps.current_cube()
    assert maps.job.is_running and SURVEYS.is_running(cube)
    dock.destroyOnClose()  # the dock's close button
    del maps, dock
    gc.collect()
    gate.set()  # stopped with its dock, or run to its end: either way the scan is free again
    qtbot.waitUntil(lambda: not SURVEYS.is_running(cube), timeout=5000)
    spectrum = _dock(viewer, SpectrumWidget)  # surveys the scan itself
    qtbot.waitUntil(lambda: MEAN_CURVE in spectrum.curves, timeout=10000)
    assert "Pb" in spectrum.suggested_label.text()


def test_closing_a_scan_stops_its_survey(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    _slow_survey(monkeypatch, 20.0)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "wrong.h5"))
    spectrum = _dock(viewer, SpectrumWidget)
    worker = spectrum.job.worker
    assert worker is not None
    viewer.layers.clear()
    wait_idle(qtbot, spectrum.job, timeout=3000)  # cancelled, not run on for 20 s
    assert worker.abort_requested and not spectrum.job.is_running
    assert spectrum.job.run_button.toolTip().startswith("Open a datacube first")  # no scan left


def test_closing_a_scan_stops_its_region_spectrum(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    import xrf_napari.widgets.spectrum as module

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    spectrum = _dock(viewer, SpectrumWidget)
    wait_idle(qtbot, spectrum.job)
    monkeypatch.setattr(module, "_region_job", _slowed(module._region_job, 20.0))
    viewer.add_shapes(RECTANGLE, shape_type="rectangle", name="roi")
    spectrum.region_combo.set_layer(viewer.layers["roi"])
    worker = spectrum.region_spectrum()
    assert worker is not None
    for layer in [ly for ly in viewer.layers if "xrf_cube" in ly.metadata]:
        viewer.layers.remove(layer)
    wait_idle(qtbot, spectrum.job, timeout=3000)  # cancelled, not run on for 20 s
    assert worker.abort_requested and REGION_CURVE not in spectrum.curves


def test_region_spectrum_while_the_panel_is_busy_says_so(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A click on Region spectrum while the panel surveys the scan used to be dropped silently."""
    gate = _held_survey(monkeypatch)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    spectrum = _dock(viewer, SpectrumWidget)
    viewer.add_shapes(RECTANGLE, shape_type="rectangle", name="roi")
    spectrum.region_combo.set_layer(viewer.layers["roi"])
    assert spectrum.job.is_running
    with caught_notifications() as seen:
        assert spectrum.region_spectrum() is None
    assert any("wait for the current job" in str(n.message) for n in seen), seen
    gate.set()
    wait_idle(qtbot, spectrum.job, timeout=10000)
    assert spectrum.region_spectrum() is not None  # and once it is free, it runs
    wait_idle(qtbot, spectrum.job)
    assert REGION_CURVE in spectrum.curves


def test_maps_wait_for_the_scans_survey(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Maps made while the survey still ran in the Spectrum dock missed the elements it finds:
    sulfur beside lead and mercury was integrated in a window instead of fitted (about 2x off).
    Pressed then, Make maps waits for the survey (it had refused with an error pop-up), and the
    element the user ticked is mapped, not replaced by the suggestions."""
    gate = _held_survey(monkeypatch)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    spectrum = _dock(viewer, SpectrumWidget)  # opened first: the survey runs in its panel
    maps = _dock(viewer, ElementMapsWidget)
    assert spectrum.job.is_running and not maps.job.is_running
    maps.set_checked_elements(["S"])
    with caught_notifications() as seen:
        assert maps.run() is None
        assert "Make maps starts once they are shown" in maps.job.status.text()
        assert not maps.map_layers and maps.job.cancel_button.isEnabled()
        gate.set()
        wait_idle(qtbot, spectrum.job, timeout=10000)
        qtbot.waitUntil(lambda: bool(maps.map_layers), timeout=20000)
        wait_idle(qtbot, maps.job)
    assert [n.message for n in seen if n.severity == "error"] == []
    assert maps.checked_elements() == ["S"] and len(maps.map_plans) == 1
    plan = maps.map_plans[0]
    assert plan.method == "fit" and "Pb" in plan.note and "Hg" in plan.note


def test_spectrum_export_never_writes_over_the_scan(make_napari_viewer, qtbot, tmp_path):
    from xrf_napari.fileutil import OutputError

    scan = write_painted_cube(tmp_path / "scan.h5")
    original = scan.read_bytes()
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    spectrum = _dock(viewer, SpectrumWidget)
    wait_idle(qtbot, spectrum.job)
    assert MEAN_CURVE in spectrum.curves
    with pytest.raises(OutputError, match="overwritten"):
        spectrum.export_csv(scan)
    assert scan.read_bytes() == original


def test_save_maps_stays_in_the_chosen_folder(make_napari_viewer, qtbot, tmp_path):
    """Map files are named after the scan's layer name, which the user may edit: a "/" in it
    used to write into a sub-folder, a leading "../" outside the chosen folder."""
    viewer = make_napari_viewer()
    layers = open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    maps = _dock(viewer, ElementMapsWidget)
    wait_idle(qtbot, maps.job)
    maps.set_checked_elements(["Fe"])
    assert maps.run() is not None
    wait_idle(qtbot, maps.job)
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    for name, stem in (("../outside", "_outside"), ("panel 1/2", "panel 1_2")):
        layers[0].name = name  # the datacube layer, renamed in the layer list
        written = maps.save(chosen)
        assert [p.name for p in written] == [f"{stem}_Fe_Ka.tif", f"{stem}_maps.csv"]
        assert all(p.parent == chosen and p.is_file() for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chosen", "scan.h5"]
    assert sorted(p.name for p in chosen.iterdir()) == sorted(
        f"{s}_{f}" for s in ("_outside", "panel 1_2") for f in ("Fe_Ka.tif", "maps.csv")
    )


def test_region_and_cluster_curves_come_back_with_their_scan(make_napari_viewer, qtbot, tmp_path):
    """The region spectrum, and Embed & cluster's region means sent while Spectrum showed
    another scan, are the scan's: they come back (and are exported) when it is chosen again."""
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", pigments=OTHER_PIGMENTS))[-1]
    spectrum = _dock(viewer, SpectrumWidget)
    spectrum.cube_combo.set_layer(first)
    wait_idle(qtbot, spectrum.job)
    viewer.add_shapes(RECTANGLE, shape_type="rectangle", name="roi")
    spectrum.region_combo.set_layer(viewer.layers["roi"])
    assert spectrum.region_spectrum() is not None
    wait_idle(qtbot, spectrum.job)
    region = spectrum.curves[REGION_CURVE][1].copy()
    spectrum.cube_combo.set_layer(second)
    wait_idle(qtbot, spectrum.job)
    assert REGION_CURVE not in spectrum.curves

    cluster_with_tiny_dve(viewer, qtbot, tmp_path, layer=first)  # the first scan, meanwhile
    assert not [n for n in spectrum.curves if n.startswith("cluster")]  # not on B's plot

    spectrum.cube_combo.set_layer(first)
    np.testing.assert_array_equal(spectrum.curves[REGION_CURVE][1], region)
    clusters = ["cluster 1", "cluster 2", "cluster 3"]
    assert [n for n in spectrum.curves if n.startswith("cluster")] == clusters
    out = tmp_path / "spectra.csv"
    spectrum.export_csv(out)
    header = next(r for r in out.read_text().splitlines() if not r.startswith("#"))
    assert header.split(",") == ["energy_keV", MEAN_CURVE, REGION_CURVE, *clusters]


def test_recolour_controls_act_on_the_chosen_scans_layer(make_napari_viewer, qtbot, tmp_path):
    """Opacity and Show used to move the last recoloured scan's layer whatever scan the dock
    showed, and a re-run reset the user's zoom."""
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    dve, uvit = tiny_weights(tmp_path)
    widget = _dock(viewer, RecolourWidget)
    widget.weights_edit.setText(str(uvit))
    widget.embedder_edit.setText(str(dve))
    widget.device.setCurrentText("cpu")

    def recolour(layer):
        widget.cube_combo.set_layer(layer)
        assert widget.run() is not None
        wait_idle(qtbot, widget.job, timeout=120000)
        assert widget.job.last_error is None, widget.job.last_error
        return widget.result_layer

    layer_a = recolour(first)
    beside = tuple(layer_a.translate)
    widget.cube_combo.set_layer(second)  # nothing recoloured yet
    assert widget.result_layer is None and not widget.opacity.isEnabled()
    widget.placement.setCurrentIndex(1)  # "Over the scan": nothing of A's moves
    assert tuple(layer_a.translate) == beside and layer_a.opacity == 1.0
    widget.placement.setCurrentIndex(0)
    layer_b = recolour(second)
    assert layer_b is not layer_a and widget.opacity.isEnabled()

    widget.cube_combo.set_layer(first)
    assert widget.result_layer is layer_a
    widget.opacity.setValue(40)
    assert layer_a.opacity == pytest.approx(0.4) and layer_b.opacity == 1.0
    layer_a.opacity = 0.7  # napari's own control of the chosen scan's layer
    assert widget.opacity.value() == 70
    layer_b.opacity = 0.2  # another scan's layer: the slider stays on A's
    assert widget.opacity.value() == 70
    widget.cube_combo.set_layer(second)
    assert widget.opacity.value() == 20

    camera = viewer_camera(viewer)
    camera.zoom *= 3  # the user zooms in on a detail; a re-run keeps the view
    zoom, center = camera.zoom, tuple(camera.center)
    assert recolour(second) is layer_b
    assert camera.zoom == pytest.approx(zoom)
    assert tuple(camera.center) == pytest.approx(center)


def test_saving_regions_asks_before_replacing_files_the_dialog_did_not_name(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The save dialog asks about the file it names only: the CSV of spectra written beside it,
    or the .png put in place of a name without a suffix, were replaced silently."""
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    def dialog_returns(path):  # the real dialog helper runs, behind a scripted Qt dialog
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(path), "PNG (*.png)"))

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path)
    from xrf_napari.widgets._dialogs import OWN_REPLACE_QUESTION

    image, spectra = tmp_path / "clusters.png", tmp_path / "clusters_spectra.csv"
    asked, answer = scripted_questions(monkeypatch)

    for chosen in (image, tmp_path / "clusters"):  # the dialog's name, then one without suffix
        dialog_returns(chosen)
        image.write_bytes(b"an earlier image")
        spectra.write_text("earlier spectra")
        answer(QMessageBox.No)
        embed._save_clicked()
        assert (
            image.read_bytes() == b"an earlier image" and spectra.read_text() == "earlier spectra"
        )
        assert "clusters_spectra.csv" in asked[-1]
        # the dialog's own name too where the dialog leaves the question to us (off macOS)
        assert ("clusters.png" in asked[-1]) == (chosen != image or OWN_REPLACE_QUESTION)
        n_asked = len(asked)
        answer(QMessageBox.Yes)
        embed._save_clicked()
        wait_idle(qtbot, embed.job)  # the files are written in a job
        assert len(asked) == n_asked + 1  # one question for both files, not one each
        assert image.read_bytes()[:4] == b"\x89PNG" and spectra.read_text().startswith("#")
    asked.clear()
    spectra.unlink()  # nothing but the image exists: asked only where the dialog did not
    dialog_returns(image)
    embed._save_clicked()
    wait_idle(qtbot, embed.job)
    assert len(asked) == OWN_REPLACE_QUESTION and spectra.is_file()
    assert not asked or asked[0] == "clusters.png already exists. Replace?"


def test_pigments_refuses_regions_found_for_another_scan(make_napari_viewer, qtbot, tmp_path):
    """Two scans of one size: regions a dock found for A used to be fitted on B when B was chosen
    (only the shape was checked); a Labels layer the user drew still serves any scan."""
    from xrf_napari.widgets._layers import layer_cube, upsert_layer
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]  # the sum image: the
    b = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]  # docks' entry
    cube_a = layer_cube(a)
    labels = np.repeat(np.arange(1, 5), cube_a.shape[0] // 4)[:, None].repeat(cube_a.shape[1], 1)
    upsert_layer(viewer, "clusters [a]", labels.astype(np.int32), kind="labels", cube=cube_a)
    pigments = _dock(viewer, PigmentsWidget)
    pigments.cube_combo.set_layer(b)
    pigments.labels_combo.set_layer(viewer.layers["clusters [a]"])
    with caught_notifications() as seen:
        assert pigments.run() is None
    assert any("holds another scan's regions" in str(n.message) for n in seen), seen
    viewer.add_labels(labels.astype(np.int32), name="drawn")
    pigments.labels_combo.set_layer(viewer.layers["drawn"])
    assert pigments.run() is not None  # drawn by the user: belongs to no scan
    wait_idle(qtbot, pigments.job, timeout=120000)
    assert pigments.job.last_error is None, pigments.job.last_error
