"""Session 61, lead: an out-of-memory message that does not contradict itself."""

from __future__ import annotations

from unittest import mock

from xrf_napari import errors

NUMPY_WORDS = (
    "Unable to allocate 1.50 GiB for an array with shape (40, 30, 512) and data type float32"
)


def _said(budget):
    with mock.patch("xrf_napari.memory.memory_budget", return_value=budget):
        return str(errors.out_of_memory("scan.h5", MemoryError(NUMPY_WORDS), key=(slice(0, 6),)))


def test_a_refusal_within_the_estimated_budget_does_not_say_more_than_it():
    """numpy refused 1.50 GiB though memory_budget (an estimate) saw 20 GiB left: the message
    read "needs 1.50 GiB ..., more than this process may still allocate (20.00 GiB)"."""
    said = _said(20 * 2**30)
    assert "scan.h5" in said and "1.50 GiB" in said and "(40, 30, 512)" in said
    assert "more than this process may still allocate" not in said
    assert "refused" in said and "20.00 GiB" in said


def test_a_refusal_beyond_the_budget_still_says_so():
    said = _said(1 * 2**30)
    assert "1.50 GiB (an array of (40, 30, 512)), more than this process may still allocate" in said
    assert "(1.00 GiB)" in said


def test_a_memory_error_without_numpy_s_size_says_no_size():
    with mock.patch("xrf_napari.memory.memory_budget", return_value=20 * 2**30):
        said = str(errors.out_of_memory("scan.h5", MemoryError(), key=(slice(0, 6),)))
    assert "needs more memory than the system would give" in said
    assert "more memory, more than" not in said
