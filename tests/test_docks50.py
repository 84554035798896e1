"""The docks, session 50: a status line's sentence follows its own scan's layers when a closed
scan's id is reused; Run's refusal follows a renamed scan and Pigments' SmallUViT box; Elemental
maps follows a removal once; CubeLayerCombo.set_layer takes a scan's stack."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from _napari_helpers import open_cube, stand_in_maps_job, wait_idle, write_spot


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _scan_layer(viewer, cube, name: str):
    """An image layer showing `cube` (as the reader's sum image does), named `name`."""
    from xrf_napari.layerkinds import CUBE_KEY

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


def _one_paint_per_region(cube, labels, **_):
    """iter_fit_regions without a fit: each region's one candidate, a colour of its own."""
    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    yield 0, 1
    regions = []
    for k in np.unique(labels[labels > 0]):
        n = int((labels == k).sum())
        region = RegionResult(int(k), n, 900.0, np.ones(512), region_pixels=n)
        rgb = (0.2 * int(k) % 1.0, 0.5, 0.3)
        region.candidates = [Candidate(["Vermilion"], [1.0], ["Hg"], [], rgb, 1.0, 1.0, 0.0)]
        regions.append(region)
    return PigmentReport(regions, InstrumentProfile(), ["gypsum"], [], canonical_energy())


def test_a_fit_lands_with_its_painting_made_in_the_worker(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A fit's landing painted each region in its top candidate's colour in the GUI thread
    (paint_regions: 0.9 s at 2000 x 2000 px, 4.7 s at 4000 x 4000 on a loaded machine, a
    freeze of the viewer as the table came): the fit's worker paints it now."""
    import threading

    from _napari_helpers import pigments_dock_on_painted_regions

    from xrf_napari.analysis import pigment_fit, pigment_report

    real, threads = pigment_report.paint_regions, []

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(pigment_report, "paint_regions", recorded)
    monkeypatch.setattr(pigment_fit, "iter_fit_regions", _one_paint_per_region)
    viewer = make_napari_viewer()
    dock, regions = pigments_dock_on_painted_regions(viewer, tmp_path)
    dock.use_uvit.setChecked(False)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    assert threads == [False], threads  # once, in the worker
    painted = dock.result_layer.data
    assert np.array_equal(painted, real(dock.report, regions.data, dock.result.choices))


def test_paint_regions_gathers_the_colours_it_assigned_before():
    """A guard: paint_regions' table of colours by label value (or by region, for labels
    outside 0..PAINT_TABLE_MAX) paints each pixel as the boolean-mask assignment it replaced
    did: the first region of a repeated label, grey for 0, negative and unlisted labels and for
    a region without a choice."""
    from types import SimpleNamespace

    from xrf_napari.analysis.pigment_report import NO_CANDIDATE_GREY, paint_regions

    rng = np.random.default_rng(0)
    for _ in range(60):
        labs = rng.choice([0, 1, 2, 5, 65535, 2**31 - 1, -3, (1 << 20) + 1], size=4)
        regions = [
            SimpleNamespace(label=int(k), options=[SimpleNamespace(rgb=tuple(rng.random(3)))])
            for k in labs
        ]
        choices = list(rng.integers(-1, 2, size=4))
        values = [0, 1, 2, 3, 5, 65535, 2**31 - 1, (1 << 20) + 1]
        labels = rng.choice(values + ([-3] if rng.random() < 0.5 else []), size=(4, 5))
        want = np.full((4, 5, 3), NO_CANDIDATE_GREY, np.float32)
        for region, i in reversed(list(zip(regions, choices))):  # the first region wins
            colour = region.options[i].rgb if 0 <= i < 1 else NO_CANDIDATE_GREY
            want[(labels == region.label) & (labels > 0)] = colour
        got = paint_regions(SimpleNamespace(regions=regions), labels.astype(np.int64), choices)
        assert got.dtype == np.float32 and np.array_equal(got, want)


def test_embed_lets_go_of_its_deleted_layers(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Embed & cluster held the last run's latent RGB and clusters layers (latent_layer,
    labels_layer) after the user deleted them, with the latent of every pixel in the latent's
    metadata, until its next run: they are let go as they are deleted."""
    from _napari_helpers import stand_in_embed_dock

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    latent, clusters = embed.latent_layer, embed.labels_layer
    assert latent in viewer.layers and clusters in viewer.layers
    gone = weakref.ref(latent)
    viewer.layers.remove(latent)
    del latent
    assert embed.latent_layer is None and embed.labels_layer is clusters
    viewer.layers.remove(clusters)
    assert embed.labels_layer is None
    qtbot.wait(10)
    gc.collect()
    assert gone() is None


def test_maps_let_go_of_a_deleted_map(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """A map the user deleted stayed alive (64 MB at 4000 x 4000 px) in Elemental maps'
    result, its shown maps and its status line's watch, until the scan was closed or mapped
    again: it is let go, and still named as deleted when chosen for a composite."""
    import pytest
    from _napari_helpers import stand_in_maps_dock

    viewer = make_napari_viewer()
    ones = lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols}  # noqa: E731
    dock = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, ones, ["Pb", "Fe"])
    gone = weakref.ref(dock.live_maps()["Pb"])
    viewer.layers.remove(gone())
    qtbot.wait(10)
    gc.collect()
    assert gone() is None
    assert "map(s) added" in dock.job.status.text()  # Fe's map is still there
    with pytest.raises(ValueError, match="the map layer of Pb was deleted"):
        dock.add_composite(["Pb", "Fe", None])
    assert list(dock.live_maps()) == ["Fe"]


def test_find_regions_tooltip_follows_a_renamed_scan(make_napari_viewer, tmp_path):
    """Find regions, off on a scan Pigments refuses (no energy calibration), says the refusal
    in its tooltip, naming the scan's layer: renamed, it kept the old name (Run's followed)."""
    from _napari_helpers import pigments_dock_with_photo
    from test_widgets_audit24 import _flat_uncalibrated_scan

    viewer = make_napari_viewer()
    stack = open_cube(viewer, _flat_uncalibrated_scan(tmp_path))[0]
    widget = pigments_dock_with_photo(viewer)
    widget.photo_combo.set_layer(viewer.add_image(np.zeros((16, 16, 3), np.uint8), rgb=True))
    assert "flat: no energy calibration" in widget.regions_button.toolTip()
    stack.name = "panel 2"
    for tip in (widget.regions_button.toolTip(), widget.job.run_button.toolTip()):
        assert "panel 2: no energy calibration" in tip, tip
