"""The docks' save dialogs and refusals, session 40 review leftovers: a save suggested after the
scan and beside it, and the off-grid refusal naming the scan's layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from _napari_helpers import open_cube, tiny_embed_dock, tiny_recolour_dock, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def _off_grid_scan(path, shape=(20, 20)):
    """A .rpl whose calibrated axis lies wholly below 1 keV."""
    import numpy as np

    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    data = np.random.default_rng(0).poisson(20, (*shape, 16)).astype(np.uint16)
    write(path, data, Calibration(offset=-0.956, gain=0.010002))
    return path


def test_the_off_grid_refusal_names_the_scans_layer(make_napari_viewer, tmp_path):
    """Two scans of one name from two folders ("NG6461" and "NG6461 [1]" in the layer list)
    were both refused as "NG6461: its energy axis ...", where the docks' other refusals name the
    layer ("NG6461 [1] is a single spectrum"), so the user could not tell which scan was off
    the grid. The refusal now names the layer, in Recolour, Embed & cluster and Pigments."""
    from xrf_napari.widgets._layers import cube_display_name
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        open_cube(viewer, write_painted_cube(tmp_path / folder / "NG6461.h5"))
    (tmp_path / "c").mkdir()
    off = open_cube(viewer, _off_grid_scan(tmp_path / "c" / "NG6461.rpl"))[-1]
    shown = cube_display_name(viewer, off)  # the datacube layer's name
    assert shown != "NG6461", shown  # napari told the third NG6461 apart
    recolour, embed = RecolourWidget(viewer), tiny_embed_dock(viewer, tmp_path)
    pigments = PigmentsWidget(viewer)
    for dock, name in ((recolour, "Recolour"), (embed, "Embed & cluster"), (pigments, "Pigments")):
        dock.cube_combo.set_layer(off)
        line = dock.job.status.text()
        assert line.startswith(f"{name}: {shown}: its energy axis runs"), line


def test_pigments_names_the_uncalibrated_scans_layer(make_napari_viewer, tmp_path):
    """Pigments' other refusal of a whole scan, no energy calibration, named it by its file's
    name too ("flat: no energy calibration ..." for "flat [1]" as well)."""
    from test_widgets_audit24 import _flat_uncalibrated_scan

    from xrf_napari.widgets._layers import cube_display_name
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        layer = open_cube(viewer, _flat_uncalibrated_scan(tmp_path / folder))[-1]
    shown = cube_display_name(viewer, layer)
    assert shown != "flat", shown
    widget = PigmentsWidget(viewer)
    widget.cube_combo.set_layer(layer)
    line = widget.job.status.text()
    assert line.startswith(f"Pigments: {shown}: no energy calibration"), line
