"""What the four docks share (widgets/_common.CubeDock): one survey per cube for Spectrum and
Elemental maps, state that follows the selected cube, and results forgotten with their cube."""

import numpy as np
import pytest
from _napari_helpers import OTHER_PIGMENTS, open_cube, tiny_weights, wait_idle, write_painted_cube

from xrf_napari.widgets.embed import EmbedClusterWidget
from xrf_napari.widgets.maps import ElementMapsWidget
from xrf_napari.widgets.recolour import RecolourWidget
from xrf_napari.widgets.spectrum import MEAN_CURVE, SpectrumWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _dock(viewer, cls):
    widget = cls(viewer)
    viewer.window.add_dock_widget(widget)
    return widget


def _idle(qtbot, *widgets):
    for w in widgets:
        wait_idle(qtbot, w.job)


@pytest.fixture
def two_cubes(make_napari_viewer, tmp_path):
    """A viewer holding the painted cube (Pb Hg Fe Cu Ca S) and one with Ti Zn Co Cr only."""
    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "first.h5"))
    second = open_cube(viewer, write_painted_cube(tmp_path / "second.h5", pigments=OTHER_PIGMENTS))
    return viewer, first[-1], second[-1]


def test_spectrum_and_maps_survey_a_cube_once(make_napari_viewer, tmp_path, qtbot, monkeypatch):
    from xrf_napari.analysis import spectra

    calls = []
    real = spectra.iter_survey

    def counting(cube, *a, **kw):
        calls.append(cube.path.name)
        return (yield from real(cube, *a, **kw))

    monkeypatch.setattr(spectra, "iter_survey", counting)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    spectrum = _dock(viewer, SpectrumWidget)
    maps = _dock(viewer, ElementMapsWidget)
    _idle(qtbot, spectrum, maps)
    qtbot.waitUntil(lambda: maps.suggested() != [], timeout=10000)
    assert calls == ["painted.h5"]  # one scan of the cube, not one per dock
    assert MEAN_CURVE in spectrum.curves
    assert (
        set(maps.checked_elements()) == set(spectrum.checked_elements()) >= {"Pb", "Hg", "Fe", "Cu"}
    )
    assert maps.suggested_label.text() == spectrum.suggested_label.text()
    # a dock opened later reuses the survey too
    late = _dock(viewer, ElementMapsWidget)
    assert not late.job.is_running and set(late.checked_elements()) >= {"Pb", "Fe"}
    assert calls == ["painted.h5"]


def test_ticked_elements_follow_the_selected_cube(two_cubes, qtbot):
    viewer, first, second = two_cubes
    spectrum = _dock(viewer, SpectrumWidget)
    maps = _dock(viewer, ElementMapsWidget)
    for w in (spectrum, maps):
        w.cube_combo.set_layer(first)
    qtbot.waitUntil(
        lambda: "Pb" in maps.checked_elements() and "Pb" in spectrum.checked_elements(),
        timeout=20000,
    )
    for w in (spectrum, maps):
        w.cube_combo.set_layer(second)
    qtbot.waitUntil(
        lambda: "Zn" in maps.checked_elements() and "Zn" in spectrum.checked_elements(),
        timeout=20000,
    )
    _idle(qtbot, spectrum, maps)
    for w in (spectrum, maps):
        ticked = set(w.checked_elements())
        assert {"Ti", "Zn", "Co", "Cr"} <= ticked, ticked
        assert not ticked & {"Pb", "Hg", "Cu"}, ticked  # nothing left over from the first cube
        assert "Hg" not in w.suggested_label.text() and "Zn" in w.suggested_label.text()
    # the user's own choice on a cube comes back when they return to it
    maps.set_checked_elements(["Zn"])
    maps.cube_combo.set_layer(first)
    assert "Zn" not in maps.checked_elements() and "Pb" in maps.checked_elements()
    maps.cube_combo.set_layer(second)
    assert maps.checked_elements() == ["Zn"]


