"""Dock findings of the GUI walkthrough audit 27 (runs27/audit_walk/report.md), each driven in a
real napari viewer: 4 a refusal reaches the dock's status line and each scan keeps its own status,
5 Spectrum's Region list holds only the chosen scan's or the user's regions, 3 automatic K's one
region says why, 7 the Pigments table shows its Candidate paint column, 10 "1 region" in Find
regions."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    cluster_with_tiny_dve,
    open_cube,
    painted_counts,
    tiny_embed_dock,
    wait_idle,
    write_painted_cube,
)
from _spectra import CANONICAL_CAL


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _spot_file(path):
    """A single spectrum (1 x 1 px) in the project's HDF5 layout."""
    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    write_cube(path, counts[:1, :1], CANONICAL_CAL, metadata={"name": "spot"})
    return path


def _sum_layer(layers):
    """The 2-D "<name> sum" layer the reader added (the one the docks' pick-lists choose)."""
    return next(ly for ly in layers if ly.ndim == 2)


# -- 4. refusals reach the status line; each scan shows its own status -------------------------
def test_refusal_shows_in_the_status_line_and_each_scan_keeps_its_status(
    make_napari_viewer, qtbot, tmp_path
):
    """On the single spectrum the docks still read "100 % / Saved clusters_2.png..." from the
    other scan, and Embed's refusal only made a toast."""
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    scan = _sum_layer(open_cube(viewer, write_painted_cube(tmp_path / "scan.h5")))
    spot = _sum_layer(open_cube(viewer, _spot_file(tmp_path / "spot.h5")))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=3, layer=scan)
    done = embed.job.status.text()
    assert done == "Done." and embed.job.progress.value() == embed.job.progress.maximum() > 0

    # another scan: not the first one's "Done." and full bar, but its refusal, said as it is
    # chosen (session 46: said only once Run was pressed, while an off-grid scan's came at once)
    embed.cube_combo.set_layer(spot)
    said = embed.job.status.text()
    assert said.startswith("Embed & cluster: ") and "single spectrum" in said
    assert embed.job.progress.value() == 0
    assert embed.run() is None  # refused up front, in the same words
    assert embed.job.status.text() == said and embed.job.progress.value() == 0

    embed.cube_combo.set_layer(scan)  # back: that scan's own last words and bar
    assert embed.job.status.text() == done
    assert embed.job.progress.value() == embed.job.progress.maximum() > 0
    embed.cube_combo.set_layer(spot)
    assert embed.job.status.text() == said

    recolour = RecolourWidget(viewer)
    viewer.window.add_dock_widget(recolour)
    recolour.cube_combo.set_layer(spot)
    assert recolour.run() is None
    text = recolour.job.status.text()
    # named as the scan, not its "spot sum" image
    assert text.startswith("Recolour: spot is a single spectrum"), text


def test_a_job_ending_on_a_scan_left_leaves_its_status_with_that_scan(
    make_napari_viewer, qtbot, tmp_path
):
    """A job run on one scan and ended while another is shown: its "Done." is the first scan's."""
    viewer = make_napari_viewer()
    scan = _sum_layer(open_cube(viewer, write_painted_cube(tmp_path / "scan.h5")))
    spot = _sum_layer(open_cube(viewer, _spot_file(tmp_path / "spot.h5")))
    embed = tiny_embed_dock(viewer, tmp_path)
    embed.cube_combo.set_layer(scan)
    assert embed.run() is not None
    embed.cube_combo.set_layer(spot)  # while it runs
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    # the spot's own line: its refusal (session 46: blank until Run was pressed on it)
    assert "single spectrum" in embed.job.status.text()
    embed.cube_combo.set_layer(scan)
    assert embed.job.status.text() == "Done."


# -- 5. Spectrum's Region list: the chosen scan's regions or the user's, of its size ------------
def test_spectrum_region_list_leaves_out_another_scans_regions(make_napari_viewer, tmp_path):
    """Another scan's clusters were offered (and kept after that scan was closed); with two
    scans of one size the region spectrum averaged the other scan's regions."""
    from xrf_napari.widgets._layers import layer_cube, upsert_layer
    from xrf_napari.widgets.spectrum import SpectrumWidget, region_mask

    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5", seed=0))
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    a, b = _sum_layer(first), _sum_layer(second)
    cube_a = layer_cube(a)
    _, labels = painted_counts()
    # what Embed & cluster adds for scan a (a result layer made from its cube), same size as b
    made = upsert_layer(viewer, "clusters [a]", labels.astype(np.int32), "labels", cube=cube_a)
    viewer.add_labels(labels.astype(np.int32), name="painted")  # the user's, the scans' size
    viewer.add_labels(np.ones((5, 5), np.int32), name="small")
    widget = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(widget)

    def listed():
        return [widget.region_combo.itemText(i) for i in range(widget.region_combo.count())]

    widget.cube_combo.set_layer(b)
    assert listed() == ["painted"]
    with pytest.raises(ValueError, match="another scan's regions"):
        region_mask(made, b, labels.shape)
    widget.cube_combo.set_layer(a)
    assert listed() == ["clusters [a]", "painted"]
    np.testing.assert_array_equal(region_mask(made, a, labels.shape), labels == 1)

    widget.cube_combo.set_layer(b)
    for layer in list(first):  # scan a closed: its clusters stay another scan's
        viewer.layers.remove(layer)
    assert listed() == ["painted"]
    assert widget.region_combo.current_layer() is viewer.layers["painted"]

    with pytest.raises(ValueError) as wrong:  # a layer of another size: say what to do
        region_mask(viewer.layers["small"], b, labels.shape)
    assert "5 x 5 px" in str(wrong.value) and "Labels layer of the scan's size" in str(wrong.value)


