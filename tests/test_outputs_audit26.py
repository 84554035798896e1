"""Outputs audit 26 (/work/runs26/audit_out/report.md): what the plugin writes can be trusted
and re-read whatever the machine's locale, name or interruption."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest


def test_text_outputs_are_utf8_under_a_non_utf8_locale(tmp_path):
    """Finding 3: CSVs were written in the locale's encoding, so under cp1252 (Windows) or the
    POSIX locale a map note's 'α' or a scan named 'pinturé' failed the save after the compute."""
    env = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    code = (
        "import numpy as np, sys\n"
        "from xrf_napari.analysis.export import save_spectra_csv\n"
        "assert sys.flags.utf8_mode == 0\n"
        "save_spectra_csv(sys.argv[1], {'mean': (np.arange(3.0), np.ones(3))},\n"
        "                 comments=['cube: pintur\\u00e9; Pb L\\u03b1 overlaps As K\\u03b1'])\n"
    )
    out = tmp_path / "spectra.csv"
    run = subprocess.run(
        [sys.executable, "-c", code, str(out)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    text = out.read_bytes().decode("utf-8")
    assert "pinturé" in text and "Pb Lα overlaps As Kα" in text


def test_every_region_up_to_max_k_has_its_own_colour():
    """Finding 9: labels.png cycled tab20's 20 colours while K may reach 30: regions 1 and 21
    were painted alike."""
    from xrf_napari.analysis.embed import MAX_K, label_colours

    colours = label_colours(MAX_K)
    assert colours.shape == (MAX_K + 1, 3) and colours.dtype == np.uint8
    assert tuple(colours[0]) == (0, 0, 0)
    assert len({tuple(c) for c in colours}) == MAX_K + 1  # black and MAX_K distinct colours


def test_a_region_painted_away_has_no_spectrum_column(tmp_path):
    """Finding 8: a cluster emptied by painting was saved as a real all-zero spectrum, which
    napari reopened as the first curve."""
    from xrf_napari.analysis.export import save_cluster_spectra
    from xrf_napari.io import read_spectrum

    energy = np.linspace(1.0, 10.0, 8)
    spectra = np.stack([np.zeros(8), np.full(8, 2.0), np.full(8, 3.0)])
    out = save_cluster_spectra(
        tmp_path / "c.csv",
        energy,
        spectra,
        [0, 5, 7],
        source="s",
        calibration="file",
        labels_file="l.png",
    )
    text = out.read_text(encoding="utf-8")
    header = [ln for ln in text.splitlines() if not ln.startswith("#")][0]
    assert header.split(",") == ["energy_keV", "cluster_2", "cluster_3"]
    assert "cluster_1=0, cluster_2=5, cluster_3=7" in text
    np.testing.assert_allclose(read_spectrum(out).counts, 2.0)


def test_a_recoloured_image_records_what_made_it(tmp_path):
    """Finding 7: the recoloured PNG/TIFF recorded nothing, while its colours mean something only
    for the pair of models (and options) that made them."""
    import json

    import tifffile
    from _cli_models import save_tiny_models, weights_args, write_toy_scan
    from PIL import Image

    from xrf_napari import __version__
    from xrf_napari.cli.main import main
    from xrf_napari.models.weights import sha256_of

    write_toy_scan(tmp_path / "scan.h5", 20, 24, n_regions=2)
    save_tiny_models(tmp_path)
    for name in ("rec.png", "rec.tif"):
        out = tmp_path / name
        argv = ["recolour", str(tmp_path / "scan.h5"), "-o", str(out), *weights_args(tmp_path)]
        assert main([*argv, "--average-flips"]) == 0
        if name.endswith(".png"):
            text = Image.open(out).text
            software, described = text["Software"], text["Description"]
        else:
            with tifffile.TiffFile(out) as tif:
                page = tif.pages[0]
                software, described = page.software, page.description
        record = json.loads(described)
        assert software == f"xrf-napari {__version__}" == record["software"]
        assert record["recolouriser_sha256"] == sha256_of(tmp_path / "uvit.safetensors")
        assert record["embedder_sha256"] == sha256_of(tmp_path / "dve.safetensors")
        assert record["average_flips"] is True and record["calibration"]["source"] == "file"
        assert record["scan"].endswith("scan.h5")
        assert record["code"]["xrf_napari"] == __version__


def test_embed_outputs_record_what_made_them(tmp_path):
    """Finding 7: labels.h5 recorded no weights, seed or pooling, latent.h5 not that its spectra
    were pooled 3 x 3 (which changes the latent), neither the code."""
    import h5py
    from _cli_models import save_tiny_models, write_toy_scan

    from xrf_napari import __version__
    from xrf_napari.cli.main import main
    from xrf_napari.models.weights import sha256_of

    write_toy_scan(tmp_path / "scan.h5", 24, 20, n_regions=3)
    save_tiny_models(tmp_path)
    out = tmp_path / "emb"
    argv = ["embed", str(tmp_path / "scan.h5"), "-o", str(out), "-k", "3", "--seed", "7"]
    weights = tmp_path / "dve.safetensors"
    assert main([*argv, "--weights", str(weights), "--device", "cpu", "--no-progress"]) == 0
    for name in ("labels.h5", "latent.h5"):
        with h5py.File(out / name, "r") as f:
            attrs = dict(f.attrs)
        assert attrs["weights_sha256"] == sha256_of(weights), name
        assert attrs["seed"] == 7, name
        assert json.loads(attrs["calibration"])["source"] == "file", name
        assert attrs["pooled"] == True, name  # noqa: E712  (300 counts per pixel: pooled 3 x 3)
        assert json.loads(attrs["code"])["xrf_napari"] == __version__, name


def test_each_map_tiff_says_what_it_holds(tmp_path):
    """Finding 7: a map TIFF copied away from its CSV said nothing: not its element, line,
    windows, calibration or the code that made it."""
    import csv

    import tifffile
    from _napari_helpers import write_painted_cube

    from xrf_napari.cli.main import main

    scan = write_painted_cube(tmp_path / "painted.h5")
    out = tmp_path / "look"
    argv = ["quicklook", str(scan), "-o", str(out), "--tiff", "--elements", "Fe,Cu"]
    assert main([*argv, "--no-progress"]) == 0
    rows = list(
        csv.DictReader((out / "painted_maps.csv").read_text(encoding="utf-8").splitlines()[1:])
    )
    assert [r["element"] for r in rows] == ["Fe", "Cu"]
    for row in rows:
        with tifffile.TiffFile(out / row["file"]) as tif:
            record = json.loads(tif.pages[0].description)
            values = tif.asarray()
        assert record["element"] == row["element"] and record["line"] == row["line"]
        assert record["peak_keV"] == [float(row["peak_from_keV"]), float(row["peak_to_keV"])]
        assert record["calibration"]["source"] == "file" and record["scan"] == "painted"
        assert record["values"] == "net line counts per pixel" and "xrf_napari" in record["code"]
        assert float(row["total_net_counts"]) == pytest.approx(values.sum(dtype=float), rel=1e-5)


def test_one_question_for_a_completed_name_and_the_files_beside_it(qapp, tmp_path, monkeypatch):
    """Embed's Save asked twice in a row when the image of the completed name and the CSV
    beside it both existed (once in the dialog helper, once in the dock): one question now."""
    from _napari_helpers import scripted_questions
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.widgets._dialogs import ask_save_path
    from xrf_napari.widgets.embed import save_paths

    for name in ("clusters.png", "clusters_spectra.csv"):
        (tmp_path / name).write_text("earlier", encoding="utf-8")
    typed = (str(tmp_path / "clusters"), "PNG (*.png)")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: typed)
    asked, answer = scripted_questions(monkeypatch)
    answer(QMessageBox.Yes)
    images = "PNG (*.png);;TIFF (*.tif *.tiff)"
    path = ask_save_path(None, "Save", images, beside=save_paths)
    assert path == str(tmp_path / "clusters.png")
    assert len(asked) == 1 and "clusters.png" in asked[0] and "clusters_spectra.csv" in asked[0]
    answer(QMessageBox.No)
    assert ask_save_path(None, "Save", images, beside=save_paths) == ""
    (tmp_path / "clusters_spectra.csv").unlink()  # typed with its suffix: one question still
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (path, "PNG (*.png)"))
    answer(QMessageBox.Yes)
    assert ask_save_path(None, "Save", images, beside=save_paths) == path
    own = ask_save_path.__globals__["OWN_REPLACE_QUESTION"]  # else the dialog asked
    assert len(asked) == 2 + own and (
        not own or asked[-1] == "clusters.png already exists. Replace?"
    )
