"""Session 63, small fixes to what the docks and commands say (helper smallB63)."""

from types import SimpleNamespace

import pytest


def test_the_pigments_dock_s_unexplained_note_says_what_misfit_means():
    """The dock's Note cell showed "unexplained: Ti Ka misfit 4.53 keV" with no word of what it
    means (read as titanium the candidate lacks), where report.html and candidates.csv say it:
    its tooltip now gives the same words. A region's message, or no unexplained line, is shown
    as before, without them."""
    pytest.importorskip("qtpy")
    from xrf_napari.analysis.pigment_report import UNEXPLAINED_WORDS
    from xrf_napari.widgets.pigments import region_note

    best = SimpleNamespace(unexplained=["Ti Ka misfit 4.53 keV", "Cr Ka 5.41 keV"])
    note, tip = region_note(SimpleNamespace(message="", best=best), "a hint")
    assert note == "a hint; unexplained: Ti Ka misfit 4.53 keV, Cr Ka 5.41 keV"
    assert tip.startswith(note) and UNEXPLAINED_WORDS in tip
    for region in (
        SimpleNamespace(message="too few counts", best=best),
        SimpleNamespace(message="", best=SimpleNamespace(unexplained=[])),
        SimpleNamespace(message="", best=None),
    ):
        note, tip = region_note(region)
        assert tip == note and UNEXPLAINED_WORDS not in tip


def test_k_range_given_one_number_says_what_it_takes(tmp_path, capsys):
    """`embed scan.h5 --k-range 2` said only argparse's "argument --k-range: expected 2
    arguments": it now says --k-range takes the smallest and largest K, with an example."""
    from xrf_napari.cli.embed_cmd import K_RANGE
    from xrf_napari.cli.main import main

    for tail in (["--k-range", "2"], ["--k-range", "2", "--no-pool"], ["--k-range=2"]):
        with pytest.raises(SystemExit) as exc:
            main(["embed", str(tmp_path / "scan.h5"), *tail])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "expected 2 arguments; --k-range takes two whole numbers, the smallest and " in err
        assert f"e.g. --k-range {K_RANGE[0]} {K_RANGE[1]}" in err, err


def test_the_scan_given_as_the_photograph_is_named_as_the_scan(tmp_path, capsys):
    """`pigments scan.h5 --photo scan.h5` was told "HDF5 data, not a picture", not that the file
    is the scan itself, as --labels is told; it is now, before the scan is read."""
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    scan = tmp_path / "scan.h5"
    write_cube(scan, painted_counts()[0], CANONICAL_CAL, metadata={"name": "scan"})
    link = tmp_path / "link.h5"
    link.symlink_to(scan)
    out = tmp_path / "o"
    for photo in (scan, link):
        assert main(["pigments", str(scan), "--photo", str(photo), "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"--photo {photo} is the scan itself ({scan}): give a photograph" in err, err
        assert not out.exists()
