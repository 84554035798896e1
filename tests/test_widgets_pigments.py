"""Pigments dock in a real napari viewer: one row per region, candidates paint the "pigment
recolour" layer, rows select regions, export writes the report, Cancel and bad labels."""

import numpy as np
import pytest
from _napari_helpers import cube_stack_name, open_cube, tiny_weights, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


pytest.importorskip("xraylib")

from _pigment_scans import CANON, stripe_scan

from xrf_napari.io.project_h5 import write_cube
from xrf_napari.widgets.pigments import PigmentsWidget

RECIPES = [(["Vermilion", "Lead white"], [0.4, 0.6]), (["Azurite"], [1.0]), (["Zinc white"], [1.0])]
SIZE = 30


@pytest.fixture(scope="module")
def scan_file(tmp_path_factory):
    syn, labels = stripe_scan(RECIPES, SIZE)  # a gypsum ground without lead priming
    path = tmp_path_factory.mktemp("pigdock") / "scan.h5"
    write_cube(path, syn.counts, CANON, metadata=dict(syn.metadata, name="scan"))
    return path, labels + 1


@pytest.fixture
def docked(make_napari_viewer, scan_file, tmp_path):
    viewer = make_napari_viewer()
    path, labels = scan_file
    open_cube(viewer, path)
    viewer.add_labels(labels, name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    return viewer, widget, labels


def test_rows_candidates_recolour_layer_selection_and_export(docked, qtbot, tmp_path, monkeypatch):
    viewer, widget, labels = docked
    widget.use_uvit.setChecked(False)
    assert widget.labels_combo.currentText() == "regions"
    assert widget.run() is not None
    assert widget.run() is None  # one job at a time
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.table.rowCount() == 3
    first = widget.table.cellWidget(0, 1)
    assert (
        "Vermilion" in first.itemText(0)  # lead white or its X-ray twin red lead
        and ("Lead white" in first.itemText(0) or "Red lead" in first.itemText(0))
        and "%" in first.itemText(0)
    )
    assert "Carbon black" in first.toolTip()  # hidden partners named
    assert first.count() == len(widget.report.regions[0].candidates)  # no photograph: no mixture
    assert not widget.suggested_button.isEnabled()
    assert "Hg" in widget.table.item(0, 2).text()
    # the row's size is the whole region, its interior (the spectrum's pixels) said apart
    inner = widget.report.regions[0].n_pixels
    assert 0 < inner < (labels == 1).sum()
    assert widget.table.item(0, 0).text() == (
        f"1  ({(labels == 1).sum()} px, spectrum from {inner} interior px)"
    )
    assert "interior pixels" in widget.table.item(0, 0).toolTip()
    layer = viewer.layers[f"pigment recolour [{cube_stack_name(viewer)}]"]
    assert layer.rgb and layer.data.shape == (SIZE, SIZE, 3)
    rep = widget.report
    np.testing.assert_allclose(
        layer.data[labels == 1][0], rep.regions[0].candidates[0].rgb, atol=1e-6
    )
    # below the scan (beside it stands the Recolour dock's result: one place hid the other)
    assert layer.translate[0] > SIZE and layer.translate[1] == 0
    # choosing the second candidate of region 2 repaints that region only
    before = np.array(layer.data)
    widget.choose(1, 1)
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    after = np.asarray(layer.data)
    np.testing.assert_allclose(after[labels == 2][0], rep.regions[1].candidates[1].rgb, atol=1e-6)
    np.testing.assert_array_equal(after[labels != 2], before[labels != 2])
    # a row selects its region in the Labels layer
    widget.table.selectRow(2)
    assert viewer.layers["regions"].selected_label == 3
    widget.placement.setCurrentIndex(1)
    assert tuple(layer.translate) == (0.0, 0.0)
    paths = widget.export(tmp_path / "report")
    assert paths["report.html"].is_file() and "Vermilion" in paths["candidates.csv"].read_text()
    from xrf_napari import __version__

    page = paths["report.html"].read_text(encoding="utf-8")  # says what made it (audit 26)
    assert f"made by xrf-napari {__version__}" in page
    assert "Pigments panel: scan " in page and "regions from layer &#x27;regions&#x27;" in page
    # the export keeps the choice made above: region 2's second candidate, in the CSV and image
    rows = [
        line.split(",")
        for line in paths["candidates.csv"].read_text().splitlines()
        if not line.startswith("#")
    ]
    head = rows[0]
    chosen = {
        r[head.index("region")]: r[head.index("rank")]
        for r in rows[1:]
        if r[head.index("chosen")] == "1"
    }
    assert chosen == {"1": "1", "2": "2", "3": "1"}
    from PIL import Image

    painted = np.asarray(Image.open(paths["pigment_recolour.png"]))
    np.testing.assert_allclose(
        painted[labels == 2][0] / 255, rep.regions[1].candidates[1].rgb, atol=0.5 / 255 + 1e-6
    )
    np.testing.assert_array_equal(np.asarray(Image.open(paths["regions.png"])), labels)
    # Export report... into a folder holding a report asks first (the folder dialog does not)
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(tmp_path / "report"))
    for answer, kept in ((QMessageBox.No, True), (QMessageBox.Yes, False)):
        paths["candidates.csv"].write_text("the earlier report")
        monkeypatch.setattr(QMessageBox, "question", lambda *a, answer=answer: answer)
        widget._export_clicked()
        wait_idle(qtbot, widget.job)  # the report is written in a job
        assert (paths["candidates.csv"].read_text() == "the earlier report") == kept
    # the instrument the file may not name, set in the dock, reaches the fit
    assert widget.instrument() == {}
    widget.instrument_row.anode_combo.setCurrentText("Mo")
    widget.instrument_row.kv_spin.setValue(35)
    assert widget.fwhm_spin.text() == "from the file (145 eV)"  # its minimum: not passed
    widget.fwhm_spin.setValue(170)
    widget.instrument_row.optic_combo.setCurrentText("polycapillary lens")  # the Instrument row's
    widget.instrument_row.gas_combo.setCurrentText("helium")
    assert widget.instrument() == {
        "anode": "Mo",
        "kv": 35.0,
        "fwhm_mn_ev": 170.0,
        "optic": "lens",
        "atmosphere": "helium",
    }
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    p = widget.report.profile
    assert (p.anode, p.kv, p.fwhm_mn_ev, p.optic, p.atmosphere) == (
        "Mo",
        35.0,
        170.0,
        "polycapillary",
        "helium",
    )


