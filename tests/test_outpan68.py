"""Session 68, saved outputs and the panels' keyboard use (helper outpan68)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_scripts_export_csv_refuses_a_name_not_ending_in_csv(make_napari_viewer, qtbot, tmp_path):
    """The Spectrum dock's export_csv(path) from a script wrote "spectra.dat" and a bare
    "spectra" as named, CSVs napari did not reopen, where Embed's and Recolour's save(path)
    refuse a name not of their type and Export CSV... adds .csv. Fails on the parent: both
    written."""
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    scan = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0]
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    for name in ("spectra.dat", "spectra"):
        with pytest.raises(ValueError, match=f"cannot write .*{name}: the spectra are saved as"):
            dock.export_csv(tmp_path / name)
        assert not (tmp_path / name).exists()
    dock.export_csv(tmp_path / "spectra.CSV")
    assert (tmp_path / "spectra.CSV").read_text(encoding="utf-8").startswith("# xrf-napari")


def test_recolour_and_the_save_dialogs_refuse_a_hidden_name_and_a_folder_alike(
    tmp_path, capsys, monkeypatch, qtbot
):
    """`recolour -o .x.png` wrote the hidden .x.png that the docks' save dialogs refuse; a
    folder named dir.csv was "it exists and is not a regular file" from a save and "is a folder"
    from `recolour -o`; a dialog's "adir/" became "adir/.png". Now one rule (fileutil.hidden_name)
    and one wording (fileutil.folder_output, not_a_regular_file). Fails on the parent: .x.png
    written, the old words, "adir/.png" returned."""
    from _cli_models import write_toy_scan
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.cli.main import main
    from xrf_napari.fileutil import OutputError, check_outputs
    from xrf_napari.widgets._dialogs import ask_save_path

    scan = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0]
    hidden = "a name starting with a dot makes a hidden file"
    assert main(["recolour", str(scan), "--no-progress", "-o", str(tmp_path / ".x.png")]) == 2
    assert f"-o {tmp_path / '.x.png'}: {hidden}" in capsys.readouterr().err
    assert not (tmp_path / ".x.png").exists()

    folder = tmp_path / "dir.png"
    folder.mkdir()
    assert main(["recolour", str(scan), "--no-progress", "-o", str(folder)]) == 2
    assert f"-o {folder}: is a folder, not a file; give a file name in it" in (
        capsys.readouterr().err
    )
    with pytest.raises(OutputError, match="it is a folder, not a file; choose another output"):
        check_outputs(files=[folder])

    for typed in (".x.png", "adir/", "dir.png"):
        given = f"{tmp_path}{os.sep}{typed}"  # Path would drop the "/" of "adir/"
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, g=given: (g, a[3]))
        with pytest.raises(ValueError) as said:
            ask_save_path(None, "Save", "PNG (*.png)", str(tmp_path / "s_recoloured.png"))
        words = hidden if typed.startswith(".") else "is a folder, not a file; give a file name"
        assert words in str(said.value), said.value


def test_enter_presses_the_focused_button_and_tab_reaches_make_maps_before_the_table(
    make_napari_viewer, qtbot, tmp_path
):
    """Keyboard-only use of Elemental maps: Enter on a focused button did nothing (Qt presses
    one on Enter only in a dialog), Tab rested on the panel's scroll area, which shows no focus,
    and took 41 presses from Datacube to Make maps, through the table's 32 Line boxes. Now
    Enter presses it, the scroll area is no Tab stop, and Make maps comes before the table.
    Fails on the parent: Enter left Select suggested unpressed."""
    from _napari_helpers import open_cube, show_active, wait_idle, write_painted_cube
    from qtpy.QtCore import Qt
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    window = show_active(qtbot, dock)
    try:
        button = dock.suggest_button
        dock.set_checked_elements([])  # the suggestion ticked as the scan was surveyed
        assert button.isEnabled()
        button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(button.hasFocus)
        QTest.keyClick(button, Qt.Key.Key_Return)
        assert dock.checked_elements()  # the suggested elements ticked, as a click ticks them

        dock.cube_combo.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(dock.cube_combo.hasFocus)
        boxes = set(dock._line_combos.values())
        seen = []
        for _ in range(12):  # Datacube, FWHM, background, the Instrument row, Select suggested
            QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            seen.append(QApplication.focusWidget())
            if seen[-1] is dock.job.run_button or seen[-1] in boxes:
                break
        assert seen[-1] is dock.job.run_button, [type(w).__name__ for w in seen]
        assert dock.scroll not in seen
        QTest.keyClick(dock.job.run_button, Qt.Key.Key_Tab)  # Save maps is off: the table
        assert QApplication.focusWidget() is dock.table
    finally:
        window.hide()


def test_embed_refuses_a_prefix_that_makes_hidden_files(tmp_path, capsys):
    """`embed -o out/.run_` wrote the hidden .run_latent.h5, .run_labels.png, ... that the
    docks' save dialogs and `recolour -o` refuse to make (fileutil.hidden_name). Refused now
    before the scan is read. Fails on the parent: the run goes on and writes them."""
    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main

    scan = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0]
    prefix = f"{tmp_path}{os.sep}.run_"
    assert main(["embed", str(scan), "--no-progress", "-o", prefix]) == 2
    err = capsys.readouterr().err
    assert f"-o {prefix}: a name starting with a dot makes a hidden file" in err, err
    assert "e.g. s_" in err
    assert not list(tmp_path.glob(".run_*"))


def test_a_scripts_save_refuses_a_hidden_name_as_the_dialogs_do(
    make_napari_viewer, qtbot, tmp_path
):
    """The Spectrum dock's export_csv(".x.csv") from a script wrote the hidden .x.csv, where
    Export CSV... refuses a name starting with a dot (so do Embed's and Recolour's save(path):
    CubeDock.check_outputs). Fails on the parent: .x.csv written."""
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0])
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    with pytest.raises(
        ValueError, match=r"cannot save \.x\.csv: a name starting with a dot .* x\.csv"
    ):
        dock.export_csv(tmp_path / ".x.csv")
    assert not (tmp_path / ".x.csv").exists()
