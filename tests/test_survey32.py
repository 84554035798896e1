"""Element survey groups (session 32): a pigment used in a small or scattered area that no survey
tile holds mostly is pooled with its like (analysis.spectra.iter_survey(groups=True)). The
painting sample's cadmium red (589 pixels, Cd L-alpha at 13 sigma in its own sum) was suggested
neither from the scan's sum nor from any 16 x 16 tile: every tile also held its neighbours' paint.
"""

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

from xrf_napari.analysis.peaks import suggest_for_cube
from xrf_napari.analysis.spectra import iter_survey, survey_tile
from xrf_napari.cube import cube_from_array
from xrf_napari.progress import run_to_end

#: Eight 6 x 6 spots, each in a tile of its own (64 x 64 scan, 16 x 16 tiles).
SPOTS = [(5, 5), (5, 37), (21, 21), (21, 53), (37, 5), (37, 37), (53, 21), (53, 53)]


def _painted_elements(cube) -> set[str]:
    """Elements of the generator's recipe (pigments, ground, argon, the anode)."""
    from xrf_napari.synth.dataset import elements_in

    return elements_in(cube.metadata)


def test_painting_sample_suggests_its_cadmium_red():
    """quicklook's path (the docks' survey job is the same two calls): Cd is suggested, and no
    element the painting was not made of."""
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.cli.quicklook_cmd import choose_maps

    cube = read_cube(sample_path("painting"))
    assert any("Cadmium red" in r["pigments"] for r in cube.metadata["regions"])
    _, suggested, _, _ = choose_maps(cube, max_elements=0)
    assert "Cd" in suggested, list(suggested)
    assert set(suggested) <= _painted_elements(cube), list(suggested)


def test_the_docks_survey_job_pools_groups_too():
    pytest.importorskip("qtpy")
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.widgets._common import _survey_job

    cube = read_cube(sample_path("painting"))
    mean, suggested = run_to_end(_survey_job(cube))
    assert "Cd" in suggested, list(suggested)
    np.testing.assert_allclose(mean * 128 * 128, cube.sum_spectrum(), rtol=1e-6)


def _spotted(seed: int, copper: float = 25.0, spots=SPOTS):
    """Fe paint over a strong continuum, and Cu paint (weak continuum) in `spots`."""
    fe = element_spectrum_lines("Fe", 400.0)
    lam = np.broadcast_to(line_spectrum(fe, background=(40.0, -1.0)), (64, 64, 512)).copy()
    cu = fe + element_spectrum_lines("Cu", copper)
    for y, x in spots:
        lam[y : y + 6, x : x + 6] = line_spectrum(cu, background=(3.0, -0.1))
    counts = np.random.default_rng(seed).poisson(lam).astype(np.uint16)
    return cube_from_array(counts, CANONICAL_CAL)


@pytest.mark.parametrize("seed", range(3))
def test_copper_in_scattered_spots_is_found_and_nothing_else(seed):
    """288 Cu pixels in eight spots, 36 in each tile: pooled by the groups, Cu is confirmed."""
    cube = _spotted(seed)
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    assert suggest_for_cube(cube, mean * 4096, spectra) == ["Fe", "Cu"]


@pytest.mark.parametrize("seed", range(3))
def test_one_paint_everywhere_gains_no_element(seed):
    """Groups of noise alone (one paint, Poisson counts) add nothing to the suggestions."""
    cube = _spotted(seed, spots=[])
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    assert suggest_for_cube(cube, mean * 4096, spectra) == ["Fe"]


@pytest.mark.parametrize("block_bytes", [1, 5 * 37 * 40 * 2, None])
def test_groups_come_after_the_same_tiles(block_bytes):
    """The tiles come first, as without groups, and the mean is the same; then the groups, none
    empty and none over MAX_GROUP_SHARE of the scan's counts."""
    from xrf_napari.analysis.spectra import MAX_GROUP_SHARE

    counts = np.random.default_rng(32).poisson(3.0, size=(37, 40, 24)).astype(np.uint16)
    counts[:10, :7] = 0
    counts[20:, 20:, 5] += 40  # a second paint, so that groups differ
    cube = cube_from_array(counts, CANONICAL_CAL)
    mean, tiles = run_to_end(iter_survey(cube, block_bytes=block_bytes))
    mean2, spectra = run_to_end(iter_survey(cube, block_bytes=block_bytes, groups=True))
    n = tiles.shape[0] * tiles.shape[1]
    np.testing.assert_array_equal(spectra[:n], tiles.reshape(n, -1))
    np.testing.assert_array_equal(mean2, mean)
    share = spectra[n:].sum(axis=1) / counts.sum()
    assert len(share) > 0 and np.all(share > 0) and np.all(share <= MAX_GROUP_SHARE)


@pytest.mark.parametrize("shape", [(11, 9, 20), (1, 1, 20), (3, 40, 20), (40, 3, 20)])
@pytest.mark.parametrize("groups", [False, True])
def test_scans_narrower_than_a_tile_or_a_cell(shape, groups):
    """The APS map (11 x 9 pixels, 16-pixel tiles) and single spectra: the column sums by reshape
    had no whole run of columns to reshape and raised."""
    counts = np.random.default_rng(3).poisson(2.0, size=shape).astype(np.uint16)
    cube = cube_from_array(counts, CANONICAL_CAL)
    mean, spectra = run_to_end(iter_survey(cube, groups=groups))
    np.testing.assert_allclose(mean * shape[0] * shape[1], counts.sum(axis=(0, 1)))
    tiles = spectra[: -(-shape[0] // 16) * -(-shape[1] // 16)] if groups else spectra
    np.testing.assert_array_equal(tiles.reshape(-1, shape[2]).sum(axis=0), counts.sum(axis=(0, 1)))


@pytest.mark.parametrize("k", [1, 4, 32, 500])
def test_each_level_holds_every_cell_once(k):
    """group_sums: at most k groups, none empty, adding up to the non-empty cells' sum (each
    cell in one group); the same cells give the same groups."""
    from xrf_napari.analysis.spectra import group_sums

    rng = np.random.default_rng(k)
    cells = rng.poisson(rng.uniform(0.5, 20.0, size=(300, 1)), size=(300, 50)).astype(np.float32)
    cells[::7] = 0
    sums = group_sums(cells, (k,))
    assert 1 <= len(sums) <= k and np.all(sums.sum(axis=1) > 0)
    np.testing.assert_array_equal(sums.sum(axis=0), cells.sum(axis=0))
    np.testing.assert_array_equal(group_sums(cells, (k,)), sums)
    two = group_sums(cells, (k, 3))  # levels one after the other
    np.testing.assert_array_equal(two[: len(sums)], sums)
    np.testing.assert_array_equal(two[len(sums) :].sum(axis=0), cells.sum(axis=0))


@pytest.mark.parametrize("shape", [(16, 16), (128, 128), (302, 414), (3000, 4000)])
def test_cells_stay_under_their_cap(shape):
    from xrf_napari.analysis.spectra import MAX_SURVEY_CELLS, MIN_SURVEY_CELL, survey_cell

    s = survey_cell(shape)
    assert s >= MIN_SURVEY_CELL
    assert -(-shape[0] // s) * -(-shape[1] // s) <= MAX_SURVEY_CELLS
    assert survey_tile(shape) >= 16
