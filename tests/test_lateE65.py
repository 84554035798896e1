"""The Pigments dock's report names the tube its fit used (session 65, lateE65), as Embed &
cluster's Save does since 1b53cc9b: not the one chosen in an Instrument row after the fit."""

from __future__ import annotations

import numpy as np


def test_pigments_export_names_the_tube_its_fit_used_after_the_row_changed(
    make_napari_viewer, qtbot, tmp_path
):
    """Fitted with Mo chosen, then Ag chosen in the Instrument row (the fit marked stale), the
    report's region_spectra.csv named Ag: the export read scan_tube at export time. Now the
    tube the fit used, as `pigments --anode Mo` writes. Fails on the parent: "Ag"."""
    from _napari_helpers import open_cube, painted_counts, wait_idle
    from test_lateB65 import _read_anode, _scan_naming_no_tube

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, _scan_naming_no_tube(tmp_path))
    viewer.add_labels(painted_counts()[1].astype(np.int32), name="regions")
    dock = PigmentsWidget(viewer)
    dock.instrument_row.anode_combo.setCurrentText("Mo")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    dock.instrument_row.anode_combo.setCurrentText("Ag")
    wait_idle(qtbot, dock.job)
    dock.export(tmp_path / "report")
    assert _read_anode(tmp_path / "report" / "region_spectra.csv") == "Mo"
