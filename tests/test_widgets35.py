"""GUI audit 35 (/work/runs35/audit_gui35/report.md) and its follow-ups in session 36: each test
failed before its fix."""

import numpy as np
import pytest
from _napari_helpers import open_cube, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


SIZE = 20
#: what the Pigments panel says once its fit's Labels layer changed
STALE_NOTE = "The regions changed since this fit: press Find pigments again."
#: and once it was deleted
GONE_NOTE = (
    "The regions of this fit (\u201c{}\u201d) were deleted: choose or make regions, then press "
    "Find pigments again."
)


@pytest.fixture(scope="module")
def stripes(tmp_path_factory):
    """A two-stripe painted scan (vermilion over azurite) and its regions (1, 2)."""
    pytest.importorskip("xraylib")
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube

    syn, labels = stripe_scan([(["Vermilion"], [1.0]), (["Azurite"], [1.0])], SIZE)
    path = tmp_path_factory.mktemp("stripes") / "scan.h5"
    write_cube(path, syn.counts, CANON, metadata=dict(syn.metadata, name="scan"))
    return path, labels + 1


@pytest.fixture
def pigments(make_napari_viewer, stripes):
    """(viewer, Pigments dock, the "regions" Labels layer) on the stripes scan."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    path, labels = stripes
    open_cube(viewer, path)
    regions = viewer.add_labels(labels.copy(), name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    widget.labels_combo.set_layer(regions)
    return viewer, widget, regions


# -- 1. region numbers the report cannot keep are refused before the fit, naming the layer -------
@pytest.mark.parametrize("value", [70000, -3, 2**32 + 1])
def test_region_numbers_outside_1_to_65535_are_refused_before_the_fit(pigments, value):
    from xrf_napari.analysis.pigment_report import MAX_LABEL

    viewer, widget, regions = pigments
    data = regions.data.astype(np.int64)
    data[data == 2] = value
    ids = viewer.add_labels(data, name="ids")  # another segmenter's region numbers
    widget.labels_combo.set_layer(ids)
    assert widget.run() is None  # no job: nothing fitted that Export could not save
    status = widget.job.status.text()
    assert status.startswith("Pigments: ids: label values")  # (2**32 + 1 wrapped to 1 in int32)
    assert str(value) in status and f"1 to {MAX_LABEL}" in status
    assert widget.result is None and widget.table.rowCount() == 0


# -- 2. Embed & cluster run again rewrites the fitted clusters layer: the rows stop selecting ------
def test_rows_stop_selecting_regions_once_the_labels_layer_is_rewritten_or_painted(
    pigments, qtbot, tmp_path
):
    from _napari_helpers import cluster_with_tiny_dve

    viewer, widget, _ = pigments
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=3)
    clusters = embed.labels_layer
    widget.labels_combo.set_layer(clusters)

    def fit():
        assert widget.run() is not None
        wait_idle(qtbot, widget.job, timeout=120000)
        assert widget.job.last_error is None, widget.job.last_error
        assert not widget.info.text().startswith(STALE_NOTE)

    def click(row):
        clusters.selected_label = 0
        widget.table.setCurrentCell(row, 0)  # a click on the row
        return clusters.selected_label

    fit()
    fitted = [r.label for r in widget.report.regions]
    assert click(1) == fitted[1]
    clusters.data = clusters.data.copy()  # the same regions set again: the rows still hold
    assert click(0) == fitted[0]
    embed.k_spin.setValue(2)  # Embed & cluster again, into other regions, in the same layer
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.labels_layer is clusters and len(np.unique(clusters.data)) == 2 < len(fitted)
    assert widget.info.text().startswith(STALE_NOTE)
    assert widget.table.rowCount() == len(fitted)
    assert click(1) == 0  # not region 2 of the new clusters, which the fit never saw
    fit()  # Find pigments again: the rows select the new regions
    assert click(1) == widget.report.regions[1].label
    clusters.paint((0, 0), 7, refresh=True)  # a stroke of napari's brush
    assert widget.info.text().startswith(STALE_NOTE)
    assert click(0) == 0


# -- 2b (session 36). Undoing the stroke gives the fit its regions back: the note goes --------
def test_undoing_a_stroke_on_the_fitted_regions_makes_the_fit_current_again(pigments, qtbot):
    viewer, widget, regions = pigments
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    fitted = widget.report.regions[1].label

    def click(row):
        regions.selected_label = 0
        widget.table.setCurrentCell(row, 0)
        widget.table.setCurrentCell(-1, -1)  # the next click is a change of row again
        return regions.selected_label

    assert click(1) == fitted
    regions.selected_label = 2
    regions.paint((0, 0), 2, refresh=True)  # a stroke of napari's brush over region 1
    assert widget.info.text().startswith(STALE_NOTE) and click(1) == 0
    regions.undo()  # napari's undo: only set_data is emitted
    assert np.array_equal(regions.data, widget.result.labels)
    assert not widget.info.text().startswith(STALE_NOTE)
    assert click(1) == fitted
    regions.redo()  # the stroke again
    assert widget.info.text().startswith(STALE_NOTE) and click(1) == 0


# -- 2c (session 36). The fitted Labels layer deleted: the note says so, the rows select nothing --
def test_deleting_the_fitted_labels_layer_says_the_regions_changed(pigments, qtbot):
    """Deleted, the fitted regions layer left rows that select nothing and an info line that did
    not say why (a layer of that name made again, Embed & cluster with another K, looked like
    theirs)."""
    viewer, widget, regions = pigments
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.table.rowCount() == 2 and STALE_NOTE not in widget.info.text()

    viewer.layers.remove(regions)
    assert widget.info.text().startswith(GONE_NOTE.format("regions"))


# -- 3. a save named as the scan is refused before "scan.tif already exists. Replace?" ------------
@pytest.mark.parametrize("dock", ["recolour", "embed"])
def test_a_save_over_the_scan_is_refused_before_asking_to_replace_it(
    make_napari_viewer, tmp_path, monkeypatch, dock
):
    import json

    import tifffile
    from _napari_helpers import painted_counts, scripted_questions
    from _spectra import CANONICAL_CAL
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    scan = tmp_path / "scan.tif"
    tifffile.imwrite(scan, np.moveaxis(painted_counts()[0], -1, 0))
    sidecar = {"offset": CANONICAL_CAL.offset, "gain": CANONICAL_CAL.gain}
    (tmp_path / "scan.json").write_text(json.dumps(sidecar), encoding="utf-8")
    before = scan.read_bytes()
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    widget = {"recolour": RecolourWidget, "embed": EmbedClusterWidget}[dock](viewer)
    viewer.window.add_dock_widget(widget)
    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.Yes)  # a user who says Yes to a question about the scan
    chosen = (str(tmp_path / "scan"), "TIFF (*.tif *.tiff)")  # completed as scan.tif
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: chosen))
    widget._save_clicked()
    assert asked == []  # no question offering to replace the scan
    status = widget.job.status.text()
    assert status.startswith("Save: output") and f"is the input {scan}" in status
    assert scan.read_bytes() == before


# -- 3b (session 36). The dialog asks nothing itself: one question, ours, after the input check ---
def test_a_name_typed_in_full_is_asked_about_once_by_us_and_an_input_not_at_all(
    qapp, tmp_path, monkeypatch
):
    from _napari_helpers import scripted_questions
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.fileutil import OutputError, check_outputs
    from xrf_napari.widgets import _dialogs

    monkeypatch.setattr(_dialogs, "OWN_REPLACE_QUESTION", True, raising=False)  # as off macOS
    calls = []

    def dialog_returns(typed):
        def dialog(*args):
            calls.append(args)
            return typed, "PNG (*.png)"

        monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)

    out, scan = tmp_path / "out.png", tmp_path / "scan.png"
    for f in (out, scan):
        f.write_bytes(b"earlier")
    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.No)
    dialog_returns(str(out))
    assert _dialogs.ask_save_path(None, "Save", "PNG (*.png)") == ""  # declined: nothing written
    assert calls[-1][-1] == QFileDialog.Option.DontConfirmOverwrite  # Qt's question is off
    assert len(asked) == 1 and "out.png already exists" in asked[0]
    answer(QMessageBox.Yes)
    assert _dialogs.ask_save_path(None, "Save", "PNG (*.png)") == str(out)
    dialog_returns(str(scan))  # the open scan's own name, typed in full
    with pytest.raises(OutputError, match="is the input"):
        _dialogs.ask_save_path(
            None, "Save", "PNG (*.png)", check=lambda files: check_outputs(files, inputs=[scan])
        )
    assert len(asked) == 2  # the refusal came first, with no question about the scan
    assert scan.read_bytes() == b"earlier"


# -- 4. Spectrum > Export CSV... says what it saved, as every other dock's save does ---------------
def test_spectrum_export_says_saved_and_the_files_name(make_napari_viewer, qtbot, tmp_path):
    from _napari_helpers import write_painted_cube
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the mean spectrum is plotted
    assert widget.curves
    chosen = (str(tmp_path / "spectra"), "CSV (*.csv)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: chosen))
        widget._export_clicked()
    wait_idle(qtbot, widget.job)  # the CSV is written in the dock's job (ed1c800)
    assert (tmp_path / "spectra.csv").is_file()
    assert widget.job.status.text() == "Saved spectra.csv."
