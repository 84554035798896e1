"""Session 62 (docksB62): items of a new user's walk through the docks."""

from __future__ import annotations

import h5py
import numpy as np
import pytest


def test_embeds_latent_h5_is_not_offered_as_the_photograph(tmp_path):
    """`xrf-napari embed`'s latent.h5, opened with the xrf-napari reader, was offered as the
    Pigments dock's Photograph (its false colours taken as the painting's) where latent.png was
    not; a latent layer (metadata "xrf_latent") is no photograph, whatever its file."""
    from napari.layers import Image

    from xrf_napari._reader import read_layers
    from xrf_napari.widgets.pigments import is_photograph_choice

    latent = tmp_path / "latent.h5"
    with h5py.File(latent, "w") as f:
        f.attrs.update(source="scan.h5", weights="dve.safetensors")
        f["latent"] = np.random.default_rng(0).normal(size=(6, 5, 3)).astype(np.float32)
    [(data, meta, kind)] = read_layers(str(latent))
    layer = Image(data, **meta)
    assert kind == "image" and layer.rgb and "xrf_latent" in layer.metadata
    assert not is_photograph_choice(layer)
    assert is_photograph_choice(Image(data, rgb=True))  # the same pixels, no latent: offered


def test_region_spectrum_on_an_empty_labels_layer_says_paint_first(
    make_napari_viewer, qtbot, monkeypatch
):
    """Region spectrum on a new, empty Labels layer raised an ERROR notification "the region
    'Labels' does not cover any pixel of the cube"; it is no error but a region not painted yet:
    the status line and an info say to paint one first. Painted, it is averaged."""
    from _napari_helpers import caught_notifications, in_memory_scans, quick_survey, wait_idle
    from napari.utils.notifications import NotificationSeverity

    from xrf_napari.widgets.spectrum import REGION_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    [cube] = in_memory_scans(viewer, [0])
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    labels = viewer.add_labels(np.zeros(cube.shape[:2], np.int32), name="new labels")
    dock.region_combo.set_layer(labels)
    with caught_notifications() as seen:
        dock.region_spectrum()
    assert dock.job.status.text() == (
        "Region spectrum: labels layer 'new labels' is empty: paint a region on it first"
    )
    assert [n.severity for n in seen] == [NotificationSeverity.INFO], [n.message for n in seen]
    assert REGION_CURVE not in dock.curves
    labels.data[2:5, 2:6] = 1
    dock.region_spectrum()
    qtbot.waitUntil(lambda: REGION_CURVE in dock.curves, timeout=10000)


def test_a_tube_the_calibration_read_off_the_scatter_lines_is_named_as_found(real_data):
    """The real PyMca .mca (a monochromatised Mo source) is calibrated from its scattered Mo
    lines (`xrf-napari info`: "tube assumed: Mo (... read from the scan's scattered tube
    lines)"), but no peak was read as Mo: quicklook titled "tube unknown" and named no tube
    found, where the user guide says a usual anode found is named under Suggested. The
    calibration's tube is now among Suggestions.tube (named, not suggested nor mapped)."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.detector import calibration_anode, calibration_anode_seen
    from xrf_napari.io import auto_calibrated, read_cube

    cube = auto_calibrated(read_cube(real_data / "pymca_XRFSpectrum.mca"))
    assert calibration_anode_seen(cube.metadata) and calibration_anode(cube.metadata) == "Mo"
    found = suggest_for_cube(cube)
    assert found.tube == ("Mo",) and "Mo" not in found
    assert found.tube_note("with --anode").startswith("Mo not suggested: ")
    named = suggest_for_cube(cube, anode="Mo")  # a tube named: nothing to find
    assert named.tube == () and "Mo" not in named


def test_the_pigments_dock_at_its_narrowest_shows_its_instrument_row_whole(
    make_napari_viewer, qtbot, monkeypatch
):
    """The Pigments dock could be narrowed (or was opened alone) to 374 px over a 433 px form:
    the form scrolled sideways, the Instrument row's gas and kV boxes cut at the dock's edge. Its
    minimum is now its form's, so at its narrowest every box of the row is in view."""
    from _dock_layout import hidden_part, settle
    from _napari_helpers import in_memory_scans, quick_survey, wait_idle
    from qtpy.QtCore import Qt

    viewer = make_napari_viewer(show=True)  # placed and laid out as on screen
    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    in_memory_scans(viewer, [0])
    dock, widget = viewer.window.add_plugin_dock_widget("xrf-napari", "Pigments")
    wait_idle(qtbot, widget.job)
    main = viewer.window._qt_window
    main.resizeDocks([dock], [1], Qt.Orientation.Horizontal)  # as narrow as it goes
    settle()
    row = widget.instrument_row
    for box in (row.optic_combo, row.gas_combo, row.anode_combo, row.kv_spin):
        assert hidden_part(box, dock) == "", (dock.width(), hidden_part(box, dock))


