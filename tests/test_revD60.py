"""Review of session 60's dock commits (revD60): a wide CSV table refused is not said to be
read."""

import warnings

import pytest


def test_a_wide_table_refused_is_not_said_to_be_read(tmp_path):
    """a36920e7 warned "only its first, 'region_1_mean', is read" of a table of region curves
    before its energy column was checked: a table whose energies run backwards (rows sorted by
    a spreadsheet) was refused and said to be read in the same breath. The curves left out are
    named once the first is read; a table read says so still."""
    from xrf_napari.errors import CubeReadError, FileWarning
    from xrf_napari.io.spectra import read_csv

    header = "energy_keV,region_1_mean,region_2_mean\n"
    rows = [f"{1 + 0.05 * i:.3f},{i % 7},{i % 5}" for i in range(40)]
    backwards = tmp_path / "region_spectra.csv"
    shuffled = rows[1::2] + rows[0::2]  # not in order (reversed rows are read rising)
    backwards.write_text(header + "\n".join(shuffled) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CubeReadError, match="must be finite and strictly increasing"):
            read_csv(backwards)
    assert [str(w.message) for w in caught if issubclass(w.category, FileWarning)] == []

    backwards.write_text(header + "\n".join(rows) + "\n")
    with pytest.warns(FileWarning, match="'region_2_mean' is not"):
        assert read_csv(backwards).metadata["column"] == "region_1_mean"
