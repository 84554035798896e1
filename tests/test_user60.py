"""What a conservator meets on first use (session 60): saving a result and opening it again, two
scans open, a dock run twice."""

import warnings

import pytest


def test_a_table_of_region_spectra_opened_again_names_the_curves_left_out(tmp_path):
    """The Pigments report's region_spectra.csv dropped into napari opened as region 1's mean
    alone (22 curves of 11 regions on the bundled panel), without a word about the others: a
    warning names the file and the curves not read. A table of one curve says nothing."""
    from xrf_napari.errors import FileWarning
    from xrf_napari.io.spectra import read_csv

    rows = "\n".join(f"{1 + 0.05 * i:.3f},{i % 7},{i % 5},{i % 3}" for i in range(40))
    wide = tmp_path / "region_spectra.csv"
    wide.write_text("energy_keV,region_1_mean,region_1_best_fit,region_2_mean\n" + rows + "\n")
    with pytest.warns(FileWarning) as caught:
        spectrum = read_csv(wide)
    assert spectrum.metadata["column"] == "region_1_mean"
    said = " ".join(str(w.message) for w in caught)
    assert str(wide) in said and "3 curves" in said
    assert "'region_1_best_fit', 'region_2_mean'" in said

    one = tmp_path / "one.csv"
    one.write_text("energy_keV,mean\n" + "\n".join(r.rsplit(",", 2)[0] for r in rows.split("\n")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_csv(one)
