"""Session 39 reader fixes: EMSA spectra without #XUNITS (the numbers decide keV or eV), every
value of an EMSA data line read, live times of 4-D per-detector-element HDF5 cubes (the
elements' mean, also for APS XRF-Maps), and 4-D line scans whose element axis is unambiguous."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_spectrum

COUNTS = np.random.default_rng(39).integers(0, 500, size=4096)


def _msa(path, xperchan, offset, xunits=None, counts=COUNTS, datatype="Y", extra=""):
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n"
        f"#NPOINTS     : {counts.size}\n#NCOLUMNS    : 1\n"
        + (f"#XUNITS      : {xunits}\n" if xunits is not None else "")
        + f"#XPERCHAN    : {xperchan}\n#OFFSET      : {offset}\n{extra}"
        + f"#DATATYPE    : {datatype}\n#SPECTRUM    :\n"
    )
    if datatype == "Y":
        body = "\n".join(f"{c}," for c in counts)
    else:
        e = offset + xperchan * np.arange(counts.size)
        body = "\n".join(f"{a:.5f}, {c}" for a, c in zip(e, counts))
    path.write_text(head + body + "\n#ENDOFDATA   :\n", encoding="utf-8")
    return path


# -- 1. EMSA without #XUNITS ---------------------------------------------------------------------
@pytest.mark.parametrize("datatype", ["Y", "XY"])
def test_emsa_without_xunits_in_kev_is_read_in_kev(tmp_path, datatype):
    """XPERCHAN 0.01, OFFSET -0.95 with no #XUNITS (optional in the standard): keV, as the axis
    ends at 40 (0.04 keV read as eV). It was taken for eV: the spectrum 1000x too low."""
    sp = read_spectrum(_msa(tmp_path / "k.msa", 0.01, -0.95, datatype=datatype))
    np.testing.assert_array_equal(sp.counts, COUNTS)
    assert sp.calibration.gain == pytest.approx(0.01, rel=1e-6)
    assert sp.calibration.offset == pytest.approx(-0.95, abs=1e-6)
    assert sp.metadata["xunits_inferred"] == "kev"


@pytest.mark.parametrize("datatype", ["Y", "XY"])
def test_emsa_without_xunits_in_ev_stays_ev(tmp_path, datatype):
    sp = read_spectrum(_msa(tmp_path / "e.msa", 10.0, -950.0, datatype=datatype))
    assert sp.calibration.gain == pytest.approx(0.01, rel=1e-6)
    assert sp.calibration.offset == pytest.approx(-0.95, abs=1e-6)
    assert sp.metadata["xunits_inferred"] == "ev"


@pytest.mark.parametrize("xperchan", [0.2, 2e-5])  # ends at 819 (eV: 0.8 keV), at 0.08 (keV)
def test_emsa_without_xunits_fitting_neither_unit_is_refused_naming_the_values(tmp_path, xperchan):
    with pytest.raises(CubeReadError) as err:
        read_spectrum(_msa(tmp_path / "odd.msa", xperchan, 0.0))
    msg = str(err.value)
    assert "odd.msa" in msg and "no #XUNITS" in msg and f"#XPERCHAN {xperchan:g}" in msg
    assert "#XUNITS : keV" in msg


def test_explicit_xunits_stays_authoritative(tmp_path):
    """'#XUNITS: eV' over numbers that look like keV is taken at its word (the calibration's
    plausibility check, not the reader, judges it)."""
    sp = read_spectrum(_msa(tmp_path / "x.msa", 0.01, -0.95, xunits="eV"))
    assert sp.calibration.gain == pytest.approx(1e-5)
    assert "xunits_inferred" not in sp.metadata
    sp = read_spectrum(_msa(tmp_path / "y.msa", 10.0, 0.0, xunits="keV", counts=COUNTS[:8]))
    assert sp.calibration.gain == pytest.approx(10.0)


def test_emsa_unit_suffix_on_xperchan_names_the_unit(tmp_path):
    """ISO 22029 '#XPERCHAN -keV: 0.01' says its unit on the keyword (it was read as eV)."""
    p = _msa(tmp_path / "s.msa", 0.01, -0.95)
    p.write_text(
        p.read_text(encoding="utf-8").replace("#XPERCHAN    : 0.01", "#XPERCHAN -keV: 0.01"),
        encoding="utf-8",
    )
    sp = read_spectrum(p)
    assert sp.calibration.gain == pytest.approx(0.01)
    assert "xunits_inferred" not in sp.metadata  # the keyword's unit, not the numbers, decided


def test_emsa_y_lines_wider_than_ncolumns_lose_no_counts(tmp_path):
    """'#NCOLUMNS : 1' over lines of four counts (a writer's wrong NCOLUMNS, no NPOINTS): three
    of every four counts were dropped silently."""
    rows = [", ".join(str(v) for v in COUNTS[i : i + 4]) for i in range(0, 1024, 4)]
    p = tmp_path / "w.msa"
    p.write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#NCOLUMNS : 1\n#XUNITS : keV\n#XPERCHAN : 0.02\n"
        "#OFFSET : 0\n#DATATYPE : Y\n#SPECTRUM :\n" + "\n".join(rows) + "\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    np.testing.assert_array_equal(read_spectrum(p).counts, COUNTS[:1024])


def test_emsa_xy_lines_of_two_pairs_lose_no_counts(tmp_path):
    """HyperSpy reads (and some writers write) two x, y pairs a line with NCOLUMNS 2; the
    second pair of every line was dropped."""
    e = 0.02 * np.arange(1024)
    rows = [f"{e[i]:.3f}, {COUNTS[i]}, {e[i + 1]:.3f}, {COUNTS[i + 1]}" for i in range(0, 1024, 2)]
    p = tmp_path / "xy.msa"
    p.write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#NPOINTS : 1024\n#NCOLUMNS : 2\n#XUNITS : keV\n"
        "#DATATYPE : XY\n#SPECTRUM :\n" + "\n".join(rows) + "\n#ENDOFDATA :\n",
        encoding="utf-8",
    )
    sp = read_spectrum(p)
    np.testing.assert_array_equal(sp.counts, COUNTS[:1024])
    assert sp.calibration.gain == pytest.approx(0.02)
