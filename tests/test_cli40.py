"""CLI audit of session 40 (`xrf-napari info | quicklook | embed | recolour | pigments`, used as a
conservator would): one test per fix, on tiny cubes written here; no model is trained or run."""

import numpy as np
import pytest

from xrf_napari.cli.main import main
from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube


def _noise(path, cal: Calibration, shape=(8, 8, 512)):
    """A calibrated cube of flat Poisson noise: no line stands out anywhere."""
    counts = np.random.default_rng(0).poisson(5, shape).astype(np.uint16)
    return write_cube(path, counts, cal)


# -- 1. quicklook: a calibrated scan with no line to map -------------------------------------------
def test_quicklook_says_why_a_calibrated_scan_got_no_maps(tmp_path, capsys):
    """A calibrated scan in which no element line stands out: quicklook printed only the path of
    the sum spectrum and exit 0, the folder holding a lone plot and no word on why there were no
    maps (the real spacekeys_variant.rpl, whose axis runs -0.96 to -0.91 keV, did the same). It
    now says so, with the range searched and the way on."""
    scan = _noise(tmp_path / "flat.h5", Calibration(1.0, 0.05))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "no element line stands out of the spectrum (1.000 to 26.550 keV)" in out
    assert "no element maps" in out and "--elements" in out
    assert sorted(p.name for p in (tmp_path / "q").iterdir()) == ["flat_sum_spectrum.png"]


def test_quicklook_on_an_axis_below_zero_says_to_check_the_calibration(tmp_path, capsys):
    """An axis wholly below 0 keV holds no line at all: --elements would be refused there, so the
    line says to check the calibration instead. Nor is "instrument of the suggestion: ..." said
    (session 59): nothing could be suggested there, whatever the instrument."""
    scan = _noise(tmp_path / "low.h5", Calibration(-3.0, 0.01), (4, 4, 256))
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "no element line stands out of the spectrum (-3.000 to -0.450 keV)" in out
    assert "check the calibration" in out and "--elements" not in out
    assert "instrument of the suggestion" not in err, err


# -- 2. pigments: --clusters beside --labels -----------------------------------------------------
def test_pigments_refuses_clusters_beside_labels(tmp_path, capsys):
    """`pigments SCAN --labels L -k 5` fitted the label map's regions and said nothing of the 5
    asked for; the two contradict each other and are refused before anything is read (exit 2),
    no report folder made."""
    scan = _noise(tmp_path / "scan.h5", Calibration(1.0, 0.05))
    labels = tmp_path / "labels.npy"
    np.save(labels, np.repeat(np.arange(1, 3), 4)[:, None].repeat(8, axis=1).astype(np.int32))
    out = tmp_path / "report"
    argv = ["pigments", str(scan), "--labels", str(labels), "-k", "5", "-o", str(out)]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--clusters 5 with --labels" in err and "give one of them" in err
    assert not out.exists()


# -- 3. embed / recolour: an axis the models cannot read -------------------------------------------
def _no_model(*_a, **_k):
    raise AssertionError("the model was loaded for a scan refused from its calibration alone")