def test_results_follow_the_cube_and_go_with_it(two_cubes, qtbot, tmp_path):
    viewer, first, second = two_cubes
    dve, uvit = tiny_weights(tmp_path)
    spectrum = _dock(viewer, SpectrumWidget)
    maps = _dock(viewer, ElementMapsWidget)
    embed = _dock(viewer, EmbedClusterWidget)
    recolour = _dock(viewer, RecolourWidget)
    embed.weights_edit.setText(str(dve))
    recolour.weights_edit.setText(str(uvit))
    recolour.embedder_edit.setText(str(dve))
    for w in (spectrum, maps, embed, recolour):
        w.cube_combo.set_layer(first)
        w.device.setCurrentText("cpu") if hasattr(w, "device") else None
    qtbot.waitUntil(lambda: "Pb" in maps.checked_elements(), timeout=20000)
    _idle(qtbot, spectrum, maps)
    maps.set_checked_elements(["Pb", "As"])  # As beside Pb: an overlap note
    embed.k_spin.setValue(3)
    for w in (maps, embed, recolour):
        assert w.run() is not None
    _idle(qtbot, maps, embed, recolour)
    assert all(w.job.last_error is None for w in (maps, embed, recolour))
    assert maps.notes_label.text() and maps.rgb_combos[0].count() == 3  # 2 maps, "(none)"
    assert embed.summary.text().startswith("3 regions") and embed.save_button.isEnabled()
    assert recolour.device_label.text() == "Device used: cpu" and recolour.save_button.isEnabled()

    # another cube: its own (empty) results, not the first cube's
    for w in (maps, embed, recolour):
        w.cube_combo.set_layer(second)
    assert (
        maps.notes_label.text() == "" and maps.rgb_combos[0].count() == 0 and maps.map_layers == {}
    )
    assert embed.summary.text() == "" and not embed.save_button.isEnabled() and embed.result is None
    assert (
        recolour.device_label.text() == "Device used: \u2014"
        and not recolour.save_button.isEnabled()
    )
    with pytest.raises(ValueError, match="nothing to save"):
        embed.save(tmp_path / "x.png")
    # back to the first cube: its results again
    for w in (maps, embed, recolour):
        w.cube_combo.set_layer(first)
    assert maps.rgb_combos[0].count() == 3 and embed.save_button.isEnabled()
    assert recolour.device_label.text() == "Device used: cpu"

    # every layer deleted: nothing of the first cube survives in any dock
    viewer.layers.clear()
    assert maps.notes_label.text() == "" and maps.rgb_combos[0].count() == 0
    assert maps.checked_elements() == [] and maps.suggested_label.text() == "Suggested: \u2014"
    assert spectrum.checked_elements() == [] and spectrum.curves == {}
    assert embed.summary.text() == "" and not embed.save_button.isEnabled()
    assert (
        recolour.device_label.text() == "Device used: \u2014"
        and not recolour.save_button.isEnabled()
    )
    assert all(not w._per_cube for w in (spectrum, maps, embed, recolour))  # nothing kept alive


def test_closing_the_cube_cancels_its_job(make_napari_viewer, tmp_path, qtbot, monkeypatch):
    import xrf_napari.widgets.maps as maps_module

    def slow_job(*args):
        import time

        for i in range(500):
            time.sleep(0.01)
            yield i, 500
        return [], {}

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    maps = _dock(viewer, ElementMapsWidget)
    _idle(qtbot, maps)
    monkeypatch.setattr(maps_module, "_maps_job", slow_job)
    worker = maps.run()
    qtbot.waitUntil(lambda: maps.job.progress.value() > 0, timeout=5000)
    viewer.layers.clear()
    wait_idle(qtbot, maps.job, timeout=3000)  # cancelled, not run to its end (5 s)
    assert worker.abort_requested and len(viewer.layers) == 0
    assert not maps.job.is_running and np.isfinite(maps.job.progress.value())
    assert maps.job.run_button.toolTip().startswith("Open a datacube first")  # no scan left
