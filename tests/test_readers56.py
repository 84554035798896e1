"""Session 56, readers and writers: the HDF5 warnings test_warn55 left uncovered, peakfind's
indices, a saved scan's calibration reason through two saves, a .mca cut inside an exponent,
and real files saved by napari's writer and read back."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError, FileWarning
from xrf_napari.io import read_cube


def _said_here(path, words, **kw):
    """The warnings containing `words` that read_cube(path) says, and the line that called it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path, auto_calibrate=False, **kw)
        line = sys._getframe().f_lineno - 1
    return cube, [w for w in caught if words in str(w.message)], line


def _no_look(monkeypatch):
    """Read HDF5 in-process alone (no child process's first look: about 0.5 s a file)."""
    from xrf_napari.io import hdf5

    monkeypatch.setattr(hdf5, "first_look", lambda _p, _d=None: None)


def test_hdf5_indices_beyond_the_spectra_warn_once_at_the_callers_line(tmp_path, monkeypatch):
    """A guard (session 55's closing note: no test covered it): a Crono file whose
    /XRF/SpectraSelectedIndex points past /XRF/Spectra is told once, a FileWarning at the line
    that called read_cube (errors.warn_outside), naming the file; those pixels read as zeros."""
    import h5py

    _no_look(monkeypatch)
    path = tmp_path / "crono.h5"
    with h5py.File(path, "w") as f:
        f["XRF/Spectra"] = np.ones((6, 128), np.uint16)
        f["XRF/SpectraSelectedIndex"] = np.array([[0, 1, 2], [3, 4, 9]])
    cube, said, line = _said_here(path, "point at or beyond the 6 spectra")
    assert len(said) == 1, [str(w.message) for w in said]
    assert (said[0].filename, said[0].lineno) == (__file__, line)
    assert issubclass(said[0].category, FileWarning) and str(path) in str(said[0].message)
    assert cube.metadata["index_note"].startswith("1 of 6 pixels")
    assert np.asarray(cube.data[1, 2]).sum() == 0 and np.asarray(cube.data[1, 1]).sum() == 128


def test_hdf5_first_look_without_a_child_warns_once_at_the_callers_line(tmp_path, monkeypatch):
    """A guard (session 55's closing note: no test covered its location): when no child
    process can be started for an HDF5 file's first look, the file is read without it, with one
    FileWarning at the line that called read_cube naming the file and the installation's fault."""
    from test_hdf5_46b import _plain

    from xrf_napari.io import hdf5_looked

    path = _plain(tmp_path / "scan.h5", 3)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    hdf5_looked.LOOKED.clear()
    cube, said, line = _said_here(path, "read without that first look")
    assert len(said) == 1, [str(w.message) for w in said]
    assert (said[0].filename, said[0].lineno) == (__file__, line)
    assert issubclass(said[0].category, FileWarning)
    assert str(path) in str(said[0].message) and "not of the file" in str(said[0].message)
    assert int(cube.data[0, 0, 0]) == 3


@pytest.mark.parametrize(
    ("peaks", "error", "words"),
    [
        ([-1], ValueError, "peak -1 is not a valid index for `x`"),
        ([3, 9], ValueError, "peak 9 is not a valid index for `x`"),
        ([2.7], TypeError, "integer indices"),
        ([[2]], ValueError, "1-D"),
    ],
)
def test_peakfind_refuses_indices_outside_the_spectrum(peaks, error, words):
    """Fails on the parent: prominences/widths took index -1 for the last sample (prominence 0,
    bases -1) and 2.7 for 2 without a word, and raised numpy's bare IndexError past the end;
    scipy.signal, whose results they give, refuses each. They now refuse them as scipy does."""
    from xrf_napari.analysis import peakfind

    x = np.array([0, 1, 3, 1, 0, 2, 5, 2, 0.0])
    for func in (peakfind.prominences, peakfind.widths):
        with pytest.raises(error, match=words.replace("(", r"\(")):
            func(x, peaks)
    with pytest.raises(ValueError, match="`x` must be a 1-D array"):
        peakfind.prominences(x[None], [2])
    assert peakfind.widths(x, np.array([2, 6], np.uint8)).shape == (2,)  # unsigned indices read
    assert peakfind.prominences(x, [])[0].size == 0