@pytest.mark.parametrize("command", ["embed", "recolour"])
def test_an_axis_outside_the_models_grid_is_refused_before_the_model(
    tmp_path, capsys, monkeypatch, command
):
    """A scan whose calibrated axis lies wholly outside 1-26.6 keV: embed loaded its model, printed
    a WARNING that the scan was unlike the training data and a note that it would pool 0 counts
    per pixel, then refused; recolour loaded its model and printed 'recolouring ...' before the
    refusal. Now the one line of the refusal, before any model (exit 2), nothing written."""
    import xrf_napari.analysis.embed as embed
    import xrf_napari.analysis.recolour as recolour

    monkeypatch.setattr(embed, "load_embedder", _no_model)
    monkeypatch.setattr(recolour, "load_recolouriser", _no_model)
    scan = _noise(tmp_path / "low.h5", Calibration(-3.0, 0.01), (16, 16, 256))
    out = tmp_path / ("o.png" if command == "recolour" else "o")
    assert main([command, str(scan), "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "wholly outside the 1-26.6 keV read by the models" in err
    assert "recolouring" not in err and "WARNING" not in err and "note:" not in err
    assert not out.exists()


# -- 4. info: a small cube's size; the reader's own state ------------------------------------------
def test_info_shows_a_small_size_and_only_the_files_metadata(tmp_path, capsys):
    """`info` on a 3 x 3 scan said "0.0 MiB" (it holds 108 bytes); after the automatic
    calibration's pass it listed "values_checked: True" and "calibration_source: auto" under
    the file's metadata, the reader's own state (the source is on the calibration line)."""
    scan = tmp_path / "tiny.npy"
    np.save(scan, np.zeros((3, 3, 6), np.uint16))
    assert main(["info", str(scan)]) == 0
    assert "uint16, 108 bytes" in capsys.readouterr().out
    mca = tmp_path / "spot.npy"
    rng = np.random.default_rng(1)
    np.save(mca, rng.poisson(3, (8, 8, 256)).astype(np.uint16))
    assert main(["info", str(mca)]) == 0
    out = capsys.readouterr().out
    assert "32.0 KiB" in out
    assert "values_checked" not in out and "calibration_source" not in out


def test_info_names_the_strongest_channels_energy_and_a_negative_quadratic(tmp_path, capsys):
    """`info --sum` said "strongest channel 95" on the real Bruker .spx: its zero peak at 0 keV,
    which only the energy tells from a line; a negative quadratic term read "+ -2e-07 ch^2"."""
    counts = np.random.default_rng(0).poisson(2, (4, 4, 512)).astype(np.uint16)
    counts[..., 100] += 500
    scan = write_cube(tmp_path / "q.h5", counts, Calibration(-0.05, 0.02, quadratic=-2e-7))
    assert main(["info", str(scan), "--sum", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "strongest channel 100 (1.948 keV)" in out
    assert "E = -0.05000 + 0.020000 ch - 2e-07 ch^2 keV" in out
    assert main(["info", str(scan), "--sum", "--json", "--no-progress"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["peak_energy_kev"] == pytest.approx(1.948)


def test_info_prints_each_metadata_value_on_its_own_line(tmp_path, capsys):
    """A file's text holding a line break printed its rest at the line's start, as if it were no
    metadata ("second line" under "note: first line"), and an escape sequence reached the
    terminal raw (ESC[31m turned it red); now escaped on the value's own line (--json keeps the
    text as it is)."""
    meta = {"note": "first line\nsecond line", "esc": "\x1b[31mred", "name é": "Musée"}
    scan = write_cube(tmp_path / "m.h5", np.ones((2, 2, 64), np.uint16), Calibration(1, 0.05),
                      metadata=meta)  # fmt: skip
    assert main(["info", str(scan)]) == 0
    out = capsys.readouterr().out
    assert "    note: first line\\nsecond line\n" in out
    assert "    esc: \\x1b[31mred\n" in out and "\x1b" not in out
    assert "    name é: Musée\n" in out


def test_quicklook_names_the_suggested_elements_it_did_not_map(tmp_path, capsys):
    """Eight elements' lines: quicklook mapped the first six suggested and said only the paths it
    wrote; the others suggested (here Sr, Mn, Cr among them) were named in the plot's title alone.
    Now one line names what was mapped and what was not, and how to map those."""
    from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

    lines = []
    for i, symbol in enumerate(["Ca", "Ti", "Fe", "Cu", "Zn", "Sr", "Mn", "Cr"]):
        lines += element_spectrum_lines(symbol, 4000.0 / (1 + 0.3 * i))
    spectrum = line_spectrum(lines, background=(1.0, 0.0))
    rng = np.random.default_rng(0)
    counts = rng.poisson(np.broadcast_to(spectrum, (4, 4, spectrum.size))).astype(np.uint16)
    scan = write_cube(tmp_path / "eight.h5", counts, CANONICAL_CAL)
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out = capsys.readouterr().err
    said = next(line for line in out.splitlines() if "elements suggested" in line)
    mapped, others = said.split("marked on the spectrum and mapped: ")[1].split("; not: ")
    assert len(mapped.split(", ")) == 6 and "Sr" in others and "--elements" in others
    argv = ["quicklook", str(scan), "-o", str(tmp_path / "q"), "--elements", "Fe", "--no-progress"]
    assert main(argv) == 0
    assert "elements suggested" not in capsys.readouterr().err  # the user chose them


def test_pigments_refuses_a_colour_prior_on_a_single_spectrum(tmp_path, capsys):
    """`pigments SPOT.spx --colour-prior` ran the recolouriser on the one pixel (`recolour` refuses
    the same file: "no image to recolour") and weighed the paints by that colour, unsaid; now
    refused before anything is fitted (exit 2), no report written."""
    counts = np.random.default_rng(0).poisson(20, (1, 1, 512)).astype(np.uint16)
    scan = write_cube(tmp_path / "spot.h5", counts, Calibration(1.0, 0.05))
    out = tmp_path / "report"
    argv = ["pigments", str(scan), "--colour-prior", "-o", str(out), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--colour-prior:" in err and "single spectrum (1 x 1 px)" in err
    assert not out.exists()


def test_recolour_help_says_a_tile_is_a_multiple_of_the_patch(capsys):
    """--tile's help said "tile size in pixels, at most 1024" and the parser takes 8 to 1024, yet
    every size but a multiple of the shipped model's patch (16) is refused ("tile 8 must be a
    multiple of the patch size 16") after the scan and the model are read."""
    with pytest.raises(SystemExit):
        main(["recolour", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "a multiple of the model's patch size (16 for the shipped weights)" in text


def test_quicklook_elements_may_be_separated_by_spaces(tmp_path, capsys):
    """`--elements "Fe Pb"` (as typed beside `Fe,Pb`) was refused as "'Fe Pb' is not an element
    symbol"; now mapped as Fe and Pb. An unknown one names the option."""
    scan = _noise(tmp_path / "flat.h5", Calibration(1.0, 0.05), (4, 4, 512))
    out = tmp_path / "q"
    assert (
        main(["quicklook", str(scan), "-o", str(out), "--elements", "Fe Pb", "--no-progress"]) == 0
    )
    assert {p.name for p in out.iterdir()} >= {"flat_Fe_Ka.png", "flat_Pb_La.png"}
    capsys.readouterr()
    assert (
        main(["quicklook", str(scan), "-o", str(out), "--elements", "Fe;Zz", "--no-progress"]) == 2
    )
    assert "--elements 'Fe;Zz': 'Zz' is not an element" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["maps.pdf", "maps.svg", "maps.json"])
def test_a_folder_output_named_like_a_pdf_or_svg_file_is_refused(tmp_path, capsys, name):
    """`quicklook SCAN -o maps.pdf` (or `pigments -o report.pdf`) wrote a folder named maps.pdf
    holding PNGs; a name ending in a file's suffix is refused as .png and .html already were."""
    scan = _noise(tmp_path / "flat.h5", Calibration(1.0, 0.05), (4, 4, 512))
    out = tmp_path / name
    assert main(["quicklook", str(scan), "-o", str(out), "--no-progress"]) == 2
    assert f"names a file ({out.suffix})" in capsys.readouterr().err
    assert not out.exists()


def test_quicklook_without_a_calibration_says_the_way_on(tmp_path, capsys):
    """An uncalibrated scan whose automatic calibration fails: quicklook said "no element maps"
    and nothing of how to get them, and dropped `--elements Fe` without a word. Now the line says
    the named elements need a calibration and how to give the file one."""
    scan = tmp_path / "noise.npy"
    np.save(scan, np.random.default_rng(0).poisson(2, (4, 4, 256)).astype(np.uint16))
    argv = ["quicklook", str(scan), "-o", str(tmp_path / "q"), "--elements", "Fe", "--no-progress"]
    assert main(argv) == 1  # no map of those named: exit 1 (tests/test_tidy40.py)
    out = " ".join(capsys.readouterr().out.split())
    assert "no element maps (the --elements named need a calibration)" in out
    assert "JSON sidecar" in out and "'Fixing a calibration'" in out


def test_embed_refuses_clusters_beside_k_range(tmp_path, capsys, monkeypatch):
    """`embed SCAN -k 4 --k-range 6 10` made 4 regions and said nothing of the range, which only
    the automatic K reads; refused before the scan is read (exit 2), as pigments' -k beside
    --labels."""
    import xrf_napari.analysis.embed as embed

    monkeypatch.setattr(embed, "load_embedder", _no_model)
    scan = _noise(tmp_path / "s.h5", Calibration(1.0, 0.05))
    out = tmp_path / "e"
    argv = ["embed", str(scan), "-o", str(out), "-k", "4", "--k-range", "6", "10"]
    assert main([*argv, "--no-progress"]) == 2
    assert "--clusters 4 with --k-range 6 10" in capsys.readouterr().err
    assert not out.exists()
