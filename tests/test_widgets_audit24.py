"""GUI audit 24 (/work/runs24/audit_gui/report.md): each test failed before its fix."""

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    cluster_with_tiny_dve,
    open_cube,
    scripted_questions,
    wait_idle,
    write_painted_cube,
)

from xrf_napari.widgets.embed import EmbedClusterWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _dock(viewer, cls):
    widget = cls(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


@pytest.fixture
def clustered(make_napari_viewer, qtbot, tmp_path):
    """A painted scan clustered into 3 regions with tiny weights: (viewer, Embed dock)."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    return viewer, cluster_with_tiny_dve(viewer, qtbot, tmp_path)


def _csv_counts(csv) -> dict:
    line = next(r for r in csv.read_text().splitlines() if "pixels per cluster" in r)
    return {k.strip(): int(v) for k, v in (p.split("=") for p in line.split(": ", 1)[1].split(","))}


# -- 1. a region painted with napari's "new label", then Save (PNG) ------------------------------
def test_a_new_label_painted_on_the_clusters_is_saved_not_a_crash(
    clustered, qtbot, tmp_path, monkeypatch
):
    from PIL import Image

    import xrf_napari.widgets.embed as module
    from xrf_napari.analysis.embed import label_colours

    viewer, embed = clustered
    # (test 10) a good scan's run says it is like the training data; checked here, on this
    # test's run, rather than in a test of its own: each clustering run costs ~0.5 s of CPU
    assert embed.result[8] is not None and embed.ood_label.text()
    layer = embed.labels_layer
    run_labels = embed.result[2].labels.copy()
    layer.paint((2, 2), 4, refresh=True)  # napari's "new label" after K = 3
    assert 4 in layer.data
    np.testing.assert_array_equal(embed.result[2].labels, run_labels)  # the kept run is intact
    monkeypatch.setattr(module, "ask_save_path", lambda *a, **k: str(tmp_path / "clusters.png"))
    with caught_notifications() as seen:
        embed._save_clicked()  # the edited regions' spectra are computed in a job
        wait_idle(qtbot, embed.job)
    assert not seen, [str(n.message) for n in seen]
    png = np.asarray(Image.open(tmp_path / "clusters.png").convert("RGB"))
    np.testing.assert_array_equal(png, label_colours(4)[layer.data])
    counts = _csv_counts(tmp_path / "clusters_spectra.csv")
    assert counts["cluster_4"] == int((layer.data == 4).sum()) > 0
    assert "edited" in embed.job.status.text() and "4 regions" in embed.summary.text()


# -- 2. edits of the clusters layer: image, CSV and summary describe the same regions -----------
def test_edited_clusters_save_image_csv_and_summary_that_agree(clustered, tmp_path):
    import tifffile

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, embed = clustered
    spectrum = _dock(viewer, SpectrumWidget)
    layer = embed.labels_layer
    assert layer.data is not embed.result[2].labels
    before = embed.summary.text()
    data = layer.data
    data[data == 1] = 2  # the conservator merges region 1 into region 2
    layer.data = data
    tif, csv = embed.save(tmp_path / "clusters.tif")
    saved = tifffile.imread(tif)
    np.testing.assert_array_equal(saved, layer.data)
    counts = _csv_counts(csv)
    assert counts == {f"cluster_{i}": int((saved == i).sum()) for i in (1, 2, 3)}
    assert counts["cluster_1"] == 0
    cube = embed.current_cube()
    header, *lines = [r for r in csv.read_text().splitlines() if not r.startswith("#")]
    assert header.split(",")[1:] == ["cluster_2", "cluster_3"]  # the emptied region: no column
    rows = np.array([[float(v) for v in r.split(",")] for r in lines])
    expected = np.asarray(cube.data[...])[saved == 2].mean(axis=0)
    np.testing.assert_allclose(rows[:, 1], expected, rtol=1e-4)
    np.testing.assert_allclose(spectrum.curves["cluster 2"][1], expected, rtol=1e-6)
    # the emptied region is no region (e09eb7f): "2 regions", and no "1: 0%"
    said = embed.summary.text()
    assert said != before and said.startswith("2 regions") and "1: 0%" not in said, said
    assert "cluster 1" not in spectrum.curves
    # saved again unedited: the same files, from the kept (edited) result
    tif2, csv2 = embed.save(tmp_path / "again.tif")
    np.testing.assert_array_equal(tifffile.imread(tif2), saved)
    assert _csv_counts(csv2) == counts


# -- 3. a new pixel under the mouse updates the pixel curve, not the whole figure ---------------
def test_a_mouse_move_updates_the_pixel_curve_not_the_figure(make_napari_viewer, qtbot, tmp_path):
    """Each pixel under the mouse rebuilt the figure in the GUI thread, a few hundred element
    markers included (40-250 ms of frozen viewer per pixel); the kept figure's pixel curve is
    now updated in the drawing thread and the markers stay the same artists."""
    from types import SimpleNamespace

    from xrf_napari.widgets.spectrum import PIXEL_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    widget = _dock(viewer, SpectrumWidget)
    wait_idle(qtbot, widget.job)
    assert widget.checked_elements()  # the survey ticked its suggestions: markers drawn

    def move_to(row, col):
        widget._mouse_cb(viewer, SimpleNamespace(position=(float(row), float(col))))
        qtbot.waitUntil(widget.plot_is_current, timeout=20000)

    move_to(3, 5)  # the first pixel adds a curve: a new figure
    figure, ax = widget.figure, widget.ax
    markers = list(ax.collections) + list(ax.texts)
    assert markers
    pixel = next(ln for ln in ax.lines if ln.get_label() == "pixel y=3, x=5")
    move_to(10, 7)
    assert widget.figure is figure and widget.ax is ax
    assert list(ax.collections) + list(ax.texts) == markers  # the same artists, not rebuilt
    cube = widget.current_cube()
    assert pixel in ax.lines and pixel.get_label() == "pixel y=10, x=7"
    np.testing.assert_array_equal(pixel.get_ydata(), np.asarray(cube.data[10, 7, :], float))
    np.testing.assert_array_equal(widget.curves[PIXEL_CURVE][1], pixel.get_ydata())
    assert "pixel y=10, x=7" in [t.get_text() for t in ax.get_legend().get_texts()]
    # a change of the ticks does rebuild, with the new markers
    widget.set_checked_elements(["Fe"])
    widget.family_checks["L"].setChecked(False)
    qtbot.waitUntil(widget.plot_is_current, timeout=20000)
    assert widget.figure is not figure
    assert sorted(round(x, 2) for x in widget._plot.marker_energies()) == [6.4, 7.06]


# -- 4. a single spectrum is fitted while another scan's Labels layer is open ------------------
def test_a_spot_spectrum_is_fitted_while_other_labels_layers_are_open(
    make_napari_viewer, qtbot, tmp_path
):
    """The Regions list offered the other scan's (24, 20) layer, and Find pigments refused the
    spot with "choose a Labels layer of the scan's size (1, 1)": no 1 x 1 layer can be drawn."""
    pytest.importorskip("xraylib")
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    viewer.add_labels(np.ones((24, 20), np.int32), name="my regions")
    syn, _ = stripe_scan([(["Vermilion", "Lead white"], [0.4, 0.6])], 4)
    spot_path = write_cube(
        tmp_path / "spot.h5", syn.counts[:1, :1], CANON, metadata=dict(syn.metadata, name="spot")
    )
    spot = open_cube(viewer, spot_path)[-1]
    widget = _dock(viewer, PigmentsWidget)
    widget.use_uvit.setChecked(False)
    widget.device.setCurrentText("cpu")
    widget.cube_combo.set_layer(spot)
    assert widget.labels_combo.current_layer() is None  # not listed: the spot is fitted whole
    assert widget.labels_combo.currentText() == widget.labels_combo.WHOLE_SCAN
    with caught_notifications() as seen:
        assert widget.run() is not None
        wait_idle(qtbot, widget.job, timeout=120000)
    assert not seen and widget.job.last_error is None, [str(n.message) for n in seen]
    assert widget.labels_combo.current_layer().name.startswith("whole scan [")
    (region,) = widget.report.regions
    assert region.n_pixels == 1


@pytest.fixture
def mapped(make_napari_viewer, qtbot, tmp_path):
    """A painted scan with Fe, Pb and Cu maps made: (viewer, Maps dock)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    maps = _dock(viewer, ElementMapsWidget)
    wait_idle(qtbot, maps.job)
    maps.set_checked_elements(["Fe", "Pb", "Cu"])
    assert maps.run() is not None
    wait_idle(qtbot, maps.job)
    assert maps.job.last_error is None, maps.job.last_error
    return viewer, maps


# -- 5. Save maps asks before replacing map files in the chosen folder -------------------------
def test_save_maps_asks_before_replacing_earlier_maps(mapped, qtbot, tmp_path, monkeypatch):
    from qtpy.QtWidgets import QMessageBox

    import xrf_napari.widgets.maps as module

    viewer, maps = mapped
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(module, "ask_folder", lambda *a: str(out))
    asked, answer = scripted_questions(monkeypatch)

    answer(QMessageBox.No)
    maps._save_clicked()  # nothing there yet: no question
    wait_idle(qtbot, maps.job)  # the maps are written in a job
    written = sorted(p.name for p in out.iterdir())
    assert not asked and len(written) == 4
    fe = next(out.glob("*_Fe_*.tif"))
    fe.write_bytes(b"a map corrected by hand")
    maps._save_clicked()  # answered No: nothing replaced
    assert asked and fe.name in asked[-1] and fe.read_bytes() == b"a map corrected by hand"
    answer(QMessageBox.Yes)
    maps._save_clicked()
    wait_idle(qtbot, maps.job)
    assert fe.read_bytes() != b"a map corrected by hand"
    assert written == sorted(p.name for p in maps.map_files(out))  # asked about what is written


# -- 7. a deleted map layer is no longer offered for an RGB composite ---------------------------
def test_rgb_composite_refuses_a_deleted_map_layer(mapped, qtbot):
    viewer, maps = mapped
    viewer.layers.remove(maps.map_layers["Fe"])
    for combo in maps.rgb_combos:
        assert "Fe" not in [combo.itemText(i) for i in range(combo.count())]
    with pytest.raises(ValueError, match="Fe was deleted"):
        maps.add_composite(["Fe", "Pb", "Cu"])
    with caught_notifications() as seen:
        maps._rgb_clicked()  # from the maps left
        wait_idle(qtbot, maps.job)  # Add composite's job
    assert not seen
    assert "Fe" not in viewer.layers[-1].metadata["xrf_composite"]


# -- 6. Pigments' Export report never writes over the open scan --------------------------------
def test_pigments_export_refuses_to_write_over_the_open_scan(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A report's region_spectra.csv opened again (a single spectrum), fitted, and exported into
    the same folder: the scan's own file was overwritten once the user said Yes to 'Replace?'.
    The CSV is written as Export report writes it (save_spectra_csv: each region's mean counts
    per pixel on the canonical grid), not by a first fit and export of the painted scan."""
    pytest.importorskip("xraylib")
    from _napari_helpers import painted_counts
    from qtpy.QtWidgets import QMessageBox

    import xrf_napari.widgets._dialogs as module  # the docks' dialogs (Export report's too)
    from xrf_napari.analysis.export import save_spectra_csv
    from xrf_napari.energy import canonical_energy
    from xrf_napari.widgets.pigments import PigmentsWidget

    counts, labels = painted_counts()
    means = {f"region_{k}_mean": (canonical_energy(), counts[labels == k].mean(0)) for k in (1, 2)}
    out = tmp_path / "report"
    out.mkdir()
    spectra = save_spectra_csv(out / "region_spectra.csv", means, comments=["mean counts"])
    viewer = make_napari_viewer()
    opened = open_cube(viewer, spectra)[-1]
    widget = _dock(viewer, PigmentsWidget)
    widget.use_uvit.setChecked(False)
    widget.device.setCurrentText("cpu")
    widget.fwhm_spin.setValue(140)  # the painted lines' resolution: no trials to estimate it
    widget.cube_combo.set_layer(opened)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    original = spectra.read_bytes()
    monkeypatch.setattr(module.QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a) or QMessageBox.Yes)
    with caught_notifications() as seen:
        widget._export_clicked()
    assert spectra.read_bytes() == original
    assert not asked  # refused before any question
    assert any("is the input" in str(n.message) for n in seen), [str(n.message) for n in seen]
    with pytest.raises(ValueError, match="is the input"):
        widget.export(out)


# -- 8. Spectrum Export CSV: the mean first, the scan named as its results are -----------------
def test_spectrum_export_puts_the_mean_first_and_names_the_scan(
    make_napari_viewer, qtbot, tmp_path
):
    """The mouse moved over the scan before its survey ended: the pixel curve came first, so the
    CSV opened again was that pixel, not the mean; the header named the 'scan sum' image."""
    from _napari_helpers import cube_stack_name

    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import MEAN_CURVE, PIXEL_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    widget = _dock(viewer, SpectrumWidget)
    wait_idle(qtbot, widget.job)
    mean = widget.curves.pop(MEAN_CURVE)  # as when the pixel arrived before the survey
    assert widget.show_pixel(3, 5)
    widget.curves[MEAN_CURVE] = mean
    assert list(widget.curves)[:2] == [PIXEL_CURVE, MEAN_CURVE]
    out = tmp_path / "spectra.csv"
    widget.export_csv(out)
    text = out.read_text()
    header = next(r for r in text.splitlines() if not r.startswith("#")).split(",")
    assert header == ["energy_keV", MEAN_CURVE, "pixel y=3 x=5"]  # the pixel named (walkpig45)
    assert f"cube: {cube_stack_name(viewer)};" in text and " sum;" not in text
    back = read_cube(out)
    np.testing.assert_allclose(np.asarray(back.data[0, 0], float), mean[1], rtol=1e-5)


# -- 9. a scan without calibration: messages point to what can set one --------------------------
RPL = (
    "key\tvalue\nwidth\t{w}\nheight\t{h}\ndepth\t{c}\noffset\t0\ndata-Length\t2\n"
    "data-type\tunsigned\nbyte-order\tlittle-endian\nrecord-by\tvector\n"
)


def _flat_uncalibrated_scan(folder):
    """A .rpl without calibration keys whose flat noise defeats automatic calibration."""
    rng = np.random.default_rng(0)
    data = rng.poisson(5.0, size=(16, 16, 256))
    data[:8] = rng.poisson(10.0, size=(8, 16, 256))
    (folder / "flat.rpl").write_text(RPL.format(w=16, h=16, c=256))
    data.astype("<u2").tofile(folder / "flat.raw")
    return folder / "flat.rpl"


def test_an_uncalibrated_scan_points_to_where_a_calibration_is_set(
    make_napari_viewer, qtbot, tmp_path
):
    """Pigments said 'calibrate the cube first (automatic calibration in the reader or the
    Spectrum dock)', a control that does not exist; the Spectrum CSV said 'gain 1 keV/channel'."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    scan = open_cube(viewer, _flat_uncalibrated_scan(tmp_path))[-1]
    assert scan.metadata["xrf_cube"].calibration.source == "none"
    spectrum, maps, pigments = (
        _dock(viewer, c) for c in (SpectrumWidget, ElementMapsWidget, PigmentsWidget)
    )
    wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, maps.job)
    assert "sidecar" in spectrum.calibration_label.toolTip()
    out = tmp_path / "spectra.csv"
    spectrum.export_csv(out)
    header = [r for r in out.read_text().splitlines() if r.startswith("#")]
    assert any("no energy calibration (x = channel number)" in r for r in header), header
    assert not any("keV/channel" in r for r in header), header
    said = []
    for dock, start in ((maps, maps.run), (pigments, pigments.run)):
        if dock is maps:
            maps.set_checked_elements(["Fe"])
        else:
            viewer.add_labels(np.ones((16, 16), np.int32), name="drawn")
            pigments.labels_combo.set_layer(viewer.layers["drawn"])
            pigments.use_uvit.setChecked(False)
        with caught_notifications() as seen:
            # both refuse before any job: Pigments since session 40 (tests/test_docks40.py),
            # Make maps since session 56 (tests/test_calnote56.py)
            assert start() is None
            wait_idle(qtbot, dock.job, timeout=60000)
        said += [str(n.message) for n in seen]
    assert len(said) == 2 and all("JSON sidecar" in m for m in said), said
    assert not any("Spectrum dock" in m for m in said), said


