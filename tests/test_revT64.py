"""Session 64, reviewer revT64 of 49832735 (helper tube64): a tube chosen in a dock's Tube box
is named in the training-data note, also where the calibration read the same tube off the
scatter lines."""

import pytest
from test_tube64 import mo_scan  # noqa: F401  (that module's fixture: a scatter-read Mo scan)

pytest.importorskip("torch")


def test_a_tube_chosen_like_the_one_read_is_named(mo_scan):  # noqa: F811
    """49832735 passed the docks' scan_tube (the Tube box's choice, else the read tube) to
    check_scan, which took a tube equal to the read one for the read one: Mo chosen in
    Recolour's Tube box for a scan whose calibration read Mo off its scatter lines no longer
    said "tube anode Mo (trained on ...)" but "the tube looks like Mo (...; the file does not
    name it ...)" (a Rh so chosen: "with a tube that looks like Rh (...; the file does not name
    it)"), where the user guide has the line name the tube chosen. The docks now pass the
    choice alone (widgets._common.tube_chosen) and check_scan names it. Fails on 49832735:
    "the tube looks like Mo"."""
    from xrf_napari.analysis.ood import check_scan

    report = check_scan(mo_scan, anode="mo")  # as typed: its symbol
    assert report.anode == "Mo" and report.anode_seen is None
    text = report.message()
    assert "looks like" not in text and "does not name its tube" not in text, text
    assert "tube anode Mo (trained on Rh, W, Cu)" in text, text
