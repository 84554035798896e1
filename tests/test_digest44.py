"""The digests that tell painted regions from a run's (session 44) come off the GUI thread: a
run of Embed & cluster or Pigments' Find regions landing on a 4000 x 4000 px regions layer
hashed its labels twice there (the run's and the layer's, 70-140 ms each), over the workspace's
100 ms freeze limit. Now the run's worker thread computes both (RegionsCheck): the landing
compares the layer with a copy taken at the job's end (np.array_equal) and digests in the GUI
thread only when the layer changed since that copy. Painting is told exactly as before."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import (
    bands,
    found_regions,
    open_cube,
    pigments_dock_with_photo,
    stand_in_embed_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _kept_copies(viewer):
    return [ly for ly in viewer.layers if "(your edits)" in ly.name]


@pytest.fixture
def digests(monkeypatch):
    """labels_digest's calls, by thread: {"gui": [...], "worker": [...]} (shapes)."""
    from xrf_napari.widgets import _layers

    seen = {"gui": [], "worker": []}
    real = _layers.labels_digest

    def counted(labels):
        gui = threading.current_thread() is threading.main_thread()
        seen["gui" if gui else "worker"].append(np.shape(labels))
        return real(labels)

    monkeypatch.setattr(_layers, "labels_digest", counted)
    return seen


@pytest.fixture
def pigments(make_napari_viewer, tmp_path, monkeypatch):
    """A Pigments dock whose Find regions returns K bands at once (no clustering)."""
    import xrf_napari.widgets.pigments as pigments_mod

    def found(cube, photo, k, photo_name="the photograph"):
        yield "Clustering\u2026"
        return SimpleNamespace(labels=bands(k or 3), k=k or 3, silhouette=None)

    monkeypatch.setattr(pigments_mod, "_regions_job", found)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    return viewer, pigments_dock_with_photo(viewer)


