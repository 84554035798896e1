"""Session 67, user67's walk-through of the docks: the Spectrum panel's Export CSV... button
suggests its file after the scan and beside it, as Save image... and Save labels & spectra... do."""

from __future__ import annotations

import pytest
from _napari_helpers import open_cube, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_export_csv_button_suggests_the_scans_name_beside_it(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A guard: user67's walk saw Export CSV... suggest a bare "spectra.csv", on the sample of
    File > Open Sample, whose saves all suggest bare names (Save labels & spectra...'s
    "clusters.png" in the same walk; CubeDock.save_beside). On a scan opened from a file the
    button itself (not only save_with_dialog, test_docks40b) suggests "<scan>_spectra.csv" in
    the scan's folder."""
    from qtpy.QtWidgets import QFileDialog

    from xrf_napari.widgets.spectrum import SpectrumWidget

    scans = tmp_path / "scans"
    scans.mkdir()
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(scans / "NG6461.h5"))
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    qtbot.waitUntil(lambda: spectrum.export_button.isEnabled(), timeout=10000)
    suggested = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a: (suggested.append(a[2]), ("", ""))[1]
    )
    spectrum.export_button.click()
    assert suggested == [str(scans / "NG6461_spectra.csv")]
