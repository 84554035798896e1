"""The docks, session 51: Pigments paints a chosen candidate in a worker (the last choice wins),
and the Spectrum dock's Export CSV... writes in its job, not in napari's GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _two_paints_per_region(cube, labels, **_):
    """iter_fit_regions without a fit: each region two candidates, two colours of its own."""
    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    yield 0, 1
    regions = []
    for k in np.unique(labels[labels > 0]):
        region = RegionResult(int(k), 10, 900.0, np.ones(512), region_pixels=10)
        region.candidates = [
            Candidate([name], [1.0], ["Hg"], [], (0.2 * int(k) % 1.0, shade, 0.3), p, 1.0, 0.0)
            for name, shade, p in (("Vermilion", 0.5, 0.6), ("Red lead", 0.9, 0.4))
        ]
        regions.append(region)
    return PigmentReport(regions, InstrumentProfile(), ["gypsum"], [], canonical_energy())


def _fitted_dock(viewer, qtbot, tmp_path, monkeypatch):
    """A Pigments dock showing a stand-in fit of the painted scan's regions."""
    from _napari_helpers import pigments_dock_on_painted_regions

    from xrf_napari.analysis import pigment_fit

    monkeypatch.setattr(pigment_fit, "iter_fit_regions", _two_paints_per_region)
    dock, regions = pigments_dock_on_painted_regions(viewer, tmp_path)
    dock.use_uvit.setChecked(False)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    return dock, regions


def _gated_paint(monkeypatch):
    """paint_regions recording whether it ran in the GUI thread; outside it, each call waits
    for the returned Event (5 s at most), so a test can choose again meanwhile."""
    from xrf_napari.analysis import pigment_report

    real, gate, on_gui = pigment_report.paint_regions, threading.Event(), []

    def gated(*args, **kwargs):
        on_gui.append(threading.current_thread() is threading.main_thread())
        if not on_gui[-1]:
            gate.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr(pigment_report, "paint_regions", gated)
    return real, gate, on_gui


def test_a_chosen_candidate_is_painted_in_a_worker_and_the_last_choice_wins(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Choosing a region's candidate painted the pigment recolour in napari's GUI thread
    (paint_regions: 0.9 s at 4000 x 4000 px, the viewer frozen): a worker paints it now. A
    second choice while the first is painted wins: the first's painting, no longer wanted,
    is never shown, and the layer ends with both choices' colours."""
    viewer = make_napari_viewer()
    dock, regions = _fitted_dock(viewer, qtbot, tmp_path, monkeypatch)
    layer = dock.result_layer
    shown = []
    layer.events.data.connect(lambda _: shown.append(np.array(layer.data)))
    real, gate, on_gui = _gated_paint(monkeypatch)
    try:
        dock.choose(0, 1)
        qtbot.waitUntil(lambda: len(on_gui) == 1)  # the first painting is under way, held
        assert on_gui == [False], on_gui  # in a worker
        dock.choose(1, 1)  # while it runs
        assert dock.result.choices[:2] == [1, 1] and shown == []
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not dock.repainting, timeout=5000)
    assert on_gui == [False, False], on_gui  # each choice's painting, in a worker
    want = real(dock.report, regions.data, dock.result.choices)
    assert len(shown) == 1 and np.array_equal(shown[0], want)  # only the last choice's
    assert np.array_equal(layer.data, want)


def test_a_painting_landing_after_the_dock_closed_is_dropped(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The dock closed while a worker paints a choice (it painted in the GUI thread before):
    the painting is dropped, the layer keeps what it showed and nothing fails."""
    viewer = make_napari_viewer()
    dock, _ = _fitted_dock(viewer, qtbot, tmp_path, monkeypatch)
    layer = dock.result_layer
    before = np.array(layer.data)
    _, gate, on_gui = _gated_paint(monkeypatch)
    try:
        dock.choose(0, 1)
        qtbot.waitUntil(lambda: len(on_gui) == 1)
        assert on_gui == [False], on_gui  # in a worker
        viewer.window.remove_dock_widget(dock)
        dock.dock_closed()  # as napari's x does (remove_dock_widget may not call it)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not dock.repainting, timeout=5000)
    assert on_gui == [False] and np.array_equal(layer.data, before)


def test_spectrum_export_csv_writes_in_the_docks_job(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Export CSV... wrote the file in napari's GUI thread: it writes in the dock's job now
    (CubeDock.save_in_job, as the other docks' saves), saying "Saving spectra.csv..." then
    "Saved spectra.csv."; the file is the one export_csv writes."""
    from xrf_napari.analysis import export
    from xrf_napari.widgets import _dialogs
    from xrf_napari.widgets.spectrum import MEAN_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    assert MEAN_CURVE in dock.curves
    real, on_gui = export.save_spectra_csv, []

    def recorded(*args, **kwargs):
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "save_spectra_csv", recorded)
    out = tmp_path / "spectra.csv"
    monkeypatch.setattr(_dialogs, "ask_save_path", lambda *a, **k: str(out))
    dock._export_clicked()
    wait_idle(qtbot, dock.job)
    assert on_gui == [False], on_gui
    assert dock.job.status.text() == "Saved spectra.csv."
    monkeypatch.setattr(export, "save_spectra_csv", real)
    dock.export_csv(tmp_path / "now.csv")  # a script's call writes at once, the same file
    assert out.read_bytes() == (tmp_path / "now.csv").read_bytes()


def test_pigments_export_rounds_the_recolour_in_its_job(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Export report... of a fit without a colour prior rounded the full-size pigment recolour
    to bytes (the thumbnails' background) in napari's GUI thread before its job started
    (as_uint8: 0.9 s at 4000 x 4000 px): the job's render_html rounds it, as it rounds any
    float background."""
    from xrf_napari.analysis import pigment_report
    from xrf_napari.widgets import pigments

    viewer = make_napari_viewer()
    dock, _ = _fitted_dock(viewer, qtbot, tmp_path, monkeypatch)
    assert dock.result.background is None  # no colour prior: the recolour is the background
    real, on_gui = pigment_report.as_uint8, []

    def recorded(rgb):
        on_gui.append(threading.current_thread() is threading.main_thread())
        return real(rgb)

    monkeypatch.setattr(pigment_report, "as_uint8", recorded)
    monkeypatch.setattr(pigments, "ask_folder", lambda *a, **k: str(tmp_path / "report"))
    dock._export_clicked()
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    assert (tmp_path / "report" / "report.html").is_file()
    assert on_gui and not any(on_gui), on_gui