def test_find_regions_lands_with_no_digest_in_the_gui_thread_and_still_tells_painting(
    pigments, qtbot, digests
):
    """Each landing of Find regions hashed in the GUI thread (the run's labels; with a regions
    layer there, the layer's too). Now none does, and every way of changing the labels before
    the run still keeps them ("(your edits)"); unchanged or undone, no copy."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY, labels_digest

    viewer, widget = pigments
    layer = found_regions(widget, qtbot, 10000)
    assert digests["gui"] == [] and digests["worker"] == [(24, 20)]
    assert layer.metadata[RUN_LABELS_KEY] == labels_digest(bands(2).astype(np.uint16))

    def unpainted(layer):
        pass

    def brushed(layer):
        layer.paint((3, 4), 7, refresh=True)

    def filled(layer):
        layer.fill((20, 10), 9, refresh=True)

    def in_place(layer):
        layer.data[5, 5] = 8  # no napari event says so

    def undone(layer):
        layer.paint((3, 4), 7, refresh=True)
        layer.undo()

    def converted(layer):
        layer.data = layer.data.astype(np.int64)  # another dtype, same values: kept

    for edit in (unpainted, brushed, filled, in_place, undone, converted):
        before = _kept_copies(viewer)
        edit(layer)
        painted = np.array(layer.data, copy=True)
        digests["gui"].clear()
        digests["worker"].clear()
        assert found_regions(widget, qtbot, 10000) is layer
        assert digests["gui"] == [], edit.__name__
        assert digests["worker"] == [(24, 20)] * 2, edit.__name__  # the run's, the layer's
        new = [ly for ly in _kept_copies(viewer) if ly not in before]
        if edit in (unpainted, undone):
            assert new == [], edit.__name__
            assert "your edits" not in widget.job.status.text()
        else:
            assert len(new) == 1, (edit.__name__, [ly.name for ly in viewer.layers])
            np.testing.assert_array_equal(new[0].data, painted)
            assert new[0].data.dtype == painted.dtype
            assert "(your edits)" in widget.job.status.text()
        np.testing.assert_array_equal(layer.data, bands(2))


def test_a_stroke_after_the_workers_copy_is_kept_by_a_digest_at_the_landing(
    pigments, qtbot, digests, monkeypatch
):
    """The worker copies the layer's labels as its job ends; a stroke made after (or while) it
    copies, before the regions land, is not in the copy: the landing sees the layer differ from
    the copy and digests it in the GUI thread, as before, and keeps the stroke. A stroke undone
    in that window leaves nothing to keep."""
    viewer, widget = pigments
    layer = found_regions(widget, qtbot, 10000)
    real = widget._add_regions
    strokes = []

    def painted_first(cube_layer, result, *check):  # after the job's end, before landing
        for stroke in strokes.pop(0):
            stroke()
        return real(cube_layer, result, *check)

    monkeypatch.setattr(widget, "_add_regions", painted_first)

    # half a stroke before the copy (in it), half after (a copy torn by a stroke: not the layer)
    layer.paint((2, 2), 7, refresh=True)
    strokes.append([lambda: layer.paint((20, 15), 7, refresh=True)])
    digests["gui"].clear()
    found_regions(widget, qtbot, 10000)
    (kept,) = _kept_copies(viewer)
    assert kept.data[2, 2] == 7 and kept.data[20, 15] == 7
    assert digests["gui"] == [(24, 20)]  # the layer changed since the copy: digested here

    strokes.append([lambda: layer.paint((4, 4), 5, refresh=True), layer.undo])
    found_regions(widget, qtbot, 10000)
    assert _kept_copies(viewer) == [kept]

    strokes.append([lambda: layer.data.__setitem__((9, 9), 4)])  # written in place
    found_regions(widget, qtbot, 10000)
    (second,) = [ly for ly in _kept_copies(viewer) if ly is not kept]
    assert second.data[9, 9] == 4


def test_an_embed_run_lands_its_clusters_with_no_digest_in_the_gui_thread(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, digests
):
    """Embed & cluster's clusters step hashed the run's labels and the clusters layer in the
    GUI thread. Now its worker does (a stand-in job here: the real one, test_docks43)."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY, labels_digest

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)

    def run():
        assert embed.run() is not None
        wait_idle(qtbot, embed.job, 10000)
        assert embed.job.last_error is None, embed.job.last_error

    run()
    clusters = embed.labels_layer
    record = clusters.metadata[RUN_LABELS_KEY]
    run()
    assert _kept_copies(viewer) == []
    clusters.paint((3, 4), 7, refresh=True)
    painted = np.array(clusters.data, copy=True)
    run()
    (kept,) = _kept_copies(viewer)
    np.testing.assert_array_equal(kept.data, painted)
    assert digests["gui"] == []
    assert len(digests["worker"]) == 1 + 2 + 2
    assert record == clusters.metadata[RUN_LABELS_KEY] == labels_digest(bands(2).astype(np.uint16))


def test_a_check_of_another_layer_is_not_trusted_and_its_copy_is_let_go(make_napari_viewer):
    """A check made on one layer, landing on another (renamed or replaced meanwhile), answers
    nothing: that layer is digested in the GUI thread. After the landing the check holds no
    copy of the labels (64 MB at 4000 x 4000 px)."""
    from xrf_napari.widgets._layers import RegionsCheck, replace_regions

    class _Cube:  # what replace_regions needs of a scan: a weak reference
        pass

    viewer = make_napari_viewer()
    cube = _Cube()
    layer, *_ = replace_regions(viewer, "regions [a]", bands(2), cube=cube)
    other = viewer.add_labels(bands(2), name="other")
    layer.data[0, 0] = 5  # painted
    check = RegionsCheck(other)
    check.take(bands(3))
    assert check.unpainted(other, b"") is False and check._copy is None  # used once
    check = RegionsCheck(other)
    run = bands(3)
    check.take(run)
    again, kept, _line = replace_regions(viewer, "regions [a]", run, cube=cube, check=check)
    assert again is layer and kept is not None and kept.data[0, 0] == 5
    assert check._copy is None
    assert check.regions_of(run) is None  # the landing took the run's array and digest: once
    # the run's array and digest are used only for the array they were computed on
    check = RegionsCheck(other)
    check.take(run)
    assert check.regions_of(run.copy()) is None and check.regions_of(run) is not None
