"""The docks as a conservator uses them (session 42): saves while a new result is computed, the
line saying a job's scan was closed, and the clusters PNG's colours against the screen's."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    cluster_with_tiny_dve,
    clustered_painted_scan,
    held_job,
    open_cube,
    survey_held_for,
    tiny_embed_dock,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def clustered(make_napari_viewer, qtbot, tmp_path):
    """A viewer with two painted scans, Embed & cluster run (K = 2) on the one shown."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    return viewer, cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)


# -- 1: no save of a result being replaced ------------------------------------------------------
def test_save_is_off_while_run_computes_the_scans_new_regions(
    clustered, qtbot, tmp_path, monkeypatch
):
    """Save labels & spectra stayed enabled through a re-run: it wrote the previous run's
    regions (not the K now set), or, once the clusters layer was replaced, the new labels taken
    for the user's edits of the old ones. Off while the scan's new result is computed and
    delivered; on again after it, after Cancel (the result shown is still the old one) and after
    a failure; a run on another scan leaves the shown scan's Save alone; a save whose dialog was
    open as the scan's Run started is refused."""
    import xrf_napari.widgets.embed as embed_mod

    viewer, embed = clustered
    assert embed.save_button.isEnabled()
    real_job = embed_mod._embed_cluster_job
    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))
    embed.k_spin.setValue(3)
    assert embed.run() is not None
    assert not embed.save_button.isEnabled()  # the regions shown are for K = 2, not 3
    embed.job.cancel()
    wait_idle(qtbot, embed.job, 5000)
    assert embed.save_button.isEnabled() and embed.result is not None  # the K = 2 regions

    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate, fail=ValueError("bad")))
    embed.run()
    assert not embed.save_button.isEnabled()
    gate.set()
    wait_idle(qtbot, embed.job, 5000)
    assert embed.job.last_error is not None and embed.save_button.isEnabled()

    # the run's layers are replaced one per turn of the event loop: Save stays off through them
    seen = []
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", real_job)
    real_add = embed._add_results

    def watched(layer, res, *check):
        steps = real_add(layer, res, *check)
        while True:
            seen.append(embed.save_button.isEnabled())
            try:
                next(steps)
            except StopIteration as end:
                return end.value
            yield

    monkeypatch.setattr(embed, "_add_results", watched)
    embed.run()
    wait_idle(qtbot, embed.job, 30000)
    assert embed.job.last_error is None, embed.job.last_error
    assert seen and not any(seen)
    assert embed.save_button.isEnabled() and embed.result[2].k == 3

    # a Run waiting for the scan's calibration starts as it arrives, maybe while a save dialog
    # is open: the save chosen then is refused, saying why, and writes nothing
    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))

    def dialog(*_args, **_kwargs):  # Run starts while the dialog is open
        assert embed.run() is not None
        return str(tmp_path / "late.png")

    monkeypatch.setattr(embed_mod, "ask_save_path", dialog)
    try:
        with caught_notifications() as told:
            embed._save_clicked()
        assert "being computed" in embed.job.status.text()
        assert any("being computed" in str(n.message) for n in told)
        assert not (tmp_path / "late.png").exists()
    finally:
        gate.set()
        wait_idle(qtbot, embed.job, 5000)
    embed.job.cancel()

    # a run on the other scan: the shown scan's regions may be saved meanwhile
    first = embed.current_layer()
    other = next(ly for ly in embed.cube_combo._layers if ly is not first)
    embed.cube_combo.set_layer(other)
    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))
    embed.run()
    assert not embed.save_button.isEnabled()  # no regions of this scan yet
    embed.cube_combo.set_layer(first)
    assert embed.save_button.isEnabled()  # the regions of the scan shown are not being replaced
    embed.cube_combo.set_layer(other)
    gate.set()
    wait_idle(qtbot, embed.job, 5000)


