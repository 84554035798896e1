"""Review revL54 of 958ae894 (Make maps' adding counted on the job panel, Cancel between maps)."""

from _napari_helpers import wait_idle
from test_gui2_54 import _maps_in, maps_dock  # noqa: F401  (the fixture)


def test_a_save_after_the_adding_was_cancelled_fills_its_bar(maps_dock, qtbot, tmp_path):  # noqa: F811
    """Cancel while the maps were added left the panel's adding_cancelled set: the next job of
    the dock (Save maps) ended "Saved ..." over an empty bar (0 of 1), where every
    save's bar is full once written, and the panel still read as cancelled."""
    viewer, dock, _, _, hooks = maps_dock
    hooks.append(lambda n: n == 2 and dock.job.cancel())
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert len(_maps_in(viewer)) == 2
    hooks.clear()
    # a save of the dock (Save maps' path, save_in_job; the stand-in maps have no plans to write)
    dock.save_in_job(
        lambda: [tmp_path / "a_maps.csv"],
        cube=dock.current_cube(),
        saving="Saving the maps\u2026",
        saved="the maps were saved",
        done=lambda written: f"Saved {written[-1].name}.",
        name="Save maps",
    )
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert dock.job.status.text() == "Saved a_maps.csv."
    assert dock.job.progress.value() == dock.job.progress.maximum()
    assert not dock.job.adding_cancelled
