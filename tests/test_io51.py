"""Session 51, readers: one unit rule for calibrations that name no unit."""

import json
import warnings

import numpy as np
import pytest
from test_io_ripple import write_ripple

from xrf_napari.io import read_cube

COUNTS = np.random.default_rng(51).poisson(3, (3, 4, 64)).astype(np.uint16)


def _h5(path):
    import h5py

    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=COUNTS)
        d.attrs["offset"], d.attrs["gain"] = -50.0, 10.0
    return path


def _zarr(path):
    import zarr

    a = zarr.open_array(str(path), mode="w", shape=COUNTS.shape, dtype="u2")
    a[:] = COUNTS
    a.attrs.update({"offset": -50.0, "gain": 10.0})
    return path


def _sidecar(path):
    np.save(path, COUNTS)
    path.with_suffix(".json").write_text(json.dumps({"offset": -50, "gain": 10}), encoding="utf-8")
    return path


def _rpl(path):
    return write_ripple(path.parent, COUNTS, extra="depth-scale\t10\ndepth-origin\t-50\n")


@pytest.mark.parametrize(
    "make, name", [(_h5, "s.h5"), (_zarr, "s.zarr"), (_sidecar, "s.npy"), (_rpl, "scan.rpl")]
)
def test_a_calibration_without_units_in_ev_reads_in_ev_in_every_reader(tmp_path, make, name):
    """Offset -50 and gain 10 with no unit are eV (no detector has 10 keV channels). HDF5, zarr
    and sidecar attributes read them as keV, dropped as implausible ("gain 10 keV/channel is
    outside ..."), while a ripple header took eV silently; one rule (unitless_unit) now reads
    them in eV everywhere, with a warning naming the file and the assumption."""
    path = make(tmp_path / name)
    with pytest.warns(UserWarning, match="name no energy unit: read in eV") as told:
        cube = read_cube(path, auto_calibrate=False)
    assert all("implausible" not in str(w.message) for w in told)
    named = path.with_suffix(".json") if name.endswith(".npy") else path  # the sidecar holds it
    assert any(str(w.message).startswith(f"{named}: ") for w in told)
    assert (cube.calibration.source, cube.calibration.offset, cube.calibration.gain) == (
        "file",
        pytest.approx(-0.05),
        pytest.approx(0.01),
    )


@pytest.mark.parametrize("make, name", [(_h5, "s.h5"), (_rpl, "scan.rpl")])
def test_a_calibration_without_units_in_kev_stays_kev_untold(tmp_path, make, name):
    """A guard: offset -0.05 and gain 0.01 with no unit are keV, the documented default, read so
    without a warning."""
    path = make(tmp_path / name)
    if name.endswith(".h5"):
        import h5py

        with h5py.File(path, "r+") as f:
            f["data"].attrs["offset"], f["data"].attrs["gain"] = -0.05, 0.01
    else:
        text = path.read_text(encoding="utf-8").replace("\t10\n", "\t0.01\n")
        path.write_text(text.replace("\t-50\n", "\t-0.05\n"), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path, auto_calibrate=False)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.05, 0.01))


