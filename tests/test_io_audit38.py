"""Reader/writer audit of session 38: bugs a user hits with real files (each test fails on the
commit before its fix)."""

import warnings

import numpy as np
import pytest

from xrf_napari.io import read_cube, read_spectrum


# -- CSV: a `channel` first column is channel numbers, wherever it starts ------------------------
def test_csv_channel_column_not_from_zero_is_not_an_energy_axis(tmp_path):
    """A `channel,counts` table starting at channel 10 (a cropped export) was read as energies in
    eV: a 'file' calibration of 1 eV/channel from 0.01 keV."""
    counts = np.random.default_rng(1).poisson(30, 300)
    p = tmp_path / "cropped.csv"
    p.write_text(
        "channel,counts\n" + "".join(f"{i + 10},{c}\n" for i, c in enumerate(counts)),
        encoding="utf-8",
    )
    s = read_spectrum(p)
    assert s.calibration.source == "none"
    np.testing.assert_array_equal(s.counts, counts)
    assert s.metadata["first_channel"] == 10
    # a quoted header (R's write.csv) says the same
    q = tmp_path / "quoted.csv"
    q.write_text(
        p.read_text(encoding="utf-8").replace("channel,counts", '"channel","counts"'),
        encoding="utf-8",
    )
    assert read_spectrum(q).calibration.source == "none"


def test_real_m6_spectrum_as_channel_csv_has_no_false_file_calibration(tmp_path, real_data):
    """The real M6 spectrum exported as `channel,counts` from channel 10: its channel numbers
    were taken for a calibration that read_cube then called contradicted by the peaks."""
    s = read_spectrum(real_data / "bruker_m6_jetstream_file_example.spx")
    p = tmp_path / "m6.csv"
    p.write_text(
        "channel,counts\n" + "".join(f"{i},{c}\n" for i, c in enumerate(s.counts) if i >= 10),
        encoding="utf-8",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "the file's energy calibration ... contradicts"
        cube = read_cube(p)
    assert "calibration_note" not in cube.metadata
    assert cube.calibration.source == "auto"
    assert read_cube(p, auto_calibrate=False).calibration.source == "none"


# -- .mca: `channel count` pairs from channel 10 keep the file's #@CALIB -------------------------
def test_mca_channel_pairs_from_a_first_channel_keep_calib(tmp_path):
    """PyMca-style `channel count` pairs starting at #@CHANN's first channel (10): the channel
    column was read as energies in eV, replacing `#@CALIB -0.9 0.01` by 1 eV/channel."""
    counts = np.random.default_rng(2).poisson(20, 300)
    pairs = "".join(f"{i + 10} {c}\n" for i, c in enumerate(counts))
    p = tmp_path / "chann.mca"
    p.write_text(f"#@CHANN 300 10 309 1\n#@CALIB -0.9 0.01 0\n{pairs}", encoding="utf-8")
    s = read_spectrum(p)
    np.testing.assert_array_equal(s.counts, counts)
    assert s.calibration.gain == pytest.approx(0.01)
    assert s.calibration.energy(1)[0] == pytest.approx(-0.9 + 0.01 * 10)  # channel 10's energy
    q = tmp_path / "nochann.mca"  # without #@CHANN the column says where the counts start
    q.write_text(f"#@CALIB -0.9 0.01 0\n{pairs}", encoding="utf-8")
    assert read_spectrum(q).calibration.energy(1)[0] == pytest.approx(-0.8)
    r = tmp_path / "plain.mca"  # and without any calibration there is none
    r.write_text(f"# channel counts\n{pairs}", encoding="utf-8")
    assert read_spectrum(r).calibration.source == "none"


# -- ripple export: the .rpl/.raw pair is replaced together or not at all -------------------------
def test_ripple_write_failing_header_leaves_the_old_pair(tmp_path, monkeypatch):
    """Re-exporting over an earlier pair: a header write that fails (disk full) had already put
    the new .raw in place beside the old .rpl."""
    from pathlib import Path

    from xrf_napari.energy import Calibration
    from xrf_napari.io import ripple

    old = np.arange(2 * 3 * 64, dtype=np.uint16).reshape(2, 3, 64)
    rpl = ripple.write(tmp_path / "scan.rpl", old, Calibration(-0.9, 0.01, source="file"))
    before = rpl.read_bytes(), rpl.with_suffix(".raw").read_bytes()
    real_write_text = Path.write_text

    def failing(self, *args, **kwargs):
        if self.suffix == ".rpl":
            raise OSError(28, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing)
    with pytest.raises(OSError, match="No space left"):
        ripple.write(tmp_path / "scan.rpl", old[:1] + 7, None)
    monkeypatch.undo()
    assert (rpl.read_bytes(), rpl.with_suffix(".raw").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.raw", "scan.rpl"]  # no temporary
    np.testing.assert_array_equal(np.asarray(read_cube(rpl, auto_calibrate=False).data), old)


# -- project HDF5: offset/gain in the unit `energy_units` names ----------------------------------
def test_project_file_calibration_in_ev_is_honoured(tmp_path):
    """file_format.md: `energy_units` is the unit of offset/gain/quadratic. A project file whose
    writer (MATLAB, h5py) stored them in eV with energy_units = "eV" was read as keV: gain 10
    keV/channel, dropped as implausible."""
    import h5py

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(3).poisson(4, (4, 5, 256)).astype(np.uint16)
    p = write_cube(tmp_path / "ev.h5", counts, Calibration(-0.9, 0.01, source="file"))
    with h5py.File(p, "r+") as f:
        a = f["counts"].attrs
        a["offset"], a["gain"], a["quadratic"] = -900.0, 10.0, 0.0
        a["energy_units"] = np.bytes_(b"eV")  # a fixed-length string, as MATLAB writes one
        a["calibration_source"] = np.bytes_(b"file")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "implausible ... ignored"
        cube = read_cube(p, auto_calibrate=False)
    assert cube.calibration.source == "file"
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.9, 0.01))


