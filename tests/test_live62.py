"""Session 62: a cube's per-pixel live times, read from APS XRF-Maps, Crono and project files but
used nowhere: the real APS scan's first column, counted 1.21 s against 0.50 s, was 2.4x brighter
in every elemental map and the sum image. Maps and the sum image are now brought to the scan's
median live time (Cube.live_time_scale), the values still counts per pixel."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

APS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
APS_SCAN = APS / "aps_xrfmaps_2xfm_0011.h5"
CAL = Calibration(0.0, 0.02)  # 0-20.48 keV over 1024 channels


def _rate_spectrum() -> np.ndarray:
    """Counts per second of live time per channel: a flat continuum, Ca and Fe K-alpha."""
    e = CAL.energy(1024)

    def g(mu, area, sigma=0.06):  # a Gaussian line of `area` counts per second
        return area * 0.02 * np.exp(-0.5 * ((e - mu) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi))

    return 20.0 + g(3.69, 1500.0) + g(6.40, 3000.0)


def _maps(counts, live_time=None):
    from xrf_napari.analysis.maps import element_maps

    cube = cube_from_array(counts, CAL)
    cube.live_time = live_time
    return element_maps(cube, ["Ca", "Fe"], present=["Ca", "Fe"], fwhm_ev=140.0)


def test_maps_of_pixels_of_other_live_times_read_the_rate_at_the_median_live_time():
    """Noise-free pixels of one paint counted for 1.2 s (first column), 0.8 s (one pixel), 0 s
    (one Crono pixel no spectrum fills: kept as read) and 0.5 s elsewhere: the maps over the
    median live time (0.5 s) are the paint's rate everywhere, as the map of its counts per
    second; they had been 2.4x brighter in the first column."""
    rate = _rate_spectrum()
    t = np.full((6, 5), 0.5)
    t[:, 0], t[3, 3], t[4, 2] = 1.2, 0.8, 0.0
    counts = rate * np.where(t > 0, t, 0.7)[..., None]  # the 0 s pixel: counts of its own
    scaled = _maps(counts, t)
    raw = _maps(counts)
    per_second = _maps(np.broadcast_to(rate, (6, 5, rate.size)).copy())
    ok = t > 0
    for s in ("Ca", "Fe"):
        assert per_second[s].min() > 500  # the line is mapped
        np.testing.assert_allclose(scaled[s][ok] / np.median(t[ok]), per_second[s][ok], rtol=1e-4)
        assert scaled[s][4, 2] == raw[s][4, 2]  # no live time to scale by: as read


def test_equal_live_times_leave_the_maps_exactly_as_without():
    """A guard: a cube whose pixels share one live time, or has none, gets the maps it got."""
    counts = _rate_spectrum() * np.random.default_rng(0).uniform(0.4, 0.6, (4, 3, 1))
    base = _maps(counts)
    same = _maps(counts, np.full((4, 3), 0.5, np.float32))
    for s in base:
        assert np.array_equal(base[s], same[s])


@pytest.mark.skipif(not APS_SCAN.exists(), reason=f"real data folder absent ({APS})")
def test_the_real_aps_scan_maps_and_sum_image_no_longer_brighten_its_first_column(tmp_path, capsys):
    """The real APS scan (first column 1.20-1.22 s of live time, 0.50 s elsewhere): its Ca, Fe,
    Cu maps and its sum layer read 2.39-2.44x the rest's mean in that column; within 5 % now.
    The sum layer's metadata, the quicklook TIFF's record, its table and its printout say the
    values are scaled and to what."""
    from xrf_napari._reader import cube_layers
    from xrf_napari.analysis.maps import element_maps
    from xrf_napari.cli.main import main
    from xrf_napari.io import read_cube

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cube = read_cube(APS_SCAN)
        maps = element_maps(cube, ["Ca", "Fe", "Cu"], present=["Ca", "Fe", "Cu", "Ar"])
        (_, (total, kw, _)) = cube_layers(cube)
    for m in (*maps.values(), total):
        assert abs(m[:, 0].mean() / m[:, 1:].mean() - 1) < 0.05
    said = (
        "scaled to the scan's median live time of 0.499 s; its pixels' live times run 0.498-1.22 s"
    )
    assert kw["metadata"]["xrf_values"] == f"counts per pixel, {said}"
    assert (
        main(["quicklook", str(APS_SCAN), "--output", str(tmp_path), "--tiff", "--elements", "Fe"])
        == 0
    )
    import tifffile

    (tif,) = tmp_path.glob("*_Fe_*.tif")
    with tifffile.TiffFile(tif) as f:
        record = json.loads(f.pages[0].description)
    assert record["values"] == f"net line counts per pixel, {said}"
    assert said in next(tmp_path.glob("*_maps.csv")).read_text().splitlines()[0]
    assert f"the maps are net line counts per pixel, {said}" in capsys.readouterr().err


def test_the_maps_dock_says_its_maps_are_at_the_median_live_time(
    make_napari_viewer, qtbot, monkeypatch
):
    """Make maps on a scan whose pixels' live times differ: the line and each layer's metadata
    say the counts were brought to the median live time; they said "net line counts per pixel"."""
    pytest.importorskip("napari")
    from _napari_helpers import in_memory_scans, quick_survey, stand_in_maps_job, wait_idle

    import xrf_napari.widgets.maps as maps_mod

    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", ones)
    quick_survey(monkeypatch, {"scan0": ["Fe"]})
    viewer = make_napari_viewer()
    (cube,) = in_memory_scans(viewer, (0,))
    cube.live_time = np.full(cube.shape[:2], 0.5)
    cube.live_time[:, 0] = 1.2
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.set_checked_elements(["Fe"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    said = (
        "net line counts per pixel, scaled to the scan's median live time of 0.5 s; its "
        "pixels' live times run 0.5-1.2 s"
    )
    assert dock.job.status.text() == f"1 map(s) added ({said})."
    (layer,) = [ly for ly in viewer.layers if "xrf_element" in ly.metadata]
    assert layer.metadata["xrf_values"] == said
