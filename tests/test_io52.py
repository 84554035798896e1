"""Session 52, readers: text spectra's calibrations follow the unit rule of every reader; a
calibration that cannot be one is refused in one message."""

import json
import warnings

import numpy as np
import pytest
from test_io_ripple import write_ripple

from xrf_napari.io import read_cube

COUNTS = np.random.default_rng(52).poisson(3, 64) + 1


def _mca(path, cal: str):
    path.write_text(f"#@CALIB {cal}\n@A {' '.join(map(str, COUNTS))}\n", encoding="utf-8")
    return path


def _spe(path, section: str):
    counts = "\n".join(map(str, COUNTS))
    text = f"$SPEC_ID:\nx\n$DATA:\n0 {COUNTS.size - 1}\n{counts}\n{section}"
    path.write_text(text, encoding="utf-8")
    return path


def _amptek(path, block: str):
    counts = "\n".join(map(str, COUNTS))
    text = f"<<PMCA SPECTRUM>>\n<<CALIBRATION>>\n{block}<<DATA>>\n{counts}\n<<END>>\n"
    path.write_text(text, encoding="utf-8")
    return path


EV_FILES = {
    "mca #@CALIB": lambda p: _mca(p / "s.mca", "-50 10 0"),
    "spe $ENER_FIT": lambda p: _spe(p / "s.spe", "$ENER_FIT:\n-50 10\n"),
    "spe $MCA_CAL": lambda p: _spe(p / "s.spe", "$MCA_CAL:\n2\n-50 10\n"),
    "amptek without LABEL": lambda p: _amptek(p / "s.mca", "0 -50\n100 950\n"),
}


@pytest.mark.parametrize("kind", EV_FILES)
def test_a_text_spectrum_calibration_without_unit_in_ev_reads_in_ev(tmp_path, kind):
    """An instrument's #@CALIB (or SPE, Amptek) offset -50, gain 10 naming no unit is eV, as the
    same numbers in HDF5, zarr, sidecar and ripple attributes are (calibration.unitless_unit):
    read as 10 keV/channel, it was dropped as implausible and the spectrum auto-calibrated."""
    path = EV_FILES[kind](tmp_path)
    with pytest.warns(UserWarning, match="name no energy unit: read in eV") as told:
        cube = read_cube(path, auto_calibrate=False)
    assert all("implausible" not in str(w.message) for w in told)
    assert all(str(w.message).startswith(f"{path}: ") for w in told)
    cal = cube.calibration
    assert (cal.source, cal.offset, cal.gain) == ("file", pytest.approx(-0.05), pytest.approx(0.01))


@pytest.mark.parametrize(
    "make",
    [
        lambda p: _mca(p / "s.mca", "-0.05 0.01 0"),
        lambda p: _spe(p / "s.spe", "$ENER_FIT:\n-0.05 0.01\n"),
        lambda p: _spe(p / "s.spe", "$MCA_CAL:\n2\n-50 10 eV\n"),
        lambda p: _amptek(p / "s.mca", "LABEL - keV\n0 -0.05\n100 0.95\n"),
    ],
    ids=["mca keV", "spe $ENER_FIT keV", "spe $MCA_CAL eV named", "amptek LABEL keV"],
)
def test_a_text_spectrum_calibration_in_kev_or_named_unit_is_read_untold(tmp_path, make):
    """A guard: PyMca's keV #@CALIB (gain under 1) and a calibration naming its unit read as
    before, without a warning."""
    path = make(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.05, 0.01))


def _sidecar(path):
    np.save(path, np.ones((2, 2, 64), np.uint16))
    side = {"offset": 20000, "gain": -10}
    path.with_suffix(".json").write_text(json.dumps(side), encoding="utf-8")
    return path.with_suffix(".json")


def _rpl(path):
    counts = np.ones((2, 2, 64), np.uint16)
    return write_ripple(path.parent, counts, extra="depth-scale\t-10\ndepth-origin\t20000\n")


NEGATIVE = {
    "sidecar": lambda p: (_sidecar(p / "s.npy"), p / "s.npy"),
    "ripple": lambda p: (_rpl(p / "scan.rpl"),) * 2,
    "mca #@CALIB": lambda p: (_mca(p / "s.mca", "20000 -10 0"),) * 2,
    "spe $ENER_FIT": lambda p: (_spe(p / "s.spe", "$ENER_FIT:\n20000 -10\n"),) * 2,
    "amptek points": lambda p: (_amptek(p / "s.mca", "LABEL - eV\n100 9500\n1000 500\n"),) * 2,
}


@pytest.mark.parametrize("kind", NEGATIVE)
def test_a_negative_gain_naming_no_unit_is_refused_in_one_message(tmp_path, kind):
    """A gain of -10 naming no unit was said "read in eV" and then refused (sidecar, ripple): two
    messages contradicting each other; a text spectrum's was dropped without a word. One warning
    now, naming the file, says the gain is not positive, and the calibration is set aside."""
    named, path = NEGATIVE[kind](tmp_path)
    with pytest.warns(UserWarning) as told:
        cube = read_cube(path, auto_calibrate=False)
    said = [str(w.message) for w in told]
    assert len(said) == 1, said
    assert said[0].startswith(f"{named}: ") and "-10" in said[0] and "not positive" in said[0]
    assert "read in eV" not in said[0]
    assert "99999" not in said[0] and "00000" not in said[0]  # the values as a user wrote them
    assert cube.calibration.source == "none"