def test_uvit_colours_cancel_and_bad_labels(docked, qtbot, tmp_path, monkeypatch):
    viewer, widget, _ = docked
    widget.use_uvit.setChecked(True)
    widget.uvit_weights, widget.dve_weights = (str(p) for p in tiny_weights(tmp_path)[::-1])
    assert widget.run() is not None
    widget.job.cancel()
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.report is None and widget.job.status.text().startswith("Cancel")
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert set(widget.colours) == {1, 2, 3}
    assert not widget.table.item(0, 0).icon().isNull()
    viewer.add_labels(np.ones((5, 5), np.int32), name="small")
    widget.labels_combo.set_layer(viewer.layers["small"])
    assert widget.run() is None  # wrong shape: a message, no job
    said = []
    monkeypatch.setattr(
        "xrf_napari.widgets.pigments.report_error", lambda exc, ctx="": said.append(str(exc))
    )
    viewer.add_labels(np.zeros((SIZE, SIZE), np.int32), name="empty")
    widget.labels_combo.set_layer(viewer.layers["empty"])
    assert widget.run() is None and not widget.job.is_running  # no region: a message, no job
    assert said == [
        "empty: the label map has no region: every pixel is 0 (not a region); paint regions, "
        "or make them with Embed & cluster"
    ]


