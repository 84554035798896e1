"""Element maps, analysis audit 29: unbiased totals for absent elements (finding 8)."""

import csv

import numpy as np
import pytest
from _spectra import CANONICAL_CAL, line_spectrum

from xrf_napari.cube import cube_from_array


def _noisy_fe_cube(size=64, seed=0):
    """Fe K-alpha of 300 counts on 20 counts per channel, Poisson noise, no cobalt at all."""
    lam = line_spectrum([(6.3995, 300.0)], background=(20.0, 0.0))
    rng = np.random.default_rng(seed)
    return cube_from_array(
        rng.poisson(lam, size=(size, size, lam.size)).astype(np.uint16), CANONICAL_CAL
    )


def test_absent_element_totals_are_unbiased_in_maps_and_table(tmp_path):
    """Maps were clipped at 0 per pixel, so an absent Co on a 20 counts/channel background
    averaged +6.5 counts per pixel (26 579 in the CSV's total for 64 x 64 pixels) instead of ~0.
    The dock (widgets.maps._maps_job) and quicklook (iter_element_maps' defaults) now keep the
    negative pixels, and the table's total is their unbiased sum."""
    from xrf_napari.analysis.export import save_element_maps
    from xrf_napari.analysis.maps import element_maps, plan_for_cube
    from xrf_napari.progress import run_to_end
    from xrf_napari.widgets.maps import _maps_job

    cube = _noisy_fe_cube()
    maps = element_maps(cube, ["Co", "Fe"], present=["Co", "Fe"])
    co, fe = maps["Co"], maps["Fe"]
    sem = co.std() / np.sqrt(co.size)  # the standard error of the mean
    assert co.min() < 0  # noise around zero is kept
    assert abs(co.mean()) < 3 * sem, (co.mean(), sem)
    assert fe.mean() == pytest.approx(300.0, abs=3 * fe.std() / np.sqrt(fe.size) + 1)

    plans, dock_maps, tops = run_to_end(_maps_job(cube, ["Co", "Fe"], None, True, ["Co", "Fe"], {}))
    np.testing.assert_array_equal(dock_maps["Co"], co)  # what the dock shows and saves
    assert tops["Co"] > 0

    save_element_maps(tmp_path, "scan", plans, dock_maps)
    lines = (tmp_path / "scan_maps.csv").read_text(encoding="utf-8").splitlines()
    assert "not clipped" in lines[0]
    rows = {r["element"]: r for r in csv.DictReader(lines[1:])}
    total = float(rows["Co"]["total_net_counts"])
    assert abs(total) < 3 * sem * co.size, total  # it was +26 579 clipped
    assert float(rows["Fe"]["total_net_counts"]) == pytest.approx(300.0 * co.size, rel=0.02)

    # clip=True still gives the display-style (biased) maps to a caller that asks for them
    clipped = element_maps(cube, ["Co"], present=["Co", "Fe"], clip=True)["Co"]
    assert clipped.min() >= 0 and clipped.mean() > co.mean() + 10 * sem
    assert plan_for_cube(cube, ["Co"])[0][0].line.family == "Ka"
