"""The docks, session 50: a status line's sentence follows its own scan's layers when a closed
scan's id is reused; Run's refusal follows a renamed scan and Pigments' SmallUViT box; Elemental
maps follows a removal once; CubeLayerCombo.set_layer takes a scan's stack."""

from __future__ import annotations

import gc
import weakref

import numpy as np
from _napari_helpers import open_cube, stand_in_maps_job, wait_idle, write_spot


def _scan_layer(viewer, cube, name: str):
    """An image layer showing `cube` (as the reader's sum image does), named `name`."""
    from xrf_napari.widgets._layerkinds import CUBE_KEY

    return viewer.add_image(
        np.zeros(cube.shape[:2], np.float32), name=name, metadata={CUBE_KEY: cube}
    )


def _tiny_cube(counts):
    from _spectra import CANONICAL_CAL

    from xrf_napari.cube import Cube

    return Cube(counts, CANONICAL_CAL)


def test_a_reused_id_does_not_keep_a_new_scans_sentence(make_napari_viewer, qtbot, monkeypatch):
    """Scan A made maps ("2 map(s) added"), was closed with its maps left, and died; scan B,
    opened next at A's id, made maps too. Deleting B's maps left "2 map(s) added" on B's line:
    the sentence was kept by id(cube), and A's maps, still there, held it for B."""
    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.widgets import _common

    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", ones)
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "uses_survey", False)  # no survey needed
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    viewer = make_napari_viewer()
    counts = np.ones((4, 3, 64), np.uint16)
    a = _tiny_cube(counts)
    _scan_layer(viewer, a, "a")
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)

    def make_maps():
        wait_idle(qtbot, dock.job)
        dock.set_checked_elements(["Pb", "Fe"])
        assert dock.run() is not None, dock.job.status.text()
        wait_idle(qtbot, dock.job)
        assert "2 map(s) added" in dock.job.status.text(), dock.job.status.text()
        return list(dock.live_maps().values())

    make_maps()
    address, gone = id(a), weakref.ref(a)
    viewer.layers.remove("a")  # closed; its maps stay
    del a
    qtbot.wait(50)
    gc.collect()
    assert gone() is None, gc.get_referrers(gone())
    # B at A's address, as CPython often places a new object where one just died (a loop of new
    # Cubes found it in some runs only): the docks' module sees B's id as A's was
    b = _tiny_cube(counts)
    real_id = id
    monkeypatch.setattr(
        _common, "id", lambda obj: address if obj is b else real_id(obj), raising=False
    )
    _scan_layer(viewer, b, "b")
    assert dock.current_cube() is b
    b_maps = make_maps()
    for layer in b_maps:
        viewer.layers.remove(layer)
    assert "map(s) added" not in dock.job.status.text(), dock.job.status.text()


def test_runs_refusal_follows_a_renamed_scan(make_napari_viewer, tmp_path):
    """Recolour refuses a single spectrum, naming its layer: renamed, Run's tooltip and the
    status line kept the old name until the scan was chosen again."""
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    stack, _ = open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    dock = RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    assert "spot is a single spectrum" in dock.job.run_button.toolTip()
    stack.name = "corner 3"
    for said in (dock.job.run_button.toolTip(), dock.job.status.text()):
        assert "corner 3 is a single spectrum" in said, said
    assert not dock.job.run_button.isEnabled()


def test_pigments_smalluvit_refusal_turns_run_off(make_napari_viewer, tmp_path):
    """SmallUViT region colours ticked on a single spectrum, no photograph: Run stayed on and a
    click only refused (_uvit_refusal). It is off now, its tooltip and the status line saying
    why, as for the dock's other refusals, and on again once the box is unticked."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_spot(tmp_path / "spot.h5", {"Pb": 3000.0}))
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    assert dock.job.run_button.isEnabled()
    dock.use_uvit.setChecked(True)
    assert not dock.job.run_button.isEnabled()
    for said in (dock.job.run_button.toolTip(), dock.job.status.text()):
        assert "untick SmallUViT region colours" in said, said
    dock.use_uvit.setChecked(False)
    assert dock.job.run_button.isEnabled()
    assert dock.job.status.text() == "" and dock.job.run_button.toolTip() == ""


def test_maps_follow_a_removal_once(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Elemental maps ran follow_busy twice on every layer's removal (CubeDock's, then its
    own after offering the maps left for a composite): once now, Save maps still off once
    every map is gone."""
    from _napari_helpers import stand_in_maps_dock

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    ones = lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols}  # noqa: E731
    dock = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, ones, ["Pb", "Fe"])
    calls = []
    real = ElementMapsWidget.follow_busy
    monkeypatch.setattr(ElementMapsWidget, "follow_busy", lambda self: calls.append(real(self)))
    maps = list(dock.live_maps().values())
    viewer.layers.remove(maps[0])
    assert len(calls) == 1, calls
    assert [c.currentText() for c in dock.rgb_combos] == ["(none)", "Fe", "(none)"]
    viewer.layers.remove(maps[1])
    assert not dock.save_button.isEnabled() and not dock.rgb_button.isEnabled()


def test_cube_combo_takes_a_scans_stack_and_refuses_other_layers(make_napari_viewer, tmp_path):
    """CubeLayerCombo lists a scan by its sum image: set_layer(the scan's stack) chose nothing,
    without a word. It chooses that scan now; a layer of no scan is refused, named."""
    import pytest

    from xrf_napari.widgets._layers import CubeLayerCombo

    viewer = make_napari_viewer()
    a_stack, a_sum = open_cube(viewer, write_spot(tmp_path / "a.h5", {"Pb": 3000.0}))
    _, b_sum = open_cube(viewer, write_spot(tmp_path / "b.h5", {"Fe": 3000.0}))
    combo = CubeLayerCombo(viewer)
    assert combo.current_layer() is b_sum
    combo.set_layer(a_stack)
    assert combo.current_layer() is a_sum
    drawn = viewer.add_labels(np.zeros((1, 1), np.uint8), name="drawn")
    with pytest.raises(ValueError, match="'drawn' shows no datacube"):
        combo.set_layer(drawn)
    assert combo.current_layer() is a_sum
