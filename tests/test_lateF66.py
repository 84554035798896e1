"""Session 66, lateF66: tube_guess's spill width tied to pigment_fit's grid; recolour -o SCAN."""

import pytest


def test_tube_guess_spill_width_is_the_top_of_pigment_fits_grid():
    """A guard: tube_guess.SPILL_FWHM_EV is the widest of pigment_fit.FWHM_GRID (both read
    physics.detector.FWHM_GRID since f212e725); the two must not drift."""
    from xrf_napari.analysis.pigment_fit import FWHM_GRID
    from xrf_napari.analysis.tube_guess import SPILL_FWHM_EV

    assert SPILL_FWHM_EV == max(FWHM_GRID)


@pytest.mark.parametrize("option", ["-o", "--output"])
def test_recolour_output_naming_the_input_scan_says_so(option, tmp_path, capsys):
    """`recolour SCAN.h5 -o SCAN.h5` was refused only as "must end in .png, .tif or .tiff" (the
    suffix check comes before check_outputs): it says now that it is the input scan."""
    from _cli_models import write_toy_scan

    from xrf_napari.cli.main import main

    scan = tmp_path / "scan.h5"
    write_toy_scan(scan, 6, 5, 2)
    before = scan.read_bytes()
    assert main(["recolour", str(scan), option, str(scan)]) == 2
    err = capsys.readouterr().err
    assert f"error: {option} {scan}: is the input scan" in err, err
    assert "must end in .png, .tif or .tiff" in err, err
    assert scan.read_bytes() == before
