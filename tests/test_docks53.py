"""The docks, session 53: Embed & cluster's area per region follows the strokes on its clusters
layer; Spectrum and Pigments name one tube for a scan whose file names none; Pigments lets go of
a deleted photograph."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import H, W, stand_in_embed_dock, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_area_per_region_follows_the_strokes_on_the_clusters(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The summary's "Area per region" kept describing the run's regions while the user painted
    others on the clusters layer, until Save: it follows each stroke (counted from its box, as
    the whole layer recounted gives), says the regions are as edited, and is the run's again
    once the strokes are undone. No Spectrum dock open: the cluster curves' slot returned before
    anything without one."""
    import xrf_napari.widgets.embed as module

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    run_said = embed.summary.text()
    assert run_said.startswith("2 regions (device cpu).\nArea per region: 1: 50%, 2: 50%"), run_said
    layer = embed.labels_layer
    rows = H // 4  # a quarter of the scan, of region 1, made region 2 (napari's data_setitem)
    layer.data_setitem(np.nonzero(np.ones((rows, W), bool)), 2)
    said = embed.summary.text()
    assert said.startswith("2 regions, as edited on the layer"), said
    assert "Area per region: 1: 25%, 2: 75%" in said, said
    layer.brush_size = 5  # a brush stroke of a new region 3 over both
    layer.paint((H // 2, W // 2), 3, refresh=True)
    layer.paint((H // 2 + 2, W // 2), 0, refresh=True)  # and an erasure over it
    said = embed.summary.text()
    assert "3: " in said and "of the scan is in no region" in said, said

    def as_recounted():  # the summary of a full recount of what the layer holds
        recounted = np.bincount(np.asarray(layer.data).ravel())
        assert embed.summary.text() == module._summary(embed.result, recounted)

    as_recounted()

    def no_recount(labels):
        raise AssertionError("an undo or redo recounted the whole layer")

    monkeypatch.setattr(module, "region_counts", no_recount)  # 345 ms at 4000 x 4000 px
    layer.undo()  # the erasure undone, then redone: counted from the stroke
    as_recounted()
    layer.redo()
    as_recounted()
    for _ in range(3):
        layer.undo()
    assert embed.summary.text() == run_said


def test_spectrum_and_pigments_name_one_tube_on_the_real_aps_file(real_data):
    """The real APS 2-ID-E file names no tube: the Spectrum dock's calibration label said "auto,
    assuming a Rh tube" (the reader's default) while the Pigments fit estimated Mo by fit quality
    and called the two a contradiction, though the scan shows no tube's scatter lines. The fit
    now takes the scan's anode as tube_guess.scan_anode reads it: the calibration's, here."""
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.spectrum import calibration_origin

    cube = read_cube(real_data / "aps_xrfmaps_2xfm_0011.h5")
    label = calibration_origin(cube)[0]  # the Spectrum dock's
    report = pf.fit_regions(cube, np.ones(cube.shape[:2], np.int32), fwhm_mn_ev=150.0)
    assert label == f"auto, assuming a {report.profile.anode} tube", (label, report.notes)
    assert not any(n.startswith("contradiction") for n in report.notes), report.notes


def test_a_deleted_photograph_is_not_kept_for_its_scan(make_napari_viewer, qtbot, tmp_path):
    """The Pigments dock kept each scan's photograph layer (a strong reference) from the moment
    another scan was chosen until that scan was closed: a photograph deleted meanwhile stayed in
    memory, its full-resolution pixels with it. It is kept weakly now, as Spectrum keeps each
    scan's region: deleted, it is let go; a photograph still open comes back with its scan."""
    import gc
    import weakref

    from _napari_helpers import open_cube, write_painted_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
    b = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[0]
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)

    def photograph(name):
        return viewer.add_image(np.zeros((H, W, 3), np.uint8), name=name, rgb=True)

    kept = photograph("kept")
    dock.cube_combo.set_layer(a)
    dock.photo_combo.set_layer(kept)
    dock.cube_combo.set_layer(b)
    dock.cube_combo.set_layer(a)
    assert dock.photo_combo.current_layer() is kept  # still open: it comes back with its scan
    photo = weakref.ref(photograph("deleted"))
    dock.photo_combo.set_layer(photo())
    dock.cube_combo.set_layer(b)  # the scan keeps its photograph
    viewer.layers.remove("deleted")
    qtbot.wait(0)
    gc.collect()
    assert photo() is None, "the Pigments dock kept the deleted photograph"
    dock.cube_combo.set_layer(a)
    assert dock.photo_combo.current_layer() is None
