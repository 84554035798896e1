"""The widgets' Save never writes over the scan they were run on (issue 16), in a real napari
viewer."""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, tiny_weights, wait_idle

tifffile = pytest.importorskip("tifffile")

from xrf_napari.widgets.embed import EmbedClusterWidget
from xrf_napari.widgets.recolour import RecolourWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_save_refuses_the_open_scan_and_links_to_it(make_napari_viewer, qtbot, tmp_path):
    viewer = make_napari_viewer()
    counts, _ = painted_counts()
    scan = tmp_path / "scan.tif"
    tifffile.imwrite(scan, np.ascontiguousarray(counts.transpose(2, 0, 1)))  # one page per channel
    before = scan.read_bytes()
    (tmp_path / "link.tif").symlink_to(scan)
    open_cube(viewer, scan)
    dve, uvit = tiny_weights(tmp_path)
    recolour, embed = RecolourWidget(viewer), EmbedClusterWidget(viewer)
    for w in (recolour, embed):
        viewer.window.add_dock_widget(w)
    recolour.weights_edit.setText(str(uvit))
    recolour.embedder_edit.setText(str(dve))
    embed.weights_edit.setText(str(dve))
    for w in (recolour, embed):
        w.device.setCurrentText("cpu")
        assert w.run() is not None
        wait_idle(qtbot, w.job)
        assert w.job.last_error is None, w.job.last_error
    for target in (scan, tmp_path / "link.tif"):
        with pytest.raises(ValueError, match="input"):
            recolour.save(target)
        with pytest.raises(ValueError, match="input"):
            embed.save(target)
    assert scan.read_bytes() == before
    assert recolour.save(tmp_path / "rgb.png").is_file()  # other names still save
    assert all(p.is_file() for p in embed.save(tmp_path / "regions.png"))
