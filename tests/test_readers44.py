"""Session 44 walkthrough of the readers as a new user meets them (runs44/walk44): a spectrum
CSV whose header quotes a name holding the separator, and files of a suffix napari's own reader
shares (.npy, .tif, .csv) that no reader can read (empty, or another kind of file under that
name), which napari's reader dialog handed to xrf-napari only to say 'refused the file'."""

import csv
import re
from types import SimpleNamespace

import h5py
import numpy as np
import pytest
from _napari_helpers import caught_notifications

from xrf_napari._reader import napari_get_reader
from xrf_napari.io import CubeReadError, read_cube, read_spectrum


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


# -- shared suffixes that no reader reads ---------------------------------------------------------
def _not_what_it_says(folder):
    """{name: words the reader's error must hold} for files napari's dialog offers to both
    readers, none of which can read them."""
    for name in ("empty.npy", "empty.tif", "empty.csv"):
        (folder / name).write_bytes(b"")
    with h5py.File(folder / "scan.h5", "w") as f:
        f["counts"] = np.zeros((4, 4, 64), np.uint16)
    data = (folder / "scan.h5").read_bytes()
    (folder / "hdf5.npy").write_bytes(data)
    (folder / "hdf5.tif").write_bytes(data)
    (folder / "text.npy").write_text("1 2 3\n", encoding="utf-8")
    return {
        "empty.npy": "empty (0 bytes)",
        "empty.tif": "empty (0 bytes)",
        "empty.csv": "empty (0 bytes)",
        "hdf5.npy": "it is an HDF5 file: rename it .h5",
        "hdf5.tif": "not a TIFF file",
        "text.npy": "not a NumPy .npy file",
    }


def test_files_no_reader_reads_are_claimed_and_told(tmp_path):
    # Before: napari_get_reader returned None for each (the content look failed), so choosing
    # XRF recolouring for them said only "Reader 'xrf-napari' ... refused the file".
    for name, words in _not_what_it_says(tmp_path).items():
        reader = napari_get_reader(str(tmp_path / name))
        assert callable(reader), name
        with pytest.raises(CubeReadError, match=rf"{name}: .*{re.escape(words)}"):
            reader(str(tmp_path / name))


def test_napari_own_files_of_shared_suffixes_stay_naparis(tmp_path):
    """Guard (passes before and after): what napari's reader reads is not claimed."""
    import tifffile

    np.save(tmp_path / "image.npy", np.zeros((8, 8)))
    tifffile.imwrite(tmp_path / "map.tif", np.zeros((8, 8), np.float32))
    (tmp_path / "points.csv").write_text(
        "index,axis-0,axis-1\n0,1.5,2.5\n1,3.5,4.5\n", encoding="utf-8"
    )
    for name in ("image.npy", "map.tif", "points.csv"):
        assert napari_get_reader(str(tmp_path / name)) is None, name


@pytest.fixture
def reader_dialog(monkeypatch):
    """napari's 'choose a reader' dialog answered `dialog.answer` (XRF recolouring; "" cancels);
    napari's settings a fresh in-memory copy."""
    import napari.settings
    from napari._qt.dialogs import qt_reader_dialog
    from napari.settings import NapariSettings

    dialog = SimpleNamespace(asked=[], answer="XRF recolouring")
    dialog.settings = NapariSettings(config_path=None)
    monkeypatch.setattr(napari.settings, "_SETTINGS", dialog.settings)

    def choose(self):
        dialog.asked.append(self)
        return dialog.answer, False

    monkeypatch.setattr(qt_reader_dialog.QtReaderDialog, "get_user_choices", choose)
    return dialog


