"""Follow-ups of session 45: Pigments' Find regions kept naming a deleted "(your edits)" copy in
its status line (Embed & cluster's fix, CubeDock.say_while_shown, now used there too); the
Spectrum dock wrote a size as "24 × 20 px" where every other message says "24 x 20 px"
(cube.pixels_text); and Add composite and Embed's save of edited regions, stopped by their
scan's closing, were announced under the dock's Run name ("Make maps: Stopped...")."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    bands,
    held_job,
    open_cube,
    pigments_dock_with_photo,
    stand_in_embed_dock,
    stand_in_maps_dock,
    stopped_by_closing_its_scan,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


H, W = 24, 20  # the painted scan's size


def test_find_regions_stops_naming_a_deleted_your_edits_copy(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Find regions over painted regions keeps them in a hidden "(your edits)" copy and says so
    in the status line; once the user deleted that copy, the line (and the line kept for the
    scan while another is shown) still named it."""
    import xrf_napari.widgets.pigments as pigments_mod

    def found(cube, photo, k, photo_name="the photograph"):
        yield "Clustering\u2026"
        return SimpleNamespace(labels=bands(2), k=2, silhouette=None)

    monkeypatch.setattr(pigments_mod, "_regions_job", found)
    viewer = make_napari_viewer()
    scan = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    dock = pigments_dock_with_photo(viewer)

    def find_over_a_stroke():
        assert dock.find_regions() is not None
        wait_idle(qtbot, dock.job, 10000)
        assert dock.job.last_error is None, dock.job.last_error
        dock.labels_combo.current_layer().paint((3, 4), 2, refresh=True)
        assert dock.find_regions() is not None
        wait_idle(qtbot, dock.job, 10000)
        (kept,) = [ly for ly in viewer.layers if "(your edits)" in ly.name]
        assert kept.name in dock.job.status.text()
        return kept

    viewer.layers.remove(find_over_a_stroke())
    said = dock.job.status.text()
    assert "(your edits)" not in said
    assert said == "2 regions: check them against the maps and the photograph, then Find pigments."

    kept = find_over_a_stroke()
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5"))
    dock.cube_combo.set_layer(viewer.layers[-1])  # b chosen: a's line is kept for it
    assert dock.current_layer() is not scan
    viewer.layers.remove(kept)
    dock.cube_combo.set_layer(scan)
    assert dock.job.status.text() == said


def test_the_spectrum_dock_says_a_size_as_every_message_does(make_napari_viewer, tmp_path):
    """The calibration line and a region of another size said "24 × 20 px"; the other docks and
    the commands say "24 x 20 px" (cube.pixels_text)."""
    from xrf_napari.widgets.spectrum import SpectrumWidget, region_mask

    viewer = make_napari_viewer()
    scan = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    line = dock.calibration_label.text()
    assert line.startswith(f"{H} x {W} px (H x W), "), line
    small = viewer.add_labels(np.ones((5, 5), np.int32), name="small")
    with pytest.raises(ValueError) as wrong:
        region_mask(small, scan, (H, W))
    assert f"is 5 x 5 px, the scan {H} x {W} px: " in str(wrong.value), str(wrong.value)
    assert "\u00d7" not in line + str(wrong.value)


def _maps_composite(viewer, qtbot, tmp_path, monkeypatch, gate):
    """Elemental maps with Fe, Pb and Cu made by a stand-in job; returns (dock, start) where
    start() clicks Add composite, whose job waits for `gate`."""
    import xrf_napari.widgets.maps as maps_mod

    def make_maps(h, w, symbols):
        return {s: np.ones((h, w), np.float32) for s in symbols}

    monkeypatch.setattr(maps_mod, "_composite_job", held_job(gate, np.zeros((H, W, 3), np.uint8)))
    dock = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, make_maps, ["Fe", "Pb", "Cu"])

    def start():
        dock.rgb_button.click()
        return dock.job.worker

    return dock, start


def _embed_save(viewer, qtbot, tmp_path, monkeypatch, gate):
    """Embed & cluster after a stand-in run, its clusters painted on; returns (dock, start)
    where start() saves them, the edited regions' averaging waiting for `gate`."""
    import xrf_napari.analysis.embed as embed_core
    import xrf_napari.widgets.embed as embed_mod

    dock = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    monkeypatch.setattr(embed_core, "iter_cluster_spectra", held_job(gate))
    monkeypatch.setattr(embed_mod, "ask_save_path", lambda *a, **k: str(tmp_path / "c.png"))
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    dock.labels_layer.paint((3, 4), 2, refresh=True)

    def start():
        dock._save_clicked()
        return dock.job.worker

    return dock, start


@pytest.mark.parametrize(
    "make, expected",
    [(_maps_composite, "Add composite"), (_embed_save, "Save labels & spectra")],
    ids=["maps-add-composite", "embed-save-edited"],
)
def test_a_job_stopped_by_its_scan_closing_is_named_in_the_notification(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, make, expected
):
    """Add composite, and Save of painted clusters (their regions' spectra averaged in a job),
    stopped because their scan was closed were announced as "Make maps: Stopped: the scan a.h5
    was closed." and "Embed & cluster: Stopped: ..." (the dock's Run button). Now the
    notification names the job stopped."""

    viewer = make_napari_viewer()
    gate = threading.Event()
    try:
        dock, start = make(viewer, qtbot, tmp_path, monkeypatch, gate)
        cube = dock.current_cube()
        assert start() is not None and dock.job.is_running
        stopped = stopped_by_closing_its_scan(viewer, qtbot, dock, cube)
    finally:
        gate.set()
    assert stopped == [f"{expected}: Stopped: the scan a.h5 was closed."], stopped