# -- zarr: a channel-first store is read channel-first --------------------------------------------
def _channel_first_zarr(path, cube, ome: bool, energy=None):
    import zarr

    g = zarr.open_group(str(path), mode="w", zarr_format=2)
    a = g.create_array(
        "0" if ome else "cube",
        shape=cube.shape[::-1][:1] + cube.shape[:2],
        dtype=cube.dtype,
        chunks=(64,) + cube.shape[:2],
    )
    a[:] = cube.transpose(2, 0, 1)
    if ome:  # OME-NGFF 0.4: axes [t][c][z]yx, the channel axis first
        axes = [{"name": "c", "type": "channel"}] + [{"name": n, "type": "space"} for n in "yx"]
        g.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": [{"path": "0"}]}]
    if energy is not None:
        g.create_array("energy", shape=energy.shape, dtype="f8")[:] = energy
    return path


@pytest.mark.parametrize("ome", [True, False])
def test_channel_first_zarr_reads_as_height_width_channels(tmp_path, ome):
    """An OME-Zarr cube (c, y, x), or a (C, H, W) store beside a C-value `energy`, was read as
    (H, W, C): 256 x 20 pixels of 30 'channels', calibrated from the first 30 energies."""
    cube = np.random.default_rng(4).poisson(3, (20, 30, 256)).astype(np.uint16)
    energy = None if ome else -0.9 + 0.01 * np.arange(256)
    p = _channel_first_zarr(tmp_path / "scan.zarr", cube, ome, energy)
    c = read_cube(p, auto_calibrate=False)
    assert c.shape == (20, 30, 256)
    np.testing.assert_array_equal(np.asarray(c.data[:, :, :]), cube)
    np.testing.assert_array_equal(np.asarray(c.data[3:5, 7, 100:110]), cube[3:5, 7, 100:110])
    if energy is not None:
        assert (c.calibration.offset, c.calibration.gain) == pytest.approx((-0.9, 0.01))


def test_channel_first_npz_beside_its_energy_member(tmp_path):
    """An .npz of (C, H, W) counts and a C-value `energy` member was read as (H, W, C) with a
    calibration fitted to the first W energies."""
    cube = np.random.default_rng(5).poisson(3, (20, 30, 256)).astype(np.uint16)
    p = tmp_path / "scan.npz"
    np.savez(p, counts=cube.transpose(2, 0, 1), energy=-0.9 + 0.01 * np.arange(256))
    c = read_cube(p, auto_calibrate=False)
    assert c.shape == (20, 30, 256)
    np.testing.assert_array_equal(np.asarray(c.data[:, :, :]), cube)
    assert (c.calibration.offset, c.calibration.gain) == pytest.approx((-0.9, 0.01))
    q = tmp_path / "hwc.npz"  # (H, W, C) beside its energy stays as it is
    np.savez(q, counts=cube, energy=-0.9 + 0.01 * np.arange(256))
    np.testing.assert_array_equal(np.asarray(read_cube(q, auto_calibrate=False).data), cube)


def test_csv_channel_energy_column_is_still_an_energy_axis(tmp_path):
    """A first column named for the channels' energies (`channels_energy`, `channel_keV`) is an
    energy axis, not channel numbers."""
    counts = np.random.default_rng(6).poisson(30, 300)
    for name in ("channels_energy", "channel_keV"):
        p = tmp_path / f"{name}.csv"
        rows = "".join(f"{-0.9 + 0.01 * i:.4f},{c}\n" for i, c in enumerate(counts))
        p.write_text(f"{name},counts\n{rows}", encoding="utf-8")
        s = read_spectrum(p)
        assert (s.calibration.offset, s.calibration.gain) == pytest.approx((-0.9, 0.01))


