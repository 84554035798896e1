"""Review of session 56's dock commits: Recolour's layers counted as they are added (as Embed &
cluster's)."""

from __future__ import annotations

from _napari_helpers import open_cube, wait_idle, write_painted_cube


def test_recolour_counts_its_layers_as_they_are_added_then_says_done(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Recolour's colours layer and its outline came under "Done." (Run and Cancel off: the job
    seemed over while napari still added them); the line now says "Adding 2 layers... (k of 2)"
    as each arrives, the bar at k, as Embed & cluster's does, and "Done." once both are in."""
    from test_docks51 import _stand_in_recolour

    import xrf_napari.widgets.recolour as module

    monkeypatch.setattr(module, "_recolour_job", _stand_in_recolour)  # every pixel ambiguous
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = module.RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.outline_box.setChecked(True)
    job, seen = dock.job, []  # (line, bar, Cancel on) as each layer is inserted
    viewer.layers.events.inserted.connect(
        lambda _: seen.append(
            (job.status.text(), job.progress.value(), job.cancel_button.isEnabled())
        )
    )
    assert dock.run() is not None
    wait_idle(qtbot, job)
    assert job.last_error is None, job.last_error
    assert seen == [(f"Adding 2 layers\u2026 ({k} of 2)", k, False) for k in (0, 1)]
    assert job.status.text() == "Done."
    assert job.progress.value() == job.progress.maximum() == 2
