"""Review of cli66's commits (1da56869, d6e85667, 652e6dd4, 53d6d210): an earlier report page
written on Windows is a report to replace; a panel's job tells this package's warnings."""

from __future__ import annotations

import pytest


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


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    return make_reused_napari_viewer


def test_a_panels_job_tells_its_warnings(make_napari_viewer, qtbot, tmp_path):
    """The Recolour panel given a recolouriser and, in Embedder weights, another embedder than the
    one it records recoloured without a word: `recolour` warns "its colours will be wrong", but
    superqt's worker sends a job's warnings to a signal nothing read. Now a notification says it
    (once a session, as napari tells a warning); a library's warnings stay unsaid. Fails on the
    parent: no notification."""
    import warnings

    import torch
    from _cli_models import TINY_UVIT, save_tiny_models, write_toy_scan
    from _napari_helpers import caught_notifications, open_cube, wait_idle

    from xrf_napari.models.uvit import build_from_config
    from xrf_napari.models.weights import save_weights
    from xrf_napari.widgets._jobs import JobPanel
    from xrf_napari.widgets.recolour import RecolourWidget

    save_tiny_models(tmp_path)
    torch.manual_seed(0)
    uvit = build_from_config(TINY_UVIT)
    other = tmp_path / "other_uvit.safetensors"
    save_weights(uvit.state_dict(), other, uvit.config | {"embedder_sha256": "0" * 64})
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    dock = RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.weights_edit.setText(str(other))
    dock.embedder_edit.setText(str(tmp_path / "dve.safetensors"))
    dock.device.setCurrentText("cpu")
    with caught_notifications() as seen:
        assert dock.run() is not None
        wait_idle(qtbot, dock.job, timeout=60000)
    assert dock.job.last_error is None
    said = [str(n.message) for n in seen if "its colours will be wrong" in str(n.message)]
    assert said and str(other) in said[0], [str(n.message) for n in seen]

    def job():  # raised here, outside the package: as a library's (numpy's, torch's)
        warnings.warn("a library's words", UserWarning, stacklevel=1)
        yield 1, 1

    panel = JobPanel("Run")
    qtbot.addWidget(panel)
    with caught_notifications() as seen:
        assert panel.start(job, on_result=lambda _: None) is not None
        wait_idle(qtbot, panel, timeout=10000)
    assert panel.last_error is None
    assert not [n for n in seen if "a library's words" in str(n.message)]
