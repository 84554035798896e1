"""Session 65, lateA65: a script's pigment report into a file is refused as the command's is."""

from __future__ import annotations

import types

import numpy as np
import pytest


def test_a_scripts_report_into_a_file_is_refused_in_the_commands_words(tmp_path):
    """pigment_report.write_report into an existing file said "--output X: exists and is not a
    folder": an option a script never gave, and no way on. Now check_outputs' refusal, the one
    `xrf-napari pigments --output X` gives after its "--output: "."""
    from xrf_napari.analysis.pigment_report import write_report
    from xrf_napari.fileutil import OutputError

    out = tmp_path / "report"
    out.write_text("not a folder", encoding="utf-8")
    no_regions = types.SimpleNamespace(regions=[])
    with pytest.raises(OutputError) as said:
        write_report(out, no_regions, np.zeros((2, 2), np.int32), choices=[])
    assert str(said.value) == (
        f"output folder {out} exists and is not a folder; choose another output folder"
    )
    assert out.read_text(encoding="utf-8") == "not a folder"
