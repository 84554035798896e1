"""The CLIs refuse an output folder the file system will not write before reading the scan or
loading a model (os.access says yes to root under /sys, on a read-only share, through an ACL),
and small message wordings."""

import errno
import os
from pathlib import Path

import pytest

from xrf_napari.cli.main import main


def _small_scan(path):
    """A 4 x 4 scan with an Fe K-alpha peak on the canonical 1-26.6 keV axis."""
    import numpy as np

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    energy = 1.0 + 0.05 * np.arange(512)
    mean = 5.0 + 300 * np.exp(-0.5 * ((energy - 6.4) / 0.07) ** 2)
    counts = np.random.default_rng(0).poisson(mean, (4, 4, 512)).astype(np.uint16)
    return write_cube(path, counts, Calibration(1.0, 0.05))


@pytest.fixture
def refusing(tmp_path, monkeypatch):
    """A folder os.access calls writable whose file system refuses every new file in it (as
    sysfs does to root): os.open with O_CREAT there fails EACCES. Reading the scan fails the
    test: the refusal must come first."""
    shut = tmp_path / "shut"
    shut.mkdir()
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(os.fsdecode(path)).parent == shut:
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)

    def no_read(*_a, **_k):
        raise AssertionError("the scan was read before the output was checked")

    monkeypatch.setattr("xrf_napari.cli._args.read_scan", no_read)
    return shut


@pytest.mark.parametrize(
    "command, out",
    [
        ("recolour", "rgb.png"),
        ("embed", "emb"),
        ("quicklook", "maps"),
        ("pigments", "report"),
    ],
)
def test_an_output_folder_that_refuses_files_is_named_before_the_scan_is_read(
    command, out, tmp_path, refusing, capsys
):
    scan = _small_scan(tmp_path / "scan.h5")
    target = refusing / out if command == "recolour" else refusing
    argv = [command, str(scan), "-o", str(target), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        f"cannot write {target}: folder {refusing} refuses new files (Permission denied)" in err
    ), err
    assert "Traceback" not in err
    assert not [p for p in refusing.iterdir()]  # no probe left behind


def test_the_write_check_leaves_a_writable_folder_as_it_was(tmp_path):
    from xrf_napari.fileutil import check_outputs

    check_outputs(files=[tmp_path / "a.png", tmp_path / "b.png"], folders=[tmp_path / "new"])
    assert list(tmp_path.iterdir()) == []


def test_generate_names_the_option_that_is_out_of_range(tmp_path, capsys):
    """'--n-cubes must be >= 1 and --size >= 16' was said for either, naming both."""
    from xrf_napari.cli.train import main as train_main

    base = ["generate", "--out", str(tmp_path / "set"), "--no-progress"]
    with pytest.raises(SystemExit):  # argparse's refusal since session 54, as --workers 0's
        train_main([*base, "--n-cubes", "0"])
    err = capsys.readouterr().err.splitlines()[-1]  # the usage above names every option
    assert "argument --n-cubes: 0 is out of range" in err and "--size" not in err
    with pytest.raises(SystemExit):  # argparse's refusal too since session 54
        train_main([*base, "--n-cubes", "1", "--size", "8"])
    err = capsys.readouterr().err.splitlines()[-1]
    assert "argument --size: 8 is out of range" in err and "--n-cubes" not in err


def test_a_format_is_named_with_its_article(tmp_path, capsys):
    """'a mca file holds no named datasets': the article as the name is said."""
    spot = tmp_path / "spot.mca"
    spot.write_text("<<PMCA SPECTRUM>>\n<<DATA>>\n" + "1\n" * 64 + "<<END>>\n", encoding="utf-8")
    assert main(["info", str(spot), "--dataset", "counts"]) == 2
    assert "spot.mca: an .mca file holds no named datasets" in capsys.readouterr().err


def test_ctrl_c_names_the_command(tmp_path, monkeypatch, capsys):
    """'xrf-napari: interrupted' named no command, where its error lines do."""

    def interrupt(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr("xrf_napari.cli._args.read_scan", interrupt)
    assert main(["info", str(_small_scan(tmp_path / "scan.h5"))]) == 130
    assert capsys.readouterr().err.strip().endswith("xrf-napari info: interrupted")
