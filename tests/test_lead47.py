"""Session 47, the lead's fixes after the late reviews: an abbreviated option beside a file of
its name; the layout of an HDF5 file looked at before another."""

import pytest


def test_an_abbreviated_option_is_an_option_even_beside_a_file_of_its_name(
    tmp_path, monkeypatch, capsys
):
    """`--outp` was argparse's `--output`; with a file named `--outp` in the folder, the '-'-file
    check refused it as a file ("'--outp' begins with '-' and is read as an option; to give the
    file, write ./--outp ...") where argparse, and the same command in another folder, read it as
    --output. Since session 54 (cliopts54) no option is read abbreviated: `--outp` is refused the
    same way in both folders, as a file beside one of its name, and an option given in full is
    the option, beside a file of its name too."""
    from xrf_napari.cli.main import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["quicklook", "nosuch.h5", "--outp", "maps"])
    assert "unrecognized option '--outp': did you mean --output/-o?" in capsys.readouterr().err
    (tmp_path / "--outp").write_bytes(b"")
    with pytest.raises(SystemExit):
        main(["quicklook", "nosuch.h5", "--outp", "maps"])
    assert "'--outp' begins with '-' and is read as an option" in capsys.readouterr().err
    (tmp_path / "--output").write_bytes(b"")
    assert main(["quicklook", "nosuch.h5", "--output", "maps"]) != 0
    err = capsys.readouterr().err
    assert "begins with '-'" not in err, err
    assert "nosuch.h5" in err, err  # the scan, not the option, is what is wrong
    assert not (tmp_path / "maps").exists()


def test_a_layout_handed_back_outlives_the_look_at_the_next_input(tmp_path, monkeypatch):
    """A command looks at each HDF5 input before reading any (`pigments scan.h5 --labels l.h5`):
    the look at the second dropped the first's handed-back layout, so the scan's read walked it
    again in-process (about 1 s of a 5,000-dataset file). Fails on the parent: 1 walk, not 0."""
    import h5py
    import numpy as np

    from xrf_napari.io import hdf5, hdf5_looked

    monkeypatch.setattr(hdf5_looked, "LOOKED", set())
    monkeypatch.setattr(hdf5, "HANDED", {})
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    for path in (a, b):
        with h5py.File(path, "w") as f:
            f["datacube"] = np.ones((8, 8, 64), np.float32)
    hdf5.first_look(a)
    hdf5.first_look(b)
    walks = []
    real = hdf5._walk
    monkeypatch.setattr(hdf5, "_walk", lambda *x, **k: walks.append(1) or real(*x, **k))
    assert hdf5.read(a).shape == (8, 8, 64)
    assert walks == []
    monkeypatch.setattr(hdf5, "HANDED_FILES", 1)  # bounded: the oldest goes first
    hdf5_looked.LOOKED.clear()
    assert hdf5.first_look(a) in hdf5.HANDED and len(hdf5.HANDED) == 1
