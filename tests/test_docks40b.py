"""The docks' save dialogs and refusals, session 40 review leftovers: a save suggested after the
scan and beside it, and the off-grid refusal naming the scan's layer."""

from __future__ import annotations

from pathlib import Path

from _napari_helpers import open_cube, tiny_embed_dock, tiny_recolour_dock, write_painted_cube


def test_the_suggested_save_path_is_named_after_the_scan_and_beside_it():
    """The dialogs suggested "recoloured.png" in the process's current folder for every scan."""
    from xrf_napari.widgets._dialogs import suggested_folder, suggested_path

    scan = Path("/data") / "NG6461.rpl"
    assert suggested_path(scan, "recoloured.png") == str(Path("/data") / "NG6461_recoloured.png")
    assert suggested_path(str(scan), "clusters.png") == str(Path("/data") / "NG6461_clusters.png")
    assert suggested_folder(scan) == str(Path("/data"))
    # a scan without a file (a sample, an array) keeps the bare name and Qt's default folder
    assert suggested_path(None, "recoloured.png") == "recoloured.png"
    assert suggested_folder(None) == ""


def test_the_docks_dialogs_open_on_the_scans_name_and_folder(
    make_napari_viewer, tmp_path, monkeypatch
):
    """Recolour > Save image…, Embed & cluster > Save labels & spectra… and Spectrum > Export
    CSV… suggested a bare "recoloured.png", "clusters.png", "spectra.csv" in the current
    folder; Save maps… and Export report… opened their folder dialogs there too."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    scans = tmp_path / "scans"
    scans.mkdir()
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(scans / "NG6461.h5"))
    suggested, started = [], []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a: (suggested.append(a[2]), ("", ""))[1]
    )
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", lambda *a: (started.append(a[2:]), "")[1]
    )
    recolour = tiny_recolour_dock(viewer, tmp_path)
    embed = tiny_embed_dock(viewer, tmp_path)
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    maps = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    recolour._save_clicked()
    embed._save_clicked()
    spectrum.save_with_dialog("Export spectra", "CSV (*.csv)", "spectra.csv", print)
    assert suggested == [
        str(scans / "NG6461_recoloured.png"),
        str(scans / "NG6461_clusters.png"),
        str(scans / "NG6461_spectra.csv"),
    ]
    maps._save_clicked()
    pigments._export_clicked()
    assert started == [(str(scans),), (str(scans),)]
