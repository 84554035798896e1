"""Command-line numbers out of range fail at parsing with the option and the allowed range named;
recolouring a single spectrum is refused before any model is loaded (issue 17, item 7)."""

import numpy as np
import pytest

from xrf_napari.cli.main import main


@pytest.mark.parametrize(
    "argv, message",
    [
        (["embed", "x.h5", "-o", "out", "-k", "1"], "--clusters/-k: 1 is out of range"),
        (["embed", "x.h5", "-o", "out", "-k", "100"], "between 2 and 30"),
        (["embed", "x.h5", "-o", "out", "--k-range", "1", "8"], "--k-range: 1 is out of range"),
        (["recolour", "x.h5", "-o", "out.png", "--tile", "0"], "--tile: 0 is out of range"),
        (["recolour", "x.h5", "-o", "out.png", "--batch", "0"], "--batch: 0 is out of range"),
        (
            ["recolour", "x.h5", "-o", "out.png", "--tile", "big"],
            "the tile size must be a whole number, not 'big'",
        ),
    ],
)
def test_out_of_range_numbers_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_recolour_refuses_a_single_spectrum(tmp_path, capsys):
    path = tmp_path / "one.npy"
    np.save(path, np.random.default_rng(0).poisson(3.0, (1, 1, 512)).astype(np.uint16))
    out = tmp_path / "one.png"
    with pytest.raises(SystemExit) as exc:
        rc = main(
            [
                "recolour",
                str(path),
                "-o",
                str(out),
                "--weights",  # a file, but no weights: the scan must be refused first
                str(path),
            ]
        )
        raise SystemExit(rc)
    assert exc.value.code != 0
    assert "single spectrum (1 x 1 px)" in capsys.readouterr().err and not out.exists()


def test_info_prints_metadata_one_readable_line_per_value(capsys):
    from xrf_napari._sample_data import SAMPLE_DIR

    path = SAMPLE_DIR / "painting.h5"
    if not path.is_file():
        pytest.skip("painting.h5 not shipped in this checkout")
    assert main(["info", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 110  # was one line of thousands of characters
    assert "      anode: Rh" in lines  # nested profile, one key per line
    assert any(line.strip() == "regions: 16 entries" for line in lines)


@pytest.mark.parametrize("command", ["info", "quicklook", "embed", "recolour", "pigments"])
def test_every_command_reading_a_scan_passes_its_anode_and_dataset(command, monkeypatch):
    """`recolour`, `embed` and `pigments` used to auto-calibrate every file without a calibration
    for a Rh tube: a Mo-tube scan came out at 0.0064 instead of 0.0100 keV per channel."""
    import xrf_napari.io

    seen = {}

    def fake_read(path, **kwargs):
        seen.update(kwargs, path=path)
        raise ValueError("stop here")

    monkeypatch.setattr(xrf_napari.io, "read_cube", fake_read)
    argv = [command, "scan.h5", "--anode", "mo", "--dataset", "entry/counts"]
    argv += [] if command == "info" else ["-o", "out.png" if command == "recolour" else "out"]
    assert main(argv) == 2
    assert seen["anode"] == "Mo" and seen["dataset"] == "entry/counts"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["info", "x.h5", "--anode", "Xx"], "'Xx' is not an element"),
        (["pigments", "x.h5", "-o", "out", "-k", "1"], "--clusters/-k: 1 is out of range"),
    ],
)
def test_bad_anodes_and_k_are_refused_at_parsing(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_mistakes_are_refused_before_the_scan_is_embedded(tmp_path, capsys, monkeypatch):
    """--k-range MIN > MAX used to fail after the whole embedding as 'too few pixels'; a tile the
    model cannot take, after it too; a dataset asked of a file that has none was ignored."""
    import xrf_napari.analysis.embed
    import xrf_napari.analysis.recolour

    def never(*_a, **_k):
        raise AssertionError("the scan was embedded")

    monkeypatch.setattr(xrf_napari.analysis.embed, "iter_embed", never)
    monkeypatch.setattr(xrf_napari.analysis.recolour, "iter_recolour", never)
    scan = tmp_path / "scan.npy"
    np.save(scan, np.random.default_rng(0).poisson(3.0, (20, 20, 512)).astype(np.uint16))
    assert main(["embed", str(scan), "-o", str(tmp_path / "e"), "--k-range", "12", "2"]) == 2
    assert "--k-range 12 2: MIN must not exceed MAX" in capsys.readouterr().err
    assert main(["recolour", str(scan), "-o", str(tmp_path / "r.png"), "--tile", "24"]) == 2
    assert "tile 24 must be a multiple of the patch size" in capsys.readouterr().err
    assert main(["info", str(scan), "--dataset", "counts"]) == 2
    assert "scan.npy: an .npy file holds no named datasets" in capsys.readouterr().err


def test_export_set_refuses_a_cube_count_under_one(capsys):
    from xrf_napari.cli.train import main as train_main

    for n in ("0", "-1"):  # -1 used to drop the last cube, 0 to write none, both with exit 0
        with pytest.raises(SystemExit) as exc:
            train_main(
                ["export-set", "--data", "d", "--format", "h5", "--out", "o", "--max-cubes", n]
            )
        assert exc.value.code == 2 and "--max-cubes" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["mo", "MO", "Molybdenum", "42"])
def test_anode_option_reads_the_spellings_files_use(spelling):
    """--anode reads an anode as a file's metadata is read (elements.element_symbol): 'Rhodium'
    or 45 in a header was accepted while the same word on the command line was refused."""
    import argparse

    from xrf_napari.argtypes import anode_symbol

    assert anode_symbol(spelling) == "Mo"
    with pytest.raises(argparse.ArgumentTypeError, match="not an element"):
        anode_symbol("Unobtainium")