# -- the zarr sample cap: the check's sample is not thinned for stores of several-row chunks ------
def test_a_capped_zarr_sample_reads_the_other_rows_of_the_chunks_it_decodes(tmp_path, monkeypatch):
    """The cap on the chunks a zarr store's opening sample reads (79c0030, ZARR_SAMPLE_CHUNKS) cut
    the columns of each sampled row, also for a store chunked over 8 rows, whose chunks hold 8
    times the pixels read: the calibration check then saw 480 of the 3,072 pixels it saw uncapped
    (a 256 x 256 x 1024 store in (8, 8, 128) chunks) and kept a calibration 12 % off on a
    low-count scan (/work/runs52/io52/zcap.py). The other rows of those chunks are read now: as
    many chunks, no fewer pixels than uncapped."""
    import zarr
    from test_zarr52 import _counted_store

    from xrf_napari.errors import check_counts_sample

    path, read = _counted_store(tmp_path, monkeypatch, fill=1)
    arr = zarr.open_array(str(path), mode="r")
    total, _ = check_counts_sample(arr, path, max_chunks=24)
    assert len(read) <= 24, len(read)
    assert total[0] >= 12 * 64, total[0]  # pixels (all ones): 12 whole rows' worth at least
    bad = zarr.open_array(str(path), mode="r+")
    bad[45, 3, 5] = 2**16 - 1  # a row of the chunks read, not one of the 12 sampled rows
    arr = zarr.open_array(str(path), mode="r")
    total, peak = check_counts_sample(arr, path, max_chunks=24)
    assert peak[5] == 2**16 - 1


def test_sampled_rows_sharing_a_chunk_row_share_one_band_of_their_rows(tmp_path):
    """12 sampled rows of a 96-row store in 32-row chunks lie 4 to a chunk row; 3e1db52 gave each
    chunk row the band of one sampled row and dropped the other three (a (64, 64, 64) store of a
    256-row scan: 2,560 pixels where 7,680 fit the bytes, and a wrong calibration kept at 2 %
    counts, /work/runs52/io52/zcap2b.out). The band is as long as their shares together."""
    import zarr

    from xrf_napari.errors import check_counts_sample

    path = tmp_path / "s.zarr"
    arr = zarr.open_array(str(path), mode="w", shape=(96, 64, 16), chunks=(32, 8, 16), dtype="u2")
    arr[:] = 1
    whole_rows = 12 * 64 * 16 * 2  # bytes: the uncapped sample is 12 whole rows, 768 pixels
    total, _ = check_counts_sample(arr, path, max_bytes=whole_rows, max_chunks=24)
    assert total[0] >= 12 * 64, total[0]


# -- a PyMca single column cut inside its last value -----------------------------------------------
def test_a_pymca_column_cut_inside_its_last_value_is_told_and_that_value_left_out(tmp_path):
    """PyMca writes counts as `%.7E` lines, all 14 characters; a copy cut inside the last one
    ("2.2" of "2.2000000E+01", as a 97 % copy of pymca_XRFSpectrum.mca ends) had read as 2.2
    counts where there were 22, the spectrum turned to floats, without a word (such a file
    declares no length). The cut is told, naming the file, and the cut value left out."""
    counts = np.arange(40) % 9 + 20
    text = "# PyMca\n" + "".join(f"{c:.7E}\n" for c in counts)
    path = tmp_path / "s.mca"
    path.write_text(text[: -len("00000E+01\n")], encoding="utf-8")  # "2x." of the last
    with pytest.warns(UserWarning, match="looks cut short inside that value") as told:
        cube = read_cube(path, auto_calibrate=False)
    assert str(told[0].message).startswith(f"{path}: ")
    assert cube.dtype.kind == "i"
    np.testing.assert_array_equal(cube.data[0, 0], counts[:-1])
    path.write_text(text.rstrip("\n"), encoding="utf-8")  # whole, only the newline missing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(read_cube(path, auto_calibrate=False).data[0, 0], counts)


# -- a Bruker .spx cut short ---------------------------------------------------------------------
SPX = (
    "<?xml version='1.0'?>\n<TRTSpectrum>\n<ClassInstance Type='TRTSpectrum'>\n"
    "<ClassInstance Type='TRTSpectrumHeader'>\n<CalibAbs>-0.95</CalibAbs>\n"
    "<CalibLin>0.01</CalibLin>\n</ClassInstance>\n"
    f"<Channels>{','.join(map(str, COUNTS))}</Channels>\n</ClassInstance>\n</TRTSpectrum>\n"
)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.97])
def test_a_spx_cut_short_is_said_to_be_cut_short(tmp_path, keep):
    """A copy of the real M6 .spx cut at 5, 50 or 97 % of its bytes was refused as "not a valid
    Bruker .spx XML file", as if it were another format; it is said to be cut short now."""
    from xrf_napari.errors import CubeReadError

    path = tmp_path / "s.spx"
    path.write_text(SPX[: int(len(SPX) * keep)], encoding="utf-8")
    with pytest.raises(CubeReadError, match="ends before its XML is complete.*cut short") as err:
        read_cube(path, auto_calibrate=False)
    assert str(err.value).startswith(f"{path}: ")
    path.write_text(SPX.replace("</CalibLin>", "</CalibAbs>"), encoding="utf-8")
    with pytest.raises(CubeReadError, match="not a valid Bruker .spx XML file"):  # a guard
        read_cube(path, auto_calibrate=False)
