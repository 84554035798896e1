"""Spectrum widget in a real napari viewer (Xvfb): mean, pixel and region spectra, markers, CSV."""

import numpy as np
import pytest
from _napari_helpers import H, W, open_cube, wait_idle, write_painted_cube

from xrf_napari.widgets.spectrum import (
    MEAN_CURVE,
    PIXEL_CURVE,
    REGION_CURVE,
    SpectrumWidget,
    find_spectrum_widget,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def viewer_with_cube(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    path = write_painted_cube(tmp_path / "painted.h5")
    layers = open_cube(viewer, path)
    return viewer, layers


def test_mean_spectrum_suggestions_and_markers(viewer_with_cube, qtbot):
    viewer, layers = viewer_with_cube
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.cube_combo.current_layer().ndim == 2  # the sum image stands for the cube
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None
    energy, mean, _ = widget.curves[MEAN_CURVE]
    cube = widget.cube_combo.current_cube()
    np.testing.assert_allclose(mean, cube.sum_spectrum() / (H * W))
    suggested = widget.suggested_label.text()
    for sym in ("Pb", "Hg", "Fe", "Cu", "Ca"):
        assert sym in suggested
    assert "Rh" not in suggested  # the tube's anode, from the file's metadata
    assert set(widget.checked_elements()) >= {"Pb", "Fe"}
    # markers: one vertical line per visible line family of the ticked elements
    widget.set_checked_elements(["Fe"])
    widget.family_checks["L"].setChecked(False)
    qtbot.waitUntil(widget.plot_is_current)  # the first figure waits for matplotlib's import
    xs = sorted(round(x, 2) for x in widget._plot.marker_energies())
    assert xs == [6.4, 7.06]
    assert find_spectrum_widget(viewer) is widget


def test_pixel_region_and_export(viewer_with_cube, qtbot, tmp_path):
    viewer, layers = viewer_with_cube
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)
    cube = widget.cube_combo.current_cube()
    assert widget.show_pixel(3, 5)
    np.testing.assert_array_equal(widget.curves[PIXEL_CURVE][1], cube.data[3, 5, :])
    assert not widget.show_pixel(H + 3, 0)  # outside the scan: nothing read
    # mouse move over the canvas drives the same path
    from types import SimpleNamespace

    widget._mouse_cb(viewer, SimpleNamespace(position=(0, 10.2, 4.4)))
    assert widget._last_pixel == (10, 4)

    # region: a rectangle over the first band (rows 0-5) = lead white
    viewer.add_shapes(
        [np.array([[0, 0], [0, 9], [5, 9], [5, 0]])], shape_type="rectangle", name="roi"
    )
    widget.region_combo.set_layer(viewer.layers["roi"])
    assert widget.region_spectrum() is not None
    wait_idle(qtbot, widget.job)
    region = widget.curves[REGION_CURVE][1]
    expected = np.asarray(cube.data[0:6, 0:10, :], dtype=float).mean(axis=(0, 1))
    np.testing.assert_allclose(region, expected)

    widget.add_curve("cluster 1", widget.curves[MEAN_CURVE][0], region * 2, color="#ff0000")
    widget.log_check.setChecked(False)
    out = tmp_path / "spectra.csv"
    widget.export_csv(out)
    rows = [r for r in out.read_text().splitlines() if not r.startswith("#")]
    header = rows[0].split(",")
    assert header == ["energy_keV", MEAN_CURVE, REGION_CURVE, "cluster 1", "pixel y=10 x=4"]
    table = np.array([[float(v) for v in r.split(",")] for r in rows[1:]])
    assert table.shape == (512, 5)
    np.testing.assert_allclose(table[:, 3], region * 2, rtol=1e-5)
    # the export opens again as a spectrum (its first curve, the mean) on the same energy axis
    from xrf_napari.io import read_cube

    back = read_cube(out)
    assert back.shape == (1, 1, 512) and back.metadata.get("column") == MEAN_CURVE
    np.testing.assert_allclose(
        np.asarray(back.data[0, 0], float), widget.curves[MEAN_CURVE][1], rtol=1e-5
    )
    np.testing.assert_allclose(back.energy, cube.energy, atol=1e-4)
    widget.clear_extra_curves()
    assert "cluster 1" not in widget.curves and MEAN_CURVE in widget.curves


def test_labels_region_and_errors(viewer_with_cube, qtbot):
    viewer, layers = viewer_with_cube
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)
    lab = np.zeros((H, W), np.int32)
    lab[12:18, :] = 1  # the ochre band
    viewer.add_labels(lab, name="mask")
    widget.region_combo.set_layer(viewer.layers["mask"])
    widget.region_spectrum()
    wait_idle(qtbot, widget.job)
    cube = widget.cube_combo.current_cube()
    np.testing.assert_allclose(
        widget.curves[REGION_CURVE][1], np.asarray(cube.data[12:18], dtype=float).mean(axis=(0, 1))
    )
    # an empty region is refused with a notification, and the widget stays usable
    viewer.layers["mask"].data = np.zeros((H, W), np.int32)
    assert widget.region_spectrum() is None
    assert not widget.job.is_running and widget.job.run_button.isEnabled()


