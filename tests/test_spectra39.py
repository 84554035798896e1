"""Session 39 single-spectrum reader fixes: CSV tables with a decimal comma (';' or tab between
columns, ',' as the decimal mark, as a European-locale spreadsheet writes them) and EMSA
`#XUNITS` spelled as real files spell it ("Energy (keV)", "KEV", "eV.", "electron volts")."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_spectrum

COUNTS = np.random.default_rng(392).integers(0, 500, size=256)
GAIN_KEV = 0.01


def _comma(x: float, fmt: str) -> str:
    return format(x, fmt).replace(".", ",")


def _table(path, header, sep, energies, counts, efmt=".3f", cfmt=".1f"):
    lines = [header] if header else []
    lines += [f"{_comma(e, efmt)}{sep}{_comma(c, cfmt)}" for e, c in zip(energies, counts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- 1. decimal comma CSV -------------------------------------------------------------------------
@pytest.mark.parametrize("sep", [";", "\t", " ; "])
@pytest.mark.parametrize(
    "header, scale",
    [("energy;counts", 1.0), ("Energy (keV);Counts", 1.0), ("Energie (eV);Zählrate", 1e3)],
)
def test_decimal_comma_energy_counts(tmp_path, sep, header, scale):
    """`0,010;12,0`: energy 0.010 keV (or 10 eV under an eV header), counts 12; had been split at
    every ',' too (four values a line) and refused as "needs one column or two"."""
    energies = (0.01 + GAIN_KEV * np.arange(COUNTS.size)) * scale
    header = header.replace(";", sep.strip() or sep)
    path = _table(tmp_path / "euro.csv", header, sep, energies, COUNTS)
    s = read_spectrum(path)
    np.testing.assert_array_equal(s.counts, COUNTS)
    np.testing.assert_allclose(s.energy, energies / scale, atol=1e-6)


def test_decimal_comma_no_header_integer_counts(tmp_path):
    """`1,23;45` lines without a header: energy 1.23 keV, counts 45 (not 1, 23, 45)."""
    energies = 1.0 + GAIN_KEV * np.arange(COUNTS.size)
    path = _table(tmp_path / "bare.csv", None, ";", energies, COUNTS, ".2f", ".0f")
    s = read_spectrum(path)
    np.testing.assert_array_equal(s.counts, COUNTS)
    np.testing.assert_allclose(s.energy, energies, atol=1e-6)


def test_decimal_comma_channel_counts(tmp_path):
    """`channel;counts` over `5;12,5`: channel numbers from 5, fractional counts 12.5."""
    counts = COUNTS + 0.5
    lines = ["channel;counts"] + [f"{i + 5};{_comma(c, '.1f')}" for i, c in enumerate(counts)]
    path = tmp_path / "chan.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    s = read_spectrum(path)
    np.testing.assert_allclose(s.counts, counts)
    assert s.metadata["first_channel"] == 5


@pytest.mark.parametrize(
    "line, value",
    [
        ("1.234,5;12", "1.234,5"),  # '.' as a thousands separator: 1.2345 or 1234.5?
        ("1,2,3;4", "1,2,3"),
        ("0.5;2,5", "0.5"),  # both marks in one table
    ],
)
def test_ambiguous_decimal_comma_refused(tmp_path, line, value):
    """A ';' table whose values hold ',' but do not read as one decimal comma each is refused,
    naming the file, the line and the decimal comma, not guessed."""
    path = tmp_path / "mixed.csv"
    path.write_text("energy;counts\n0,5;3\n" + line + "\n0,7;4\n", encoding="utf-8")
    with pytest.raises(CubeReadError) as err:
        read_spectrum(path)
    msg = str(err.value)
    assert "mixed.csv" in msg and "decimal comma" in msg and value in msg and "line 3" in msg


def test_comma_separated_files_unchanged(tmp_path):
    """A plain ',' table (`1.23,45`) is still energy, counts; `1,23,45` is still three columns
    (refused as before), never read with a decimal comma."""
    energies = 1.0 + GAIN_KEV * np.arange(COUNTS.size)
    path = tmp_path / "plain.csv"
    path.write_text(
        "energy,counts\n" + "".join(f"{e:.2f},{c}\n" for e, c in zip(energies, COUNTS)),
        encoding="utf-8",
    )
    s = read_spectrum(path)
    np.testing.assert_array_equal(s.counts, COUNTS)
    np.testing.assert_allclose(s.energy, energies, atol=1e-6)
    three = tmp_path / "three.csv"
    three.write_text("".join(f"1,{i},{c}\n" for i, c in enumerate(COUNTS)), encoding="utf-8")
    with pytest.raises(CubeReadError, match="one column"):
        read_spectrum(three)


def test_semicolon_with_decimal_points_unchanged(tmp_path):
    """`0.01;12` (';' between columns, '.' decimals) reads as before."""
    energies = 0.01 + GAIN_KEV * np.arange(COUNTS.size)
    path = tmp_path / "semi.csv"
    path.write_text(
        "energy;counts\n" + "".join(f"{e:.2f};{c}\n" for e, c in zip(energies, COUNTS)),
        encoding="utf-8",
    )
    s = read_spectrum(path)
    np.testing.assert_array_equal(s.counts, COUNTS)
    np.testing.assert_allclose(s.energy, energies, atol=1e-6)


# -- 2. EMSA #XUNITS spellings ------------------------------------------------------------------
def _msa(path, xunits, xperchan, offset=0.0):
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n"
        f"#NPOINTS     : {COUNTS.size}\n#NCOLUMNS    : 1\n#XUNITS      : {xunits}\n"
        f"#XPERCHAN    : {xperchan}\n#OFFSET      : {offset}\n#DATATYPE    : Y\n#SPECTRUM    :\n"
    )
    path.write_text(
        head + "".join(f"{c},\n" for c in COUNTS) + "#ENDOFDATA   :\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "xunits, xperchan",
    [
        ("Energy (keV)", 0.02),
        ("keV ", 0.02),
        ("KEV", 0.02),
        ("eV.", 20.0),
        ("electron volts", 20.0),
        ("Energy [eV]", 20.0),
        ("kiloelectron volts", 0.02),
    ],
)
def test_msa_xunits_spellings(tmp_path, xunits, xperchan):
    """The unit word inside the field decides: 20 eV/channel and 0.02 keV/channel are one axis.
    Each of these spellings had been refused as unsupported."""
    s = read_spectrum(_msa(tmp_path / "x.msa", xunits, xperchan))
    np.testing.assert_allclose(s.energy[:3], [0.0, 0.02, 0.04], atol=1e-9)
    np.testing.assert_array_equal(s.counts, COUNTS)


@pytest.mark.parametrize("xunits", ["MeV", "nm", "Energy", "channel", "eV or keV", "keV x 1000"])
def test_msa_xunits_unknown_sets_the_axis_aside(tmp_path, xunits):
    """Not guessed: the axis is set aside with a warning naming the file and the field, and
    the counts open uncalibrated, as in every format (it had refused the spectrum)."""
    path = _msa(tmp_path / "odd.msa", xunits, 0.02)
    with pytest.warns(UserWarning, match="unknown energy units .* in #XUNITS") as told:
        s = read_spectrum(path)
    assert str(path) in str(told[0].message) and s.calibration.source == "none"
    np.testing.assert_array_equal(s.counts, COUNTS)
