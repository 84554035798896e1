"""Reader bugs found by the session-24 fuzz audit (F1-F13): each test failed before its fix."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_spectrum

COUNTS = np.random.default_rng(24).poisson(40, size=256) + 1


# -- F1: a `nan` count line in a one-column .mca ---------------------------------------------
@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "Infinity"])
def test_mca_nan_count_line_is_refused_not_dropped(tmp_path, bad):
    # Before: the line was skipped as text, so every later channel moved down by one, silently.
    lines = [str(v) for v in COUNTS]
    lines[100] = bad
    path = tmp_path / "nan.mca"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CubeReadError, match=r"nan\.mca: counts contain NaN or infinite"):
        read_spectrum(path)