def test_a_saved_scans_calibration_reason_survives_two_saves(tmp_path):
    """Fails on the parent: a scan whose file calibration was set aside, calibrated
    automatically and saved by napari's writer (which moves the read's calibration_note under
    source_notes), opened again said "automatic (saved in the file, fitted when the scan was
    first read)" without why, in the pigment fit's notes and the Spectrum dock's tooltip; saved
    and opened again, the same. Both now give the first read's reason, through both saves."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from xrf_napari.io.project_h5 import write_cube_streamed
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.widgets.spectrum import calibration_origin

    why = "scan.spx: the file's energy calibration is implausible (gain 1.5 keV/channel): ignored"
    cal = Calibration(CANONICAL_E_MIN, CANONICAL_BIN_WIDTH, source="auto")
    cube = cube_from_array(
        np.ones((2, 2, 256), np.float32),
        cal,
        auto_calibration={"anode": "Rh", "residual_ev_rms": 7.0, "matched": ["Ca Ka"]},
        calibration_note=why,
        raw_size_note="a later read's own note",
    )
    for i in range(2):
        out = tmp_path / f"saved{i}.h5"
        write_cube_streamed(out, cube, metadata=_file_metadata(cube))
        cube = read_cube(out, auto_calibrate=False)
        assert "calibration_note" not in cube.metadata  # under source_notes, as designed
        note = calibration_notes(cube, InstrumentProfile(anode="Rh"))[0]
        assert f"fitted when the scan was first read: {why})" in note, (i, note)
        assert calibration_origin(cube)[1].endswith(f"\n{why}"), i
        cube.metadata["other_note"] = f"said by read {i}"  # the next save nests the notes
    # a file's own calibration: no reason looked for under source_notes
    own = cube_from_array(np.ones((2, 2, 256), np.float32), Calibration(0.0, 0.01))
    own.metadata["source_notes"] = {"calibration_note": why}
    assert not calibration_origin(own)[1].endswith(why)


def test_a_mca_cut_inside_an_exponent_is_told_as_cut_not_refused(tmp_path, real_data):
    """Fails on the parent: the real PyMca .mca (counts "%.8E", 14 characters a line) cut
    inside its last value's exponent ("3.00000000E", "-2.5E+") was refused, "unexpected line in
    .mca: '3.00000000E'", where a cut before the exponent ("3.000") is read, the value left out
    with a warning that the file looks cut short (docs/formats.md). Both are now so read."""
    text = (real_data / "pymca_XRFSpectrum.mca").read_bytes()
    whole = read_cube(real_data / "pymca_XRFSpectrum.mca", auto_calibrate=False)
    end = text.rstrip().rfind(b"\n") + 1  # the last value's line
    for cut in (11, 12, 13, 5):
        path = tmp_path / f"cut{cut}.mca"
        path.write_bytes(text[: end + cut])
        with pytest.warns(FileWarning, match="looks cut short inside that value"):
            cube = read_cube(path, auto_calibrate=False)
        assert cube.shape == (1, 1, whole.shape[2] - 1), cut
    # not the last line, or not a number's start: the line it is
    path = tmp_path / "middle.mca"
    path.write_bytes(text[:end] + b"3.0E\n" + text[end:])
    with pytest.raises(CubeReadError, match=r"middle\.mca: unexpected line in \.mca: '3\.0E'"):
        read_cube(path, auto_calibrate=False)


@pytest.mark.parametrize(
    "name",
    [
        "aps_xrfmaps_2xfm_0011.h5",
        "bruker_m6_jetstream_file_example.spx",
        "pymca_XRFSpectrum.mca",
        "spacekeys_variant.rpl",
    ],
)
def test_each_real_format_saved_by_the_writer_reads_back_the_same(tmp_path, real_data, name):
    """A guard: a real file of each format the readers take, saved by napari's writer as the
    project .h5 and read again, gives the same counts (values and dtype), calibration (terms and
    source), live times and metadata, less what the writer moves on purpose (the format, the
    source file's layout keys and notes under source_notes, this session's checks)."""
    from xrf_napari._writer import _file_metadata
    from xrf_napari.io.project_h5 import write_cube_streamed
    from xrf_napari.io.registry import SOURCE_KEYS

    src = read_cube(real_data / name, auto_calibrate=False)
    out = tmp_path / "saved.h5"
    write_cube_streamed(out, src, metadata=_file_metadata(src))
    back = read_cube(out, auto_calibrate=False)
    a, b = np.asarray(src.data[:]), np.asarray(back.data[:])
    assert a.dtype == b.dtype and np.array_equal(a, b)
    assert back.calibration == src.calibration
    if src.live_time is None:
        assert back.live_time is None
    else:
        np.testing.assert_allclose(back.live_time, src.live_time)
    moved = {"format", "values_checked", "saved_from", "source_notes", *SOURCE_KEYS}
    kept = {k: v for k, v in src.metadata.items() if k not in moved and not k.endswith("_note")}
    assert {k: back.metadata.get(k) for k in kept} == kept
    notes = back.metadata.get("source_notes", {})
    assert all(notes[k] == v for k, v in src.metadata.items() if k.endswith("_note"))


@pytest.mark.parametrize("gain", ["NaN", "0", "-0.01", "ten"])
def test_a_spx_calibration_that_cannot_be_one_is_set_aside_not_refused(tmp_path, real_data, gain):
    """Fails on the parent: the real M6 .spx with a CalibLin of NaN, 0, a negative number or
    text was refused whole ("invalid CalibAbs/CalibLin calibration: ..."), where every other
    reader sets such a calibration aside with a warning naming the file and opens the spectrum
    (docs/formats.md, io.calibration.set_aside). It now opens, its counts intact: uncalibrated
    read with auto_calibrate=False, as here; calibrated from its peaks otherwise."""
    src = real_data / "bruker_m6_jetstream_file_example.spx"
    text = src.read_text(encoding="latin-1")
    assert "<CalibLin>9.999E-3" in text
    path = tmp_path / "scan.spx"
    path.write_text(text.replace("<CalibLin>9.999E-3", f"<CalibLin>{gain}"), encoding="latin-1")
    with pytest.warns(
        FileWarning,
        match=r"scan\.spx: invalid CalibAbs/CalibLin calibration: .*"
        r"its CalibAbs/CalibLin calibration set aside",
    ):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.calibration.source == "none"
    whole = read_cube(src, auto_calibrate=False)
    assert np.array_equal(np.asarray(cube.data[:]), np.asarray(whole.data[:]))
    assert cube.metadata["anode"] == whole.metadata["anode"] == "Rh"


def test_an_npy_short_of_its_declared_data_says_so(tmp_path):
    """Fails on the parent: an .npy cut short, or whose header declares a (100000, 100000,
    4096) array (76 TB) over 100 bytes, was refused as "not a readable .npy array (mmap length
    is greater than file size)": numpy's words, not what is wrong. It now names the declared
    shape and size against what the file holds, and says it is cut short; nothing allocated."""
    path = tmp_path / "cut.npy"
    np.save(path, np.ones((10, 20, 64), np.uint16))
    path.write_bytes(path.read_bytes()[:-12_800])
    with pytest.raises(
        CubeReadError,
        match=r"cut\.npy: size mismatch: its header declares a "
        r"\(10, 20, 64\) uint16 array, 25,600 bytes of data, but the file holds "
        r"12,800 after its header: it is cut short",
    ):
        read_cube(path, auto_calibrate=False)
    huge = tmp_path / "huge.npy"
    with open(huge, "wb") as fh:
        header = {"descr": "<u2", "fortran_order": False, "shape": (100000, 100000, 4096)}
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(b"\0" * 100)
    with pytest.raises(
        CubeReadError, match=r"huge\.npy: .* \(76,294 GiB\), but the file holds 100 "
    ):
        read_cube(huge, auto_calibrate=False)


def _crono(path, spectra, index, live=None):
    import h5py

    with h5py.File(path, "w") as f:
        f["XRF/Spectra"] = spectra
        f["XRF/SpectraSelectedIndex"] = index
        if live is not None:
            f["XRF/LiveTimes"] = live
    return path


def test_hdf5_cubes_of_no_spectra_or_channels_are_refused_in_words(
    tmp_path, real_data, monkeypatch
):
    """Fails on the parent: a Crono file of no spectra opened as a map of zeros (warning only
    that its pixels "point at or beyond the 0 spectra"); one of no channels, and the real APS
    file with its data_a..d emptied of channels, failed as "could not be read as hdf5
    (ValueError: cube has an empty axis: shape (2, 2, 0))", naming no dataset."""
    import shutil

    import h5py

    _no_look(monkeypatch)
    index = np.arange(4).reshape(2, 2)
    none = _crono(tmp_path / "none.h5", np.zeros((0, 128), np.uint16), index)
    with pytest.raises(
        CubeReadError,
        match=r"none\.h5: /XRF/Spectra has shape \(0, 128\): it "
        "holds no spectra",
    ):
        read_cube(none, auto_calibrate=False)
    flat = _crono(tmp_path / "flat.h5", np.zeros((4, 0), np.uint16), index)
    with pytest.raises(
        CubeReadError,
        match=r"flat\.h5: /XRF/Spectra has shape \(4, 0\): it "
        "holds no channels",
    ):
        read_cube(flat, auto_calibrate=False)
    aps = tmp_path / "aps.h5"
    shutil.copy(real_data / "aps_xrfmaps_2xfm_0011.h5", aps)
    aps.chmod(0o644)
    with h5py.File(aps, "a") as f:
        for name in ("data_a", "data_b", "data_c", "data_d"):
            del f["MAPS_RAW"][name]
            f["MAPS_RAW"].create_dataset(name, shape=(0, 11, 9), dtype="i2")
    with pytest.raises(
        CubeReadError,
        match=r"aps\.h5: the dataset '/MAPS_RAW/data_a' \(channels, "
        r"y, x\) has an empty axis: shape \(0, 11, 9\)",
    ):
        read_cube(aps, auto_calibrate=False)


