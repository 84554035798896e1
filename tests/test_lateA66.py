"""Session 66, helper lateA66: follow-ups of the session's reviews. pigments --colour-prior and
the Pigments panel, refused a recolouriser paired by default with another embedder, are told a
way on they have (neither takes an embedder)."""

from __future__ import annotations

import shutil

import pytest
from _cli_models import save_tiny_models
from test_cli66 import _lone_recolouriser, _refused


def test_pigments_colour_prior_is_told_a_way_on_it_has(tmp_path, capsys, monkeypatch):
    """XRF_NAPARI_WEIGHTS holding a lone recolouriser trained on another embedder: `pigments
    --colour-prior` was told to "give it (recolour's --embedder, the Recolour panel's Embedder
    weights)", options pigments has not. Fails on the parent: those words."""
    folder, scan = _lone_recolouriser(tmp_path)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    import numpy as np

    out = tmp_path / "rep"
    np.save(tmp_path / "regions.npy", np.ones((8, 8), np.int32))
    argv = ["pigments", str(scan), "-o", str(out), "--colour-prior", "--device", "cpu"]
    err = _refused(capsys, [*argv, "--no-progress", "--labels", str(tmp_path / "regions.npy")])
    assert f"{folder} holds uvit.safetensors but no dve.safetensors" in err, err
    assert "beside it as dve.safetensors, or leave out --colour-prior" in err, err
    assert "--embedder," not in err and "Embedder weights)" not in err, err
    assert not out.exists()


def test_the_pigments_panels_job_is_told_a_way_on_it_has(tmp_path, monkeypatch):
    """The Pigments panel's SmallUViT colours, the weights folder holding that lone recolouriser
    (so no Embedder weights): told to give recolour's --embedder or the Recolour panel's box,
    neither of which this panel reads. Fails on the parent: those words."""
    import numpy as np

    from xrf_napari.io import read_cube
    from xrf_napari.widgets.pigments import UVIT_INSTEAD, _pigments_job

    monkeypatch.delenv("XRF_NAPARI_WEIGHTS", raising=False)
    folder, scan = _lone_recolouriser(tmp_path)
    cube = read_cube(scan)
    job = _pigments_job(
        cube, np.ones(cube.shape[:2], np.int32), True, "cpu", folder / "uvit.safetensors", None
    )
    with pytest.raises(ValueError) as refused:
        for _ in job:
            pass
    said = str(refused.value)
    assert said.endswith(f"beside it as dve.safetensors, or {UVIT_INSTEAD}"), said
    assert "untick SmallUViT region colours" in said and "--embedder" not in said