# -- .mca: SPEC's `#@CALIB 0 1 0` means no calibration ------------------------------------------
def test_spec_mca_identity_calib_is_no_calibration(tmp_path):
    """SPEC-style writers put `#@CALIB 0 1 0` (x = channel) in a file with no calibration; it
    was read as a 'file' calibration of 1 keV/channel (an axis to 4095 keV)."""
    counts = np.random.default_rng(7).poisson(20, 256)
    p = tmp_path / "spec.mca"
    p.write_text(
        "#F unspecified\n#S 1 ct\n#@MCA 16C\n#@CHANN 256 0 255 1\n#@CALIB 0 1 0\n"
        f"@A {' '.join(map(str, counts))}\n",
        encoding="utf-8",
    )
    s = read_spectrum(p)
    assert s.calibration.source == "none"
    np.testing.assert_array_equal(s.counts, counts)
    q = tmp_path / "cal.mca"  # a real calibration is still read
    q.write_text(p.read_text(encoding="utf-8").replace("0 1 0", "-0.9 0.01 0"), encoding="utf-8")
    assert read_spectrum(q).calibration.gain == pytest.approx(0.01)


def test_real_pymca_spectrum_under_spec_identity_calib_has_no_false_warning(tmp_path, real_data):
    """The real PyMca spectrum saved SPEC-style with `#@CALIB 0 1 0`: read_cube warned that the
    file's calibration (0 keV + 1 keV/channel) contradicts the peaks, 1.5 GeV off."""
    s = read_spectrum(real_data / "pymca_XRFSpectrum.mca")
    p = tmp_path / "spec.mca"
    p.write_text(f"#@CALIB 0 1 0\n@A {' '.join(map(str, s.counts))}\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(p)
    assert "calibration_note" not in cube.metadata
    assert cube.calibration.source == "auto"


# -- HDF5 attributes: `units` of the counts is not the calibration's unit ------------------------
def test_hdf5_counts_units_attribute_does_not_refuse_the_calibration(tmp_path):
    """offset/gain attributes on a dataset that also names its own unit (`units` = "counts", as
    NeXus asks of data) made the file unreadable: "unknown energy units 'counts'"."""
    import h5py

    cube = np.random.default_rng(8).poisson(3, (6, 5, 256)).astype(np.uint16)
    for i, attrs in enumerate(
        (
            {"offset": -0.9, "gain": 0.01, "units": "counts"},
            {"offset": -900.0, "gain": 10.0, "energy_units": "eV", "units": "counts"},
        )
    ):
        p = tmp_path / f"scan{i}.h5"
        with h5py.File(p, "w") as f:
            f.create_dataset("spectra", data=cube).attrs.update(attrs)
        c = read_cube(p, auto_calibrate=False)
        assert (c.calibration.offset, c.calibration.gain) == pytest.approx((-0.9, 0.01))
        np.testing.assert_array_equal(np.asarray(c.data), cube)


def test_project_file_with_one_element_array_attributes(tmp_path):
    """MATLAB writes scalar attributes as 1-element arrays: the project reader's float() of them
    refused the file ("only 0-dimensional arrays can be converted")."""
    import h5py

    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(9).poisson(4, (4, 5, 256)).astype(np.uint16)
    p = write_cube(tmp_path / "m.h5", counts, Calibration(-0.9, 0.01, source="file"))
    with h5py.File(p, "r+") as f:
        a = f["counts"].attrs
        a["offset"], a["gain"], a["quadratic"] = [np.array([[v]]) for v in (-0.9, 0.01, 0.0)]
    cube = read_cube(p, auto_calibrate=False)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.9, 0.01))
    assert cube.calibration.source == "file"
    np.testing.assert_array_equal(np.asarray(cube.data), counts)


# -- a MATLAB v5/v7 .mat says what it is --------------------------------------------------------
def test_matlab_v5_mat_file_is_named_with_the_fix(tmp_path):
    """MATLAB's default save format (v5/v7, not HDF5) was refused as "not a readable HDF5 file
    (file signature not found)", which does not tell the user to save with -v7.3."""
    from xrf_napari.io import CubeReadError

    head = b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Fri Dec  4 10:00:00 2026"
    p = tmp_path / "scan.mat"
    p.write_bytes(head.ljust(116, b" ") + b"\0" * 8 + b"\x00\x01IM" + b"\0" * 256)
    with pytest.raises(CubeReadError, match=r"scan\.mat: is a MATLAB v5/v7 MAT-file.*-v7\.3"):
        read_cube(p)
