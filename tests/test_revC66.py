"""Review of cli66's commits (1da56869, d6e85667, 652e6dd4, 53d6d210): an earlier report page
written on Windows is a report to replace."""

from __future__ import annotations


def test_an_earlier_report_page_written_on_windows_is_ours(tmp_path):
    """render_html's pages went to disk as text: on Windows the line break after the charset was
    CRLF, and written_report took such a page of an earlier version for the user's own, so
    `pigments -o` refused to rerun into the report folder. Fails on the parent: False."""
    from xrf_napari.analysis.pigment_report import report_in_the_way, written_report

    page = tmp_path / "report.html"
    start = '<!DOCTYPE html><html><head><meta charset="utf-8">'
    page.write_bytes(f"{start}\r\n<title>Pigment hypotheses: scan</title>".encode())
    assert written_report(page) and report_in_the_way(tmp_path) == []
    page.write_bytes(f"{start}\r\r\n<title>Pigment hypotheses: scan</title>".encode())
    assert not written_report(page)  # no page of ours
