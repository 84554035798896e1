"""Elemental maps widget in a real napari viewer: suggested elements, maps as layers, composite."""

import numpy as np
import pytest
from _napari_helpers import H, W, cube_stack_name, open_cube, wait_idle, write_painted_cube

from xrf_napari.analysis.maps import iter_planned_maps, plan_for_cube
from xrf_napari.progress import run_to_end
from xrf_napari.widgets.maps import ElementMapsWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def docked(make_napari_viewer, tmp_path, qtbot):
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the automatic element suggestion
    return viewer, widget


def test_maps_layers_match_core_and_bands(docked, qtbot):
    viewer, widget = docked
    assert widget.job.last_error is None
    assert {"Pb", "Hg", "Fe", "Cu"} <= set(widget.checked_elements())  # suggested ones pre-ticked
    widget.set_checked_elements(["Pb", "Fe", "Hg", "Cu"])
    assert widget.run() is not None
    assert widget.run() is None  # a second click while running starts nothing
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None
    cube_layer = widget.cube_combo.current_layer()
    cube = widget.cube_combo.current_cube()
    # with the scan's sum, as the dock plans: a STRIP_GROUPS neighbour not counted present (Zn
    # beside Hg L-alpha) is judged by it (c5934d0d), element_maps takes it out all the same
    present = sorted(set(widget.suggested()) | {"Pb", "Fe", "Hg", "Cu"})
    planned = plan_for_cube(
        cube, ["Pb", "Fe", "Hg", "Cu"], present=present, spectrum=cube.sum_spectrum()
    )
    expected = run_to_end(iter_planned_maps(cube, planned))
    for sym, band in (("Fe", 2), ("Hg", 1), ("Cu", 3)):
        layer = widget.map_layers[sym]
        assert layer.name.endswith(f"[{cube_stack_name(viewer)}]")
        assert layer.data.shape == (H, W)
        np.testing.assert_allclose(layer.data, expected[sym], rtol=1e-5, atol=1e-3)
        rows = layer.data.reshape(4, H // 4, W).mean(axis=(1, 2))
        assert np.argmax(rows) == band  # the element's own pigment band is brightest
        assert tuple(layer.translate) == tuple(cube_layer.translate[-2:])
    pb_rows = widget.map_layers["Pb"].data.reshape(4, H // 4, W).mean(axis=(1, 2))
    assert (
        pb_rows[0] > 4 * pb_rows[2] and pb_rows[3] > 4 * pb_rows[2]
    )  # lead white and verdigris+Pb
    assert sum(ly.visible for ly in widget.map_layers.values()) == 3

    composite = widget.add_composite(["Fe", "Hg", "Cu"])
    assert composite.rgb and composite.data.shape == (H, W, 3)
    # one picture at a time: the opaque composite hides the single maps it replaces
    assert composite.visible and not any(ly.visible for ly in widget.map_layers.values())
    band_colour = composite.data.reshape(4, H // 4, W, 3).mean(axis=(1, 2))
    assert (
        np.argmax(band_colour[2]) == 0
        and np.argmax(band_colour[1]) == 1
        and np.argmax(band_colour[3]) == 2
    )

    # running again replaces the layers instead of stacking copies, and hides the composite
    n_layers = len(viewer.layers)
    widget.run()
    wait_idle(qtbot, widget.job)
    assert len(viewer.layers) == n_layers
    assert not composite.visible and sum(ly.visible for ly in widget.map_layers.values()) == 3


def test_save_maps_writes_float_tiffs_and_their_table(docked, qtbot, tmp_path):
    """Save maps writes each map's values (net counts, not a picture) and the lines and windows
    that made it; before any map exists it is disabled and says why; the scan is never touched."""
    import csv

    import tifffile

    viewer, widget = docked
    assert not widget.save_button.isEnabled()
    with pytest.raises(ValueError, match="nothing to save yet: run Make maps first"):
        widget.save(tmp_path / "none")
    widget.set_checked_elements(["Fe", "Hg"])
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.save_button.isEnabled()
    scan = widget.current_cube().path
    before = scan.read_bytes()
    written = widget.save(tmp_path / "maps")
    name = cube_stack_name(viewer)
    assert {p.name for p in written[:-1]} == {f"{name}_Fe_Ka.tif", f"{name}_Hg_La.tif"}
    assert written[-1].name == f"{name}_maps.csv"
    for sym in ("Fe", "Hg"):
        tif = next(p for p in written if f"_{sym}_" in p.name)
        data = tifffile.imread(tif)
        assert data.dtype == np.float32
        np.testing.assert_array_equal(data, widget.map_layers[sym].data.astype(np.float32))
    with open(written[-1], encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    fe = next(r for r in rows if r["element"] == "Fe")
    assert fe["line"] == "Ka" and 6.2 < float(fe["peak_from_keV"]) < 6.4 < float(fe["peak_to_keV"])
    total = float(widget.map_layers["Fe"].data.sum(dtype=np.float64))
    assert float(fe["total_net_counts"]) == pytest.approx(total, rel=1e-5)
    assert scan.read_bytes() == before
    from xrf_napari.fileutil import OutputError

    with pytest.raises(OutputError):  # never into the scan's own place
        widget.save(scan)


def test_line_choice_overlap_note_and_bad_input(docked, qtbot):
    viewer, widget = docked
    widget.set_checked_elements(["Pb", "As"])
    widget.run()
    wait_idle(qtbot, widget.job)
    assert "L\u03b2 used" in widget.notes_label.text()
    assert any(ly.name.startswith("Pb L\u03b2") for ly in viewer.layers)
    # a line outside the cube's range fails in the worker: notification, panel reset
    widget.set_checked_elements(["Fe"])
    widget.set_line("Fe", "La")
    widget.run()
    wait_idle(qtbot, widget.job)
    assert "no La line" in str(widget.job.last_error)
    assert widget.job.run_button.isEnabled() and not widget.job.cancel_button.isEnabled()
    with pytest.raises(ValueError):
        widget.add_composite(["Fe", "Cu", "Zn"])


def test_cancel_stops_the_job(docked, qtbot, monkeypatch):
    viewer, widget = docked
    import xrf_napari.widgets.maps as maps_module

    def slow_job(*args):
        import time

        for i in range(200):
            time.sleep(0.01)
            yield i, 200
        return [], {}

    monkeypatch.setattr(maps_module, "_maps_job", slow_job)
    before = len(viewer.layers)
    widget.set_checked_elements(["Fe"])
    worker = widget.run()
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    widget.job.cancel_button.click()
    wait_idle(qtbot, widget.job, timeout=5000)
    assert worker.abort_requested
    assert widget.job.status.text() == "Cancelled."
    assert len(viewer.layers) == before
    assert widget.job.run_button.isEnabled()


def test_opened_from_the_plugin_menu(make_napari_viewer, tmp_path, qtbot):
    """Through the manifest the widget gets a proxy of the viewer: results must still arrive."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    _, widget = viewer.window.add_plugin_dock_widget("xrf-napari", "Elemental maps")
    wait_idle(qtbot, widget.job)
    widget.set_checked_elements(["Fe"])
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None
    assert any(ly.name.startswith("Fe K\u03b1") for ly in viewer.layers)
    _, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
    from xrf_napari.widgets.spectrum import find_spectrum_widget

    assert find_spectrum_widget(viewer) is spectrum
    wait_idle(qtbot, spectrum.job)


def test_sample_panel_swatches(make_napari_viewer, qtbot):
    """On the shipped pigment panel, each element's map is brightest on the swatches made with
    it."""
    import json

    import h5py

    import xrf_napari._sample_data as samples
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.physics.pigments import get_pigment

    path = samples.SAMPLE_DIR / "panel.h5"
    if not path.is_file():
        pytest.skip("panel.h5 not shipped in this checkout")
    viewer = make_napari_viewer()
    viewer.open_sample("xrf-napari", "panel")
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)
    assert {"Pb", "Cu", "Hg", "Fe"} <= set(widget.checked_elements())
    widget.set_checked_elements(["Pb", "Cu", "Hg", "Fe"])
    widget.run()
    wait_idle(qtbot, widget.job)
    labels = read_targets(path)["labels"]
    with h5py.File(path) as f:
        regions = json.loads(f.attrs["metadata"])["regions"]
    for sym in ("Cu", "Hg", "Fe"):  # not Pb: the panel's lead white priming lies under every swatch
        data = widget.map_layers[sym].data
        means = {
            k: float(np.median(data[labels == k]))
            for k in range(len(regions))
            if (labels == k).sum() > 20
        }
        has = {
            k for k in means if any(sym in get_pigment(p).elements for p in regions[k]["pigments"])
        }
        assert has, sym
        # every swatch with the element outshines every swatch without it
        assert min(means[k] for k in has) > max([means[k] for k in means if k not in has] + [0]), (
            sym,
            means,
        )
