"""Regions the user painted, as Embed & cluster and Pigments replace them with a new run's
(session 44): what the layer records of its run, and fits of painted regions kept aside."""

import gc
import weakref

import numpy as np


class _Cube:  # what replace_regions needs of a scan: a weak reference
    pass


def _items(value) -> list:
    """A metadata value, a tuple's items one by one (RESULT_KEY's is a tuple)."""
    return list(value) if isinstance(value, tuple) else [value]


def _kept_copies(viewer):
    return [ly for ly in viewer.layers if "(your edits)" in ly.name]


def test_the_record_of_a_runs_regions_keeps_no_copy_of_them_and_still_tells_painting(
    make_napari_viewer,
):
    """The regions layer's metadata held the run's labels array itself (to compare the layer
    with before the next run): 64 MB at 4000 x 4000 px alive as long as the layer, also once
    the scan was closed. Now it holds a digest: nothing keeps the run's array, and a re-run
    still tells painted labels (kept in "(your edits)") from unpainted ones (no copy)."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY, replace_regions

    viewer = make_napari_viewer()
    cube = _Cube()
    run = np.repeat(np.arange(1, 5, dtype=np.int32), 15)[:, None].repeat(50, axis=1)
    layer, kept, line = replace_regions(viewer, "regions [a]", run, cube=cube)
    assert kept is None and line == ""
    found = np.array(layer.data, copy=True)
    values = [v for value in layer.metadata.values() for v in _items(value)]
    assert not [v for v in values if isinstance(v, np.ndarray) and v.size >= run.size]
    assert isinstance(layer.metadata[RUN_LABELS_KEY], bytes)
    gone = weakref.ref(run)
    del run
    gc.collect()
    assert gone() is None  # the run's array: nothing holds it now

    # not painted: no copy
    again, kept, line = replace_regions(viewer, "regions [a]", found.copy(), cube=cube)
    assert again is layer and kept is None and line == "" and not _kept_copies(viewer)
    # a stroke undone: nothing painted after all
    layer.paint((3, 4), 7, refresh=True)
    layer.undo()
    assert replace_regions(viewer, "regions [a]", found.copy(), cube=cube)[1] is None
    # written in place (no napari event says so): kept
    layer.data[40, 30] = 9
    painted = np.array(layer.data, copy=True)
    new = np.where(found == 1, 2, found).astype(np.int32)
    assert replace_regions(viewer, "regions [a]", new, cube=cube)[0] is layer
    (copy,) = _kept_copies(viewer)
    np.testing.assert_array_equal(copy.data, painted)
    np.testing.assert_array_equal(layer.data, new)
    # the fill tool, on the new regions: kept too
    layer.fill((0, 0), 4, refresh=True)
    filled = np.array(layer.data, copy=True)
    replace_regions(viewer, "regions [a]", found.copy(), cube=cube)
    (second,) = [ly for ly in _kept_copies(viewer) if ly is not copy]
    np.testing.assert_array_equal(second.data, filled)