def test_photograph_layer_orders_x_ray_twins(docked, qtbot):
    """A registered photograph (an RGB Image layer, any size of the scan's aspect) is a colour
    prior only when chosen: a green copper stripe puts malachite first; another area is refused."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    viewer, widget, labels = docked
    widget.use_uvit.setChecked(False)
    photo = np.zeros(labels.shape + (3,), np.float32)
    for lab, pig in ((1, "Vermilion"), (2, "Malachite")):
        photo[labels == lab] = get_pigment(pig).rgb
    pink = [get_pigment("Zinc white").rgb, get_pigment("Red lake").rgb]
    photo[labels == 3] = km_mix(np.array(pink), np.array([[0.7, 0.3]]))[0]  # a hidden lake
    viewer.add_image(np.kron(photo, np.ones((3, 3, 1), np.float32)), rgb=True, name="photo")
    assert widget.photo_combo.current_layer() is None  # never picked by itself
    widget.photo_combo.set_layer(viewer.layers["photo"])
    assert widget.photo_combo.currentText() == "photo"
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.report.regions[1].best.pigments == ["Malachite"]
    assert "Colour prior: photograph" in widget.info.text()
    assert widget.table.item(1, 0).toolTip().startswith("photograph of the region; ")
    assert widget.report.regions[2].best.pigments == ["Zinc white"]  # the lines still decide
    assert "photograph suggests + " in widget.table.item(2, 3).text()
    assert "lake" in widget.table.item(2, 3).text()  # red or madder lake: X-ray twins
    # the suggestion is the last option of the region's combo: chosen, it paints the pink mixture
    region = widget.report.regions[2]
    combo = widget.table.cellWidget(2, 1)
    assert combo.count() == len(region.candidates) + 1
    assert "photograph's colour" in combo.itemText(combo.count() - 1)
    recolour = widget.result_layer
    np.testing.assert_allclose(recolour.data[labels == 3][0], region.best.rgb, atol=1e-6)
    widget.choose(2, combo.count() - 1)
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    np.testing.assert_allclose(recolour.data[labels == 3][0], region.suggested.rgb, atol=1e-6)
    assert widget.result.choices[2] == len(region.candidates)
    widget.choose(2, 0)
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    np.testing.assert_allclose(recolour.data[labels == 3][0], region.best.rgb, atol=1e-6)
    assert widget.suggested_button.isEnabled()
    widget.paint_suggested()  # every region with a suggestion at once; the others keep theirs
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    assert widget.result.choices == [
        len(r.candidates) if r.suggested else 0 for r in widget.report.regions
    ]
    assert combo.currentIndex() == len(region.candidates)
    np.testing.assert_allclose(recolour.data[labels == 3][0], region.suggested.rgb, atol=1e-6)
    unframed = dict(widget.colours)
    assert widget.photo_combo.currentText() == "photo"  # the new result layer took nothing over
    # and is not offered as a photograph (nor would a latent RGB or a recolouring be)
    offered = [widget.photo_combo.itemText(i) for i in range(widget.photo_combo.count())]
    assert recolour.rgb and recolour.name not in offered and "photo" in offered
    # a wider photograph (black border) registered in the viewer: scaled and moved over the scan
    framed = np.zeros((3 * SIZE + 30, 3 * SIZE + 30, 3), np.float32)
    framed[15:-15, 15:-15] = np.kron(photo, np.ones((3, 3, 1), np.float32))
    viewer.add_image(
        framed, rgb=True, name="framed", scale=(1 / 3, 1 / 3), translate=(-16 / 3, -16 / 3)
    )
    widget.photo_combo.set_layer(viewer.layers["framed"])
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.report.regions[1].best.pigments == ["Malachite"]
    for lab in (1, 2, 3):  # the very pixels of the unframed photograph
        np.testing.assert_allclose(widget.colours[lab], unframed[lab], atol=1e-9)
    viewer.layers["framed"].rotate = 30
    assert widget.run() is None  # rotated: a message, no job
    viewer.add_image(np.zeros((SIZE, 2 * SIZE, 3), np.float32), rgb=True, name="wide")
    widget.photo_combo.set_layer(viewer.layers["wide"])
    assert widget.run() is None  # another aspect ratio: a message, no job
    widget.photo_combo.set_layer(None)
    assert widget.photo_combo.current_layer() is None


def test_find_regions_from_lines_and_photograph(make_napari_viewer, qtbot, tmp_path):
    """Two paints of one element (lead white, red lead: Pb only) become two regions when the
    photograph shows two colours; the Labels layer is then the Regions the fit uses, and the
    photograph puts red lead first on its stripe. Without a photograph: a message, no job."""
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.physics.pigments import get_pigment

    recipes = [(["Lead white"], [1.0]), (["Red lead"], [1.0]), (["Azurite"], [1.0])]
    syn, truth = stripe_scan(recipes, SIZE)
    path = tmp_path / "twins.h5"
    write_cube(path, syn.counts, CANON, metadata=dict(syn.metadata, name="twins"))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.find_regions() is None  # no photograph chosen: refused before any work
    photo = np.zeros(truth.shape + (3,), np.float32)
    for lab, (pigs, _) in enumerate(recipes):
        photo[truth == lab] = get_pigment(pigs[0]).rgb
    viewer.add_image(photo, rgb=True, name="photo")
    widget.photo_combo.set_layer(viewer.layers["photo"])
    widget.k_spin.setValue(3)
    assert widget.find_regions() is not None
    assert not widget.regions_button.isEnabled()  # one job at a time
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.regions_button.isEnabled()
    layer = widget.labels_combo.current_layer()
    assert layer is not None and layer.name.startswith("regions (lines + photograph)")
    found = np.asarray(layer.data)
    inner = np.zeros_like(truth, bool)
    inner[:, 2:-2] = True  # the 1-pixel blur mixes the stripes' edges
    for edge in (SIZE // 3, 2 * SIZE // 3):
        inner[:, edge - 2 : edge + 2] = False
    assert adjusted_rand_score(truth[inner], found[inner]) > 0.95  # Pb stripes told apart
    assert "3 regions" in widget.job.status.text()
    assert widget.run() is not None  # the found regions feed the fit
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    red = int(np.bincount(found[truth == 1]).argmax())
    row = [r.label for r in widget.report.regions].index(red)
    assert widget.report.regions[row].best.pigments == ["Red lead"]


def test_fits_follow_the_scan_and_go_with_it(docked, qtbot, scan_file, tmp_path):
    """Each scan keeps its own fit (rows, chosen candidates, Export): switching scans shows the
    other scan's, closing a scan forgets its fit, a fit whose scan closes meanwhile is dropped."""
    viewer, widget, _ = docked
    widget.use_uvit.setChecked(False)
    first = widget.cube_combo.current_layer()
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    widget.choose(1, 1)
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    # a second scan (another name): an empty table, nothing to export
    second_path = tmp_path / "other.h5"
    second_path.write_bytes(scan_file[0].read_bytes())
    second = open_cube(viewer, second_path)[-1]
    widget.cube_combo.set_layer(second)
    assert widget.table.rowCount() == 0 and widget.report is None
    assert not widget.export_button.isEnabled() and widget.info.text() == ""
    with pytest.raises(ValueError, match="nothing to export"):
        widget.export(tmp_path / "none")
    # back: the first scan's rows, with the candidate chosen before
    widget.cube_combo.set_layer(first)
    assert widget.table.rowCount() == 3 and widget.export_button.isEnabled()
    assert widget.chosen(1) == 1 and widget.chosen(0) == 0
    # a fit on the second scan, whose layer is closed while it runs: dropped, nothing painted
    widget.cube_combo.set_layer(second)
    assert widget.run() is not None
    second_stack = [ly for ly in viewer.layers if ly.ndim == 3 and ly.name.startswith("other")]
    for ly in second_stack + [second]:
        viewer.layers.remove(ly)
    wait_idle(qtbot, widget.job, timeout=120000)
    assert not any("pigment recolour [other" in ly.name for ly in viewer.layers)
    # every layer closed: no fit of any scan survives in the dock
    viewer.layers.clear()
    assert widget.table.rowCount() == 0 and widget.report is None
    assert not widget.export_button.isEnabled() and not widget._per_cube


