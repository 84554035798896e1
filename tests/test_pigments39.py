"""Session 39 audit of the pigment hypotheses (`xrf-napari pigments`, the Pigments dock's core)."""

import numpy as np
import pytest

pytest.importorskip("xraylib")
pytest.importorskip("h5py")

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube


def test_a_scan_whose_energy_axis_misses_the_fit_is_refused_not_reported_empty(tmp_path, capsys):
    # a real .rpl (spacekeys_variant, -0.96 to -0.90 keV) or a gain in eV read as keV: every
    # region read "0 counts: too few to interpret" and a report of nothing was written
    rng = np.random.default_rng(0)
    counts = rng.poisson(20.0, size=(6, 6, 64)).astype(np.uint16)
    path = write_cube(tmp_path / "ev.h5", counts, Calibration(-0.956, 0.010002), metadata={})
    out = tmp_path / "report"
    rc = main(["pigments", str(path), "--output", str(out), "--no-progress", "-k", "2"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "-0.956 to -0.326" in err and "wholly outside the 1-26.6 keV" in err
    assert not out.exists()
    # the same words from the fit itself (the dock's path, which has no such early check)
    from xrf_napari.analysis.pigment_fit import PigmentFitError, fit_regions
    from xrf_napari.io import read_cube

    with pytest.raises(PigmentFitError, match="wholly outside"):
        fit_regions(read_cube(path), np.ones((6, 6), np.int32))


def test_a_coloured_label_image_is_refused_with_what_to_give_instead(tmp_path, capsys):
    # embed's labels.png (colours) given to --labels: "expected a 2-D integer label map, got
    # uint8 (8, 8, 3)" said nothing of the labels.h5 beside it
    from PIL import Image

    counts = np.random.default_rng(0).poisson(20.0, size=(8, 8, 512)).astype(np.uint16)
    path = write_cube(tmp_path / "scan.h5", counts, Calibration.canonical(), metadata={})
    rgb = np.zeros((8, 8, 3), np.uint8)
    rgb[:, 4:] = (200, 30, 30)
    Image.fromarray(rgb).save(tmp_path / "labels.png")
    out = tmp_path / "report"
    rc = main(["pigments", str(path), "-l", str(tmp_path / "labels.png"), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "a colour image (8 x 8 px, RGB), not region numbers" in err
    assert "labels.h5" in err and "regions.png" in err
    assert not out.exists()
    # a grey map an image editor saved with transparency (PNG mode LA): "got uint8 (8, 8, 2)"
    grey = np.zeros((8, 8), np.uint8)
    grey[:, 4:] = 1
    Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), "LA").save(tmp_path / "la.png")
    rc = main(["pigments", str(path), "-l", str(tmp_path / "la.png"), "-o", str(out)])
    assert rc == 2
    assert "a grey image with an alpha (transparency) channel" in capsys.readouterr().err
    assert not out.exists()


def test_an_unknown_anode_is_refused_before_the_regions_are_embedded(tmp_path, capsys, monkeypatch):
    # an anode Fe (an element, no tube the forward model knows; until session 48 Cr) was refused
    # only after the DVE embedding and K-Means had run: minutes on a scan of a painting. --anode
    # Fe is refused at parsing since session 51 (test_cli51); a file's, here
    import xrf_napari.cli.pigments_cmd as cmd

    counts = np.random.default_rng(0).poisson(20.0, size=(8, 8, 512)).astype(np.uint16)
    meta = {"anode": "Fe"}
    path = write_cube(tmp_path / "scan.h5", counts, Calibration.canonical(), metadata=meta)

    def embedded(*a, **k):
        raise AssertionError("the regions were embedded before the anode was checked")

    monkeypatch.setattr(cmd, "cluster_labels", embedded)
    out = tmp_path / "report"
    rc = main(["pigments", str(path), "-o", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2
    assert "unknown X-ray tube anode 'Fe' (from the file metadata)" in err, err
    assert "knows Rh, Mo, W, Cu, Ag, Cr: give the tube's anode (--anode" in err
    assert not out.exists()


def test_a_float_recolouring_under_the_thumbnails_is_not_read_as_bytes():
    # `--colour-prior` handed the SmallUViT's float sRGB (0-1) as the thumbnails' background,
    # which the page divided by 255: every region's thumbnail showed a flat dark grey scan
    from xrf_napari.analysis.pigment_fit import PigmentReport, RegionResult
    from xrf_napari.analysis.pigment_report import render_html
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    labels = np.zeros((6, 6), np.int32)
    labels[:, :3] = 1
    region = RegionResult(1, 18, 0.0, np.zeros(512), region_pixels=18, message="too few")
    report = PigmentReport([region], InstrumentProfile(), ["gypsum"], [], canonical_energy())
    rgb = np.zeros((6, 6, 3), np.float32)
    rgb[..., 0] = 1.0  # a red recolouring
    as_floats = render_html(report, labels, background=rgb)
    as_bytes = render_html(report, labels, background=(rgb * 255).astype(np.uint8))
    assert as_floats == as_bytes


def test_the_tables_read_back_with_pandas_skipping_their_comment_lines(tmp_path):
    # pandas.read_csv(path, comment="#"), the usual way past the '#' lines the tables start with,
    # cut each row at the colour's '#': colour, chi2 and message came back empty
    pd = pytest.importorskip("pandas")
    import csv

    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.analysis.pigment_report import write_report
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    labels = np.ones((4, 4), np.int32)
    region = RegionResult(1, 16, 900.0, np.ones(512), region_pixels=16, message='odd, "#1" peak')
    cand = Candidate(
        pigments=["Vermilion"],
        fractions=[1.0],
        elements=["Hg", "S"],
        unexplained=[],
        rgb=(0.36, 0.26, 0.25),
        probability=1.0,
        chi2=338.6,
        log_score=0.0,
    )
    region.candidates = [cand]
    report = PigmentReport(
        [region], InstrumentProfile(), ["gypsum"], ["a note"], canonical_energy()
    )
    paths = write_report(tmp_path / "rep", report, labels)
    table = pd.read_csv(paths["candidates.csv"], comment="#")
    assert table["colour"].tolist() == ["#5c4240"]
    assert table["chi2"].tolist() == [338.6]
    assert table["message"].tolist() == ['odd, "#1" peak']
    # and as the csv module reads it, past the comment lines
    with open(paths["candidates.csv"], encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert rows[0]["colour"] == "#5c4240" and rows[0]["message"] == 'odd, "#1" peak'


def test_a_labels_layer_napari_saved_as_a_64_bit_tiff_is_read(tmp_path):
    # napari saves a Labels layer drawn on NumPy's default integers as an int64 zlib TIFF, which
    # Pillow cannot decode: --labels called it "truncated, corrupt or not an image format"
    tifffile = pytest.importorskip("tifffile")
    from xrf_napari.cli.pigments_cmd import read_labels

    lab = np.zeros((6, 8), np.int64)
    lab[:, 4:] = 2
    lab[:3, :4] = 1
    path = tmp_path / "regions.tif"
    tifffile.imwrite(path, lab, compression="zlib", compressionargs={"level": 1})
    np.testing.assert_array_equal(read_labels(path, (6, 8)), lab)
    with pytest.raises(ValueError, match=r"shape \(6, 8\) does not match the scan \(8, 6\)"):
        read_labels(path, (8, 6))
