"""Save maps (full-size TIFFs) and Embed & cluster's Save of unedited regions (a full-size PNG)
were written on napari's GUI thread, the viewer frozen meanwhile. They now write in the dock's
job worker, as Recolour's Save (test_saves50), what is written taken when the place is chosen."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    open_cube,
    stand_in_embed_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _held(real, threads, gate):
    """`real`, recording the thread that calls it, held at `gate` off the main thread (on the
    GUI thread it would never end)."""

    def held(*args, **kwargs):
        threads.append(threading.current_thread())
        if threads[-1] is not threading.main_thread():
            assert gate.wait(30)
        return real(*args, **kwargs)

    return held


def test_save_maps_writes_off_the_gui_thread_and_survives_a_map_deleted(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The TIFFs and CSV are written by a thread other than the GUI's; a map deleted while the
    save runs is saved all the same (its array was taken); a second Save meanwhile is refused."""
    import tifffile

    import xrf_napari.analysis.export as export_mod
    import xrf_napari.widgets.maps as maps_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    maps = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    wait_idle(qtbot, maps.job, 30000)  # the scan's survey
    maps.set_checked_elements(["Fe", "Cu"])
    assert maps.run() is not None
    wait_idle(qtbot, maps.job, 30000)
    assert maps.job.last_error is None and len(maps.live_maps()) == 2, maps.job.status.text()
    expected = {s: np.array(ly.data) for s, ly in maps.live_maps().items()}
    gate, threads = threading.Event(), []
    monkeypatch.setattr(
        export_mod, "save_element_maps", _held(export_mod.save_element_maps, threads, gate)
    )
    out = tmp_path / "out"
    files = maps.map_files(out)  # <scan>_<element>_<line>.tif per map, then the CSV
    monkeypatch.setattr(maps_mod, "ask_folder", lambda *a: str(out))
    try:
        maps._save_clicked()  # returns at once: the write waits on the gate in the worker
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        assert threads[0] is not threading.main_thread()
        with caught_notifications() as seen:
            maps._save_clicked()
        said = [str(n.message) for n in seen]
        assert any("wait for it to end" in m for m in said), said
        assert maps.job.status.text() == "Saving the maps in out\u2026"
        viewer.layers.remove(maps.live_maps()["Cu"])  # deleted while saving: its array was taken
    finally:
        gate.set()
    wait_idle(qtbot, maps.job, 30000)
    assert maps.job.status.text() == "Saved 2 map(s) and a_maps.csv.", maps.job.status.text()
    assert len(threads) == 1
    for symbol, data in expected.items():
        (tif,) = [f for f in files[:-1] if f"_{symbol}_" in f.name]
        np.testing.assert_array_equal(tifffile.imread(tif), data)
    assert files[-1].is_file()


def test_embed_save_of_unedited_regions_writes_off_the_gui_thread(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save labels & spectra of the run's own regions writes the PNG and CSV from a thread
    other than the GUI's, and says where once written."""
    from PIL import Image
    from qtpy.QtWidgets import QFileDialog

    import xrf_napari.analysis.export as export_mod
    from xrf_napari.analysis.embed import label_colours

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    clusters = embed.result[2]
    gate, threads = threading.Event(), []
    monkeypatch.setattr(export_mod, "write_image", _held(export_mod.write_image, threads, gate))
    out = tmp_path / "regions.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(out), "PNG (*.png)"))
    try:
        embed._save_clicked()
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        assert threads[0] is not threading.main_thread()
        assert embed.job.status.text() == "Saving regions.png\u2026"
    finally:
        gate.set()
    wait_idle(qtbot, embed.job, 30000)
    said = embed.job.status.text()
    assert said == "Saved regions.png and regions_spectra.csv.", said
    png = np.asarray(Image.open(out).convert("RGB"))
    np.testing.assert_array_equal(png, label_colours(clusters.k)[clusters.labels])
    assert (tmp_path / "regions_spectra.csv").read_text(encoding="utf-8").startswith("#")