def test_a_spot_spectrum_is_fitted_as_one_region(make_napari_viewer, qtbot, tmp_path):
    """A single spectrum opened in napari has no regions to draw or cluster: Find pigments makes a
    "whole scan" Labels layer and fits it (one row, the stripe's vermilion named)."""
    syn, labels = stripe_scan(RECIPES, SIZE)
    assert (labels[:, :8] == 0).all()  # inside the vermilion + lead white stripe
    spot = syn.counts[:, 1:8].sum(axis=(0, 1))[None, None]
    path = write_cube(tmp_path / "spot.h5", spot, CANON, metadata=dict(syn.metadata, name="spot"))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.use_uvit.setChecked(False)
    assert widget.labels_combo.current_layer() is None
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    region = next(ly for ly in viewer.layers if ly.name.startswith("whole scan ["))
    assert region.data.shape == (1, 1) and region.data[0, 0] == 1
    assert widget.table.rowCount() == 1
    assert "Vermilion" in widget.table.cellWidget(0, 1).itemText(0)


def test_a_spot_spectrum_from_the_plugins_menu(make_napari_viewer, tmp_path, qtbot):
    """Docked from the Plugins menu, a widget's viewer is napari's PublicOnlyProxy and so is every
    layer it hands out: a spot spectrum is still fitted as one region (it was refused with
    "choose a Labels layer of the scan's size (1, 1) ...; got (1, 1)"), and a second fit updates
    the "pigment recolour" layer in place, keeping the user's display choices (it was removed and
    added again)."""
    syn, _ = stripe_scan(RECIPES[:1], 4)
    path = tmp_path / "spot.h5"
    write_cube(path, syn.counts[:1, :1], CANON, metadata=dict(syn.metadata, name="spot"))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    _, widget = viewer.window.add_plugin_dock_widget("xrf-napari", "Pigments")
    assert type(widget.viewer).__name__ == "PublicOnlyProxy"  # what the test is about
    widget.use_uvit.setChecked(False)
    widget.device.setCurrentText("cpu")
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    (region,) = widget.report.regions
    assert region.n_pixels == 1 and "Vermilion" in region.best.pigments
    painted = viewer.layers[f"pigment recolour [{cube_stack_name(viewer)}]"]
    painted.opacity = 0.3
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    again = viewer.layers[f"pigment recolour [{cube_stack_name(viewer)}]"]
    assert again is painted and again.opacity == 0.3


