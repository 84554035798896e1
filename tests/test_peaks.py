"""Element suggestions from the sum spectrum: confirmed lines, overlaps and anode lines."""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, cube_of, element_spectrum_lines, line_spectrum

from xrf_napari.analysis.peaks import find_spectrum_peaks, suggest_elements, suggest_for_cube
from xrf_napari.elements import transition_lines

E = CANONICAL_CAL.energy(512)


def noisy(*element_areas, background=(300.0, -5.0), seed=0, extra=()):
    """One Poisson draw of the elements' lines and the (energy, area) lines of `extra`."""
    lines = [ln for sym, area in element_areas for ln in element_spectrum_lines(sym, area)]
    lines += extra
    return (
        np.random.default_rng(seed)
        .poisson(line_spectrum(lines, background=background))
        .astype(float)
    )


def test_peaks_found_at_line_energies():
    spec = noisy(("Fe", 1e5))
    peaks = find_spectrum_peaks(E, spec)
    energies = sorted(p.energy for p in peaks)
    assert len(energies) == 2
    assert energies[0] == pytest.approx(6.40, abs=0.015) and energies[1] == pytest.approx(
        7.06, abs=0.02
    )


def test_pigment_elements_suggested_and_anode_ignored():
    # the tube's L lines at its transitions, as it scatters them (element_spectrum_lines puts
    # Rh L-gamma at its family's mean, 3.30 keV, between its transitions at 3.14 and 3.36, where
    # a fit of Rh's L lines beside K's gives potassium that peak)
    rh = [ln for ln in element_spectrum_lines("Rh", 3e4) if ln[0] > 10.0]
    rh += [(ln.energy, 3e4 * ln.weight) for ln in transition_lines("Rh") if ln.family[0] == "L"]
    spec = noisy(("Pb", 2e5), ("Fe", 1e5), ("Ca", 5e4), extra=rh)
    got = suggest_elements(E, spec, anode="Rh")
    assert set(got) == {"Pb", "Fe", "Ca"}
    assert got[0] == "Pb"  # strongest evidence first
    assert "Rh" in suggest_elements(E, spec)  # without the anode it is just another element


def test_arsenic_needs_its_k_beta():
    lead_only = suggest_elements(E, noisy(("Pb", 2e5)))
    assert "Pb" in lead_only and "As" not in lead_only  # As K-alpha sits on Pb L-alpha
    both = suggest_elements(E, noisy(("Pb", 2e5), ("As", 5e4)))
    assert {"Pb", "As"} <= set(both)


def test_arsenic_is_not_confirmed_by_mercury_l_beta():
    """Lead white beside vermilion: As K-alpha sits on Pb L-alpha and As K-beta (11.73 keV) within
    the tolerance of Hg L-beta (11.82 keV), so arsenic used to be suggested for the commonest
    pair of old-master pigments (and with it orpiment or emerald green)."""
    lead_and_mercury = suggest_elements(E, noisy(("Pb", 2e5), ("Hg", 1.5e5), ("S", 2e4)))
    assert {"Pb", "Hg"} <= set(lead_and_mercury) and "As" not in lead_and_mercury
    with_orpiment = suggest_elements(E, noisy(("Pb", 2e5), ("Hg", 1.5e5), ("As", 8e4)))
    assert {"Pb", "Hg", "As"} <= set(with_orpiment)
    # an element whose own K-alpha stands alone stays when its K-beta lies under a strong line
    selenium = suggest_elements(E, noisy(("Pb", 2e5), ("Se", 2e4)), confirmed_only=True)
    assert "Se" in selenium  # Se K-beta 12.50 keV under Pb L-beta 12.59 keV


def test_sulfur_not_suggested_from_lead_m_line():
    assert "S" not in suggest_elements(E, noisy(("Pb", 2e5)))
    assert "S" in suggest_elements(E, noisy(("S", 5e4), ("Ca", 5e4)))


def test_weak_element_without_visible_k_beta_is_kept():
    # 1500 counts of Cu K-alpha over a 300-count continuum: K-beta (~200) is under the noise.
    got = suggest_elements(E, noisy(("Cu", 1500.0), ("Fe", 1e5)))
    assert "Cu" in got


def test_noise_gives_nothing():
    flat = np.random.default_rng(3).poisson(np.full(512, 500.0)).astype(float)
    assert suggest_elements(E, flat) == []
    assert suggest_elements(E, np.zeros(512)) == []


def test_cube_metadata_gives_anode():
    spec = line_spectrum(
        element_spectrum_lines("Fe", 2e4) + element_spectrum_lines("Rh", 2e4),
        background=(20.0, 0.0),
    )
    cube = cube_of([[spec, spec]], profile={"anode": "Rh", "fwhm_mn_ev": 140.0})
    assert suggest_for_cube(cube) == ["Fe"]


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="equal length"):
        suggest_elements(E, np.zeros(10))


@pytest.mark.parametrize("block_bytes", [1, 5 * 37 * 40 * 2, None])
def test_survey_tiles_are_the_sums_over_each_tile(block_bytes):
    """Every tile sum, for a width and height that are not multiples of the tile and for row
    blocks of one row, of blocks straddling tile rows, and of the whole cube."""
    from xrf_napari.analysis.spectra import iter_survey, survey_tile
    from xrf_napari.cube import cube_from_array
    from xrf_napari.progress import run_to_end

    counts = np.random.default_rng(8).poisson(3.0, size=(37, 40, 24)).astype(np.uint16)
    cube = cube_from_array(counts, CANONICAL_CAL)
    t = survey_tile(counts.shape)
    mean, tiles = run_to_end(iter_survey(cube, block_bytes=block_bytes))
    ny, nx = -(-37 // t), -(-40 // t)
    expected = np.array(
        [
            [counts[y : y + t, x : x + t].sum(axis=(0, 1)) for x in range(0, 40, t)]
            for y in range(0, 37, t)
        ]
    )
    assert tiles.shape == (ny, nx, 24)
    np.testing.assert_array_equal(tiles, expected)
    np.testing.assert_allclose(mean, counts.sum(axis=(0, 1)) / (37 * 40))


def test_small_area_pigment_found_through_survey_tiles():
    """Cu in one 16 x 16 corner of a 64 x 64 scan whose other paint scatters a 13x stronger
    continuum: invisible in the mean (K-alpha under 5 sigma), confirmed in its tile. (With the
    same continuum everywhere a tile is only 4x more significant than the sum: its K-beta would
    confirm it only where the sum shows K-alpha at over 20 sigma, and the sum suggests it too.)"""
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.cube import cube_from_array
    from xrf_napari.progress import run_to_end

    rng = np.random.default_rng(5)
    fe = element_spectrum_lines("Fe", 400.0)
    base = line_spectrum(fe, background=(40.0, -1.0))
    corner = line_spectrum(fe + element_spectrum_lines("Cu", 25.0), background=(3.0, -0.1))
    lam = np.broadcast_to(base, (64, 64, 512)).copy()
    lam[:16, :16] = corner
    cube = cube_from_array(rng.poisson(lam).astype(np.uint16), CANONICAL_CAL)
    mean, tiles = run_to_end(iter_survey(cube))
    assert tiles.shape == (4, 4, 512)
    np.testing.assert_allclose(tiles.sum(axis=(0, 1)), cube.sum_spectrum(), rtol=1e-6)
    np.testing.assert_allclose(mean, cube.sum_spectrum() / 4096)
    total = mean * 4096
    assert "Cu" not in suggest_for_cube(cube, total)
    assert suggest_for_cube(cube, total, tiles) == ["Fe", "Cu"]
