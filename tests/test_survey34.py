"""Session 34: the survey's k-means runs on one BLAS thread (its tiny products made it 2-40x
slower on a busy machine with OpenBLAS's threads)."""

import numpy as np
import pytest
from _napari_helpers import painted_counts

from xrf_napari.analysis import spectra


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_survey_groups_run_on_one_blas_thread_with_the_same_sums(monkeypatch):
    from threadpoolctl import threadpool_limits

    cells = painted_counts()[0].reshape(-1, 512).astype(np.float32)
    with threadpool_limits(1):
        expected = spectra.group_sums(cells)
    seen = []
    kmeans = spectra._kmeans

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return kmeans(*args, **kwargs)

    monkeypatch.setattr(spectra, "_kmeans", spy)
    with threadpool_limits(2):
        if max(_blas_threads(), default=1) < 2:
            pytest.skip("no BLAS here that runs more than one thread")
        got = spectra.group_sums(cells)
        assert max(_blas_threads()) == 2  # the caller's limit is back
    assert len(seen) == len(spectra.SURVEY_GROUPS)
    assert all(threads and set(threads) == {1} for threads in seen), seen
    np.testing.assert_array_equal(got, expected)
