import numpy as np
import pytest
from _synth_spectra import synthetic_cube

from xrf_napari.analysis.autocal import AutoCalibrationError, auto_calibrate
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


def channel_error(true: Calibration, fitted: Calibration, n: int, e_range=(1.0, 25.0)) -> float:
    """Largest energy disagreement, in channels, over the analysed range."""
    et, ef = true.energy(n), fitted.energy(n)
    m = (et >= e_range[0]) & (et <= e_range[1])
    return float(np.abs(et - ef)[m].max() / true.gain)


@pytest.mark.parametrize(
    "offset, gain, n",
    [
        (-0.9555, 0.01, 4096),
        (0.0, 0.02, 2048),
        (-0.2, 0.005, 8192),
        (0.3, 0.04, 1024),
        (-1.2, 0.0125, 2048),
        (0.05, 0.03, 1024),
        (-0.5, 0.0075, 4096),
    ],
)
def test_recovers_offset_and_gain_within_one_channel(offset, gain, n):
    cube = cube_from_array(synthetic_cube(offset, gain, n, seed=n + int(gain * 1e4)))
    res = auto_calibrate(cube, anode="Rh")
    true = Calibration(offset, gain)
    assert res.calibration.source == "auto"
    assert abs(res.calibration.offset - offset) < gain  # offset within one channel
    assert channel_error(true, res.calibration, n) < 1.0
    assert res.residual_ev_rms < 10
    assert {"Fe Kα", "Rh Kα (anode)"} <= {p.label for p in res.matched_peaks}


@pytest.mark.parametrize(
    "kwargs, anode",
    [
        (dict(elements=(("Fe", 1.0),)), "Rh"),  # sparse: only Fe and the scatter
        (dict(anode="Mo", elements=(("Cu", 1.0), ("Hg", 0.5))), "Mo"),
        (dict(elements=(("Ca", 1.0), ("Zn", 0.5)), compton=False), "Rh"),
        (dict(scale=0.05), "Rh"),  # low counts
    ],
)
def test_harder_spectra(kwargs, anode):
    cube = cube_from_array(synthetic_cube(-0.3, 0.012, 2048, seed=11, **kwargs))
    res = auto_calibrate(cube, anode=anode)
    assert channel_error(Calibration(-0.3, 0.012), res.calibration, 2048) < 1.0


def test_real_m6_spx_without_its_calibration(real_data):
    """Strip the .spx's own calibration, recover it from the peaks alone."""
    from xrf_napari.io import read_spectrum

    sp = read_spectrum(real_data / "bruker_m6_jetstream_file_example.spx")
    res = auto_calibrate(sp.counts, anode="Rh")
    labels = {p.label for p in res.matched_peaks}
    assert {"zero peak", "Ca Kα", "Rh Kα (anode)"} <= labels
    assert abs(res.calibration.offset - sp.calibration.offset) < sp.calibration.gain  # < 1 channel
    assert channel_error(sp.calibration, res.calibration, 4096, (0.0, 25.0)) < 1.0
    # the fit explains the matched peaks better than the file's own calibration does
    file_resid = [
        sp.calibration.energy(4096)[0] + sp.calibration.gain * p.channel - p.energy
        for p in res.matched_peaks
    ]
    assert res.residual_ev_rms < 1e3 * np.sqrt(np.mean(np.square(file_resid)))


def test_noise_and_flat_spectra_fail_cleanly():
    rng = np.random.default_rng(0)
    with pytest.raises(AutoCalibrationError):
        auto_calibrate(cube_from_array(rng.poisson(5, (4, 4, 1024)).astype(np.uint16)))
    with pytest.raises(AutoCalibrationError):
        auto_calibrate(np.zeros(2048))


