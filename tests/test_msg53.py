"""Unclear messages found in session 53: words that did not say which scan, or which option,
they were about, or gave a reason that was not the one."""

import sys
from pathlib import Path

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_result_dropped_as_its_scan_closed_names_that_scan(make_napari_viewer, qtbot, tmp_path):
    """A job that ended as its scan was closed said "The datacube was closed; its result was
    dropped.", on a dock that may show another scan by then, naming none; its scan's closing
    mid-job says "Stopped: the scan a.h5 was closed." The line names the scan the same way."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    (stack,) = [
        ly for ly in open_cube(viewer, write_painted_cube(tmp_path / "a.h5")) if ly.ndim == 3
    ]
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)

    def job():
        return None
        yield

    assert embed.start_job(job, cube=layer_cube(stack), on_result=print) is not None
    embed._cube_is_open = lambda _cube: False  # closed as the job ended
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == "The scan a.h5 was closed; its result was dropped."


def test_export_set_names_a_missing_data_folder_as_the_trainers_do(tmp_path, capsys):
    """`xrf-napari-train export-set --data X` said "--data X does not exist" where the trainers
    and evaluate say "--data: dataset folder X does not exist": one wording for one mistake."""
    from xrf_napari.cli.train import main

    missing = tmp_path / "sett"
    argv = ["export-set", "--data", str(missing), "--out", str(tmp_path / "o"), "--format", "h5"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"export-set: error: --data: dataset folder {missing} does not exist" in err, err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc makes no files")
def test_an_output_in_proc_says_its_folder_cannot_hold_files(tmp_path):
    """`-o /proc/out.png` read "folder /proc refuses new files (No such file or directory)",
    as if /proc were missing: the probe's ENOENT in an existing folder is its file system
    making no files, and the refusal says so."""
    from xrf_napari import fileutil

    with pytest.raises(fileutil.OutputError) as refused:
        fileutil.check_outputs(files=[Path("/proc/xrf-napari-out.png")])
    said = str(refused.value)
    assert "folder /proc refuses new files (its file system cannot hold files" in said, said
    assert "No such file" not in said


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ([], "The scan a.h5 was closed, so the export was stopped: nothing was written."),
        (["x.png"], "The scan a.h5 was closed; x.png was saved all the same."),
    ],
)
def test_a_save_ended_as_its_scan_closed_names_that_scan(
    make_napari_viewer, qtbot, tmp_path, written, said
):
    """A save whose scan closed as it ended said "The datacube was closed, so the export was
    stopped..." (or "...; x.png was saved all the same."), naming no scan: it names it as a
    dropped result and "Stopped: the scan a.h5 was closed." do."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    (stack,) = [
        ly for ly in open_cube(viewer, write_painted_cube(tmp_path / "a.h5")) if ly.ndim == 3
    ]
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    worker = embed.save_in_job(
        lambda: written,
        cube=layer_cube(stack),
        saving="Saving\u2026",
        saved="x.png was saved",
        done=str,
        name="Save",
        stopped="the export",
    )
    assert worker is not None
    embed._cube_is_open = lambda _cube: False  # closed as the save ended
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == said
