"""Recolour > Save wrote its PNG on napari's GUI thread (a 2000 x 2000 image: 2 s with the viewer
frozen), and Pigments > Export report its report's PNGs. Both now write in the dock's job worker,
what they write taken when the path was chosen."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    open_cube,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _recoloured(viewer, qtbot, tmp_path):
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None and dock.result is not None, dock.job.status.text()
    return dock


def _dialog_returns(monkeypatch, path) -> None:
    from qtpy.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(path), a[3].split(";;")[0]))


def test_recolour_save_writes_off_the_gui_thread_and_survives_the_layer_deleted(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The PNG is written by a thread other than the GUI's; its layer deleted while the save
    runs loses nothing; a second Save while it runs is refused with why; the line says where."""
    import xrf_napari.analysis.recolour as recolour_mod

    viewer = make_napari_viewer()
    dock = _recoloured(viewer, qtbot, tmp_path)
    expected = (np.clip(dock.result.rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    gate, threads = threading.Event(), []
    real = recolour_mod.save_rgb

    def held(path, rgb, provenance=None):
        threads.append(threading.current_thread())
        if threads[-1] is not threading.main_thread():  # on the GUI thread it would never end
            assert gate.wait(30)
        return real(path, rgb, provenance)

    monkeypatch.setattr(recolour_mod, "save_rgb", held)
    out = tmp_path / "out.png"
    _dialog_returns(monkeypatch, out)
    try:
        dock._save_clicked()  # returns at once: the write waits on the gate in the worker
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        assert threads[0] is not threading.main_thread()
        _dialog_returns(monkeypatch, tmp_path / "second.png")
        with caught_notifications() as seen:
            dock._save_clicked()
        said = [str(n.message) for n in seen]
        assert any("wait for it to end" in m for m in said), said
        assert dock.job.status.text() == "Saving out.png\u2026"  # the line stays the job's
        viewer.layers.remove(dock.result_layer)  # deleted while saving: the image was taken
    finally:
        gate.set()
    wait_idle(qtbot, dock.job, 30000)
    assert dock.job.status.text() == "Saved out.png.", dock.job.status.text()
    from PIL import Image

    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)
    assert not (tmp_path / "second.png").exists() and len(threads) == 1


def test_pigments_export_writes_the_report_off_the_gui_thread(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Pigments > Export report wrote its full-size PNGs and thumbnails on the GUI thread. Now in
    the dock's job, with the choices as they were when the folder was chosen."""
    from _napari_helpers import painted_counts, scripted_questions
    from qtpy.QtWidgets import QMessageBox

    import xrf_napari.widgets.pigments as pigments_mod
    from xrf_napari.analysis import pigment_report

    _, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.StandardButton.Yes)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    viewer.add_labels(painted_counts()[1].astype(np.int32), name="regions")
    dock = pigments_mod.PigmentsWidget(viewer)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None and dock.result is not None, dock.job.status.text()
    chosen = list(dock.result.choices)
    gate, calls = threading.Event(), []
    real = pigment_report.write_report

    def held(*args, **kwargs):
        calls.append((threading.current_thread(), list(kwargs["choices"])))
        if calls[-1][0] is not threading.main_thread():  # on the GUI thread it would never end
            assert gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(pigment_report, "write_report", held)
    monkeypatch.setattr(pigments_mod, "ask_folder", lambda *a: str(tmp_path / "report"))
    try:
        dock._export_clicked()
        qtbot.waitUntil(lambda: bool(calls), timeout=10000)
        assert calls[0][0] is not threading.main_thread()
        dock.result.choices[0] = -1  # a choice changed while writing is not in this report
    finally:
        gate.set()
    wait_idle(qtbot, dock.job, 30000)
    said = dock.job.status.text()  # the folder and every kind of file (session 59)
    assert said == (
        "Wrote the report in the folder report: report.html, 3 CSV tables, regions.png, "
        "pigment_recolour.png."
    ), said
    assert calls[0][1] == chosen and (tmp_path / "report" / "report.html").is_file()
