"""Session 66, helper cli66: the command line's outputs and words. `pigments -o DIR` does not
replace a report.html (or report files) xrf-napari did not write; a recolouriser paired by
default with an embedder it was not trained on is refused; `info` says the tube voltage, and the
Instrument row says an unnamed kV as "unknown", as the commands do."""

from __future__ import annotations

import numpy as np
import pytest
from _cli_models import save_tiny_models, write_toy_scan

from xrf_napari.cli.main import main


def _refused(capsys, argv) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


def test_pigments_keeps_a_report_html_it_did_not_write(tmp_path, capsys):
    """`pigments -o DIR` replaced DIR/report.html whatever it was (a conservator's own notes page
    of that name was lost). Fails on the parent: the run went on (a fit, the page replaced)."""
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    out = tmp_path / "rep"
    out.mkdir()
    mine = out / "report.html"
    mine.write_text("<html><body>my notes</body></html>", encoding="utf-8")
    err = _refused(capsys, ["pigments", str(scan), "-o", str(out), "--no-progress"])
    assert mine.read_text(encoding="utf-8") == "<html><body>my notes</body></html>"
    assert f"{mine} was not written by xrf-napari" in err, err
    assert "error: -o " in err and "give another -o, or move it out of that folder" in err, err
    # a folder with a report's table but no report.html of ours: not an earlier report either
    mine.unlink()
    (out / "candidates.csv").write_text("a,b\n", encoding="utf-8")
    err = _refused(capsys, ["pigments", str(scan), "-o", str(out), "--no-progress"])
    assert "holds no report.html xrf-napari wrote" in err and "replace candidates.csv" in err


def test_a_report_page_is_marked_and_earlier_reports_are_ours(tmp_path):
    """The page names its generator in its head; a page of an earlier version (no mark: its title
    right after the charset, on the next line or the same) is taken as ours, so a rerun into a
    report folder goes on; another page, a folder of it, an unreadable name are not. Fails on the
    parent: there is no mark and no such check."""
    from xrf_napari.analysis.pigment_fit import PigmentReport
    from xrf_napari.analysis.pigment_report import (
        report_in_the_way,
        write_report,
        written_report,
    )
    from xrf_napari.cli.pigments_cmd import refuse_replacing_others
    from xrf_napari.physics.instrument import InstrumentProfile

    report = PigmentReport([], InstrumentProfile(anode="Rh", kv=40.0), ["chalk"], [], np.arange(3))
    paths = write_report(tmp_path / "new", report, np.zeros((4, 4), np.int32))
    page = paths["report.html"].read_text(encoding="utf-8")
    assert '<head><meta charset="utf-8"><meta name="generator" content="xrf-napari ' in page
    assert written_report(paths["report.html"]) and report_in_the_way(tmp_path / "new") == []
    refuse_replacing_others(tmp_path / "new")  # an earlier report is replaced: no refusal
    start = '<!DOCTYPE html><html><head><meta charset="utf-8">'
    for i, text in enumerate(
        (
            f"{start}\n<title>Pigment hypotheses: scan</title>",  # 2026-12-01 on
            f"{start}<title>Pigment hypotheses: scan</title>",  # the first reports
        )
    ):
        old = tmp_path / f"old{i}"
        old.mkdir()
        (old / "report.html").write_text(text, encoding="utf-8")
        (old / "regions.png").write_bytes(b"")
        assert written_report(old / "report.html") and report_in_the_way(old) == []
    for text in (f"{start}<title>My notes</title>", "<html>Pigment hypotheses: x</html>", ""):
        (tmp_path / "x.html").write_text(text, encoding="utf-8")
        assert not written_report(tmp_path / "x.html")
    assert not written_report(tmp_path) and not written_report(tmp_path / "gone.html")
    assert report_in_the_way(tmp_path / "gone") == []  # a new folder


def _lone_recolouriser(tmp_path):
    """A folder holding only a uvit.safetensors trained (its record says) on another embedder
    than the shipped one, and a toy scan."""
    import torch
    from _cli_models import TINY_UVIT

    from xrf_napari.models.uvit import build_from_config
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    uvit = build_from_config(TINY_UVIT)
    folder = tmp_path / "w"
    folder.mkdir()
    save_weights(
        uvit.state_dict(), folder / "uvit.safetensors", uvit.config | {"embedder_sha256": "0" * 64}
    )
    return folder, write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]