def test_crono_live_times_that_cannot_be_ones_are_set_aside(tmp_path, monkeypatch):
    """Fails on the parent: Crono's /XRF/LiveTimes holding NaN (or negative, or zero) values
    went into the cube's live time without a word, where every other HDF5 file's are set aside
    with a warning naming them and metadata["live_time_note"] (docs/formats.md): counts per
    second of NaN downstream. Good ones are still placed on the pixel grid."""
    _no_look(monkeypatch)
    index = np.arange(4).reshape(2, 2)
    spectra = np.ones((4, 128), np.uint16)
    for i, (bad, words) in enumerate(
        ((np.nan, "1 NaN or infinite"), (-1, "1 negative"), (0, "1 zero"))
    ):
        live = np.array([1.0, 2.0, bad, 4.0])
        path = _crono(tmp_path / f"bad{i}.h5", spectra, index, live)
        with pytest.warns(
            FileWarning, match=rf"bad{i}\.h5: live time '/XRF/LiveTimes' holds {words}"
        ):
            cube = read_cube(path, auto_calibrate=False)
        assert cube.live_time is None
        assert "set aside" in cube.metadata["live_time_note"]
    good = _crono(tmp_path / "good.h5", spectra, index, np.array([1.0, 2.0, 3.0, 4.0]))
    cube = read_cube(good, auto_calibrate=False)
    np.testing.assert_array_equal(cube.live_time, [[1.0, 2.0], [3.0, 4.0]])
    assert "live_time_note" not in cube.metadata


@pytest.mark.parametrize("text", ["energy,counts\n", "# an export's comment\n", '"",""\n'])
def test_a_csv_of_no_values_says_so(tmp_path, text):
    """Fails on the parent: a CSV holding its header alone (an export cut short, or not yet
    written), or nothing but comments or empty rows, was refused as "a spectrum CSV needs one
    column (counts) or two (energy, counts) on every line, or a header naming wider columns",
    which its one line of two names seemed to satisfy. It now says it holds no values."""
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"s\.csv: holds no lines of values") as err:
        read_cube(path, auto_calibrate=False)
    assert ("only its header (energy, counts)" in str(err.value)) == text.startswith("energy")