# -- CSV: the energy column's header names its unit ----------------------------------------------
def _csv(path, header: str, energy, counts=None) -> object:
    counts = np.arange(len(energy)) % 7 + 1 if counts is None else counts
    lines = [header] + [f"{e:g},{c}" for e, c in zip(energy, counts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["Energy (eV),Counts", "energy_eV,counts", "EnergyEV,Counts"])
def test_a_csv_headed_in_ev_reads_in_ev_whatever_its_values(tmp_path, header):
    """16 channels of 10 eV from 0 to 150 eV, headed "Energy (eV)": the header was not read, and
    values under 200 were taken for keV (gain 10 keV/channel, dropped as implausible)."""
    from xrf_napari.io import read_spectrum

    energy = 10.0 * np.arange(16)
    path = _csv(tmp_path / "s.csv", header, energy)
    cal = read_spectrum(path).calibration
    assert (cal.source, cal.offset, cal.gain) == ("file", pytest.approx(0.0), pytest.approx(0.01))


def test_a_csv_headed_in_kev_reads_in_kev_past_200(tmp_path):
    """A keV axis of 0.25 keV channels past 200 keV ("Energy (keV)" over 0..256) was read as eV
    (0.25 eV/channel) for its values over 200; the header now decides."""
    from xrf_napari.io import read_spectrum

    path = _csv(tmp_path / "s.csv", "Energy (keV),Counts", 0.25 * np.arange(1025))
    cal = read_spectrum(path).calibration
    assert (cal.offset, cal.gain) == (pytest.approx(0.0), pytest.approx(0.25))


def test_a_csv_whose_header_names_no_unit_keeps_the_200_rule(tmp_path):
    """A guard: "energy" alone (or "energy eV keV", naming both) leaves the values to decide."""
    from xrf_napari.io import read_spectrum

    for header in ("energy,counts", "energy eV keV,counts"):
        ev = read_spectrum(_csv(tmp_path / "a.csv", header, 10.0 * np.arange(64))).calibration
        kev = read_spectrum(_csv(tmp_path / "b.csv", header, 0.01 * np.arange(64))).calibration
        assert ev.gain == pytest.approx(0.01) and kev.gain == pytest.approx(0.01)


def test_the_spectrum_docks_csv_export_reads_back_in_kev(tmp_path):
    """A guard: the Spectrum dock's export (widgets.spectrum.export_csv: comment lines, an
    `energy_keV` column, then one column per curve) reads back with its calibration and the
    first curve's counts now that the header's unit is read."""
    from xrf_napari.analysis.export import save_spectra_csv
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_spectrum

    cal = Calibration(-0.9555, 0.009999, 0.0, source="file")
    mean = np.arange(64, dtype=float) % 9
    path = save_spectra_csv(
        tmp_path / "spectra.csv",
        {"mean": (cal.energy(64), mean), "pixel (1, 2)": (cal.energy(64), mean + 1)},
        comments=[
            "xrf-napari spectra, mean counts per pixel",
            "cube: scan; calibration offset -0.9555 keV, gain 0.009999 keV/channel (file)",
        ],
        x_name="energy_keV",
    )
    back = read_spectrum(path)
    assert (back.calibration.offset, back.calibration.gain) == pytest.approx((-0.9555, 0.009999))
    np.testing.assert_allclose(back.counts, mean)


# -- zarr of tiny chunks: the opening sample reads a bounded number of them ---------------------
def test_opening_a_zarr_of_tiny_chunks_samples_few_of_them(tmp_path, monkeypatch):
    """A 300 x 300 store in (1, 1, 3) chunks: the opening check read 12 whole rows, 3,600 chunks,
    and napari's contrast sample as many again (zarr spends ~0.3 ms on each: 1-5 s on napari's
    GUI thread before its background pass). Each sample now reads at most ZARR_SAMPLE_CHUNKS,
    still spread over the width, and the store is still told to be rewritten."""
    import zarr
    from zarr.storage import LocalStore

    from xrf_napari._reader import ASYNC_SUM_BYTES, _read_sample

    path = tmp_path / "s.zarr"
    zarr.open_group(str(path), mode="w").create_array(
        "counts", shape=(300, 300, 3), chunks=(1, 1, 3), dtype="u2"
    )
    read, real = [], LocalStore.get

    async def counted(self, key, *args, **kwargs):
        if "/c/" in key:
            read.append(key)
        return await real(self, key, *args, **kwargs)

    monkeypatch.setattr(LocalStore, "get", counted)
    with pytest.warns(UserWarning, match=r"is stored in 90,000 chunks of \(1, 1, 3\)"):
        cube = read_cube(path, calibrate_later=ASYNC_SUM_BYTES)
    opening = len(read)
    assert _read_sample(cube) is not None
    assert 100 <= opening <= 512 and len(read) - opening <= 512, (opening, len(read))
    assert max(int(k.split("/")[-2]) for k in read) >= 200  # columns across the width


def _pymca(path):
    import h5py

    with h5py.File(path, "w") as f:
        f["data"] = COUNTS
        f["calibration"] = [-50.0, 10.0, 0.0]  # PyMca's [a, b, c], no `units`
    return path


def _maps(path):
    import h5py

    with h5py.File(path, "w") as f:
        f["MAPS_RAW/data_a"] = np.moveaxis(COUNTS, -1, 0).astype(np.int16)
        f["MAPS/energy_calib"] = [-50.0, 10.0, 0.0]
    return path


@pytest.mark.parametrize("make", [_pymca, _maps])
def test_hdf5_calibration_coefficients_without_units_follow_the_same_rule(tmp_path, make):
    """An HDF5 `calibration` [a, b, c] (PyMca) or XRF-Maps `energy_calib` of -50, 10, 0 without
    `units` was read in keV and dropped as implausible: the same rule as attributes now reads it
    in eV, with the same warning."""
    path = make(tmp_path / "s.h5")
    with pytest.warns(UserWarning, match=r"s\.h5: its calibration coefficients name no energy"):
        cube = read_cube(path, auto_calibrate=False)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.05, 0.01))


@pytest.mark.parametrize("member", ["counts", ""])
def test_a_sharded_zarr_whose_inner_chunk_has_length_0_is_named(tmp_path, member):
    """A sharded zarr v3 array whose sharding codec declares inner chunks [2, 2, 0] (corrupt or
    hand-edited) was refused as 'could not be read as zarr (ZeroDivisionError: integer modulo by
    zero)', naming nothing in the store; the refusal now names its zarr.json and the key."""
    import zarr

    from xrf_napari.io import CubeReadError

    path = tmp_path / "s.zarr"
    if member:
        zarr.open_group(str(path), mode="w").create_array(
            member, shape=(4, 4, 64), chunks=(2, 2, 16), shards=(4, 4, 64), dtype="u2"
        )
    else:
        zarr.create_array(
            str(path), shape=(4, 4, 64), chunks=(2, 2, 16), shards=(4, 4, 64), dtype="u2"
        )
    meta = path / member / "zarr.json"
    doc = json.loads(meta.read_text(encoding="utf-8"))
    doc["codecs"][0]["configuration"]["chunk_shape"] = [2, 2, 0]
    meta.write_text(json.dumps(doc), encoding="utf-8")
    shown = f"{member}/zarr.json" if member else "zarr.json"
    with pytest.raises(CubeReadError, match=rf"{shown} is invalid: the sharding codec's 'chunk"):
        read_cube(path, auto_calibrate=False)
