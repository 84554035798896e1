"""Session 66, helper lateA66: follow-ups of the session's reviews. pigments --colour-prior and
the Pigments panel, refused a recolouriser paired by default with another embedder, are told a
way on they have (neither takes an embedder)."""

from __future__ import annotations

import shutil

import pytest
from _cli_models import save_tiny_models
from test_cli66 import _lone_recolouriser, _refused


def test_pigments_colour_prior_is_told_a_way_on_it_has(tmp_path, capsys, monkeypatch):
    """XRF_NAPARI_WEIGHTS holding a lone recolouriser trained on another embedder: `pigments
    --colour-prior` was told to "give it (recolour's --embedder, the Recolour panel's Embedder
    weights)", options pigments has not. Fails on the parent: those words."""
    folder, scan = _lone_recolouriser(tmp_path)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    import numpy as np

    out = tmp_path / "rep"
    np.save(tmp_path / "regions.npy", np.ones((8, 8), np.int32))
    argv = ["pigments", str(scan), "-o", str(out), "--colour-prior", "--device", "cpu"]
    err = _refused(capsys, [*argv, "--no-progress", "--labels", str(tmp_path / "regions.npy")])
    assert f"{folder} holds uvit.safetensors but no dve.safetensors" in err, err
    assert "beside it as dve.safetensors, or leave out --colour-prior" in err, err
    assert "--embedder," not in err and "Embedder weights)" not in err, err
    assert not out.exists()


def test_the_pigments_panels_job_is_told_a_way_on_it_has(tmp_path, monkeypatch):
    """The Pigments panel's SmallUViT colours, the weights folder holding that lone recolouriser
    (so no Embedder weights): told to give recolour's --embedder or the Recolour panel's box,
    neither of which this panel reads. Fails on the parent: those words."""
    import numpy as np

    from xrf_napari.io import read_cube
    from xrf_napari.widgets.pigments import UVIT_INSTEAD, _pigments_job

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder, scan = _lone_recolouriser(tmp_path)
    cube = read_cube(scan)
    job = _pigments_job(
        cube, np.ones(cube.shape[:2], np.int32), True, "cpu", folder / "uvit.safetensors", None
    )
    with pytest.raises(ValueError) as refused:
        for _ in job:
            pass
    said = str(refused.value)
    assert said.endswith(f"beside it as dve.safetensors, or {UVIT_INSTEAD}"), said
    assert "untick SmallUViT region colours" in said and "--embedder" not in said


def test_the_pigments_panel_reads_the_weights_folder_as_it_runs(
    make_napari_viewer, tmp_path, monkeypatch
):
    """The panel read its weights folder once, as it opened: a dve.safetensors put beside the
    folder's uvit.safetensors afterwards, as the refusal says, was not used until napari was
    started again. Fails on the parent: the job is given no embedder."""
    import numpy as np
    from _napari_helpers import open_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    folder, scan = _lone_recolouriser(tmp_path)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    viewer.add_labels(np.ones((8, 8), np.int32), name="regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    save_tiny_models(tmp_path)
    shutil.copy(tmp_path / "dve.safetensors", folder / "dve.safetensors")
    started = []
    monkeypatch.setattr(dock, "start_job", lambda *args, **kw: started.append(args))
    dock.use_uvit.setChecked(True)
    dock.run()
    assert started, "no job started"
    given = [str(a) for a in started[0] if isinstance(a, str)]
    assert str(folder / "dve.safetensors") in given, started[0]
