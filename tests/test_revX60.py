"""Review across session 60's commits (revX60): what two commits do together."""

import warnings


def test_a_wide_table_is_said_once_when_napari_opens_it(tmp_path):
    """a36920e7's warning of the curves a wide table leaves out was said by napari's claim check
    too (registry._sniff_csv reads the file with read_csv): a region_spectra.csv dropped on
    napari told it twice, at the claim and at the read. The claim says nothing; the read says
    it once."""
    from xrf_napari.errors import FileWarning
    from xrf_napari.io import can_read, read_cube

    table = tmp_path / "region_spectra.csv"
    rows = [f"{1 + 0.05 * i:.3f},{i % 7},{i % 5},{i % 3}" for i in range(40)]
    table.write_text("energy_keV,region_1_mean,region_1_max,region_2_mean\n" + "\n".join(rows))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert can_read(table)  # what napari_get_reader asks
        claimed = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
        assert claimed == []
        assert read_cube(table).metadata["column"] == "region_1_mean"
    said = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    assert len(said) == 1, said
    assert "'region_1_max', 'region_2_mean' are not" in said[0]
