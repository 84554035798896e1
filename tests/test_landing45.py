"""A run's regions land in napari without converting in the GUI thread (session 45, issue #17
item 3: no dock may freeze the viewer over 100 ms). The regions layer got the run's int32 labels,
which napari hashes into its texture's dtype on every slice of the layer (80-240 ms at
4000 x 4000 px, three slices when the layer is added). Now the run's worker makes a uint16 copy
(_layers.regions_array, RegionsCheck.take), which napari shows as it is; same values, same
colours on screen."""

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


@pytest.fixture
def modulo_calls(monkeypatch):
    """The shapes of the labels arrays napari hashes into its texture's dtype (its
    zero_preserving_modulo, both forms) of the scan's (24, 20) size; not its colormap's
    table of all 65536 uint16 values, which it makes for either dtype."""
    from napari.utils.colormaps import _accelerated_cmap as accel

    shapes = []
    for name in ("zero_preserving_modulo", "zero_preserving_modulo_numpy"):
        real = getattr(accel, name)

        def counted(values, *args, _real=real, **kwargs):
            if np.ndim(values) == 2:
                shapes.append(np.shape(values))
            return _real(values, *args, **kwargs)

        monkeypatch.setattr(accel, name, counted)
    return shapes


@pytest.fixture
def made_in(monkeypatch):
    """The threads regions_array ran in ("gui" or "worker")."""
    from xrf_napari.widgets import _layers

    threads = []
    real = getattr(_layers, "regions_array", None)  # (none before session 45)

    def counted(labels):
        gui = threading.current_thread() is threading.main_thread()
        threads.append("gui" if gui else "worker")
        return real(labels)

    monkeypatch.setattr(_layers, "regions_array", counted, raising=False)
    return threads


def test_regions_array_is_a_uint16_copy_of_labels_that_fit():
    from xrf_napari.widgets._layers import regions_array

    labels = bands(4, top=65535)
    out = regions_array(labels)
    assert out.dtype == np.uint16 and not np.shares_memory(out, labels)
    np.testing.assert_array_equal(out, labels)
    small = np.array([[0, 3]], np.uint8)  # already narrow: a copy in its own dtype is as good
    assert regions_array(small).dtype == np.uint16
    for wide in (np.array([[0, 65536]], np.int32), np.array([[-1, 2]], np.int64)):
        kept = regions_array(wide)  # no uint16 would hold them: a copy as they are
        assert kept.dtype == wide.dtype and not np.shares_memory(kept, wide)
        np.testing.assert_array_equal(kept, wide)
    assert regions_array(np.zeros((0, 3), np.int32)).shape == (0, 3)


@pytest.fixture
def pigments(make_napari_viewer, tmp_path, monkeypatch):
    """A shown Pigments dock whose Find regions returns int32 bands at once (no clustering)."""
    import xrf_napari.widgets.pigments as pigments_mod

    runs = []

    def found(cube, photo, k, photo_name="the photograph"):
        yield "Clustering\u2026"
        labels = bands(k or 3, top=300)
        runs.append(labels)
        return SimpleNamespace(labels=labels, k=k or 3, silhouette=None)

    monkeypatch.setattr(pigments_mod, "_regions_job", found)
    viewer = make_napari_viewer(show=True)  # drawn: its screenshots are what the user sees
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    return viewer, pigments_dock_with_photo(viewer), runs


def test_find_regions_land_as_uint16_made_in_the_worker_with_nothing_hashed_by_napari(
    pigments, qtbot, modulo_calls, made_in
):
    """The regions layer holds the run's values in uint16, in an array of its own (the brush
    never edits the run's result), made in the worker; napari hashes no labels array at the
    landing, neither adding the layer nor updating it (it hashed the whole int32 array on
    every slice: three times as the layer was added, once per re-run)."""
    viewer, widget, runs = pigments
    for _ in range(2):  # added, then updated
        modulo_calls.clear()
        made_in.clear()
        layer = found_regions(widget, qtbot, 10000)
        run = runs[-1]
        assert layer.data.dtype == np.uint16
        np.testing.assert_array_equal(layer.data, run)
        assert not np.shares_memory(layer.data, run)
        assert made_in == ["worker"]
        assert modulo_calls == []


def test_the_uint16_regions_show_the_colours_of_the_run_s_int32_labels(pigments, qtbot):
    """Same pixels on screen as the run's own int32 labels in that layer (what napari showed
    before), with napari's colormap (Pigments) and with the clusters' 65535 colours (Embed),
    labels past the colormap's length (cycled) included."""
    from xrf_napari.widgets.embed import clusters_colormap

    viewer, widget, runs = pigments
    layer = found_regions(widget, qtbot, 10000)
    for ly in viewer.layers:
        ly.visible = ly is layer
    layer.opacity = 1.0
    viewer.reset_view()
    for colormap in (None, clusters_colormap()):
        if colormap is not None:
            layer.colormap = colormap
            layer.data = np.where(runs[-1] == 300, 65535, runs[-1]).astype(np.uint16)
        shown = viewer.screenshot(canvas_only=True, flash=False)
        regions = np.array(layer.data, copy=True)
        layer.data = regions.astype(np.int32)  # the old way
        old = viewer.screenshot(canvas_only=True, flash=False)
        assert len(np.unique(shown.reshape(-1, 4), axis=0)) > 3  # drawn: the regions' colours
        np.testing.assert_array_equal(shown, old)
        layer.data = regions


def test_an_embed_run_lands_its_clusters_as_uint16_with_nothing_hashed_by_napari(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, modulo_calls, made_in
):
    """Embed & cluster's clusters step alike (a stand-in job: the real one, test_docks43)."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    for _ in range(2):
        modulo_calls.clear()
        made_in.clear()
        assert embed.run() is not None
        wait_idle(qtbot, embed.job, 10000)
        assert embed.job.last_error is None, embed.job.last_error
        clusters = embed.labels_layer
        assert clusters.data.dtype == np.uint16
        np.testing.assert_array_equal(clusters.data, embed.result[2].labels)
        assert not np.shares_memory(clusters.data, embed.result[2].labels)
        assert made_in == ["worker"] and modulo_calls == []