def test_a_candidate_name_gives_way_before_its_probability(qtbot):
    """A candidate too long for its box was elided in the middle: at a 420 px dock "Azurite
    \u2014 100%" read "Az\u20260%". The name is elided at its end and the probability kept whole."""
    from xrf_napari.widgets.pigments import CandidateCombo

    combo = CandidateCombo()
    qtbot.addWidget(combo)
    text = "Azurite 60% + Lead white 40%  \u2014 100%"
    combo.addItem(text)
    metrics = combo.fontMetrics()
    combo.resize(metrics.horizontalAdvance("Azurite 60%  \u2014 100%") + 40, combo.height())
    shown = combo.shown_text()
    assert shown != text and shown.endswith("\u2026  \u2014 100%"), shown
    assert shown.startswith("Azurite"), shown


def test_a_curve_with_a_nan_is_refused_before_it_breaks_the_plot(
    make_napari_viewer, qtbot, monkeypatch
):
    """SpectrumWidget.add_curve (a script's) took a curve with one NaN among its channels: it
    stayed among the curves and every redraw failed, "Spectrum plot: ValueError: Axis limits
    cannot be NaN or Inf", until it was removed. It is refused up front, naming the curve."""
    from _napari_helpers import in_memory_scans, quick_survey, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    quick_survey(monkeypatch, {"scan0": ["Pb"]})
    [cube] = in_memory_scans(viewer, [0])
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    before = list(dock.curves)
    counts = np.ones(len(cube.energy))
    counts[5] = np.nan
    with pytest.raises(ValueError) as refused:
        dock.add_curve("mine", cube.energy, counts)
    assert str(refused.value).startswith(
        f"curve 'mine' is not finite: 1 of its {len(counts)} count values are NaN or infinite"
    )
    assert list(dock.curves) == before
    dock.add_curve("mine", cube.energy, np.nan_to_num(counts))
    assert "mine" in dock.curves


def test_a_job_on_another_scan_is_renamed_when_its_datacube_layer_goes(
    make_napari_viewer, qtbot, monkeypatch
):
    """A job running on a scan other than the one shown has its lines shown after that scan's
    name ("On <layer>: ..."). With its datacube layer deleted (its sum image left, the scan
    still open, the job running) the prefix kept the deleted layer's name; it now names the scan
    as every message does once that layer is gone (scan_name: the scan's own name)."""
    import threading

    from _napari_helpers import held_job, in_memory_scans, quick_survey, wait_idle

    import xrf_napari.widgets.spectrum as spectrum_mod
    from xrf_napari.layerkinds import layer_cube

    viewer = make_napari_viewer()
    quick_survey(monkeypatch, {"scan0": ["Pb"], "scan1": ["Pb"]})
    cubes = in_memory_scans(viewer, [0, 1])
    stack = next(ly for ly in viewer.layers if ly.ndim == 3 and layer_cube(ly) is cubes[0])
    stack.name = "mine"
    gate = threading.Event()
    monkeypatch.setattr(spectrum_mod, "_region_job", held_job(gate, np.ones(len(cubes[0].energy))))
    dock = spectrum_mod.SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    try:
        dock.cube_combo.set_layer(stack)
        wait_idle(qtbot, dock.job)
        labels = viewer.add_labels(np.zeros(cubes[0].shape[:2], np.int32), name="region")
        labels.data[1:4, 1:4] = 1
        dock.region_combo.set_layer(labels)
        dock.region_spectrum()
        assert dock.job.is_running
        other = next(ly for ly in viewer.layers if layer_cube(ly) is cubes[1])
        dock.cube_combo.set_layer(other)
        assert dock.job.status.shown().startswith("On mine: "), dock.job.status.shown()
        viewer.layers.remove(stack)
        assert dock.job.is_running
        assert dock.job.status.shown().startswith("On scan0: "), dock.job.status.shown()
    finally:
        gate.set()
        wait_idle(qtbot, dock.job)


def test_recolour_and_embed_say_which_way_round_a_size_is(tmp_path, capsys):
    """`xrf-napari recolour` said "wrote out.png (302 x 414 px, device cpu)" of the M6 scan whose
    header and every image viewer say 414 x 302 (width first); the Spectrum dock and quicklook
    say "302 x 414 px (H x W)". recolour (and embed's summary line) now say the order too, in
    the one wording (cube.pixels_text(order=True))."""
    from _cli_models import save_tiny_models, weights_args, write_toy_scan

    from xrf_napari.cli.main import main

    scan, _counts, _labels = write_toy_scan(tmp_path / "scan.h5", 4, 5, n_regions=1)
    save_tiny_models(tmp_path)
    assert (
        main(["recolour", str(scan), "-o", str(tmp_path / "rgb.png"), *weights_args(tmp_path)]) == 0
    )
    said = capsys.readouterr()
    assert "recolouring scan (4 x 5 px (H x W), " in said.err, said.err
    assert f"wrote {tmp_path / 'rgb.png'} (4 x 5 px (H x W), device " in said.out, said.out
