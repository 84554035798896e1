"""Session 55 review of the readers' commits (revR55)."""

import numpy as np
from test_readers55 import _ripple, _saved

from xrf_napari.io import read_cube


def test_info_of_a_saved_ripple_scan_prints_no_header(tmp_path, capsys):
    """79272fd0 moved a ripple header's keys under the saved .h5's source_notes, the raw header
    among them, which `info` hides at the top (NOT_THE_FILES, "too long"): `info saved.h5`
    printed it whole there (11 lines for a header of 11 keys, the same again when saved twice).
    The layout keys still show; the header is left out at every level, as at the top."""
    from xrf_napari.cli.main import main

    counts = np.arange(4 * 3 * 16, dtype=np.uint16).reshape(4, 3, 16)
    once = _saved(read_cube(_ripple(tmp_path, counts), auto_calibrate=False), tmp_path / "a.h5")
    once.metadata["calibration_note"] = "a note: source_notes nest when saved again"
    _saved(once, tmp_path / "b.h5")
    for name in ("a.h5", "b.h5"):
        assert main(["info", str(tmp_path / name), "--no-auto-calibration"]) == 0
        text = capsys.readouterr().out
        assert "record_by: image" in text
        assert "header" not in text and "depth-scale" not in text
