"""Lifecycle and concurrency of the docks' jobs (concurrency audit 28): a job's RuntimeError
reaches its dock, closing a dock ends it at once without freezing napari, the short passes the
user waits on (sum image, element survey) never queue behind long jobs, and results go to their
own scan only. Slow and failing jobs are stand-ins: fast generators gated by an Event."""

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    caught_notifications,
    cluster_with_tiny_dve,
    open_cube,
    wait_idle,
    write_painted_cube,
)


def _gated(gate, result=None, on_step=None, started=None):
    """A job that steps every 20 ms until `gate` is set (10 s at most), then returns; it sets
    `started` as it starts."""

    def job(*_args):
        if started is not None:
            started.set()
        end = time.monotonic() + 10
        i = 0
        while not gate.is_set() and time.monotonic() < end:
            time.sleep(0.02)
            i += 1
            if on_step is not None:
                on_step(i)
            yield i % 100, 100
        return result

    return job


# -- F1: a job's RuntimeError -----------------------------------------------------------------
@pytest.mark.parametrize(
    "exc",
    [
        RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 8 GB"),
        NotImplementedError("aten::foo is not implemented for the MPS device"),
    ],
)
def test_a_runtime_error_fails_the_job_like_any_error(qtbot, exc):
    """superqt's worker took every RuntimeError for a deleted worker and only warned: the panel
    said "Embedding spectra..." forever, Run stayed disabled."""
    from xrf_napari.widgets._common import JobPanel

    def job():
        yield 1, 2
        yield "Embedding spectra\u2026"
        raise exc

    panel = JobPanel("Run")
    with caught_notifications() as seen:
        panel.start(job, on_result=lambda v: None, description="Reading")
        wait_idle(qtbot, panel, 5000)
    assert panel.last_error is not None and panel.last_error.__cause__ is exc
    text = panel.status.text()
    assert text.startswith("Failed: embedding spectra: ")  # the stage it stopped in
    assert str(exc) in text and type(exc).__name__ in text
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert len(seen) == 1 and str(exc) in seen[0].message


