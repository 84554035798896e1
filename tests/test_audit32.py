"""Review of session 32's change (/work/runs32/review32b, not kept): a refused background
calibration leaves the Spectrum dock saying why, not "fitting one"; two scans still waiting for
their calibration give no "slider mixes keV and channel numbers" warning; a cube saved while its
calibration is fitted does not carry the "pending" marker; the survey's tiles and cells stay
within their bounds on line scans; the Elemental maps dock stays narrow."""

import json

import numpy as np
import pytest
from _napari_helpers import caught_notifications, gated_method, open_cube, painted_counts
from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _layers, _write_ripple

import xrf_napari._reader as reader
from xrf_napari.cube import Cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_refused_background_calibration_is_shown_in_the_spectrum_dock(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    from xrf_napari.widgets.spectrum import SpectrumWidget

    noise = np.random.default_rng(0).poisson(3, size=(12, 10, 256))  # no peaks to fit
    path = _write_ripple(tmp_path, "noise", noise)
    with gated_method(monkeypatch, Cube, "sum_and_max_spectra") as gate:
        _, dock, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget, path
        )
        assert "fitting one" in dock.calibration_label.text()
        gate.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    qtbot.waitUntil(lambda: "fitting one" not in dock.calibration_label.text(), timeout=5000)
    assert dock.calibration_label.text().startswith("No energy calibration")


def test_two_scans_waiting_for_their_calibration_do_not_warn_of_mixed_axes(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    path = _write_ripple(tmp_path, "painted", painted_counts()[0])
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        with gated_method(monkeypatch, Cube, "sum_and_max_spectra") as gate:
            stacks = [next(ly for ly in open_cube(viewer, path) if ly.ndim == 3) for _ in range(2)]
            gate.set()
            qtbot.waitUntil(
                lambda: all(PENDING_KEY not in s.metadata for s in stacks), timeout=20000
            )
        qtbot.wait(100)
    assert all(s.axis_labels[0] == "energy" for s in stacks)
    assert not [n.message for n in seen if "mixes keV" in n.message]


def test_a_cube_saved_while_its_calibration_is_fitted_has_no_pending_marker(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    import h5py

    from xrf_napari._writer import write_cube_layer

    path = _write_ripple(tmp_path, "painted", painted_counts()[0])
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    with gated_method(monkeypatch, Cube, "sum_and_max_spectra") as gate:
        open_cube(viewer, path)
        stack, _ = _layers(viewer)
        assert stack.metadata.get("auto_calibration") == "pending"
        out = write_cube_layer(
            str(tmp_path / "saved.h5"), stack.data, {"name": stack.name, "metadata": stack.metadata}
        )
        gate.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    with h5py.File(out[0], "r") as f:
        meta = json.loads(f.attrs["metadata"])
    assert "auto_calibration" not in meta and PENDING_KEY not in meta


@pytest.mark.parametrize("shape", [(1, 100_000), (2, 200_000), (100_000, 1), (1, 1_000_000)])
def test_survey_tiles_and_cells_stay_within_their_bounds_on_line_scans(shape):
    from xrf_napari.analysis import spectra

    for side, most in (
        (spectra.survey_tile(shape), spectra.MAX_SURVEY_TILES),
        (spectra.survey_cell(shape), spectra.MAX_SURVEY_CELLS),
    ):
        assert -(-shape[0] // side) * -(-shape[1] // side) <= most, (shape, side)
    assert spectra.survey_tile((414, 302)) == spectra.MIN_SURVEY_TILE  # square scans as before
    assert spectra.survey_cell((302, 414)) == 6


def test_the_maps_dock_is_not_the_widest_by_its_composite_row(make_napari_viewer):
    """150e83f pinned R, G, B and Add composite in one row under the body and put FWHM and the
    background box on one row: the dock's minimum width went from 187 to 423 px, the widest of
    the five, and a tabbed dock sets the whole column's width."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    widget = ElementMapsWidget(make_napari_viewer())
    assert widget.minimumSizeHint().width() <= 400


def test_a_scan_waiting_for_its_calibration_is_not_surveyed_until_it_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """A survey of channel numbers suggests nothing; its read of the file ran beside the
    calibration's pass (a 488 MiB file read three times on open with a dock open)."""
    from xrf_napari.widgets import _common
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    surveyed = []
    real = _common.SURVEYS.start
    monkeypatch.setattr(
        _common.SURVEYS, "start", lambda cube, *a, **k: surveyed.append(cube) or real(cube, *a, **k)
    )
    with gated_method(monkeypatch, Cube, "sum_and_max_spectra") as gate:
        _, dock, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget
        )
        qtbot.wait(200)
        assert surveyed == [] and "Waiting for the automatic" in dock.job.status.text()
        gate.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        # (inside: leaving gated_method quits every worker, the survey too)
        qtbot.waitUntil(lambda: "Fe" in dock.suggested_label.text(), timeout=20000)
    assert surveyed == [layer_cube(stack)]