def test_other_docks_saves_are_off_while_the_scan_is_run_again(make_napari_viewer, qtbot, tmp_path):
    """Recolour's Save image, Pigments' Export report and Elemental maps' Save maps, likewise:
    off while the dock's job computes a new result of the scan shown, on again once it stops."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    for cls in (RecolourWidget, PigmentsWidget, ElementMapsWidget):
        dock = cls(viewer)
        viewer.window.add_dock_widget(dock)
        wait_idle(qtbot, dock.job)  # Maps surveys the scan first
        if cls is ElementMapsWidget:  # one map made from the scan, as Make maps leaves it
            button = dock.save_button
            dock.map_layers = {"Fe": viewer.add_image(np.zeros((24, 20)), name="Fe")}
        else:
            button = dock.export_button if cls is PigmentsWidget else dock.save_button
            # a result shown (Recolour's notes read the device it was made on)
            dock.result = SimpleNamespace(device="cpu") if cls is RecolourWidget else object()
            if cls is RecolourWidget:  # and its layer (Save is off without it)
                colours = viewer.add_image(np.zeros((24, 20, 3)), rgb=True, name="recoloured")
                dock.remember(dock.current_cube(), "layer", colours)
        button.setEnabled(True)  # as show_result leaves it
        gate = threading.Event()
        cube = dock.current_cube()
        assert dock.start_job(held_job(gate), cube=cube, on_result=lambda v: v) is not None
        assert not button.isEnabled(), cls.__name__
        dock.job.cancel()
        wait_idle(qtbot, dock.job, 5000)
        assert button.isEnabled(), cls.__name__


# -- 2: "Stopped: the scan ... was closed" where the user sees it --------------------------------
def test_a_job_stopped_by_closing_its_scan_says_so_over_the_scan_shown_next(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Closing the scan a job ran on chose another scan, and the job's last words were replaced
    by that scan's line as the job stopped: the line went blank, no notification came, and
    nothing said why the job had ended. Now the line says it, a notification too, and the scan
    shown gets its own line back once chosen again (the notice is not kept as its line)."""

    import xrf_napari.widgets.embed as embed_mod
    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    for name, seed in (("a", 0), ("b", 1), ("c", 2)):
        open_cube(viewer, write_painted_cube(tmp_path / f"{name}.h5", seed=seed))
    dock = tiny_embed_dock(viewer, tmp_path)
    layers = {layer_cube(ly).path.stem: ly for ly in dock.cube_combo._layers}
    dock.cube_combo.set_layer(layers["a"])
    dock.job.refused("a's own line")
    dock.cube_combo.set_layer(layers["b"])
    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))
    try:
        assert dock.run() is not None
        b_cube = dock.current_cube()
        with caught_notifications() as seen:
            for ly in [ly for ly in viewer.layers if layer_cube(ly) is b_cube]:
                viewer.layers.remove(ly)
            wait_idle(qtbot, dock.job, 5000)
            qtbot.wait(20)
    finally:
        gate.set()
    assert dock.current_cube() is not b_cube
    assert dock.job.status.text() == "Stopped: the scan b.h5 was closed."
    assert any("Stopped: the scan b.h5 was closed." in str(n.message) for n in seen), seen
    shown = layer_cube(dock.current_layer()).path.stem
    other = "c" if shown == "a" else "a"
    dock.cube_combo.set_layer(layers[other])
    dock.cube_combo.set_layer(layers["a"])
    assert dock.job.status.text() == "a's own line"


# -- 3: the clusters PNG's colours are the screen's, one per region ------------------------------
def test_every_savable_label_has_its_own_colour_the_first_40_unchanged():
    """label_colours cycled its 40 colours: a region 41 painted on the clusters layer was saved
    in region 1's colour."""
    from xrf_napari.analysis.embed import label_colours

    MAX_LABEL = 65535  # a saved labels image is 16-bit
    colours = label_colours(MAX_LABEL)
    assert colours.shape == (MAX_LABEL + 1, 3) and tuple(colours[0]) == (0, 0, 0)
    assert len(np.unique(colours, axis=0)) == MAX_LABEL + 1
    assert colours[1:].min(axis=1).max() > 0 and (colours[1:].max(axis=1) >= 48).all()
    assert tuple(colours[1]) == (31, 119, 180) and tuple(colours[21]) == (57, 59, 121)  # tab20(b)
    # every K the dock and `xrf-napari embed` make (MAX_K) is coloured as before c08d23d: the
    # labels.png of K <= 40 regions unchanged, its colours those of tab20 then tab20b
    import matplotlib

    before = [(0, 0, 0)] + [
        tuple(round(255 * c) for c in matplotlib.colormaps[name](i)[:3])
        for name in ("tab20", "tab20b")
        for i in range(20)
    ]
    for k in range(41):
        np.testing.assert_array_equal(label_colours(k), np.asarray(before[: k + 1], np.uint8))
    with pytest.raises(ValueError, match="0..65535"):
        label_colours(MAX_LABEL + 1)


