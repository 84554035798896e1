"""Readers, session 67: an HDF5 structure error with EINVAL is damage, not a refused read; an
energy column listed highest first, or one value on every line, is said so; a file of several
cubes names the one read and the others, in read_cube, `info` and napari alike."""

import h5py
import numpy as np
import pytest
from _io_helpers import h5_read_raising

from xrf_napari.cli.main import main
from xrf_napari.io import CubeReadError, read_cube, read_spectrum

#: h5py's OSError of a read HDF5 sent to an offset the system refuses (errno 22).
_EINVAL_REPORT = (
    "Can't synchronously read data (file read failed: time = Tue Dec  8 00:30:00 2026, filename"
    " = 'scan.h5', file descriptor = 3, errno = 22, error message = 'Invalid argument', buf = "
    "0x55d0c8a0, total read size = 640, bytes this sub-read = 640, bytes actually read = "
    "18446744073709551615, offset = 9223372036854775900)"
)


def test_an_hdf5_structure_read_at_an_invalid_offset_is_damage_not_a_refusal(tmp_path, monkeypatch):
    """errors.system_refused leaves out EINVAL (a seek to an offset a damaged structure gave),
    but io.hdf5._structure_damaged took any errno for a read the system refused: "the system
    refused the read (Invalid argument, EINVAL), so the file itself may be sound". The error is
    raised from a frame in h5py's folder, as h5py's are."""
    path = tmp_path / "scan.h5"
    h5_read_raising(monkeypatch, path, OSError(22, _EINVAL_REPORT))
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    said = str(e.value)
    assert said.startswith(f"{path}: a damaged HDF5 file: it opens, but"), said
    assert "(Invalid argument, EINVAL)" in said
    assert "may be sound" not in said and "buf =" not in said


@pytest.mark.parametrize(
    ("energies", "said"),
    [
        (
            np.geomspace(20.0, 0.01, 128),  # falling evenly it is read rising (test_lateA67)
            "energy axis falls from 20 to 0.01 over the channels (highest energy first), where "
            "it must rise with them",
        ),
        (np.zeros(128), "energy axis holds one value, 0, at every channel: no energy axis"),
    ],
)
def test_a_csv_energy_column_falling_or_flat_is_said_so(tmp_path, energies, said):
    """A CSV spectrum's energy column falling unevenly (its fit's gain < 0; one falling evenly is
    read in rising order, test_lateA67), or of one value (gain 0), was refused as "energy axis
    must be finite and strictly increasing", the words of a glitch in a rising axis: now said
    what it is (still refused: a CSV's first column that is no axis may be no energy column at
    all)."""
    counts = np.random.default_rng(67).integers(1, 99, energies.size)
    path = tmp_path / "s.csv"
    lines = "".join(f"{e:.5f},{c}\n" for e, c in zip(energies, counts, strict=True))
    path.write_text("energy_keV,counts\n" + lines, encoding="utf-8")
    with pytest.raises(CubeReadError) as e:
        read_spectrum(path)
    assert str(e.value) == f"{path}: {said}"


def _two_cubes(tmp_path, kind):
    """A file of two 3-D cubes of different sizes, none named counts: (path, the one read, the
    other, its shape)."""
    small = np.ones((4, 5, 128), np.uint16)
    large = np.ones((6, 5, 128), np.uint16)
    if kind == "npz":
        path = tmp_path / "two.npz"
        np.savez(path, first=small, second=large)
        return path, "member 'second' (6, 5, 128)", "first"
    path = tmp_path / "two.h5"
    with h5py.File(path, "w") as f:
        f["scan_a"], f["scan_b"] = small, large
    return path, "dataset '/scan_b' (6, 5, 128)", "/scan_a"


@pytest.mark.parametrize("kind", ["npz", "h5"])
def test_a_file_of_several_cubes_names_the_one_read_and_the_others(tmp_path, kind):
    """The largest cube was read without a word of the smaller one beside it (only two equally
    large were said), in read_cube, `info` and napari alike: now the warning names the one read,
    why, and the others with --dataset."""
    path, read, other = _two_cubes(tmp_path, kind)
    want = (
        f"{path}: {read} was read (the largest); its other 3-D cubes: '{other}' (4, 5, 128): "
        f"choose one with --dataset {other} (dataset='{other}')"
    )
    for run in (lambda: read_cube(path, auto_calibrate=False), lambda: main(["info", str(path)])):
        with pytest.warns(UserWarning) as rec:
            run()
        assert [str(w.message) for w in rec if "other 3-D cubes" in str(w.message)] == [want]


def test_a_named_npz_cube_beside_another_names_it_and_a_chosen_one_is_quiet(tmp_path):
    """An .npz member read by its name (counts) beside a larger 3-D member said nothing of it;
    one chosen with --dataset is the user's choice: no word."""
    import warnings

    path = tmp_path / "named.npz"
    np.savez(path, counts=np.ones((4, 5, 128), "u2"), other=np.ones((6, 5, 128), "u2"))
    with pytest.warns(UserWarning, match=r"member 'counts' \(4, 5, 128\) was read \(by its name"):
        read_cube(path, auto_calibrate=False)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        read_cube(path, dataset="other", auto_calibrate=False)
    assert not [w for w in rec if "other 3-D cubes" in str(w.message)]


def test_napari_names_the_cube_it_opened_of_several(make_napari_viewer, tmp_path):
    """napari offers no choice of member: the notification names the one opened and the
    others, as `info` does."""
    from _napari_helpers import caught_notifications

    path, read, other = _two_cubes(tmp_path, "h5")
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        viewer.open(str(path), plugin="xrf-napari")
    told = [str(n.message) for n in seen if "other 3-D cubes" in str(n.message)]
    assert told and read in told[0] and f"--dataset {other}" in told[0], told


def test_an_aps_file_whose_element_name_is_damaged_is_said_damaged(tmp_path):
    """A byte flipped in the real APS map's link name "data_c" (b'\\xa4ata_c', which h5py gives
    as bytes) read "could not be read as hdf5 (TypeError: startswith first arg must be bytes or a
    tuple of bytes, not str)" (fuzz seed 6769, case 81); passed over, the element would be left
    out of the sum without a word."""
    path = tmp_path / "aps.h5"
    with h5py.File(path, "w") as f:
        raw = f.create_group("MAPS_RAW")
        raw["data_a"] = raw[b"\xa4ata_b"] = np.ones((128, 4, 5), "i2")
    with pytest.raises(CubeReadError) as e:
        read_cube(path)
    assert str(e.value) == (
        f"{path}: a damaged HDF5 file: the name of an object in /MAPS_RAW is no text "
        "(b'\\xa4ata_b': a byte of it altered); copy it again from its source"
    )
