"""Session 68, review of outpan68's commits (saved outputs' names, the panels' keyboard use)."""

from __future__ import annotations

import os
import re

import pytest
from test_writer47 import _cube_layer


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize("typed", [".x.h5", ".x"])
def test_napari_save_layers_refuses_a_hidden_name_as_every_other_save(tmp_path, typed):
    """napari's File > Save Selected Layers with ".x.h5" (or ".x", to which the writer adds
    .h5) wrote the hidden .x.h5, a name the docks' save dialogs, `recolour -o` and `embed -o`
    refuse (fileutil.hidden_name); several cube layers made ".x_<layer>.h5" each. Fails on the
    parent: written."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer, write_cube_layers

    hidden = "a name starting with a dot makes a hidden file"
    with pytest.raises(CubeSaveError, match=rf"layer 'scan' not saved: '{typed}': {hidden}"):
        write_cube_layer(str(tmp_path / typed), *_cube_layer())
    data, meta = _cube_layer()
    layers = [(data, meta, "image"), (data, {**meta, "name": "scan2"}, "image")]
    with pytest.raises(CubeSaveError, match=rf"2 layers not saved: '{typed}': {hidden}"):
        write_cube_layers(str(tmp_path / typed), layers)
    assert not os.listdir(tmp_path)


def test_a_held_enter_presses_make_maps_once_as_it_is_let_go_and_cancel_takes_the_focus(
    make_napari_viewer, qtbot, tmp_path
):
    """Enter on a dock's focused button clicked it as the key went down and again at each
    auto-repeat: a held Enter pressed Mean spectrum 16 times, and on Export CSV... the repeats
    went to the dialog it had opened and saved s_spectra.csv unseen
    (/work/runs68/revO68/held_enter.py). Now as Space: down while held, one click as it is let
    go. Fails on 98fdb522's parent: clicked on the press, then at each repeat.
    Then Make maps, turned off as its job starts, gave its focus to the next control on: Cancel
    beside it was turned on only after, so the focus went to the table (or, in Embed & cluster
    and Pigments, out of the panel onto napari's "hide this panel" button:
    /work/runs68/revO68/keys.py). Now Cancel is on first and takes it. Fails on that commit's
    parent: the focus on the element table. One test: showing the window costs seconds."""
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube, show_active, wait_idle
    from qtpy.QtCore import QEvent, Qt
    from qtpy.QtGui import QKeyEvent
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0])
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.set_checked_elements(["Fe"])
    window = show_active(qtbot, dock)
    button, clicks = dock.job.run_button, []
    button.clicked.connect(lambda: clicks.append(button.isDown()))
    try:
        assert button.isEnabled()
        button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(button.hasFocus)

        def send(kind, repeat):
            key = QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r", repeat)
            QApplication.sendEvent(QApplication.focusWidget(), key)

        send(QEvent.Type.KeyPress, False)
        for _ in range(5):  # held: X11 repeats a press and a release
            send(QEvent.Type.KeyRelease, True)
            send(QEvent.Type.KeyPress, True)
        assert clicks == [] and button.isDown()  # shown pressed, as Space shows it
        send(QEvent.Type.KeyRelease, False)
        assert clicks == [False]  # one click, the button up again
        assert dock.job.is_running
        assert QApplication.focusWidget() is dock.job.cancel_button
        wait_idle(qtbot, dock.job)
    finally:
        window.hide()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_an_output_that_is_a_pipe_keeps_the_not_a_regular_file_words(tmp_path):
    """A guard: f971f320 called a folder output "a folder, not a file" and moved the seven older
    tests asserting "it exists and is not a regular file" to those words, leaving the pipe or
    device branch of fileutil.not_a_regular_file untested. check_outputs and atomic_path (a
    script's write) still refuse a named pipe so, without calling it a folder."""
    from xrf_napari.fileutil import OutputError, atomic_path, check_outputs, printable

    pipe = tmp_path / "spectra.csv"
    os.mkfifo(pipe)
    want = re.escape(f"cannot write {printable(pipe)}: it exists and is not a regular file; ")
    with pytest.raises(OutputError, match=want):
        check_outputs(files=[pipe], inputs=[])
    with pytest.raises(OutputError, match=want), atomic_path(pipe):
        pass


def _tab_stops_after(widget, count: int) -> list:
    """The first `count` Tab-focusable widgets of `widget`'s focus chain after it: those Tab
    visits after it where all are on."""
    from qtpy.QtCore import Qt

    stops, w = [], widget.nextInFocusChain()
    while len(stops) < count and w is not widget:
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus:
            stops.append(w)
        w = w.nextInFocusChain()
    return stops


def test_cancel_follows_make_maps_in_the_tab_order_as_in_its_row(
    make_napari_viewer, qtbot, tmp_path
):
    """eebf9f7f put Make maps and Save maps before the element table for Tab but left Cancel,
    between them in the row, after the table's 32 Line boxes: as Make maps ran, the focus it
    gave up went to the table, and Cancel was 33 Tab presses away, Shift+Tab never reaching it
    before the window's other controls (/work/runs68/revO68/chain.py). Now Make maps, Cancel,
    Save maps, the table: one Shift+Tab from the table. Fails on the parent: Save maps after
    Make maps, Cancel after the Line boxes."""
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0])
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    job = dock.job
    want = [job.run_button, job.cancel_button, dock.save_button, dock.table]
    assert _tab_stops_after(dock.suggest_button, 4) == want