def test_clusters_png_is_coloured_as_the_layer_shows_it(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The clusters layer showed napari's own random colours, the saved PNG (and the CLI's
    labels.png) tab20's: not one region had the colour seen on screen, nor the colour of its
    curve in Spectrum. Now the layer shows label_colours, regions painted beyond 40 too. The
    table (65,536 colours, 0.2 s) is made by the job, not in the GUI thread as the layer is
    added (a freeze)."""
    from PIL import Image

    import xrf_napari.analysis.embed as core

    threads = []
    real = getattr(core, "colour_table", None)  # made in the job since 09f675e

    def recorded():
        threads.append(threading.current_thread())
        return real()

    monkeypatch.setattr(core, "colour_table", recorded, raising=False)
    viewer = make_napari_viewer()
    embed, _, layer = clustered_painted_scan(viewer, qtbot, tmp_path, k=2)
    data = np.array(layer.data)
    data[0, :3] = 41  # the user paints new regions beyond the 40 first colours
    data[1, :3] = 300
    layer.data = data
    png, _ = embed.save(tmp_path / "regions.png")
    saved = np.asarray(Image.open(png).convert("RGB"))
    shown = np.round(np.asarray(layer.colormap.map(layer.data))[..., :3] * 255).astype(np.uint8)
    np.testing.assert_array_equal(saved, shown)
    one = saved[data == 1][0]
    assert not (saved[0, 0] == one).all() and not (saved[1, 0] == saved[0, 0]).all()
    # the Spectrum dock's region curves take the layer's colours (EmbedClusterWidget._send_spectra)
    assert np.allclose(np.asarray(layer.get_color(1))[:3] * 255, one, atol=0.5)
    assert threads and threads[0] is not threading.main_thread()  # the job made the table


def test_closing_a_scan_being_surveyed_pops_up_nothing(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The element survey the docks start themselves as a scan is chosen is no job of the
    user's: closing its scan stops it without a notification ("Make maps: Stopped: ..." for a
    job nobody started), and the line goes on to the scan shown."""

    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    with survey_held_for(monkeypatch, "b"):
        viewer = make_napari_viewer()
        open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
        maps = ElementMapsWidget(viewer)
        viewer.window.add_dock_widget(maps)
        b_cube = maps.current_cube()
        assert b_cube.path.stem == "b" and maps.job.is_running
        with caught_notifications() as seen:
            for ly in [ly for ly in viewer.layers if layer_cube(ly) is b_cube]:
                viewer.layers.remove(ly)
            qtbot.waitUntil(lambda: "Stopped" not in maps.job.status.text(), timeout=5000)
            wait_idle(qtbot, maps.job, 10000)
    assert not [n for n in seen if "Stopped" in str(n.message)]
    assert "b.h5" not in maps.job.status.text()


def test_recolours_outline_box_is_off_while_the_scan_is_recoloured_again(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Ticked during a re-run, "Outline where the colour is a guess" outlined the previous
    colours; the new ones (run with the box as it was at Run) then took the outline away and
    unticked the box. It is off while the scan's new colours are computed, as Save image is."""

    import xrf_napari.widgets.recolour as recolour_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    rec = tiny_recolour_dock(viewer, tmp_path)
    assert rec.run() is not None
    wait_idle(qtbot, rec.job, 30000)
    assert rec.job.last_error is None, rec.job.last_error
    assert rec.outline_box.isEnabled()  # the painted scan has pixels whose colour is a guess
    gate = threading.Event()
    monkeypatch.setattr(recolour_mod, "_recolour_job", held_job(gate))
    assert rec.run() is not None
    assert not rec.outline_box.isEnabled() and not rec.save_button.isEnabled()
    rec.job.cancel()
    wait_idle(qtbot, rec.job, 5000)
    assert rec.outline_box.isEnabled() and rec.save_button.isEnabled()
