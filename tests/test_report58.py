"""The Pigments feature as a user meets it (issue 14): the `pigments` command's refusals of a bad
--labels, and the dock's Export when its scan is closed as the report is written."""

import threading

import numpy as np
import pytest
from _napari_helpers import caught_notifications, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_the_scan_s_own_h5_given_as_labels_is_named_as_the_scan(tmp_path, capsys):
    """`pigments scan.h5 --labels scan.h5` on a scan with no label map in it said only "--labels
    scan.h5: no 'labels' dataset in the file (it holds: counts, energy)", not that the file is
    the scan itself, as the same slip with a TIFF scan is told. A synthetic cube's own truth
    labels (targets/labels) are still read from it."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.cli.main import main
    from xrf_napari.cli.pigments_cmd import read_labels
    from xrf_napari.io.project_h5 import write_cube

    scan = tmp_path / "scan.h5"  # a scan as a reader or converter writes it: no targets
    write_cube(scan, painted_counts()[0], CANONICAL_CAL, metadata={"name": "scan"})
    out = tmp_path / "o"
    assert main(["pigments", str(scan), "--labels", str(scan), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--labels {scan} is the scan itself ({scan}) and holds no label map" in err, err
    assert "give a label map" in err and not out.exists()
    other = write_painted_cube(tmp_path / "painted.h5")  # a synthetic cube: truth labels
    with pytest.raises(ValueError, match="no 'labels' dataset in the file"):  # another file
        read_labels(scan, (24, 20), scan=other)
    # a synthetic cube's truth labels (its targets) are its regions, counted from 1
    lab = read_labels(other, (24, 20), scan=other)
    assert lab.min() >= 1 and len(np.unique(lab)) == 4


def test_a_file_s_implausible_kv_is_named_and_overridden():
    """A file's full instrument profile recording 4 kV was refused as "tube voltage 4 kV outside
    5-60 kV", naming neither the file nor the option, and `--kv 40` did not help: the file's
    value was checked before the given one replaced it."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.analysis.pigment_fit import PigmentFitError, instrument_for
    from xrf_napari.cube import cube_from_array

    cube = cube_from_array(
        painted_counts()[0], CANONICAL_CAL, name="odd", profile={"anode": "Rh", "kv": 4.0}
    )
    with pytest.raises(
        PigmentFitError, match=r"^odd: the instrument profile in its metadata.*--kv"
    ):
        instrument_for(cube)
    profile, _ = instrument_for(cube, kv=40.0)
    assert (profile.anode, profile.kv) == ("Rh", 40.0)


def held_pigments_export(viewer, tmp_path, monkeypatch):
    """The painted cube open beside a Pigments dock whose own Export job (not a copy of its
    save_in_job call) is running, its write_report held until `gate` is set: a fit's result stood
    in by its scan layer, the report's arguments by none. Returns (dock, layers, entered, gate,
    report): `entered` is set once the write began, `report` is written when it is let go."""
    import types

    from xrf_napari.analysis import pigment_report
    from xrf_napari.widgets.pigments import PigmentsWidget

    layers = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    entered, gate = threading.Event(), threading.Event()
    report = tmp_path / "report.html"

    def write(*_args, **_kwargs):  # Export's write_report, held until the gate is set
        entered.set()
        gate.wait(10)
        report.write_text("<html></html>", encoding="utf-8")
        return {"report.html": report}

    monkeypatch.setattr(pigment_report, "write_report", write)
    monkeypatch.setattr(dock, "_to_export", lambda folder: ((), {}))
    dock.result = types.SimpleNamespace(cube_layer=layers[0])
    dock._export_in_job(tmp_path)
    assert dock.job.is_running
    return dock, layers, entered, gate, report


def test_export_written_as_its_scan_closes_says_so(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Closing the scan while the Pigments dock's Export wrote the report (seconds on a large
    scan) stopped the job only after its one writing step: the whole report was written, yet the
    status line and a notification said "Stopped: the scan a.h5 was closed.". A save is not
    stopped by its scan's closing (it writes what it took as it started) and says what it did."""
    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    dock, layers, entered, gate, report = held_pigments_export(viewer, tmp_path, monkeypatch)
    cube = layer_cube(layers[0])
    try:
        qtbot.waitUntil(entered.is_set, timeout=5000)
        with caught_notifications() as seen:
            for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
                viewer.layers.remove(ly)
            gate.set()
            wait_idle(qtbot, dock.job, 5000)
    finally:
        gate.set()
    assert report.is_file()
    said = dock.job.status.text()
    assert said == "The scan a.h5 was closed; the report was written all the same.", said
    assert not [n for n in seen if "Stopped" in str(n.message)], [str(n.message) for n in seen]
