"""Session 39 small faults: a job stopped because its scan was closed says so (not "Cancelled."),
the Elemental maps FWHM box offers only widths the maps take, and an --output of the wrong kind
(a folder for `recolour`'s one image, a file name for the commands that write a folder) is
refused with what to give instead."""

from __future__ import annotations

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _slow_maps_dock(viewer, monkeypatch):
    from test_widgets_close_cube import _maps

    widget, prepare = _maps(viewer, None, monkeypatch)
    viewer.window.add_dock_widget(widget)
    return widget, prepare


def test_a_job_stopped_by_closing_its_scan_says_so_and_cancel_still_says_cancelled(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """Deleting the scan while Make maps ran left "Cancelled." in the status line: the user had
    cancelled nothing. Their own Cancel still reads "Cancelled."."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget, prepare = _slow_maps_dock(viewer, monkeypatch)
    wait_idle(qtbot, widget.job)  # the element survey
    prepare()
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    for layer in [ly for ly in viewer.layers if "xrf_cube" in ly.metadata]:
        viewer.layers.remove(layer)
    wait_idle(qtbot, widget.job, timeout=30000)
    assert widget.job.last_error is None
    assert widget.job.status.text() == "Stopped: the scan painted.h5 was closed."
    assert widget.job.progress.value() == 0

    open_cube(viewer, write_painted_cube(tmp_path / "other.h5", seed=1))
    wait_idle(qtbot, widget.job)
    prepare()
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    widget.job.cancel_button.click()
    wait_idle(qtbot, widget.job, timeout=30000)
    assert widget.job.status.text() == "Cancelled."


def test_every_fwhm_the_maps_box_allows_is_taken_by_the_maps(make_napari_viewer, tmp_path):
    """The box went 0-1000 eV: 1-19 eV were refused only once Make maps ran ("detector FWHM
    must be 20-1000 eV"), and 20-39 eV on this scan of 50 eV channels ("the Fe K\u03b1 window is
    narrower than a channel"). Now 100-1000 eV; its lowest setting reads "from the file" and is
    0 to the dock (the map code is given None)."""
    from xrf_napari.analysis.maps import plan_for_cube
    from xrf_napari.detector import cube_fwhm_mn_ev
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    widget = ElementMapsWidget(make_napari_viewer())
    box = widget.fwhm_spin
    cube = read_cube(write_painted_cube(tmp_path / "painted.h5"))
    taken = []
    for typed in range(int(box.minimum()), int(box.maximum()) + 1):
        box.setValue(typed)
        value = box.value()
        if value:
            assert cube_fwhm_mn_ev(cube, value) == value
            taken.append(value)
    assert min(taken) == 100 and max(taken) == 1000
    elements = ["Ca", "Fe", "Cu", "Zn", "Pb", "Hg", "Sn", "Ti"]
    for value in sorted({*taken[::50], taken[-1]}):
        for background in (True, False):
            plan_for_cube(cube, elements, fwhm_ev=value, background=background)
    for below in (0, 1, 19, 50):  # nothing under the lowest width but "from the file"
        box.setValue(below)
        assert box.value() in (0, 100)
    box.setValue(0)
    assert box.value() == 0 and box.text() == box.specialValueText()
    assert "100-1000 eV" in box.toolTip()


@pytest.fixture
def scan(tmp_path):
    return write_painted_cube(tmp_path / "scan.h5")


def _error(capsys, argv) -> str:
    from xrf_napari.cli.main import main

    assert main(argv) != 0
    return capsys.readouterr().err


def test_recolour_to_a_folder_says_it_is_a_folder_and_what_to_give(tmp_path, capsys, scan):
    """`recolour SCAN --output <folder>` said the output "must end in .png, .tif or .tiff"."""
    folder = tmp_path / "out"
    folder.mkdir()
    for given in (str(folder), str(folder) + "/"):
        err = _error(capsys, ["recolour", str(scan), "--no-progress", "--output", given])
        assert f"--output {given}: is a folder, not a file; give a file name in it" in err
        assert str(folder / "scan_recoloured.png") in err
    named = tmp_path / "old.png"  # a folder that ends like an image
    named.mkdir()
    err = _error(capsys, ["recolour", str(scan), "--no-progress", "--output", str(named)])
    assert "is a folder, not a file; give a file name in it" in err


@pytest.mark.parametrize("command", ["embed", "pigments", "quicklook"])
def test_a_file_name_given_for_an_output_folder_is_refused_with_what_to_give(
    tmp_path, capsys, scan, command
):
    """A new --output ending like a file (report.png) made a folder of that name holding the
    outputs; an existing file was called an "output folder ... not a folder" without saying what
    to give. Both are refused before any work, naming a folder to give."""
    extra = ["--device", "cpu"] if command == "embed" else []
    for name in ("report.png", "latent.h5", "table.csv"):
        out = tmp_path / name
        err = _error(capsys, [command, str(scan), "--no-progress", *extra, "--output", str(out)])
        assert f"--output {out}: names a file ({out.suffix})" in err
        assert f"give a folder, e.g. {out.with_suffix('')}" in err
        assert not out.exists()
    existing = tmp_path / "notes.txt"
    existing.write_text("mine", encoding="utf-8")
    err = _error(capsys, [command, str(scan), "--no-progress", *extra, "--output", str(existing)])
    assert f"--output {existing}: is a file, not a folder; {command} writes several" in err
    assert existing.read_text(encoding="utf-8") == "mine"
