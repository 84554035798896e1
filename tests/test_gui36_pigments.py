"""Session 36 GUI probe (gui36): a Pigments fit whose Labels layer is deleted says so. Fails
before its fix."""

import pytest
from _napari_helpers import open_cube, wait_idle

#: what the Pigments panel says once its fit's Labels layer changed (or went)
STALE_NOTE = "The regions changed since this fit: press Find pigments again."


@pytest.fixture(scope="module")
def stripes(tmp_path_factory):
    """A two-stripe painted scan (vermilion over azurite) and its regions (1, 2)."""
    pytest.importorskip("xraylib")
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube

    syn, labels = stripe_scan([(["Vermilion"], [1.0]), (["Azurite"], [1.0])], 20)
    path = tmp_path_factory.mktemp("stripes") / "scan.h5"
    write_cube(path, syn.counts, CANON, metadata=dict(syn.metadata, name="scan"))
    return path, labels + 1


def test_deleting_the_fitted_labels_layer_says_the_regions_changed(
    make_napari_viewer, qtbot, stripes
):
    """Deleted, the fitted regions layer left rows that select nothing and an info line that did
    not say why (a layer of that name made again, Embed & cluster with another K, looked like
    theirs)."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    path, labels = stripes
    open_cube(viewer, path)
    regions = viewer.add_labels(labels.copy(), name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    widget.labels_combo.set_layer(regions)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 120000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.table.rowCount() == 2 and STALE_NOTE not in widget.info.text()

    viewer.layers.remove(regions)
    assert widget.info.text().startswith(STALE_NOTE)