def test_a_survey_runtime_error_frees_the_survey(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """The survey failing with a RuntimeError stayed 'running' for the session: Spectrum read
    "Reading the cube..." and Maps refused its maps ("still being found")."""
    import xrf_napari.widgets._common as common
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    def bad_survey(cube):
        yield 0, 1
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr(common, "_survey_job", bad_survey)
    viewer = make_napari_viewer()
    path = write_painted_cube(tmp_path / "painted.h5")
    open_cube(viewer, path)
    spec = SpectrumWidget(viewer)
    maps = ElementMapsWidget(viewer)
    cube = spec.current_cube()
    with caught_notifications() as seen:
        wait_idle(qtbot, spec.job, 5000)
    assert not common.SURVEYS.is_running(cube)
    said = f"{path}: reading the cube: RuntimeError: DefaultCPUAllocator: can't allocate memory"
    assert str(spec.job.last_error).startswith(said)
    assert len(seen) == 1 and seen[0].message.startswith(said)
    assert "survey stopped or failed" in maps.job.status.text()


# -- F5: Save while a job runs ---------------------------------------------------------------
def test_save_of_edited_regions_during_a_job_says_why_not(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    cube = embed.current_cube()
    layer = embed._clusters_layer(cube, embed.result)
    data = np.array(layer.data)
    data[0, 0] = 2 if data[0, 0] == 1 else 1
    layer.data = data  # the user paints on the clusters
    asked = []
    monkeypatch.setattr(
        embed_mod, "ask_save_path", lambda *a, **k: asked.append(a) or str(tmp_path / "c.png")
    )
    gate = threading.Event()
    embed.start_job(_gated(gate), cube=cube, on_result=lambda v: None, keep=False)
    try:
        with caught_notifications() as seen:
            embed.save_button.click()
        assert "wait for it to end" in embed.job.status.text()
        assert seen and "wait for it to end" in seen[0].message
        assert asked == []  # refused before the file dialog
    finally:
        gate.set()
        wait_idle(qtbot, embed.job, 5000)
    embed.save_button.click()  # the job is over: saved
    wait_idle(qtbot, embed.job, 10000)
    assert (tmp_path / "c.png").is_file() and (tmp_path / "c_spectra.csv").is_file()


# -- F6 / F7: results and status lines stay with their scan ---------------------------------
def test_regions_found_on_a_scan_left_are_chosen_on_its_return(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    import xrf_napari.widgets.pigments as pigments_mod
    from xrf_napari.widgets._common import labels_for, layer_cube

    gate = threading.Event()
    labels = np.repeat(np.arange(1, 3), 12)[:, None].repeat(20, axis=1).astype(np.int32)
    found = SimpleNamespace(labels=labels, k=2, silhouette=None)
    monkeypatch.setattr(pigments_mod, "_regions_job", _gated(gate, result=found))
    viewer = make_napari_viewer()
    (alpha, *_) = open_cube(viewer, write_painted_cube(tmp_path / "alpha.h5"))
    viewer.add_image(np.zeros((24, 20, 3), np.uint8), rgb=True, name="photo")
    pig = pigments_mod.PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pig)
    pig.photo_combo.set_layer(viewer.layers["photo"])
    assert pig.find_regions() is not None
    open_cube(viewer, write_painted_cube(tmp_path / "beta.h5", seed=1))
    beta = pig.current_cube()
    assert beta is not layer_cube(alpha)
    drawn = viewer.add_labels(labels.copy(), name="drawn")  # the user's regions, for beta
    assert pig.labels_combo.current_layer() is drawn
    gate.set()
    wait_idle(qtbot, pig.job, 5000)
    shown = pig.labels_combo.current_layer()
    assert shown is drawn and labels_for(shown, beta), shown.name  # not alpha's regions
    viewer.layers.selection.active = alpha  # the user goes back to alpha
    assert pig.current_cube() is layer_cube(alpha)
    assert pig.labels_combo.current_layer().name == "regions (lines + photograph) [alpha]"


def test_a_job_stopped_by_closing_its_scan_leaves_no_status_on_the_next(
    make_napari_viewer, qtbot, tmp_path
):
    from xrf_napari.widgets._common import layer_cube
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    alpha_layers = open_cube(viewer, write_painted_cube(tmp_path / "alpha.h5"))
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    gate = threading.Event()
    embed.start_job(_gated(gate), cube=embed.current_cube(), on_result=lambda v: None)
    open_cube(viewer, write_painted_cube(tmp_path / "beta.h5", seed=1))
    beta = embed.current_cube()
    try:
        for ly in list(alpha_layers):
            viewer.layers.remove(ly)
        wait_idle(qtbot, embed.job, 5000)
    finally:
        gate.set()
    assert embed.current_cube() is beta and layer_cube(alpha_layers[0]) is not beta
    assert embed.job.status.text() == ""  # beta's (nothing), not "Cancelled."


# -- F8: the writer and a worker's metadata key --------------------------------------------
def test_writer_metadata_survives_a_key_added_meanwhile(tmp_path):
    """The first full pass over a cube (the sum pass, the survey: worker threads) adds
    'values_checked' to cube.metadata; the writer iterated the dict itself on the GUI thread."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.cube import cube_from_array

    cube = cube_from_array(np.ones((2, 2, 8), np.uint16))

    class Meanwhile(type(Path())):
        def __str__(self):  # json's default() reads it while a worker ends its pass
            cube.metadata["values_checked"] = True
            return super().__str__()

    cube.metadata["source"] = Meanwhile("/data/scan.h5")
    out = _file_metadata(cube)  # raised "dictionary changed size during iteration"
    assert str(out["source"]) == "/data/scan.h5" and "values_checked" in cube.metadata
