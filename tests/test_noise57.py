"""Scans with no line, or next to none, are not said to have been measured (session 57, noise57):
pure flat Poisson noise, a near-empty scan, a 1-channel scan."""

import numpy as np
import pytest
from _napari_helpers import tiny_weights
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum
from test_trust46 import panel  # noqa: F401  (a fixture: the bundled panel's counts)

from xrf_napari.cube import cube_from_array


def _flat_noise(h: int, w: int, per_channel: float, seed: int = 0) -> np.ndarray:
    """(h, w, 512) Poisson counts of a flat spectrum on the canonical grid: no line at all."""
    rng = np.random.default_rng(seed)
    return rng.poisson(per_channel, (h, w, 512)).astype(np.uint16)


def test_recolour_of_flat_noise_does_not_say_the_lines_name_the_colour(tmp_path):
    """1 x 5 px of flat noise (36,000 counts a pixel): recolour said "The element lines name the
    colour family everywhere in this scan" right after "the spectra show no peaks"."""
    from xrf_napari.analysis.recolour import recolour

    dve, uvit = tiny_weights(tmp_path)
    cube = cube_from_array(_flat_noise(1, 5, 70.0), CANONICAL_CAL)
    amb = recolour(cube, weights=str(uvit), embedder_weights=str(dve), device="cpu").ambiguity
    msg = amb.message(names=None)
    assert "everywhere" not in msg, msg
    assert amb.ambiguous.all() and "No element's line stands out of the counting noise" in msg


def test_a_weak_line_on_noise_still_counts_and_noise_alone_does_not():
    """The significance test (line_features.quiet_elements) keeps a weak Fe line on a few
    pixels of such noise: 120 counts in each of 4 of 64 pixels of 2,560 counts, 7-8 sigma summed
    (the threshold is 5)."""
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS, line_features, quiet_elements

    lf = line_features()
    noise = _flat_noise(8, 8, 5.0).reshape(-1, 512).astype(np.float64)
    assert quiet_elements(lf, noise.sum(axis=0)) == frozenset(FEATURE_ELEMENTS)
    fe = line_spectrum(element_spectrum_lines("Fe", 120.0))
    noise[:4] += fe
    assert quiet_elements(lf, noise.sum(axis=0)) == frozenset(FEATURE_ELEMENTS) - {"Fe"}


def test_the_panels_ambiguity_note_is_unchanged_by_the_significance_test(panel):  # noqa: F811
    """Every element the bundled panel shows on 1 % of its pixels or more (its weakest, S, on
    1.5 %) stands out of its noise: the note on it is what it was without the test."""
    from xrf_napari.analysis.ambiguity import ambiguity_report
    from xrf_napari.analysis.line_features import CountedFeatures, line_features

    data, _ = panel
    counted = CountedFeatures(line_features())
    flat = data.reshape(-1, data.shape[-1]).astype(np.float32)
    feats = counted(flat).reshape(data.shape[:2] + (-1,))
    elements = counted.elements
    before = ambiguity_report(feats, elements)
    after = ambiguity_report(feats, elements, quiet=counted.quiet())
    assert {"S", "Ca", "Fe", "Co", "Cu", "As", "Hg", "Pb"}.isdisjoint(counted.quiet())
    assert after.message(names=None) == before.message(names=None)
    assert (after.ambiguous == before.ambiguous).all()


def test_pigments_assume_the_resolution_and_anode_where_no_peak_supports_an_estimate():
    """pigments on flat noise said "about 185 eV at Mn K-alpha, estimated from the peak widths"
    and "Mo estimated from the spectra": each trial fitted the noise as badly, the least
    chi-square chose one at random."""
    from xrf_napari.analysis.pigment_fit import instrument_for, iter_estimate_missing
    from xrf_napari.progress import run_to_end

    cube = cube_from_array(_flat_noise(1, 5, 70.0), CANONICAL_CAL)
    profile, notes = instrument_for(cube)
    spectra = np.asarray(cube.data[()], dtype=np.float64).reshape(-1, 512)[:1] * 5
    got, said = run_to_end(iter_estimate_missing(profile, notes, spectra))
    text = "\n".join(said)
    assert "estimated" not in text, text
    assert got.fwhm_mn_ev == profile.fwhm_mn_ev and got.anode == profile.anode
    from xrf_napari.analysis.pigment_fit import NO_PEAK_TO_ESTIMATE, _peaks_to_estimate_from

    for what in ("anode not in the metadata", "detector resolution not in the metadata"):
        (note,) = [n for n in said if n.startswith(what)]
        assert note.endswith(f"assumed {NO_PEAK_TO_ESTIMATE}"), note
    # a spectrum with lines is still estimated from
    assert _peaks_to_estimate_from(line_spectrum(element_spectrum_lines("Fe", 500.0))[None])


def _npy(path, counts, cal=None):
    import json

    np.save(path, counts)
    if cal:
        path.with_suffix(".json").write_text(json.dumps(cal), encoding="utf-8")
    return path


def test_quicklook_of_a_one_channel_scan_names_no_python_call(tmp_path, capsys):
    """quicklook of a (6, 6, 1) array told a command-line user of `read_cube(anode=...)`, and of
    calibrating what is an image, not a spectrum."""
    from xrf_napari.cli.main import main

    scan = _npy(tmp_path / "onech.npy", _flat_noise(6, 6, 20.0)[..., :1])
    with pytest.warns(UserWarning, match="too few for an X-ray spectrum"):
        assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "read_cube(" not in out and "1 channel, too few for an X-ray spectrum" in out, out


def test_quicklook_without_auto_calibration_does_not_say_it_failed(tmp_path, capsys):
    """--no-auto-calibration of a scan without a calibration: "automatic calibration failed",
    though none was tried; the way on names the CLI's options."""
    from xrf_napari.cli.main import main

    scan = _npy(tmp_path / "raw.npy", _flat_noise(2, 2, 3.0))
    argv = ["quicklook", str(scan), "-o", str(tmp_path / "q"), "--no-progress"]
    assert main([*argv, "--no-auto-calibration"]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out and "(--no-auto-calibration)" in out, out
    assert "read_cube(" not in out and "leave out --no-auto-calibration" in out
