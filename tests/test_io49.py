"""Readers, session 49: a cut-short .mca, the changed-while-open refusal's words, the napari-musa
names taken for a cube of numbers only, a bad calibration beside an array or in an HDF5 energy
vector set aside, NeXus ties told as discovery's."""

import warnings

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_spectrum

COUNTS = np.random.default_rng(49).integers(0, 1000, size=512)


def _amptek(counts, end: bool = True) -> str:
    data = "\n".join(map(str, counts))
    return "<<PMCA SPECTRUM>>\nTAG - live\n<<DATA>>\n" + data + ("\n<<END>>\n" if end else "")


def test_mca_cut_short_is_read_with_a_warning_naming_the_file(tmp_path):
    """An Amptek .mca cut before its <<END>>, and a SPEC one holding fewer values than its
    #@CHANN declares, opened as shorter spectra without a word; an Amptek one cut inside its
    header was "unexpected line in .mca: '<<PMCA SPECTRUM>>'"."""
    whole = _amptek(COUNTS)
    cut = tmp_path / "cut_amptek.mca"
    cut.write_text(whole[: len(whole) // 2], encoding="utf-8")
    with pytest.warns(UserWarning, match=r"cut_amptek\.mca: its <<DATA>> section has no <<END>>"):
        sp = read_spectrum(cut)
    assert 2 < sp.counts.size < COUNTS.size
    spec = tmp_path / "cut_spec.mca"
    body = " ".join(map(str, COUNTS[:300]))
    spec.write_text(f"#@CHANN 512 0 511 1\n#@CALIB 0 0.01 0\n@A {body}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"cut_spec\.mca: #@CHANN declares 512 channels.*300"):
        assert read_spectrum(spec).counts.size == 300
    head = tmp_path / "cut_head.mca"
    head.write_text(whole[:20], encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"cut_head\.mca: an Amptek .mca without its <<DATA>>"):
        read_spectrum(head)
    for name, text in (
        ("whole_amptek.mca", whole),
        ("whole_spec.mca", f"#@CHANN 512 0 511 1\n@A {' '.join(map(str, COUNTS))}\n"),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert read_spectrum(tmp_path / name).counts.size == COUNTS.size


def test_file_changed_while_open_is_told_in_words_for_a_command_too(tmp_path, monkeypatch):
    """The refusal of an HDF5 file changed on disk while an opening of it is in use told only
    napari's way out ("Close the layers ... (or restart napari)"), also to a command that met
    it (a file rewritten while the command held it)."""
    import gc
    import shutil

    import h5py
    from _io_helpers import child_looks

    from xrf_napari.io import read_cube

    child_looks(monkeypatch)
    scan, other = tmp_path / "scan.h5", tmp_path / "other.h5"
    for path, n in ((scan, 8), (other, 6)):
        with h5py.File(path, "w") as f:
            f["x"] = np.ones((n, n, 128), np.uint16)
    held = read_cube(scan, auto_calibrate=False)
    shutil.copyfile(other, scan)  # in place: the same inode
    with pytest.raises(CubeReadError, match=r"scan\.h5: changed on disk") as err:
        read_cube(scan, auto_calibrate=False)
    assert "from the command line run the command again" in str(err.value)
    assert "in a command, the scan it is reading" in str(err.value)
    del held
    gc.collect()


def test_a_musa_name_holding_no_numbers_is_passed_over_for_the_cube(tmp_path, monkeypatch):
    """The napari-musa names (XRFdata, XRF_data, data) were taken whatever their dtype: a root
    `data` of strings of a spectral shape refused the file ("the dataset '/data' has dtype |S1,
    not integer or float counts") though it held a cube of counts, which discovery takes."""
    import h5py
    from _io_helpers import child_looks

    from xrf_napari.io import read_cube

    child_looks(monkeypatch)
    path = tmp_path / "labelled.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.full((8, 8, 128), b"a")
        f["counts"] = np.ones((8, 8, 128), np.uint16)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.metadata["dataset"] == "/counts" and cube.metadata["layout"] == "discovered"


def test_a_bad_calibration_beside_an_array_is_set_aside_as_an_hdf5_one(tmp_path):
    """A zarr array's offset/gain attributes or energy array, a JSON sidecar's offset/gain and an
    .npz's energy member that cannot be a calibration (a zero gain, units of furlongs, an axis
    that does not increase) refused the whole scan, where an HDF5 file's bad calibration is set
    aside with a warning naming the file: now they are set aside alike."""
    import json

    import zarr

    from xrf_napari.io import read_cube

    cube = np.ones((4, 5, 128), np.uint16)
    store = tmp_path / "attrs.zarr"
    z = zarr.open_array(str(store), mode="w", shape=cube.shape, dtype="u2", chunks=(2, 5, 128))
    z[:] = cube
    z.attrs.update({"offset": 0.0, "gain": 0.0})
    npy = tmp_path / "side.npy"
    np.save(npy, cube)
    (tmp_path / "side.json").write_text(
        json.dumps({"offset": 0, "gain": 0.01, "energy_units": "furlong", "anode": "Mo"}),
        encoding="utf-8",
    )
    npz = tmp_path / "flat.npz"
    np.savez(npz, counts=cube, energy=np.zeros(128))
    for path, said in (
        (store, r"attrs\.zarr: invalid calibration .*offset/gain attributes of zarr array"),
        (tmp_path / "side.json", r"side\.json: unknown energy units.*sidecar's calibration set"),
        (npz, r"flat\.npz: energy axis holds one value, 0, .*; member 'energy' set aside"),
    ):
        with pytest.warns(UserWarning, match=said):
            got = read_cube(npy if path.suffix == ".json" else path, auto_calibrate=False)
        assert got.shape == (4, 5, 128) and got.calibration.source == "none"
    assert got.metadata["format"] == "npz"
    with pytest.warns(UserWarning, match="sidecar's calibration set aside"):
        assert read_cube(npy, auto_calibrate=False).metadata["anode"] == "Mo"  # the rest kept


@pytest.mark.parametrize(
    ("layout", "energy", "said"),
    [
        ("generic", np.array([b"%d" % i for i in range(128)]), "dtype |S3, expected numbers"),
        ("generic", np.zeros(128), "energy axis holds one value, 0, at every channel"),
        ("crono", np.array([b"%d" % i for i in range(128)]), "dtype |S3, expected numbers"),
        ("crono", np.full(128, np.nan), "energy axis must be finite and strictly increasing"),
    ],
)
def test_an_energy_vector_that_is_no_calibration_is_set_aside(
    tmp_path, monkeypatch, layout, energy, said
):
    """An HDF5 energy vector of numbers that do not increase, or Crono's /XRF/EnergyVector of
    strings or NaN, refused the scan; a generic one of strings was passed over without a word.
    Each is now set aside with a warning naming the file and the dataset, as a bad
    `calibration` or offset/gain is, and the cube opens uncalibrated."""
    import h5py
    from _io_helpers import child_looks

    from xrf_napari.io import read_cube

    child_looks(monkeypatch)
    path = tmp_path / f"{layout}.h5"
    with h5py.File(path, "w") as f:
        if layout == "crono":
            f["XRF/Spectra"] = np.ones((16, 128), np.uint16)
            f["XRF/SpectraSelectedIndex"] = np.arange(16).reshape(4, 4)
            f["XRF/EnergyVector"] = energy
            name = "/XRF/EnergyVector"
        else:
            f["cube"] = np.ones((4, 4, 128), np.uint16)
            f["energy"] = energy
            name = "/energy"
    with pytest.warns(
        UserWarning, match=f"{layout}\\.h5: .*; energy vector '{name}' set aside"
    ) as rec:
        cube = read_cube(path, auto_calibrate=False)
    assert any(said in str(w.message) for w in rec)
    assert cube.shape == (4, 4, 128) and cube.calibration.source == "none"


def test_equally_large_nexus_signals_are_told_as_discovery_ties_are(tmp_path, monkeypatch):
    """Two NXdata groups of equally large signals: one was read without a word, where discovery
    warns of an equal-size tie; that warning named the datasets 'b' and 'a' while the cube's
    metadata names '/b'. Both now warn alike, naming '/entry/...' as the metadata does."""
    import h5py
    from _io_helpers import child_looks

    from xrf_napari.io import read_cube

    child_looks(monkeypatch)
    path = tmp_path / "two.nxs"
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        for name in ("a", "b"):
            g = entry.create_group(name)
            g.attrs.update({"NX_class": "NXdata", "signal": "counts"})
            g["counts"] = np.ones((4, 4, 128), np.uint16)
    with pytest.warns(UserWarning, match="equally large") as rec:
        cube = read_cube(path, auto_calibrate=False)
    msg = next(str(w.message) for w in rec if "equally large" in str(w.message))
    assert cube.metadata["layout"] == "nexus" and cube.metadata["dataset"] == "/entry/b/counts"
    assert "'/entry/b/counts' was read" in msg and "--dataset /entry/a/counts" in msg
    flat = tmp_path / "flat.h5"
    with h5py.File(flat, "w") as f:
        f["a"] = f["b"] = np.ones((4, 4, 128), np.uint16)
    with pytest.warns(UserWarning, match="equally large") as rec:
        shown = read_cube(flat, auto_calibrate=False).metadata["dataset"]
    assert shown == "/b" and any(f"'{shown}' was read" in str(w.message) for w in rec)