def test_choosing_xrf_in_naparis_dialog_says_what_is_wrong(
    make_napari_viewer, tmp_path, reader_dialog
):
    # Before: ValueError "Reader 'xrf-napari' was selected to open [...], but refused the file."
    (tmp_path / "empty.npy").write_bytes(b"")
    viewer = make_napari_viewer()
    with pytest.raises(CubeReadError, match=r"empty\.npy: the file is empty \(0 bytes\)"):
        viewer.window._qt_viewer._qt_open([str(tmp_path / "empty.npy")], stack=False)
    assert len(reader_dialog.asked) == 1 and len(viewer.layers) == 0


def test_a_remembered_xrf_reader_names_the_misnamed_file(
    make_napari_viewer, tmp_path, reader_dialog
):
    # Before: the remembered reader 'refused the file' and napari's dialog came up with that
    # alone; now a notification names the file and what it is, and napari's reader is offered.
    _not_what_it_says(tmp_path)
    viewer = make_napari_viewer()
    reader_dialog.settings.plugins.extension2reader = {"*.npy": "xrf-napari"}
    reader_dialog.answer = ""  # the user cancels napari's offer of its own reader
    with caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([str(tmp_path / "hdf5.npy")], stack=False)
    messages = [str(n.message) for n in seen]
    assert any("hdf5.npy" in m and "it is an HDF5 file: rename it .h5" in m for m in messages)
    (dialog,) = reader_dialog.asked
    assert len(viewer.layers) == 0
    # the input was left as it was
    assert (tmp_path / "hdf5.npy").read_bytes() == (tmp_path / "scan.h5").read_bytes()


def test_real_ripple_files_in_a_viewer(make_napari_viewer, real_data):
    """Guard (passes before and after): the real ripple pair opens through napari on its keV
    axis, and the real header without its .raw is refused naming both; no byte changes. (The
    .spx, .mca and APS map were walked by hand: their calibration checks take seconds.)"""
    import hashlib

    viewer = make_napari_viewer()
    rpl, header = real_data / "spacekeys_variant.rpl", real_data / "ng_m6_R117_header_only.rpl"
    paths = [rpl, rpl.with_suffix(".raw"), header]
    before = [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths]
    with pytest.warns(UserWarning, match="trailing bytes are ignored"):
        stack, total = viewer.open(str(rpl), plugin="xrf-napari")
    assert stack.data.shape == (6, 3, 3) and total.data.shape == (3, 3)
    assert tuple(stack.axis_labels) == ("energy", "y", "x")
    assert stack.metadata["calibration"]["source"] == "file"
    assert stack.scale[0] == pytest.approx(0.010002) and stack.translate[0] == -0.956
    with pytest.raises(CubeReadError, match=r"ng_m6_R117_header_only\.rpl: .*raw is missing"):
        viewer.open(str(header), plugin="xrf-napari")
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in paths] == before


def test_read_cube_refusals_are_unchanged_for_the_claimed_files(tmp_path):
    """Guard: read_cube said the same before (only napari's claim changed)."""
    for name, words in _not_what_it_says(tmp_path).items():
        with pytest.raises(CubeReadError, match=re.escape(words)):
            read_cube(tmp_path / name)