def test_progress_and_cancel_while_the_instrument_is_estimated(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A file naming neither anode nor resolution: the fit tries 5 anodes and 4 resolutions (a
    component library each; 10.8 s on the sample painting) before any region, and the dock had
    no progress report nor a working Cancel in that time. Each stage is now named in the status,
    each instrument tried is a step of the bar, and Cancel stops the job there."""
    import time

    from xrf_napari.analysis import pigment_fit
    from xrf_napari.analysis.pigment_fit import FWHM_GRID

    built = []  # when each component library (one per instrument tried, then the regions') began
    real = pigment_fit.component_library
    monkeypatch.setattr(
        pigment_fit,
        "component_library",
        lambda p, **kw: built.append(time.monotonic()) or real(p, **kw),
    )

    syn, labels = stripe_scan(RECIPES, SIZE)
    path = write_cube(tmp_path / "bare.h5", syn.counts, CANON, metadata={"name": "bare"})
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    viewer.add_labels(labels + 1, name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.use_uvit.setChecked(False)
    assert widget.run() is not None
    qtbot.waitUntil(
        lambda: "Estimating the detector resolution" in widget.job.status.text(), timeout=60000
    )
    # the resolutions: the anode is the one the scan's scatter lines show (tube_guess.scan_anode)
    tried = len(FWHM_GRID)
    qtbot.waitUntil(lambda: widget.job.progress.maximum() == tried, timeout=30000)
    asked = time.monotonic()
    widget.job.cancel()
    wait_idle(qtbot, widget.job, timeout=60000)
    # at the next instrument tried, not after the regions: no library begun after Cancel but the
    # one it may have come just before (a bound of 8 s on the wall clock failed on busy cores)
    assert built and sum(t > asked for t in built) <= 1, (len(built), [t - asked for t in built])
    assert widget.report is None and widget.job.status.text().startswith("Cancel")


def test_a_renamed_scan_keeps_its_one_recolour_layer(docked, qtbot):
    """Renaming the scan after a fit, then choosing a candidate, made a second "pigment recolour
    [new name]" layer and left the first one stale; the layer is found by the scan it was made
    from, so the choice repaints it, and so does a new fit of the renamed scan."""
    viewer, widget, labels = docked
    widget.use_uvit.setChecked(False)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error

    def recolours():
        return [ly for ly in viewer.layers if ly.name.startswith("pigment recolour")]

    (layer,) = recolours()
    viewer.layers[cube_stack_name(viewer)].name = "renamed"
    widget.choose(1, 1)
    qtbot.waitUntil(lambda: not widget.repainting)  # painted in a worker
    assert recolours() == [layer] and widget.result_layer is layer
    second = widget.report.regions[1].candidates[1].rgb
    np.testing.assert_allclose(layer.data[labels == 2][0], second, atol=1e-6)
    assert widget.run() is not None  # a new fit of the renamed scan: the same layer again
    wait_idle(qtbot, widget.job, timeout=120000)
    assert recolours() == [layer] and widget.result_layer is layer
    first = widget.report.regions[1].candidates[0].rgb
    np.testing.assert_allclose(layer.data[labels == 2][0], first, atol=1e-6)
