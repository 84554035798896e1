"""Widget fixes of session 29 (GUI walk audit 27, item 10; lifecycle note 28): Recolour's Run and
Save stay in view after a run at 1920 x 1080, a single spectrum is one curve with a legend that
says so, and the pixel legend names y and x as napari's status bar orders them. (A failed survey
leaves its reason on the dock that ran it: tests/test_widgets_lifecycle28.py.)"""

from types import SimpleNamespace

import numpy as np
import pytest
from _dock_layout import five_docks, front, hidden_part, settle
from _napari_helpers import (
    open_cube,
    painted_counts,
    tiny_weights,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_recolour_run_and_save_stay_in_view_after_a_run_at_1080p(
    make_napari_viewer, tmp_path, qtbot
):
    """The five docks as the Plugins menu opens them at 1920 x 1080: after a run, the notes it
    adds (unlike the training data; where the lines do not fix the colour: eight lines) pushed
    Run half below the fold of the docked tab and Save wholly (audit 27, crop_recolour_bottom)."""
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, write_painted_cube(tmp_path / "painted.h5"), qtbot)
    dock, recolour = docks["Recolour"]
    front(dock)
    buttons = (recolour.job.run_button, recolour.save_button)
    for button in buttons:
        assert hidden_part(button, dock) == "", ("before a run", button.text())
    dve, uvit = tiny_weights(tmp_path)
    recolour.weights_edit.setText(str(uvit))
    recolour.embedder_edit.setText(str(dve))
    recolour.device.setCurrentText("cpu")
    assert recolour.run() is not None
    wait_idle(qtbot, recolour.job, 60000)
    assert recolour.job.last_error is None, recolour.job.last_error
    settle()
    notes = (recolour.ood_label, recolour.ambiguity_label)
    line = recolour.ambiguity_label.fontMetrics().lineSpacing()
    assert sum(n.height() for n in notes) >= 5 * line  # the notes that pushed them down
    for button in buttons:
        assert hidden_part(button, dock) == "", ("after a run", button.text())
    assert recolour.save_button.isEnabled()
    for note in notes:  # and the notes themselves are in view, not under the fold
        assert hidden_part(note, dock) == "", note.text()[:40]


def _write_msa(path, counts, gain_kev=0.02):
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n"
        f"#NPOINTS     : {counts.size}\n#NCOLUMNS    : 1\n#XUNITS      : keV\n"
        f"#XPERCHAN    : {gain_kev}\n#OFFSET      : 0.0\n#DATATYPE    : Y\n#SPECTRUM    :\n"
    )
    body = "\n".join(f"{int(c)}," for c in counts)
    path.write_text(head + body + "\n#ENDOFDATA   :\n", encoding="utf-8")
    return path


def _legend(widget, qtbot):
    qtbot.waitUntil(widget.plot_is_current, timeout=20000)
    return [t.get_text() for t in widget.ax.get_legend().get_texts()]


def test_a_single_spectrum_is_one_curve_and_its_legend_says_so(make_napari_viewer, qtbot, tmp_path):
    """A 1 x 1 scan's pixel curve is its mean curve: drawn on top of it in orange, it hid the
    white mean curve, and the legend listed two curves for one spectrum."""
    from xrf_napari.widgets.spectrum import MEAN_CURVE, PIXEL_CURVE, SpectrumWidget

    counts = painted_counts()[0][0, 0]
    viewer = make_napari_viewer()
    open_cube(viewer, _write_msa(tmp_path / "spot.msa", counts))
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    assert widget.current_cube().shape[:2] == (1, 1)
    wait_idle(qtbot, widget.job)
    assert MEAN_CURVE in widget.curves
    widget._mouse_cb(viewer, SimpleNamespace(position=(0.0, 0.0)))  # the mouse over the spot
    assert widget.show_pixel(0, 0)
    assert PIXEL_CURVE not in widget.curves
    assert _legend(widget, qtbot) == ["spectrum (the scan's only pixel)"]
    np.testing.assert_array_equal(widget.curves[MEAN_CURVE][1], counts)


def test_the_pixel_legend_names_y_and_x_in_napari_order(make_napari_viewer, qtbot, tmp_path):
    """The legend said "pixel (x, y)" beside napari's status bar, which shows [y x]: the pixel
    at row 10, column 7 read "pixel (7, 10)", another pixel by napari's numbers."""
    from xrf_napari.widgets.spectrum import PIXEL_CURVE, SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "s.h5"))
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)
    widget._mouse_cb(viewer, SimpleNamespace(position=(10.0, 7.0)))
    cube = widget.current_cube()
    np.testing.assert_array_equal(widget.curves[PIXEL_CURVE][1], cube.data[10, 7, :])
    assert "pixel y=10, x=7" in _legend(widget, qtbot)
    assert "mean of the scan" in _legend(widget, qtbot)  # a scan of many pixels: its mean
    # napari's status bar gives the same pixel in the same order: "[10, 7]: <sum counts>"
    status = widget.cube_combo.current_layer().get_status((10.0, 7.0))
    coords = status["coordinates"] if isinstance(status, dict) else status
    assert coords.startswith("[10, 7]"), coords