def test_read_cube_records_auto_or_failure(tmp_path):
    from xrf_napari.io import read_cube

    good = tmp_path / "good.npy"
    np.save(good, synthetic_cube(-0.4, 0.015, 2048, seed=4))
    cube = read_cube(good, anode="Rh")
    assert cube.calibration.source == "auto" and cube.metadata["calibration_source"] == "auto"
    assert cube.metadata["auto_calibration"]["residual_ev_rms"] < 10
    assert channel_error(Calibration(-0.4, 0.015), cube.calibration, 2048) < 1.0
    flat = tmp_path / "flat.npy"
    np.save(flat, np.ones((3, 3, 512), np.uint8))
    cube = read_cube(flat)
    assert cube.calibration.source == "none" and "failed" in cube.metadata["auto_calibration"]
    assert read_cube(good, auto_calibrate=False).calibration.source == "none"


def test_calibration_from_peaks():
    from xrf_napari.io.user_calibration import calibration_from_peaks

    cal = calibration_from_peaks(640.5, 6.404, 1105.5, 10.551)
    assert cal.source == "user"
    assert cal.energy(2000)[640] == pytest.approx(6.404 - 0.5 * cal.gain)
    assert float(cal.channel(10.551)) == pytest.approx(1105.5)
    with pytest.raises(ValueError):
        calibration_from_peaks(100, 5.0, 200, 4.0)


# -- a file calibration that contradicts the peaks ---------------------------------------------
def _npy_with_sidecar(tmp_path, name, counts, offset, gain):
    import json

    path = tmp_path / f"{name}.npy"
    np.save(path, counts)
    path.with_suffix(".json").write_text(json.dumps({"offset": offset, "gain": gain}))
    return path


@pytest.mark.parametrize("offset, gain", [(0.6, 0.015), (-0.4, 0.0165)])  # 1 keV shift; 10 % gain
def test_contradicted_file_calibration_is_replaced_with_a_warning(tmp_path, offset, gain):
    from xrf_napari.io import read_cube

    counts = synthetic_cube(-0.4, 0.015, 2048, seed=4)
    path = _npy_with_sidecar(tmp_path, "wrong", counts, offset, gain)
    with pytest.warns(UserWarning, match="contradicts the spectrum's peaks"):
        cube = read_cube(path)
    assert cube.calibration.source == "auto"
    assert channel_error(Calibration(-0.4, 0.015), cube.calibration, 2048) < 1.0
    assert "wrong.npy" in cube.metadata["calibration_note"]
    assert cube.metadata["calibration_source"] == "auto"


def test_correct_file_calibration_is_left_alone(tmp_path):
    import warnings

    from xrf_napari.io import read_cube

    counts = synthetic_cube(-0.4, 0.015, 2048, seed=4)
    path = _npy_with_sidecar(tmp_path, "right", counts, -0.4, 0.015)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(path)
    assert cube.calibration == Calibration(-0.4, 0.015, 0.0, "file")
    assert "calibration_note" not in cube.metadata


def test_implausible_file_calibration_is_dropped(tmp_path):
    from xrf_napari.io import read_cube

    counts = synthetic_cube(-0.4, 0.015, 2048, seed=4)
    path = _npy_with_sidecar(tmp_path, "huge", counts, 0.0, 1e300)
    with pytest.warns(UserWarning, match="implausible"):
        cube = read_cube(path)
    assert cube.calibration.source == "auto"  # the peaks give the calibration instead
    assert channel_error(Calibration(-0.4, 0.015), cube.calibration, 2048) < 1.0
    with pytest.warns(UserWarning, match="implausible"):
        assert read_cube(path, auto_calibrate=False).calibration.source == "none"


def test_a_runaway_quadratic_term_is_implausible():
    """Gain and offset plausible, axis increasing, but a quadratic term of 1e30 keV/channel^2
    (a corrupt .mca header, found by benchmarks/fuzz_readers.py) put channel 1 at 1e30 keV: kept,
    it failed later in every model pass ("energy edges must be strictly increasing")."""
    from xrf_napari.io.calibration import implausible

    assert implausible(Calibration(-0.1, 0.08, 0.0), 256) is None
    assert implausible(Calibration(-0.1, 0.01, 1e-6), 4096) is None  # a real detector's curvature
    why = implausible(Calibration(-0.1, 0.08, 1e30), 256)
    assert why is not None and "quadratic term" in why


