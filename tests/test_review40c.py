"""Review 40c of the session-40 dock commits (dfc8d06 .. 8f37021): what the review found wrong,
each with a test that fails on the code before its fix, and guards of what no test held."""

from __future__ import annotations

import numpy as np
import pytest


def test_checking_a_float_photograph_for_missing_values_makes_no_copy_of_it():
    """check_photo_values runs on the GUI thread as Find pigments / Find regions is pressed. It
    made three boolean arrays of the photograph (isfinite of every sample, then per pixel): 1.7 s
    and ~200 MB more for a 48-megapixel float32 photograph, the window frozen meanwhile. Now one
    summing pass decides a photograph with no bad sample; the count is made only where the sum
    is not finite, and says the same."""
    import tracemalloc

    from xrf_napari.analysis.colour_prior import check_photo_values

    photo = np.full((500, 400, 3), 0.5, np.float32)  # 2.4 MB; its isfinite alone is 0.6 MB
    tracemalloc.start()
    try:
        check_photo_values(photo, "clean")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100_000, peak
    photo[:4, :, 1] = np.nan
    photo[-1, -1, 0] = np.inf
    with pytest.raises(ValueError, match="1,601 of its 200,000 pixels over the scan have no value"):
        check_photo_values(photo, "photograph 'registered'")
    huge = np.full((4, 4, 3), 1e308)  # its sum overflows: finite samples, not refused
    check_photo_values(huge)
    alpha = np.full((4, 4, 4), 0.5)
    alpha[..., 3] = np.nan  # the alpha channel is not read
    check_photo_values(alpha)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_a_lazy_photograph_is_not_read_on_the_gui_thread(dtype):
    """A photograph layer whose data is lazy (a dask array, as reader plugins give for a large
    image) was read whole by check_photo_values on the GUI thread (np.asarray first), even an
    8-bit one that has no missing values to find. It is now left to the worker, whose
    photo_on_scan reads it and says the same of missing values."""
    import dask
    import dask.array as da

    from xrf_napari.analysis.colour_prior import check_photo_values, photo_on_scan

    reads = []

    def load():
        reads.append(1)
        out = np.full((40, 30, 3), 100, dtype)
        if dtype is np.float32:
            out = out / 255
            out[0, 0] = np.nan
        return out.astype(dtype)

    lazy = da.from_delayed(dask.delayed(load)(), (40, 30, 3), dtype)
    check_photo_values(lazy, "lazy")
    check_photo_values(lazy[2:, 1:], "lazy")  # the window over the scan (_photo_over_scan)
    assert reads == []
    if dtype is np.float32:  # the worker still says it
        with pytest.raises(ValueError, match="1 of its 1,200 pixels over the scan have no value"):
            photo_on_scan(lazy, (20, 15), "lazy")
