"""Session 66, helper lateD66: follow-ups of the post-stop review. One rule for files in the
way of embed's and pigments' outputs (a link leading nowhere is not)."""

from __future__ import annotations

import os


def test_a_link_leading_nowhere_is_not_in_a_reports_way(tmp_path):
    """pigments -o DIR refused a DIR whose candidates.csv was a link leading nowhere (the report
    is written through it, keeping the link: nothing of the user's is lost), where embed -o
    wrote through one: one rule now (fileutil.in_the_way). Fails on the parent: the report
    refused it."""
    from xrf_napari.analysis.pigment_report import report_in_the_way
    from xrf_napari.cli.embed_cmd import others_in_the_way, output_paths

    os.symlink(tmp_path / "gone.csv", tmp_path / "candidates.csv")
    assert report_in_the_way(tmp_path) == []
    paths = output_paths(tmp_path)
    os.symlink(tmp_path / "gone.png", paths["labels.png"])
    assert others_in_the_way(paths) == []
    (tmp_path / "regions.png").write_bytes(b"mine")  # a real file of the user's still is
    paths["latent.png"].write_bytes(b"mine")
    assert report_in_the_way(tmp_path) == ["regions.png"]
    assert others_in_the_way(paths) == [paths["latent.png"]]
