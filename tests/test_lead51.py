"""Lead's fixes of session 51."""

import pytest

from xrf_napari.cli.main import main


def test_a_second_input_with_a_space_in_its_path_is_said_as_one(capsys):
    """`info "My Scans/a.h5" "My Scans/b.h5"` said only "unrecognized arguments: My Scans/b.h5":
    the hint re-read argparse's message and took its first space-separated piece ("My") for the
    stray word, which no argument was."""
    with pytest.raises(SystemExit) as exc:
        main(["info", "My Scans/a.h5", "My Scans/b.h5"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: My Scans/b.h5 (a second input? xrf-napari info reads one" in err


def test_a_stray_word_is_hinted_once(capsys):
    """The hint is added once, where argparse leaves words over (not on every error)."""
    with pytest.raises(SystemExit):
        main(["quicklook", "x.h5", "-o", "q", "--kv", "40", "50"])
    err = capsys.readouterr().err
    assert err.count("follows --kv 40, which takes one value") == 1
