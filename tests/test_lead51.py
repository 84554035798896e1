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


def _msa(path, n: int, step: float, unit: str):
    lines = [
        "#FORMAT : EMSA/MAS Spectral Data File",
        "#VERSION : 1.0",
        "#TITLE : t",
        f"#NPOINTS : {n}",
        "#NCOLUMNS : 1",
        f"#XUNITS : {unit}",
        "#DATATYPE : XY",
        "#SPECTRUM :",
    ]
    lines += [f"{step * i:g}, 1" for i in range(n)] + ["#ENDOFDATA :"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("unit", "step", "gain"), [("keV", 0.25, 0.25), ("eV", 10.0, 0.01)])
def test_an_energy_axis_keeps_the_unit_its_file_names(tmp_path, unit, step, gain):
    """An HDF5 energy vector with units "keV" and an EMSA file with #XUNITS keV whose axis ends
    past 200 were read 1000 times too low (gain 0.00025): the named unit was applied, then the
    values' "eV above 200" rule scaled them again. (060b3d6 fixed the same in read_csv.)"""
    import h5py
    import numpy as np

    from xrf_napari.io import read_cube, read_spectrum

    n = 1025
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f["data"] = np.ones((2, 2, n), "u2")
        f.create_dataset("energy", data=step * np.arange(n)).attrs["units"] = unit
    cube = read_cube(tmp_path / "a.h5", auto_calibrate=False)
    assert cube.calibration.gain == pytest.approx(gain)
    spectrum = read_spectrum(_msa(tmp_path / "a.msa", n, step, unit))
    assert spectrum.calibration.gain == pytest.approx(gain)
