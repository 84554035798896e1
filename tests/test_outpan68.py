"""Session 68, saved outputs and the panels' keyboard use (helper outpan68)."""

from __future__ import annotations

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
