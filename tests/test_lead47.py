"""Session 47, the lead's fix after the late reviews: an abbreviated option beside a file of its
name."""


def test_an_abbreviated_option_is_an_option_even_beside_a_file_of_its_name(
    tmp_path, monkeypatch, capsys
):
    """`--outp` is argparse's `--output`; with a file named `--outp` in the folder, the '-'-file
    check refused it as a file ("'--outp' begins with '-' and is read as an option; to give the
    file, write ./--outp ...") where argparse, and the same command in another folder, read it as
    --output. It is read as --output wherever it is typed."""
    from xrf_napari.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "--outp").write_bytes(b"")
    assert main(["quicklook", "nosuch.h5", "--outp", "maps"]) != 0
    err = capsys.readouterr().err
    assert "begins with '-'" not in err, err
    assert "nosuch.h5" in err, err  # the scan, not the option, is what is wrong
    assert not (tmp_path / "maps").exists()
