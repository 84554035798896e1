"""Audit cli35 (a new user's CLI pass): what `info --json`, the outputs' metadata and the readers'
refusals say must be true of the file in hand."""

import json

import numpy as np

from xrf_napari.cli.main import main


def test_info_json_gives_no_kev_range_for_an_uncalibrated_scan(tmp_path, capsys):
    """Channel numbers are no keV: a script reading energy_range_kev must get null, not 0..C-1."""
    raw = tmp_path / "raw.npy"
    np.save(raw, np.ones((3, 4, 64), np.uint16))
    assert main(["info", str(raw), "--no-auto-calibration", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["calibration"]["source"] == "none"
    assert info["energy_range_kev"] is None
    assert info["channel_range"] == [0, 63]
    assert main(["info", str(raw), "--no-auto-calibration"]) == 0
    assert "calibration none (energy axis is channel numbers)" in capsys.readouterr().out