def test_the_pigments_panel_reads_the_weights_folder_as_it_runs(
    make_napari_viewer, tmp_path, monkeypatch
):
    """The panel read its weights folder once, as it opened: a dve.safetensors put beside the
    folder's uvit.safetensors afterwards, as the refusal says, was not used until napari was
    started again. Fails on the parent: the job is given no embedder."""
    import numpy as np
    from _napari_helpers import open_cube

    from xrf_napari.widgets.pigments import PigmentsWidget

    folder, scan = _lone_recolouriser(tmp_path)
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(folder))
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    viewer.add_labels(np.ones((8, 8), np.int32), name="regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    save_tiny_models(tmp_path)
    shutil.copy(tmp_path / "dve.safetensors", folder / "dve.safetensors")
    started = []
    monkeypatch.setattr(dock, "start_job", lambda *args, **kw: started.append(args))
    dock.use_uvit.setChecked(True)
    dock.run()
    assert started, "no job started"
    given = [str(a) for a in started[0] if isinstance(a, str)]
    assert str(folder / "dve.safetensors") in given, started[0]


def test_a_tube_voltage_in_volts_is_read_and_nonsense_is_named(tmp_path, capsys):
    """A file's tube voltage in volts (kV 50000) was passed over: `info` said "the file names no
    tube voltage" above a metadata listing "kV: 50000", and the maps and fit took none. Now read
    as volts and said so; a number neither kV nor volts is named, set aside. Fails on the parent:
    "the file names no tube voltage" both times."""
    import json

    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[1]
    for name, kv in (("v.h5", 50000), ("bad.h5", 250)):
        write_cube(tmp_path / name, counts, Calibration.canonical(), metadata={"kV": kv})
    assert main(["info", str(tmp_path / "v.h5")]) == 0
    said = capsys.readouterr().out
    assert "  voltage    50 kV (the file's kV 50000, read as volts)" in said, said
    assert main(["info", str(tmp_path / "v.h5"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tube_kv"] == 50.0
    assert main(["info", str(tmp_path / "bad.h5")]) == 0
    said = capsys.readouterr().out
    assert (
        "  voltage    kV unknown (the file's kV 250 is no tube voltage, neither 5-100 kV nor "
        "5000-100000 V: set aside; quicklook's and pigments' --kv)"
    ) in said, said


def test_kv_reading_takes_the_unit_the_text_names():
    """Text naming its unit is read in it, a number of kV as before; words and flags are no
    voltage. Fails on the parent: no kv_reading."""
    from xrf_napari.detector import kv_from_metadata, kv_reading

    assert kv_reading({"tube_voltage_kv": 40}) == (None, "")  # not a key readers write
    assert kv_reading({"profile": {"kv": 35}}) == (35.0, "")
    assert kv_reading({"tube": {"kV": "40 kV"}}) == (40.0, "")
    assert kv_reading({"kv": "45000 V"}) == (45.0, "the file's kv '45000 V', read as volts")
    assert (
        kv_reading({"kv": "50 V"})[0] is None
        and "'50 V' is no tube voltage" in kv_reading({"kv": "50 V"})[1]
    )
    assert kv_reading({"kV": 250, "tube": {"kv": 40}}) == (40.0, "")  # the readable one
    for nothing in ("unknown", True, [50]):
        assert kv_reading({"kV": nothing}) == (None, "")
    assert kv_from_metadata({"kV": 50000}) == 50.0


def test_the_spectrum_docks_export_csv_refuses_a_pictures_name(make_napari_viewer, qtbot, tmp_path):
    """The Spectrum dock's export_csv(path) from a script wrote a CSV named x.jpg, where Export
    CSV... refuses that name and Embed's save(path) a name it does not write. Fails on the
    parent: x.jpg written."""
    from _cli_models import write_toy_scan
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.spectrum import SpectrumWidget

    scan = write_toy_scan(tmp_path / "s.h5", 4, 4, 2)[0]
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    with pytest.raises(ValueError, match=r"x\.JPG: the spectra are saved as \.csv"):
        dock.export_csv(tmp_path / "x.JPG")
    assert not (tmp_path / "x.JPG").exists()
    dock.export_csv(tmp_path / "spectra 2024.03.csv")
    assert (tmp_path / "spectra 2024.03.csv").read_text(encoding="utf-8").startswith("# xrf-")


def test_embed_keeps_files_of_its_names_it_did_not_write(tmp_path, capsys):
    """`embed -o DIR` replaced DIR/labels.png (and latent.h5, ...) whatever they were: the names
    are generic, and a user's own labels.png was lost. Now refused before the scan is read,
    unless an earlier run's latent.h5 or labels.h5 lies there (a rerun replaces its set). Fails on
    the parent: the user's labels.png replaced, exit 0."""
    from _cli_models import write_toy_scan

    from xrf_napari.cli.embed_cmd import written_by_embed
    from xrf_napari.cli.main import main

    save_tiny_models(tmp_path)
    scan = write_toy_scan(tmp_path / "s.h5", 8, 8, 2)[0]
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "labels.png"
    mine.write_bytes(b"my picture")
    argv = ["embed", str(scan), "-o", str(out), "-k", "2", "--device", "cpu", "--no-progress"]
    argv += ["--weights", str(tmp_path / "dve.safetensors")]
    err = _refused(capsys, argv)
    assert mine.read_bytes() == b"my picture" and not (out / "latent.h5").exists()
    assert "labels.png there were not written by xrf-napari embed" in err, err
    mine.unlink()
    assert main(argv) == 0, capsys.readouterr().err
    assert written_by_embed(out / "labels.h5") and written_by_embed(out / "latent.h5")
    assert main(argv) == 0, capsys.readouterr().err  # a rerun replaces its own set
    assert not written_by_embed(mine) and not written_by_embed(tmp_path / "gone.h5")