# -- pandas' row index ---------------------------------------------------------------------------
def _pandas_like(path, header, rows):
    """What DataFrame.to_csv writes with its default index=True: an unnamed first column of the
    row numbers."""
    lines = ["," + ",".join(header)] + [
        ",".join([str(i)] + [repr(float(v)) for v in row]) for i, row in enumerate(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_pandas_row_index_before_the_axis_is_dropped(tmp_path):
    # Before: ',Energy (keV),Counts' over '0,-0.5,0.0' was three columns, the first no axis:
    # "a spectrum CSV needs one column (counts) or two (energy, counts) on every line ...".
    energy = -0.5 + 0.01 * np.arange(120)
    counts = np.arange(120) % 11
    path = _pandas_like(tmp_path / "df.csv", ["Energy (keV)", "Counts"], zip(energy, counts))
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, counts)
    assert spec.calibration.gain == pytest.approx(0.01)
    assert spec.calibration.offset == pytest.approx(-0.5)
    assert spec.metadata["row_index_dropped"] is True
    # a wide table of curves: its first curve, after the axis
    wide = _pandas_like(
        tmp_path / "wide.csv", ["energy_keV", "mean", "pixel"], zip(energy, counts, counts * 2)
    )
    np.testing.assert_array_equal(read_spectrum(wide).counts, counts)
    assert callable(napari_get_reader(str(path)))


def test_real_pandas_to_csv_reopens(tmp_path, real_data):
    """The real PyMca spectrum put in a DataFrame and saved with pandas' defaults."""
    pd = pytest.importorskip("pandas")
    spec = read_spectrum(real_data / "pymca_XRFSpectrum.mca")
    energy = 0.005 * np.arange(len(spec.counts)) - 0.4
    path = tmp_path / "pymca_df.csv"
    pd.DataFrame({"energy_keV": energy, "counts": spec.counts}).to_csv(path)
    back = read_spectrum(path)
    np.testing.assert_array_equal(back.counts, spec.counts)
    assert back.calibration.gain == pytest.approx(0.005)


def test_unnamed_first_columns_that_are_no_row_index_are_refused_as_before(tmp_path):
    """Guard (passes before and after): an unnamed first column that is not 0, 1, 2..., or a
    row index before columns that name no axis (a points table pandas saved), is not dropped."""
    rows = [(5.0 + i, 0.01 * i, i % 3) for i in range(40)]
    odd = tmp_path / "odd.csv"
    odd.write_text(
        ",energy,counts\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows), encoding="utf-8"
    )
    with pytest.raises(CubeReadError, match="one column"):
        read_spectrum(odd)
    points = _pandas_like(tmp_path / "points.csv", ["axis-0", "axis-1"], [(1.5, 2.5), (3.0, 4.0)])
    assert napari_get_reader(str(points)) is None


# -- an upper-case sidecar -----------------------------------------------------------------------
def test_an_upper_case_sidecar_gives_its_calibration(tmp_path):
    # Before: SCAN.NPY opened (its suffix matched in any case) but SCAN.JSON beside it was not
    # looked for: the scan had no calibration (the automatic one, or channel numbers).
    cube = np.random.default_rng(0).poisson(3, (6, 5, 128)).astype(np.uint16)
    np.save(tmp_path / "SCAN.npy", cube)
    (tmp_path / "SCAN.npy").rename(tmp_path / "SCAN.NPY")
    (tmp_path / "SCAN.JSON").write_text('{"offset": -0.96, "gain": 0.01}', encoding="utf-8")
    got = read_cube(tmp_path / "SCAN.NPY", auto_calibrate=False)
    assert got.calibration.source == "file" and got.calibration.gain == pytest.approx(0.01)
    assert got.metadata["calibration_file"] == str(tmp_path / "SCAN.JSON")
    # a lower-case one still wins where both exist (as on a case-insensitive disk)
    (tmp_path / "SCAN.json").write_text('{"offset": 0.0, "gain": 0.02}', encoding="utf-8")
    assert read_cube(tmp_path / "SCAN.NPY", auto_calibrate=False).calibration.gain == 0.02


# -- the guide's advice on napari's 'remember' box ------------------------------------------------
def test_xrf_remembered_for_tif_sends_a_plain_tiff_through_naparis_error(
    make_napari_viewer, tmp_path, reader_dialog
):
    """Guard of docs/user_guide.md section 1 (remember XRF recolouring for .h5, .hdf5, .hdf, .npz,
    .raw, not for .tif ...): with it remembered for *.tif, an element map as Save maps writes it
    opens only after napari's dialog showed 'Tried opening with xrf-napari, but failed'; the guide
    had said to remember the choice for every shared suffix."""
    import tifffile

    path = tmp_path / "scan_Fe_Ka.tif"
    tifffile.imwrite(path, np.ones((6, 5), np.float32))
    viewer = make_napari_viewer()
    reader_dialog.settings.plugins.extension2reader = {"*.tif": "xrf-napari"}
    reader_dialog.answer = "napari builtins"
    viewer.window._qt_viewer._qt_open([str(path)], stack=False)
    from qtpy.QtWidgets import QLabel

    (dialog,) = reader_dialog.asked
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "Tried opening with xrf-napari, but failed" in shown
    assert [b.text() for b in dialog.reader_btn_group.buttons()] == ["napari builtins"]
    assert [ly.name for ly in viewer.layers] == ["scan_Fe_Ka"]


# -- a file named .npz that is no zip ------------------------------------------------------------
def test_a_misnamed_npz_is_told_what_it_is(tmp_path):
    # Before: an HDF5 scan named .npz read "This file contains pickled (object) data. If you trust
    # the file you can load it unsafely ..." and an .npy named .npz "could not be read as npz
    # (TypeError: 'numpy.ndarray' object does not support the context manager protocol)".
    with h5py.File(tmp_path / "scan.npz", "w") as f:
        f["counts"] = np.zeros((4, 4, 64), np.uint16)
    np.save(tmp_path / "cube.npy", np.zeros((4, 4, 64), np.uint16))
    (tmp_path / "cube.npy").rename(tmp_path / "cube.npz")
    (tmp_path / "notes.npz").write_text("counts 1 2 3\n", encoding="utf-8")
    told = {
        "scan.npz": "it is an HDF5 file: rename it .h5",
        "cube.npz": "it is a NumPy .npy array: rename it .npy",
        "notes.npz": "it is a text file",
    }
    for name, words in told.items():
        with pytest.raises(CubeReadError) as caught:
            read_cube(tmp_path / name)
        message = str(caught.value)
        assert message.startswith(f"{tmp_path / name}: not a NumPy .npz archive"), message
        assert words in message and "pickle" not in message and "TypeError" not in message
    # a real .npz still opens
    np.savez(tmp_path / "ok.npz", counts=np.ones((4, 4, 64), np.uint16))
    assert read_cube(tmp_path / "ok.npz", auto_calibrate=False).shape == (4, 4, 64)


# -- a binary file under a text format's suffix --------------------------------------------------
@pytest.mark.parametrize("suffix", [".mca", ".msa", ".emsa", ".spe", ".csv", ".spx", ".rpl"])
def test_a_binary_file_under_a_text_suffix_is_told_what_it_is(tmp_path, suffix):
    # Before: an HDF5 scan saved as .mca read "unexpected line in .mca: '\x89HDF'", as .csv
    # "non-numeric value on line 624", as .rpl "ripple header lacks the required key 'width'";
    # an .npy as .csv "needs one column (counts) or two"; none said what the file was.
    with h5py.File(tmp_path / "scan.h5", "w") as f:
        f["counts"] = np.zeros((4, 4, 64), np.uint16)
    np.save(tmp_path / "cube.npy", np.zeros((4, 4, 64), np.uint16))
    for source, words in (("scan.h5", "HDF5 file: rename it .h5"), ("cube.npy", "rename it .npy")):
        path = tmp_path / f"{source.split('.')[0]}_as{suffix}"
        path.write_bytes((tmp_path / source).read_bytes())
        with pytest.raises(CubeReadError, match=rf"{path.name}: not (a|an) .*\(it is .*{words}\)"):
            read_cube(path)
        assert callable(napari_get_reader(str(path)))  # .csv too: napari's reader reads no such


def test_the_real_text_spectra_still_read(real_data):
    """Guard (passes before and after): the real .spx, .mca and ripple header are read."""
    assert read_spectrum(real_data / "bruker_m6_jetstream_file_example.spx").counts.size == 4096
    assert read_spectrum(real_data / "pymca_XRFSpectrum.mca").counts.size == 4096
    from xrf_napari.io.ripple import parse_header

    assert parse_header(real_data / "ng_m6_R117_header_only.rpl").width == 414
