"""Session 68, saved outputs and the panels' keyboard use (helper outpan68)."""

from __future__ import annotations

import os

import pytest


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
