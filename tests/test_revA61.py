"""Review of session 61's readers, HDF5 worker and CLI commits (revA61)."""

import pytest

#: An EMSA/MSA spectrum of XY data lines ("energy, counts"), as DTSA-II or an EDS program writes.
_EMSA = (
    "#FORMAT      : EMSA/MAS Spectral Data File\n#VERSION     : 1.0\n#NPOINTS     : 4\n"
    "#NCOLUMNS    : 1\n#XUNITS      : keV\n#XPERCHAN    : 0.01\n#OFFSET      : 0.0\n"
    "#DATATYPE    : XY\n#SPECTRUM    :\n0.00, 1\n0.01, 2\n0.02, 3\n0.03, 4\n#ENDOFDATA   :\n"
)


@pytest.mark.parametrize("suffix", [".csv", ".mca"])
def test_an_emsa_spectrum_named_csv_or_mca_is_still_read(tmp_path, suffix):
    """An EMSA spectrum saved as .csv or .mca read as its XY columns until 5325375, whose test
    of what a text file is (io.limits.text_format) refused it before its reading: 'not a
    spectrum table: it is an EMSA/MSA spectrum: rename it .msa'. Those two readers read an
    EMSA's data lines, so it is read as before. Fails on the parent: refused."""
    from xrf_napari.io import read_spectrum

    path = tmp_path / f"spectrum{suffix}"
    path.write_text(_EMSA, encoding="utf-8")
    assert read_spectrum(path).counts.tolist() == [1, 2, 3, 4]
