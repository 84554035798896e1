"""Docks, session 55: what a dock's status line and bar say while a job's layers are added
(Embed & cluster's "Done." stood over its two layers' adding), once its scan is closed during
the adding or during a step with no point to stop at, and once another dock's survey of the scan
ends (an idle line was kept only if it began with "Done"); a bool labels array's regions are
counted (they were "labels outside 0..65535")."""

from __future__ import annotations

from _napari_helpers import stand_in_embed_dock, wait_idle


def test_embed_counts_its_layers_as_they_are_added_then_says_done(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The latent RGB and clusters layers came under "Done." (2.4-2.9 s on a first run under
    Xvfb); the line now says "Adding 2 layers... (k of 2)" as each arrives, the bar at k, and
    "Done." once the last one is in, the bar full. No Cancel: a latent RGB alone is no result."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    seen = []  # (line, bar, Cancel on) as each layer is inserted
    job = embed.job
    viewer.layers.events.inserted.connect(
        lambda _: seen.append(
            (job.status.text(), job.progress.value(), job.cancel_button.isEnabled())
        )
    )
    assert embed.run() is not None
    wait_idle(qtbot, job)
    assert job.last_error is None, job.last_error
    assert seen == [(f"Adding 2 layers\u2026 ({k} of 2)", k, False) for k in (0, 1)]
    assert job.status.text() == "Done."
    assert job.progress.value() == job.progress.maximum() == 2