@pytest.mark.parametrize("key", ["panel", "painting"])
def test_shipped_sample_opens_with_spectrum(make_napari_viewer, qtbot, key):
    import xrf_napari._sample_data as samples

    if not (samples.SAMPLE_DIR / samples.SAMPLES[key]).is_file():
        pytest.skip(f"sample {samples.SAMPLES[key]} not shipped in this checkout")
    viewer = make_napari_viewer()
    layers = viewer.open_sample("xrf-napari", key)
    assert [ly.name.endswith("true colours") for ly in layers][-1]
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job, timeout=60000)
    assert widget.job.last_error is None and MEAN_CURVE in widget.curves
    # The main element of every pigment that dominates two or more of the sample's regions (from
    # the generator's record in the file) is suggested, and shown in the label.
    from xrf_napari.widgets._common import SURVEYS

    _, suggested = SURVEYS.get(widget.cube_combo.current_cube())
    expected = widespread_elements(widget.cube_combo.current_cube().metadata)
    assert expected and expected <= set(suggested), (expected, suggested)
    assert all(sym in widget.suggested_label.text() for sym in expected)


def widespread_elements(metadata: dict) -> set[str]:
    """First element of each region's main pigment, kept when it leads two regions or more."""
    from collections import Counter

    from xrf_napari.physics.pigments import get_pigment

    leads = Counter(
        get_pigment(r["pigments"][int(np.argmax(r["fractions"]))]).elements[0]
        for r in metadata["regions"]
    )
    return {el for el, n in leads.items() if n >= 2}


def test_cube_switch_during_a_job_still_gets_its_mean(viewer_with_cube, qtbot, tmp_path):
    viewer, layers = viewer_with_cube
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.job.is_running  # the first cube's mean spectrum
    second = open_cube(viewer, write_painted_cube(tmp_path / "second.h5", seed=1))
    widget.cube_combo.set_layer(second[-1])
    qtbot.waitUntil(
        lambda: MEAN_CURVE in widget.curves and not widget.job.is_running, timeout=20000
    )
    cube = widget.cube_combo.current_cube()
    assert cube.path.name == "second.h5"
    np.testing.assert_allclose(widget.curves[MEAN_CURVE][1], cube.sum_spectrum() / (H * W))


def test_an_unreadable_pixel_is_said_once_and_stops_following(viewer_with_cube, monkeypatch):
    """A scan whose file becomes unreadable after opening (a network drive gone) raised from
    napari's mouse callback on every move."""
    from _napari_helpers import caught_notifications

    from xrf_napari.analysis import spectra
    from xrf_napari.widgets.spectrum import _make_mouse_callback

    viewer, _ = viewer_with_cube
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.follow_mouse.setChecked(True)

    def gone(*_a, **_k):
        raise OSError("the network drive holding painted.h5 is not reachable")

    monkeypatch.setattr(spectra, "pixel_spectrum", gone)
    move = _make_mouse_callback(widget)
    with caught_notifications() as seen:
        for x in range(5):
            move(viewer, type("Event", (), {"position": (3.0, float(x))})())
    assert len(seen) == 1 and "not reachable" in str(seen[0].message)
    assert not widget.follow_mouse.isChecked()