def test_recolour_refuses_a_default_embedder_its_weights_were_not_trained_on(
    tmp_path, capsys, monkeypatch
):
    """XRF_NAPARI_WEIGHTS holding only the user's uvit.safetensors: recolour paired it with the
    shipped embedder, warned "its colours will be wrong" and exited 0 (the panels, whose job
    swallows the warning, said nothing). Now refused, naming the folder and the missing file;
    an embedder given is the user's choice (a warning, as before). Fails on the parent: exit 0."""
    folder, scan = _lone_recolouriser(tmp_path)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    png = tmp_path / "o.png"
    argv = ["recolour", str(scan), "-o", str(png), "--device", "cpu", "--no-progress"]
    err = _refused(capsys, argv)
    assert not png.exists()
    assert f"{folder} holds uvit.safetensors but no dve.safetensors" in err, err
    assert "its colours would be wrong; put the embedder it was trained with beside it" in err


def test_the_panels_recolour_job_refuses_it_too(tmp_path, monkeypatch):
    """The Recolour and Pigments panels run iter_recolour with the Embedder weights box empty
    (None) where the weights folder holds no dve.safetensors: refused in the same words. A
    dve.safetensors beside --weights of another embedder than it records is refused too (the
    right one is used: test_saved67), and one that is the folder's is not called missing. Fails
    on the parent: no refusal."""
    import shutil

    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.io import read_cube

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder, scan = _lone_recolouriser(tmp_path)
    uvit = folder / "uvit.safetensors"
    with pytest.raises(ValueError, match="holds uvit.safetensors but no dve.safetensors"):
        iter_recolour(read_cube(scan), weights=uvit, device="cpu")
    # an embedder given is the user's choice: used (embedder_mismatch warns as it runs); a pair
    # trained together (no record, as the tiny test models) goes on
    save_tiny_models(tmp_path)
    dve = tmp_path / "dve.safetensors"
    iter_recolour(read_cube(scan), weights=uvit, embedder_weights=dve, device="cpu")
    iter_recolour(read_cube(scan), weights=tmp_path / "uvit.safetensors", device="cpu")
    shutil.copy(dve, folder / "dve.safetensors")  # another embedder than the one it records
    with pytest.raises(ValueError, match="in place of dve.safetensors beside it") as beside:
        iter_recolour(read_cube(scan), weights=uvit, device="cpu")
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    with pytest.raises(ValueError, match="in place of dve.safetensors beside it") as own:
        iter_recolour(read_cube(scan), device="cpu")
    assert "but no dve.safetensors" not in str(beside.value) + str(own.value)


def test_info_says_the_tube_voltage(tmp_path, capsys):
    """`info` said nothing of the kV (quicklook said "kV unknown", pigments "50 kV assumed"). Fails
    on the parent: no voltage line, no tube_kv key."""
    import json

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    scan, counts, _ = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)
    assert main(["info", str(scan)]) == 0
    said = capsys.readouterr().out
    assert (
        "  voltage    kV unknown (the file names no tube voltage; quicklook's and pigments' --kv)"
        in said
    ), said
    write_cube(
        tmp_path / "k.h5",
        counts,
        Calibration.canonical(),
        metadata={"profile": {"anode": "Rh", "kv": 35.0}},
    )
    assert main(["info", str(tmp_path / "k.h5")]) == 0
    assert "  voltage    35 kV (the file's)" in capsys.readouterr().out
    assert main(["info", str(tmp_path / "k.h5"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tube_kv"] == 35.0


def test_the_instrument_row_says_an_unnamed_kv_is_unknown(qtbot):
    """The Instrument row's kV box read "kV: file's (none)" where info, quicklook ("kV unknown")
    and Elemental maps' stale line ("an unknown kV") say unknown. Fails on the parent: "(none)"."""
    from xrf_napari.widgets._instrument import InstrumentRow

    row = InstrumentRow()
    qtbot.addWidget(row)
    row.show_file({"profile": {"anode": "Rh"}})
    assert row.kv_spin.specialValueText() == "kV: file's (unknown)"
    row.show_file({"profile": {"anode": "Rh", "kv": 40}})
    assert row.kv_spin.specialValueText() == "kV: file's (40)"


def test_the_recolour_panel_refuses_it_with_its_embedder_box_empty(
    make_napari_viewer, qtbot, tmp_path
):
    """The Recolour panel given that lone recolouriser (its weights folder holds no dve, so the
    Embedder weights box stays empty) recoloured with the shipped embedder without a word (its
    job swallowed the warning). Now its job is refused in recolour's words. Fails on the parent:
    the job ends without an error."""
    from _napari_helpers import open_cube, recolour_dock, wait_idle

    folder, scan = _lone_recolouriser(tmp_path)
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    dock = recolour_dock(viewer, folder / "uvit.safetensors")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=60000)
    error = str(dock.job.last_error)
    assert f"{folder} holds uvit.safetensors but no dve.safetensors" in error, error
    assert not [ly for ly in viewer.layers if "recoloured" in ly.name]
