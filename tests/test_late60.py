"""Session 60, helper late60: a long-format spectra table read back, a non-numeric column named,
a PNG named .tif named as one by the cube reader, pigment_fit.choose_ground removed."""

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError


def test_a_long_spectra_table_reads_its_first_curve(tmp_path):
    """save_spectra_csv writes `curve,energy_keV,value` rows when the curves' energy axes
    differ; read_csv refused it as 'holds no lines of values, only its header (b, 2.45, ...)'."""
    from xrf_napari.analysis.export import save_spectra_csv
    from xrf_napari.io.spectra import read_csv

    path = save_spectra_csv(
        tmp_path / "long.csv",
        {
            "b": (np.linspace(1, 20, 50), np.arange(50.0)),
            "c": (np.linspace(2, 21, 40), np.ones(40)),
        },
    )
    with pytest.warns(UserWarning, match=r"2 curves: only its first, 'b', is read.*'c' is not"):
        spectrum = read_csv(path)
    assert np.array_equal(spectrum.counts, np.arange(50))
    assert spectrum.calibration.offset == pytest.approx(1.0)
    assert spectrum.calibration.gain == pytest.approx(19 / 49)


def test_a_non_numeric_column_is_named(tmp_path):
    """`energy,mean,note` with text in the note column: each line had replaced the 'header' and
    the file was said to hold only its header, naming its last line."""
    from xrf_napari.io.spectra import read_csv

    path = tmp_path / "note.csv"
    path.write_text("energy,mean,note\n1.0,5,abc\n1.1,6,def\n", encoding="utf-8")
    with pytest.raises(
        CubeReadError, match=r"column 3 \('note'\) is not numeric \(line 2: 'abc'\)"
    ):
        read_csv(path)


def test_a_png_named_tif_is_named_by_the_cube_reader(tmp_path):
    """read_cube told a PNG named .tif only 'it does not start with a TIFF's II/MM byte-order
    mark'; recolour's output check (not_a_picture) already named it."""
    from PIL import Image

    from xrf_napari.io import read_cube

    path = tmp_path / "scan.tif"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, format="PNG")
    with pytest.raises(CubeReadError, match=r"not a TIFF file \(it is a PNG image named \.tif\)"):
        read_cube(path)


def test_choose_ground_is_gone():
    """pigment_fit.choose_ground had no caller (the fit runs iter_choose_ground)."""
    from xrf_napari.analysis import pigment_fit

    assert not hasattr(pigment_fit, "choose_ground")
    assert hasattr(pigment_fit, "iter_choose_ground")
