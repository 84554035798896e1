"""Pigment report details a conservator reads (pigment-fit audit 28, findings 4 and 6): a small
region is highlighted in its own thumbnail, the page counts regions in English, gives counts as
the CSV does, and the detector resolution without spurious decimals."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.analysis.pigment_report import _thumb, write_report
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize
from xrf_napari.synth.recipes import Recipe


def test_a_small_region_of_a_big_scan_shows_in_its_thumbnail():
    labels = np.ones((960, 960), np.int32)
    labels[97:104, 97:104] = 2  # 49 px: a stride of 8 would step over every one of them
    colour = np.array([1.0, 0.0, 0.0], np.float32)
    thumb = _thumb(labels, 2, None, colour)
    red = (thumb[..., 0] == 255) & (thumb[..., 1] == 0) & (thumb[..., 2] == 0)
    assert 1 <= red.sum() <= 4  # the 7 x 7 block spans 1-4 thumbnail pixels
    big = _thumb(labels, 1, None, colour)  # the rest of the scan is still the other region
    assert ((big[..., 0] == 255) & (big[..., 1] == 0)).mean() > 0.95


def test_a_one_region_report_says_region_counts_and_fwhm(tmp_path):
    profile = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=141.759, counts_per_pixel=2000.0)
    labels = np.zeros((12, 12), np.int32)
    rec = Recipe(["Vermilion", "Lead white"], [0.4, 0.6], [0, 0, 0], [0, 0, 0], 0.0)
    syn = synthesize(
        np.zeros((12, 12, 3), np.uint8),
        np.random.default_rng(3),
        profile,
        labels=labels,
        recipes=[rec],
        blur_px=1.0,
    )
    cube = cube_from_array(syn.counts, Calibration.canonical(), **dict(syn.metadata, name="one"))
    report = pf.fit_regions(cube, labels + 1)
    paths = write_report(tmp_path / "rep", report, labels + 1, scan_name="one")
    html = paths["report.html"].read_text(encoding="utf-8")
    assert "1 region." in html and "1 regions" not in html
    assert "FWHM 142 eV" in html and "141.759" not in html
    counts = report.regions[0].counts
    assert f"{counts:,.0f} counts" in html and "e+0" not in html
