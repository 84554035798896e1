"""Review 40c of the session-40 dock commits (dfc8d06 .. 8f37021): what the review found wrong,
each with a test that fails on the code before its fix, and guards of what no test held."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_checking_a_float_photograph_for_missing_values_makes_no_copy_of_it():
    """check_photo_values runs on the GUI thread as Find pigments / Find regions is pressed. It
    made three boolean arrays of the photograph (isfinite of every sample, then per pixel): 1.7 s
    and ~200 MB more for a 48-megapixel float32 photograph, the window frozen meanwhile. Now one
    summing pass decides a photograph with no bad sample; the count is made only where the sum
    is not finite, and says the same."""
    import tracemalloc

    from xrf_napari.analysis.colour_prior import check_photo_values

    photo = np.full((500, 400, 3), 0.5, np.float32)  # 2.4 MB; its isfinite alone is 0.6 MB
    tracemalloc.start()
    try:
        check_photo_values(photo, "clean")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000, peak
    photo[:4, :, 1] = np.nan
    photo[-1, -1, 0] = np.inf
    with pytest.raises(ValueError, match="1,601 of its 200,000 pixels over the scan have no value"):
        check_photo_values(photo, "photograph 'registered'")
    huge = np.full((4, 4, 3), 1e308)  # its sum overflows: finite samples, not refused
    check_photo_values(huge)
    alpha = np.full((4, 4, 4), 0.5)
    alpha[..., 3] = np.nan  # the alpha channel is not read
    check_photo_values(alpha)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_a_lazy_photograph_is_not_read_on_the_gui_thread(dtype):
    """A photograph layer whose data is lazy (a dask array, as reader plugins give for a large
    image) was read whole by check_photo_values on the GUI thread (np.asarray first), even an
    8-bit one that has no missing values to find. It is now left to the worker, whose
    photo_on_scan reads it and says the same of missing values."""
    import dask
    import dask.array as da

    from xrf_napari.analysis.colour_prior import check_photo_values, photo_on_scan

    reads = []

    def load():
        reads.append(1)
        out = np.full((40, 30, 3), 100, dtype)
        if dtype is np.float32:
            out = out / 255
            out[0, 0] = np.nan
        return out.astype(dtype)

    lazy = da.from_delayed(dask.delayed(load)(), (40, 30, 3), dtype)
    check_photo_values(lazy, "lazy")
    check_photo_values(lazy[2:, 1:], "lazy")  # the window over the scan (_photo_over_scan)
    assert reads == []
    if dtype is np.float32:  # the worker still says it
        with pytest.raises(ValueError, match="1 of its 1,200 pixels over the scan have no value"):
            photo_on_scan(lazy, (20, 15), "lazy")


def test_the_hint_on_drawing_regions_is_one_that_works_once_the_sum_image_is_closed(
    make_napari_viewer, tmp_path
):
    """8f37021's hint on a Labels layer of another size named the scan's layer in the Pigments
    pick-list: with the sum image closed, that is the channel stack, and "select 'a' before
    napari's New labels layer button" made a (channels, H, W) layer, refused again with the same
    hint. It now says what does work there (Embed & cluster, or the file opened again)."""
    from _napari_helpers import H, W, open_cube, write_painted_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    stack, total = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    viewer.layers.remove(total)  # the sum image closed: the stack is the scan's only layer
    viewer.add_labels(np.ones((2 * H, 2 * W), np.int32), name="drawn")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.labels_combo.set_layer(viewer.layers["drawn"])
    assert widget.current_layer() is stack
    assert widget.run() is None
    line = widget.job.status.text()
    assert f"got {(2 * H, 2 * W)}" in line, line
    assert "select 'a' before" not in line, line  # the stack would make (C, H, W) labels
    assert "channel axis" in line and "Embed & cluster" in line, line
    viewer.layers.selection.active = stack  # what that hint said to do
    viewer._new_labels()
    assert viewer.layers[-1].data.ndim == 3  # refused in turn


def test_pigments_says_nothing_of_a_missing_calibration_while_one_is_fitted(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, gated_pass
):
    """Guard of dfc8d06's exception (no test held it: dropped, every dock test passed): a large
    uncalibrated scan waits for its automatic calibration, which Find pigments waits for too, so
    the Pigments line must not say "no energy calibration" meanwhile; the calibration that
    arrives is the scan's, and no refusal follows it."""
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, PigmentsWidget
    )
    assert PENDING_KEY in stack.metadata and dock.current_cube().calibration.source == "none"
    assert "no energy calibration" not in dock.job.status.text(), dock.job.status.text()
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    assert dock.current_cube().calibration.source != "none"
    assert "Pigments:" not in dock.job.status.text(), dock.job.status.text()


def test_pigments_says_so_once_the_calibration_failed_while_another_scan_was_shown(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, gated_pass
):
    """9ebb09f showed the refusal over a kept blank line only. Find pigments pressed while the
    scan's automatic calibration was fitted, then another scan chosen, left "Find pigments was
    not started: another scan was chosen while it waited; press it again." as the scan's line;
    the calibration then failed, and back on the scan that line was still shown, though
    pressing it again can only be refused. A scan no Run can work on now shows why, whatever
    line it had."""
    from _napari_helpers import open_cube, write_painted_cube
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _write_ripple

    from xrf_napari.widgets.pigments import PigmentsWidget

    noise = np.random.default_rng(0).poisson(3, size=(12, 10, 256))
    path = _write_ripple(tmp_path, "noise", noise)
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, PigmentsWidget, path
    )
    dock.run()  # waits for the calibration
    assert "starts once it arrives" in dock.job.status.text(), dock.job.status.text()
    open_cube(viewer, write_painted_cube(tmp_path / "other.h5"))
    waiting = stack.metadata["xrf_cube"]
    assert dock.current_cube() is not waiting
    assert "press it again" in dock.recall(waiting, "status")[0]  # its line, shown on return
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    dock.cube_combo.set_layer(next(ly for ly in viewer.layers if ly.name == "noise sum"))
    assert dock.current_cube() is stack.metadata["xrf_cube"]
    assert dock.current_cube().calibration.source == "none"
    line = dock.job.status.text()
    assert "noise: no energy calibration, so its lines cannot be fitted" in line, line
