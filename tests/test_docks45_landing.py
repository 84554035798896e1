"""Two dock bugs left from session 44 (session 45): Recolour's Save stayed on after its colours
layer was deleted, and an elemental-maps composite of fewer than three maps repeated a map in
the missing colours (two maps: [a, b, b], a cyan no element's map is)."""

from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import open_cube, stand_in_maps_dock, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


NO_MAP = "(none)"  # the composite row's choice of no map, as the user reads it


@pytest.fixture
def recoloured(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """A Recolour dock after a run of a stand-in job (grey colours, nothing ambiguous)."""
    import xrf_napari.widgets.recolour as recolour_mod

    def job(cube, weights, embedder, device, average_flips=False, outline=False, anode=None):
        yield "Recolouring\u2026"
        h, w, _ = cube.shape
        return SimpleNamespace(
            rgb=np.full((h, w, 3), 0.5, np.float32),
            ambiguity=SimpleNamespace(ambiguous=np.zeros((h, w), bool), message=lambda *a: ""),
            device="cpu",
            ood=None,
            provenance={},
        )

    monkeypatch.setattr(recolour_mod, "_recolour_job", job)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = recolour_mod.RecolourWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 10000)
    assert widget.job.last_error is None, widget.job.last_error
    return viewer, widget


def test_recolour_save_is_off_once_its_layer_is_deleted(recoloured, tmp_path):
    """Save stayed on with the colours layer deleted, and saved colours shown nowhere. Now it
    is off, and save() (a script's) says why and writes nothing; a new run turns it on."""
    viewer, widget = recoloured
    assert widget.save_button.isEnabled()
    viewer.layers.remove(widget.result_layer)
    assert widget.result_layer is None
    assert not widget.save_button.isEnabled()
    with pytest.raises(ValueError, match="deleted"):
        widget.save(tmp_path / "colours.png")
    assert not (tmp_path / "colours.png").exists()


def test_recolour_save_comes_back_with_a_new_run(recoloured, qtbot, tmp_path):
    viewer, widget = recoloured
    viewer.layers.remove(widget.result_layer)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 10000)
    assert widget.save_button.isEnabled()
    assert widget.save(tmp_path / "colours.png").is_file()


@pytest.fixture
def two_maps(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """An Elemental maps dock with two maps made ("Fe" all ones, "Pb" a ramp), by a stand-in
    job (no survey or fit needed)."""

    def make_maps(h, w, symbols):
        return {
            "Fe": np.ones((h, w), np.float32),
            "Pb": np.arange(h * w, dtype=np.float32).reshape(h, w),
        }

    viewer = make_napari_viewer()
    widget = stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, make_maps, ["Fe", "Pb"])
    assert set(widget.live_maps()) == {"Fe", "Pb"}
    return viewer, widget, list(widget.live_maps())  # in the order offered


def test_a_composite_of_two_maps_leaves_blue_black_and_says_so(two_maps, qtbot):
    """Two maps offered red a, green b, blue b: the composite showed b in green and blue.
    Now blue is "(none)": black in the composite, "none" in its name, and the status says it."""

    viewer, widget, (a, b) = two_maps
    assert [c.currentText() for c in widget.rgb_combos] == [a, b, NO_MAP]
    widget.rgb_button.click()
    wait_idle(qtbot, widget.job, 10000)  # Add composite's job
    (layer,) = [ly for ly in viewer.layers if ly.name.startswith("RGB ")]
    assert layer.name.startswith(f"RGB {a}/{b}/none")
    assert layer.metadata["xrf_composite"] == [a, b, None]
    rgb = np.asarray(layer.data)
    assert np.all(rgb[..., 2] == 0)  # blue: black, not a copy of green
    fe = rgb[..., [a, b].index("Fe")]  # all ones: full; Pb's ramp from 0 to full
    pb = rgb[..., [a, b].index("Pb")]
    assert np.all(fe == 1) and pb.min() == 0 and pb.max() == 1
    assert "blue left black" in widget.job.status.text()


def test_a_deleted_map_with_no_spare_leaves_its_colour_black(two_maps):
    """Red's map deleted with no map left that no other colour shows: red took the green's
    map (a composite of one map in two colours); now it is "(none)", black."""

    viewer, widget, (a, b) = two_maps
    viewer.layers.remove(widget.map_layers[a])  # red's
    assert [c.currentText() for c in widget.rgb_combos] == [NO_MAP, b, NO_MAP]
    layer = widget.add_composite()
    assert layer.metadata["xrf_composite"] == [None, b, None]
    rgb = np.asarray(layer.data)
    assert np.all(rgb[..., 0] == 0) and np.all(rgb[..., 2] == 0) and rgb[..., 1].max() == 1
    with pytest.raises(ValueError, match="choose the maps"):
        widget.add_composite([NO_MAP, NO_MAP, NO_MAP])  # nothing to show