# -- 3. automatic K's one region says why --------------------------------------------------------
def test_automatic_k_of_one_says_it_found_no_split_better_than_one_material(
    make_napari_viewer, qtbot, tmp_path
):
    """One material's counting noise: the embeddings differ, automatic K answers 1 by its
    one-material rule, and the dock said "every pixel has the same embedding"."""
    from xrf_napari.io.project_h5 import write_cube

    lead_white = [("Pb", 3000.0), ("Ca", 300.0)]
    counts, _ = painted_counts(pigments={band: lead_white for band in "abcd"})  # four alike
    path = tmp_path / "one.h5"
    write_cube(path, counts, CANONICAL_CAL, metadata={"name": "one"})
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    embed = tiny_embed_dock(viewer, tmp_path)
    embed.k_spin.setValue(embed.k_spin.minimum())  # automatic K
    embed.pool_check.setChecked(False)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    latent = next(ly for ly in viewer.layers if ly.name.startswith("latent RGB")).metadata
    assert np.ptp(latent["xrf_latent"].reshape(-1, 3), axis=0).max() > 0  # not all alike
    assert embed.result[2].k == 1
    text = embed.summary.text()
    assert text.startswith("1 region: automatic K found no split better than one material")
    assert "set K" in text and "same embedding" not in text


def test_one_region_of_identical_embeddings_still_says_so():
    from types import SimpleNamespace

    from xrf_napari.analysis.embed import ONE_ALIKE, ONE_BY_AUTO_K
    from xrf_napari.analysis.embed import why_one as _why_one

    alike = np.ones((4, 5, 3), np.float32)
    varied = np.random.default_rng(0).normal(size=(4, 5, 3)).astype(np.float32)
    one, two = SimpleNamespace(k=1), SimpleNamespace(k=2)
    assert _why_one(alike, None, one) == ONE_ALIKE
    assert _why_one(varied, None, one) == ONE_BY_AUTO_K
    assert _why_one(varied, 3, one) == ONE_ALIKE  # K asked for: only identical pixels give 1
    assert _why_one(varied, None, two) is None


# -- 7. the Pigments table shows its answer ------------------------------------------------------
def _pigments_on_stripes(make_napari_viewer, qtbot, tmp_path, width: int):
    """A Pigments dock `width` px wide, run on a two-stripe scan with its true regions."""
    pytest.importorskip("xraylib")
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    syn, labels = stripe_scan([(["Vermilion", "Lead white"], [0.4, 0.6]), (["Azurite"], [1.0])], 30)
    path = write_cube(tmp_path / "s.h5", syn.counts, CANON, metadata=dict(syn.metadata, name="s"))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    viewer.add_labels(labels + 1, name="regions")
    widget = PigmentsWidget(viewer)
    widget.use_uvit.setChecked(False)
    widget.resize(width, 700)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    assert widget.job.last_error is None, widget.job.last_error
    return widget


def test_pigments_table_keeps_the_candidate_column_in_view(make_napari_viewer, qtbot, tmp_path):
    """The Region column ("1 (2,966 px, spectrum from 2,121 interior px)") took half the table
    and the Candidate paint column, header and all, was scrolled out of a docked table."""
    # about a docked tab's width on a 1920 x 1080 screen
    widget = _pigments_on_stripes(make_napari_viewer, qtbot, tmp_path, 420)
    table = widget.table
    qtbot.wait(50)
    end = table.columnViewportPosition(1) + table.columnWidth(1)
    assert end <= table.viewport().width(), (end, table.viewport().width())
    widths = [table.columnWidth(i) for i in range(4)]
    assert widths[1] == max(widths) and widths[0] < 0.3 * sum(widths)  # the answer gets the room
    region = table.item(0, 0)
    assert "interior px" in region.text() and region.text() in region.toolTip()


# -- 10. "1 region", not "1 regions" ------------------------------------------------------------
def test_find_regions_says_one_region(make_napari_viewer, tmp_path):
    """Find regions' automatic K may answer one region: the status read "1 regions"."""
    from xrf_napari.analysis.embed import ClusterResult
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    scan = _sum_layer(open_cube(viewer, write_painted_cube(tmp_path / "scan.h5")))
    widget = PigmentsWidget(viewer)
    one = np.ones(scan.data.shape, np.int32)
    widget._add_regions(scan, ClusterResult(one, 1, np.zeros((1, 3), np.float32), None))
    assert widget.job.status.text().startswith("1 region: check them")


def test_a_long_element_list_leaves_the_candidate_column_a_third(
    make_napari_viewer, qtbot, tmp_path
):
    """Docs audit 28, finding 1: at the 516 px of the docked tab, a ten-element Elements cell
    (sized to its contents, uncapped) left the Candidate paint column 35 px: header "idate"."""
    from qtpy.QtWidgets import QTableWidgetItem

    widget = _pigments_on_stripes(make_napari_viewer, qtbot, tmp_path, 516)
    table = widget.table
    table.setItem(0, 2, QTableWidgetItem("Pb, Hg, S, Ca, Fe, Cu, Zn, Ti, Ba, Sr, Mn, K, Cl"))
    widget._size_columns(widget.result.report.regions)
    qtbot.wait(50)
    widths = [table.columnWidth(i) for i in range(4)]
    assert widths[1] >= table.viewport().width() / 3, widths
    assert table.columnViewportPosition(1) + widths[1] <= table.viewport().width(), widths