# -- 10. Embed & cluster says when the scan is unlike the training data -------------------------
def test_embed_warns_about_a_scan_unlike_the_training_data(make_napari_viewer, qtbot, tmp_path):
    """Regions of an uncalibrated noise scan came with a plain 'Done.' (Recolour warned). Such
    a scan is now refused as it is chosen (its channel numbers read as keV: tests/test_left56.py),
    before any model loads, saying so."""
    viewer = make_napari_viewer()
    open_cube(viewer, _flat_uncalibrated_scan(tmp_path))
    embed = _dock(viewer, EmbedClusterWidget)
    assert embed.run() is None and embed.result is None
    assert "no energy calibration" in embed.job.status.text(), embed.job.status.text()


# a good scan's verdict (like the training data): in test 1, on its clustering run


# -- 11. a single spectrum is refused up front, pointing to the Pigments panel ------------------
def test_embed_refuses_a_single_spectrum_before_loading_the_model(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The job loaded the model and embedded, then failed naming the CLI command."""
    from _pigment_scans import CANON, stripe_scan

    import xrf_napari.analysis.embed as core
    from xrf_napari.io.project_h5 import write_cube

    syn, _ = stripe_scan([(["Vermilion", "Lead white"], [0.4, 0.6])], 4)
    path = write_cube(tmp_path / "spot.h5", syn.counts[:1, :1], CANON, metadata=syn.metadata)
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    embed = _dock(viewer, EmbedClusterWidget)
    loads = []
    monkeypatch.setattr(core, "load_embedder", lambda *a, **k: loads.append(a))
    with caught_notifications() as seen:
        assert embed.run() is None
        qtbot.wait(50)
    said = [str(n.message) for n in seen]
    assert len(said) == 1 and "single spectrum" in said[0] and "Pigments panel" in said[0], said
    assert "xrf-napari pigments" not in said[0] and not loads and not embed.job.is_running


def test_regions_list_puts_the_chosen_scans_regions_first_and_marks_the_others(
    make_napari_viewer, tmp_path
):
    """The Regions list offered every Labels layer in layer order and kept scan A's clusters
    chosen when scan B was chosen (GUI audit 4, second part): the run was then refused."""
    from xrf_napari.widgets._layers import layer_cube, upsert_layer
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    b = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    regions = np.ones((24, 20), np.int32)
    upsert_layer(viewer, "clusters [a]", regions, kind="labels", cube=layer_cube(a))
    viewer.add_labels(np.ones((5, 5), np.int32), name="small")
    viewer.add_labels(regions, name="drawn")  # drawn by the user: fits either scan
    widget = _dock(viewer, PigmentsWidget)
    combo = widget.labels_combo
    widget.cube_combo.set_layer(a)
    combo.set_layer(viewer.layers["clusters [a]"])
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == ["clusters [a]", "drawn", "small  (5x5: not the scan's size)"], items
    widget.cube_combo.set_layer(b)  # A's clusters no longer fit: the first that does is chosen
    assert combo.current_layer() is viewer.layers["drawn"]
    items = [combo.itemText(i) for i in range(combo.count())]
    assert items == [
        "drawn",
        "clusters [a]  (another scan's regions)",
        "small  (5x5: not the scan's size)",
    ], items
    combo.set_layer(viewer.layers["small"])  # an explicit choice of one that does not fit stays
    assert combo.current_layer() is viewer.layers["small"]
    with caught_notifications() as seen:
        assert widget.run() is None
    assert any("got (5, 5)" in str(n.message) for n in seen), [str(n.message) for n in seen]
