"""Review of session 63's test-harness change (5d0b9b4d, tests/_napari_helpers.py)."""

import gc

import pytest


def test_a_failed_cleaning_gives_napari_its_collect_back():
    """A guard: clean_viewer takes a test's layers off with napari's canvas module's gc stood in
    for by a no-op (_no_collect_in_canvas). Where the removal raises (a layer's callback failing
    in a test's teardown), the canvas gets the real gc back, so the worker's later tests still
    meet napari's own layer removal (its collect and context.finish) as a user does."""
    import napari._vispy.canvas as canvas
    from _napari_helpers import _no_collect_in_canvas

    assert canvas.gc is gc
    with pytest.raises(RuntimeError, match="a removal failed"), _no_collect_in_canvas():
        assert canvas.gc is not gc and canvas.gc.collect() == 0
        raise RuntimeError("a removal failed")
    assert canvas.gc is gc