@pytest.mark.parametrize("name", ["painting.h5", "panel.h5"])
def test_bundled_samples_keep_their_calibration(name):
    import warnings
    from pathlib import Path

    import xrf_napari
    from xrf_napari.io import read_cube

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(Path(xrf_napari.__file__).parent / "sample_data" / name)
    assert cube.calibration.source == "file" and "calibration_note" not in cube.metadata


def test_generated_native_cubes_keep_their_calibration(tmp_path):
    """The generator's native-channel cubes (random instrument profiles: gains, offsets, anodes)."""
    import warnings

    from xrf_napari.io import read_cube
    from xrf_napari.synth.dataset import GenerateConfig, generate_one

    cfg = GenerateConfig(out=str(tmp_path), n_cubes=3, size=16, profiles="all", native=True, seed=3)
    for i in range(3):
        generate_one(i, cfg)
        for name in (f"cube_{i:05d}.h5", f"cube_{i:05d}_native.h5"):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                cube = read_cube(tmp_path / name)
            assert cube.calibration.source == "file", name


@pytest.mark.parametrize("name", ["painting.h5", "panel.h5"])
def test_a_sample_written_without_its_calibration_gets_it_back(tmp_path, name):
    """The canonical grid (50 eV/channel from 1.0 keV: what `export-set --format rpl-nocal` writes
    for a set made without --native) lay outside the searched gains and offsets, and the best fit
    inside was 27-38 % low (Fe K-alpha read at 2.9-4.1 keV) with a residual that passed."""
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.io.ripple import write

    cube = read_cube(sample_path(name.split(".")[0]))
    path = write(tmp_path / "nocal.rpl", np.asarray(cube.data[:]), None)
    got = read_cube(path)
    assert got.calibration.source == "auto"
    assert channel_error(cube.calibration, got.calibration, cube.n_channels) < 1.0


@pytest.mark.parametrize("n, gain, offset", [(512, 0.06, -0.2), (512, 0.08, 0.0)])
def test_coarse_physics_grids_are_calibrated(n, gain, offset):
    """512 channels over 30-40 keV (60-80 eV/channel) were outside the searched gains."""
    from xrf_napari.analysis.autocal import calibrate_spectra

    res = calibrate_spectra(_physics_spectra(n, gain, offset, seed=5), anode="Rh")
    assert channel_error(Calibration(offset, gain), res.calibration, n) < 1.0


def test_a_close_rival_calibration_is_refused_not_guessed():
    """With the true gain outside the box searched, the best hypothesis inside it is wrong; a
    clearly different one that fits about as well makes the answer ambiguous: refused."""
    from xrf_napari.analysis.autocal import calibrate_spectra

    spectra = _physics_spectra(512, 0.06, -0.2, seed=5)
    with pytest.raises(AutoCalibrationError, match="about equally well"):
        calibrate_spectra(spectra, anode="Rh", gain_range=(0.005, 0.04))


def _physics_spectra(n, gain, offset, seed):
    """Sum and max-pixel spectra of a 48 x 48 physics cube on a native (n, gain, offset) grid."""
    import dataclasses

    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.synth.dataset import synthesize

    rgb = np.kron(np.random.default_rng(3).integers(0, 255, (4, 4, 3)), np.ones((12, 12, 1)))
    prof = dataclasses.replace(
        bruker_m6(), counts_per_pixel=2000.0, n_channels=n, gain=gain, offset=offset
    )
    nat = synthesize(rgb.astype(np.uint8), np.random.default_rng(seed), prof, native=True).native
    return [nat.sum((0, 1)).astype(float), nat.max((0, 1)).astype(float)]
