"""Docks' results against the scan's instrument and layers, session 48 (b): choosing the tube
the file names read as a change of Pigments' fit; regions painted beyond K saved as PNG."""

from __future__ import annotations

from _napari_helpers import wait_idle

CHANGED = "The Instrument row changed since this fit"


def test_choosing_the_files_own_tube_is_no_change_of_the_fit(make_napari_viewer, qtbot, tmp_path):
    """The painted scan names an Rh tube; its fit said "The Instrument row changed since this
    fit" once "Rh" was chosen in the row (the raw choice compared, {} then {"anode": "Rh"}),
    though the fit would be the same. The instrument the fit reads is compared now: Rh says
    nothing, W does, and so does a kV other than the file's."""
    from _napari_helpers import pigments_dock_on_painted_regions

    viewer = make_napari_viewer()
    dock, regions = pigments_dock_on_painted_regions(viewer, tmp_path)
    dock.labels_combo.set_layer(regions)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=60000)
    assert dock.job.last_error is None, dock.job.status.text()
    info = dock.info.text()
    assert CHANGED not in info, info
    row = dock.instrument_row
    row.anode_combo.setCurrentText("Rh")
    assert dock.info.text() == info
    row.anode_combo.setCurrentText("W")
    assert dock.info.text().startswith(CHANGED), dock.info.text()
    row.anode_combo.setCurrentText("Rh")
    assert dock.info.text() == info
    row.kv_spin.setValue(30)
    assert dock.info.text().startswith(CHANGED), dock.info.text()


def test_regions_painted_beyond_k_save_as_png(make_napari_viewer, qtbot, tmp_path):
    """A guard: labels painted on the clusters layer above the run's K (70, and 65535, the
    largest a PNG's colour table holds) were said to raise IndexError in the PNG's colour table
    (label_colours(k)[labels]); the edited k is the largest label, so the PNG is written, each
    painted label in its own colour."""
    import numpy as np
    from _napari_helpers import clustered_painted_scan
    from imageio.v3 import imread

    from xrf_napari.analysis.embed import colour_table

    viewer = make_napari_viewer()
    embed, _, layer = clustered_painted_scan(viewer, qtbot, tmp_path)
    data = np.array(layer.data)
    data[0, :3] = 70
    data[1, :3] = 65535
    layer.data = data
    png, _ = embed.save(tmp_path / "out" / "clusters.png")
    image = imread(png)
    assert (image[0, 0] == colour_table()[70]).all()
    assert (image[1, 0] == colour_table()[65535]).all()
