"""Session 67, lateA67: a spectrum's (energy, counts) pairs written from the highest energy down
(.mca pairs, EMSA XY, CSV) are read in rising order."""

import warnings

import numpy as np
import pytest

from xrf_napari.errors import FileWarning
from xrf_napari.io import read_cube, read_spectrum

EMSA_HEAD = (
    "#FORMAT : EMSA/MAS Spectral Data File\n#VERSION : 1.0\n#TITLE : t\n#NPOINTS : {n}\n"
    "#NCOLUMNS : 1\n#XUNITS : keV\n#DATATYPE : XY\n#SPECTRUM :\n"
)


def _write(path, energies, counts):
    """energies and counts as pairs in path's format, in the order given."""
    pairs = list(zip(energies, counts, strict=True))
    if path.suffix == ".mca":
        path.write_text("".join(f"{e:.5f} {int(c)}\n" for e, c in pairs), encoding="utf-8")
    elif path.suffix == ".msa":
        body = "".join(f"{e:.5f}, {int(c)}\n" for e, c in pairs)
        path.write_text(EMSA_HEAD.format(n=len(pairs)) + body + "#ENDOFDATA :\n", "utf-8")
    else:
        body = "".join(f"{e:.5f},{int(c)}\n" for e, c in pairs)
        path.write_text("energy_keV,counts\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".mca", ".msa", ".csv"])
def test_the_real_spx_spectrum_as_pairs_highest_first_reads_as_rising(real_data, tmp_path, suffix):
    """The real M6 .spx's spectrum (0.2-20.2 keV, 2000 channels) written as pairs from the
    highest energy down: its axis had been set aside as "falls ... highest energy first" (the
    CSV refused), its counts kept in file order, reversed against the channels, and automatic
    calibration then failed ("explains only 1 peaks"). Now the pairs are read in rising order,
    with a warning naming the file: the same calibration and counts as written rising."""
    sp = read_spectrum(real_data / "bruker_m6_jetstream_file_example.spx")
    e, c = sp.energy, np.asarray(sp.counts)
    keep = e > 0.2
    e, c = e[keep][:2000], c[keep][:2000]
    rising = read_cube(_write(tmp_path / f"up{suffix}", e, c))
    down = tmp_path / f"down{suffix}"
    _write(down, e[::-1], c[::-1])
    with pytest.warns(FileWarning) as caught:
        cube = read_cube(down)
    told = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    column = "X column" if suffix == ".msa" else "first column"
    assert told == [
        f"{down}: its {column} lists the energies from the highest down (20.19 to 0.2044): "
        "the (energy, counts) pairs are read in rising order"
    ]
    assert cube.calibration.source == "file"
    assert cube.calibration.offset == pytest.approx(rising.calibration.offset, abs=1e-9)
    assert cube.calibration.gain == pytest.approx(rising.calibration.gain, rel=1e-9)
    np.testing.assert_array_equal(np.asarray(cube.data), np.asarray(rising.data))
    assert "auto_calibration" not in cube.metadata


def test_a_falling_channel_column_reads_its_counts_by_channel(tmp_path):
    """`channel count` pairs from the last channel down are channel numbers read rising (no
    calibration), the counts placed by channel: they had been kept in file order, reversed."""
    path = tmp_path / "ch.mca"
    path.write_text("".join(f"{i} {10 * i}\n" for i in range(63, -1, -1)), encoding="utf-8")
    with pytest.warns(FileWarning, match="read in rising order"):
        spectrum = read_spectrum(path)
    assert spectrum.calibration.source == "none"
    assert spectrum.counts.tolist() == [10 * i for i in range(64)]


@pytest.mark.parametrize("suffix", [".mca", ".msa"])
def test_a_column_not_in_order_or_falling_unevenly_is_still_set_aside(tmp_path, suffix):
    """A guard: a column out of order, or falling unevenly (no detector's axis), is still set
    aside with its counts in file order, and nothing is said to be read in rising order."""
    counts = np.arange(1, 65)
    for energies, said in (
        (np.geomspace(20.0, 0.01, 64), "energy axis falls from 20 to 0.01"),
        (np.r_[np.linspace(0.1, 5.0, 32)[::-1], np.linspace(5.1, 10.0, 32)], "must be finite"),
    ):
        path = _write(tmp_path / f"s{suffix}", energies, counts)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            spectrum = read_spectrum(path)
        told = " ".join(str(w.message) for w in caught)
        assert said in told and "rising order" not in told
        assert spectrum.calibration.source == "none"
        assert spectrum.counts.tolist() == counts.tolist()


@pytest.mark.parametrize("suffix", [".mca", ".msa", ".csv"])
def test_pairs_from_20_kev_down_give_a_rising_calibration(tmp_path, suffix):
    """Without the real files (CI): energies 20 to 0.01 keV down the lines, as the CSV test of
    readers67 writes them, read as 0.01 to 20 keV over the channels, the counts with them."""
    energies, counts = np.linspace(20.0, 0.01, 128), np.arange(128) % 17
    path = _write(tmp_path / f"d{suffix}", energies, counts)
    with pytest.warns(FileWarning, match=r"\(20 to 0.01\).*read in rising order"):
        spectrum = read_spectrum(path)
    np.testing.assert_allclose(spectrum.energy, energies[::-1], atol=1e-5)
    assert spectrum.counts.tolist() == counts[::-1].tolist()
