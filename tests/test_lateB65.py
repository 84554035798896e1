"""The docks' exports and `embed --anode` name the tube their run used (session 65, lateB65):
the tube chosen in an Instrument row, else the scan's, as `pigments --anode` writes it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest


def _scan_naming_no_tube(tmp_path):
    from _napari_helpers import CANONICAL_CAL, painted_counts

    from xrf_napari.io.project_h5 import write_cube

    counts, labels = painted_counts(0)
    return write_cube(tmp_path / "untold.h5", counts, CANONICAL_CAL, metadata={"name": "u"})


def _read_anode(csv):
    """The tube a CSV names, read back by read_cube (a table of clusters: its first curve)."""
    from xrf_napari import read_cube
    from xrf_napari.detector import known_anode
    from xrf_napari.errors import FileWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FileWarning)  # "only its first ... is read"
        return known_anode(read_cube(csv).metadata)


def _chose_mo(viewer, qtbot, tmp_path):
    """The Spectrum dock on a scan naming no tube, Mo chosen in its Instrument row."""
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    open_cube(viewer, _scan_naming_no_tube(tmp_path))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.instrument_row.anode_combo.setCurrentText("Mo")
    wait_idle(qtbot, dock.job)
    return dock


def test_spectrum_export_names_the_mo_chosen_in_the_instrument_row(
    make_napari_viewer, qtbot, tmp_path
):
    """A scan naming no tube, Mo chosen in the Spectrum dock's Instrument row: its Export wrote
    the scan's tube (Rh, read off its scatter lines), not the Mo the run used."""
    dock = _chose_mo(make_napari_viewer(), qtbot, tmp_path)
    dock.export_csv(tmp_path / "mean.csv")
    assert _read_anode(tmp_path / "mean.csv") == "Mo"


def test_embed_save_names_the_mo_chosen_in_an_instrument_row(make_napari_viewer, qtbot, tmp_path):
    """Embed & cluster's Save of that scan, Mo chosen in an Instrument row (its check used Mo):
    its cluster spectra named the scan's Rh."""
    from _napari_helpers import cluster_with_tiny_dve

    viewer = make_napari_viewer()
    _chose_mo(viewer, qtbot, tmp_path)
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    _, csv_path = embed.save(tmp_path / "regions.png")
    assert _read_anode(csv_path) == "Mo"


def test_pigments_report_names_the_mo_chosen_in_its_instrument_row(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The Pigments dock's report of a fit run with Mo chosen named the scan's (Rh)."""
    from _napari_helpers import open_cube, painted_counts, wait_idle

    from xrf_napari.analysis import pigment_report
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, _scan_naming_no_tube(tmp_path))
    viewer.add_labels(painted_counts()[1].astype(np.int32), name="regions")
    dock = PigmentsWidget(viewer)
    dock.instrument_row.anode_combo.setCurrentText("Mo")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    seen = {}
    monkeypatch.setattr(pigment_report, "write_report", lambda *a, **k: seen.update(k) or {})
    dock.export(tmp_path / "report")
    assert seen["anode"] == "Mo"


def test_embed_anode_names_the_given_tube_in_the_cluster_spectra(tmp_path):
    """`xrf-napari embed --anode Mo` of a scan whose file names Rh: the training-data line took
    Mo, cluster_spectra.csv said Rh (`pigments --anode` writes the tube given)."""
    pytest.importorskip("torch")
    from _napari_helpers import CANONICAL_CAL, painted_counts, tiny_weights

    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts(0)
    scan = write_cube(tmp_path / "rh.h5", counts, CANONICAL_CAL, metadata={"anode": "Rh"})
    out = tmp_path / "out"
    args = ["embed", str(scan), "-o", str(out), "-k", "2", "--device", "cpu", "--no-progress"]
    rc = main([*args, "--weights", str(tiny_weights(tmp_path)[0]), "--anode", "Mo"])
    assert rc == 0
    assert _read_anode(out / "cluster_spectra.csv") == "Mo"
