"""Session 44 walkthrough of the readers as a new user meets them (runs44/walk44): a spectrum
CSV whose header quotes a name holding the separator."""

import csv

import numpy as np
import pytest

from xrf_napari._reader import napari_get_reader
from xrf_napari.io import read_spectrum


def _quoted_csv(path, energy, counts, names=("Energy, keV", "Counts")):
    """A spectrum table as a spreadsheet or pandas saves it: a header name holding a comma is
    quoted (csv.QUOTE_MINIMAL), the numbers are not."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(names)
        writer.writerows(zip(energy, counts))
    return path


# -- a quoted header name ------------------------------------------------------------------------
def test_a_quoted_header_name_with_a_comma_is_one_column(tmp_path):
    # Before: '"Energy, keV","Counts"' split at every comma into Energy | keV | Counts, and 'keV'
    # was taken for the counts column's name: refused as 'no counts column'.
    energy = np.round(-0.5 + 0.01 * np.arange(200), 4)
    counts = np.arange(200) % 17
    path = _quoted_csv(tmp_path / "spot.csv", energy, counts)
    assert path.read_text(encoding="utf-8").startswith('"Energy, keV",Counts\n')
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, counts)
    assert spec.calibration.source == "file"
    assert spec.calibration.gain == pytest.approx(0.01)
    assert spec.calibration.offset == pytest.approx(-0.5)
    assert callable(napari_get_reader(str(path)))  # a spectrum: claimed in napari


def test_a_quoted_curve_name_in_a_wide_table_keeps_its_columns(tmp_path):
    # Before: the three columns' header read as four names ('pixel y=0' and 'x=1"'), so the table
    # was 'a spectrum CSV needs one column (counts) or two (energy, counts) ...'.
    energy = 1.0 + 0.02 * np.arange(100)
    mean, pixel = np.arange(100) % 9, np.arange(100) % 5
    path = tmp_path / "spectra.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["energy_keV", "mean", "pixel y=0, x=1"])
        writer.writerows(zip(energy, mean, pixel))
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, mean)  # the first curve, as the guide says
    assert spec.metadata["column"] == "mean"


def test_a_doubled_quote_and_unpaired_quotes(tmp_path):
    """Guard (passes before and after): a quoted name with a doubled quote is one name, and a
    header whose quotes do not pair is split at every separator as before."""
    energy = 2.0 + 0.01 * np.arange(80)
    counts = np.arange(80) % 7
    path = _quoted_csv(tmp_path / "q.csv", energy, counts, names=('Energy "E" (keV)', "Counts"))
    assert read_spectrum(path).calibration.source == "file"
    # a stray quote (pairs with nothing) splits as before: two names, the second the counts
    lines = [f"{e:.2f},{c}" for e, c in zip(energy, counts)]
    odd = tmp_path / "odd.csv"
    odd.write_text('energy 5",counts\n' + "\n".join(lines) + "\n", encoding="utf-8")
    np.testing.assert_array_equal(read_spectrum(odd).counts, counts)


def test_the_real_mca_saved_as_a_quoted_table_reopens_with_its_counts(real_data, tmp_path):
    """The real PyMca spectrum, saved as a spreadsheet would with its energy column named
    'Energy, keV', opens with the same counts on that energy axis."""
    spec = read_spectrum(real_data / "pymca_XRFSpectrum.mca")
    energy = np.round(0.005 * np.arange(len(spec.counts)) - 0.4, 6)
    path = _quoted_csv(tmp_path / "pymca.csv", energy, spec.counts.astype(int))
    back = read_spectrum(path)  # read_cube's calibration check would fit the peaks: seconds
    np.testing.assert_array_equal(back.counts, spec.counts)
    assert back.calibration.gain == pytest.approx(0.005)
    assert back.calibration.offset == pytest.approx(-0.4)
