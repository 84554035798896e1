"""Elemental maps on coarse channels: an element whose fit group (analysis.maps.FIT_GROUPS) cannot
be separated on the cube's channels is mapped by its window, with a note, and the other maps are
made as before.

The P/Co/Mn/Cr fit groups (791ca0e9, 53cd245f) made P K-alpha a fit with Hg, Pb and S: at 160 eV
channels and a 140 eV detector (and S at 200 eV with 160 eV) its templates are not independent,
and _fit_column's refusal ("the cube's channels are too coarse to separate P from Hg, Pb, S")
stopped the whole Make maps run in the Elemental maps dock and quicklook: no map at all.
"""

import csv

import numpy as np
import pytest
from _napari_helpers import open_cube, wait_idle
from _spectra import template_spectrum

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

#: one pixel each: vermilion's Hg, lead white's Pb, bone black's P (with Ca), iron, chalk
PIXELS = (("Hg",), ("Pb",), ("P", "Ca"), ("Fe",), ("Ca",))
MAPPED = ["P", "S", "Hg", "Pb", "Ca", "Fe"]
AREA = 1000.0


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def coarse_cube(width_kev=0.16, fwhm_mn_ev=140.0):
    """(1, 5) pixels of PIXELS (each line family's main area AREA, xraylib ratios and Si escape
    peaks, from tests/_spectra.py) on 5 counts per channel, channels of `width_kev` from 0 to 20
    keV. The maps take each element's escape peaks out of the others' (maps._less_neighbours)."""
    n = int(round(20.0 / width_kev))
    cal = Calibration(0.5 * width_kev, width_kev)
    kw = {"cal": cal, "n": n, "fwhm_mn_ev": fwhm_mn_ev, "escape": True}
    row = [sum(template_spectrum(s, AREA, **kw) for s in px) + 5.0 for px in PIXELS]
    arr = np.array([row], dtype=np.float32)
    return cube_from_array(arr, cal, profile={"fwhm_mn_ev": fwhm_mn_ev, "anode": "Rh"})


def _write(path, cube):
    from xrf_napari.io.project_h5 import write_cube

    write_cube(
        path,
        np.asarray(cube.data),
        cube.calibration,
        metadata={"profile": {"fwhm_mn_ev": 140.0, "anode": "Rh"}, "name": "coarse"},
    )
    return path


@pytest.mark.parametrize(
    ("width", "fwhm", "windowed"),
    [(0.16, 140.0, {"P"}), (0.2, 160.0, {"P", "S"}), (0.2, 140.0, {"P", "S"})],
)
def test_unseparable_fit_falls_back_to_its_window_and_the_run_goes_on(width, fwhm, windowed):
    """The parent raised "too coarse to separate P from Hg, Pb, S" for the whole run."""
    cube = coarse_cube(width, fwhm)
    plans, _ = M.plan_for_cube(cube, MAPPED, present=MAPPED)
    maps = M.element_maps(cube, MAPPED, present=MAPPED)
    assert set(maps) == set(MAPPED)
    by = {p.symbol: p for p in plans}
    for s in windowed:
        p = by[s]
        assert p.method == "window", (s, p)
        assert "too coarse" in p.note and f"{1000 * width:.0f} eV channels" in p.note, p.note
        # the plain window map, as before the fit group: same windows as planned without it
        (plain,) = M.plan_maps(
            [s],
            (0.0, 20.0),
            fwhm_mn_ev=fwhm,
            present=set(MAPPED) | {"Rh"},
            fit_groups={k: v for k, v in M.FIT_GROUPS.items() if k[0] != s},
        )
        assert (p.peak, p.background) == (plain.peak, plain.background)
        assert plain.note in p.note  # then the neighbours taken out (Si, not counted present)
    # bone black's P is read by its window (its line area, within a coarse window's errors),
    # none from iron or chalk
    assert maps["P"][0, 2] == pytest.approx(AREA, rel=0.3)
    assert abs(maps["P"][0, 3]) < 0.05 * AREA and abs(maps["P"][0, 4]) < 0.05 * AREA
    # the maps that separate fine are those of a run without the refused ones
    rest = [s for s in MAPPED if s not in windowed]
    alone = M.element_maps(cube, rest, present=MAPPED)
    for s in rest:
        np.testing.assert_array_equal(maps[s], alone[s])
        assert by[s].method == M.plan_for_cube(cube, rest, present=MAPPED)[0][rest.index(s)].method
    assert maps["Fe"][0, 3] == pytest.approx(AREA, rel=0.05)
    assert maps["Hg"][0, 0] == pytest.approx(AREA, rel=0.1)


def test_fine_channels_still_fit_p():
    """On 50 eV channels P stays fitted with its neighbours (no fallback, no note of it)."""
    cube = coarse_cube(0.05, 140.0)
    plans, _ = M.plan_for_cube(cube, MAPPED, present=MAPPED)
    by = {p.symbol: p for p in plans}
    assert by["P"].method == "fit" and by["S"].method == "fit"
    assert not any("too coarse" in p.note for p in plans)


def test_quicklook_maps_every_element_on_coarse_channels(tmp_path, capsys):
    from xrf_napari.cli.main import main

    path = _write(tmp_path / "coarse.h5", coarse_cube())
    out = tmp_path / "ql"
    assert main(["quicklook", str(path), "-o", str(out), "--elements", "P,Hg,Pb,Fe", "--tiff"]) == 0
    written = capsys.readouterr().out.split()
    assert {f"coarse_{s}_{f}.tif" for s, f in (("P", "Ka"), ("Hg", "La"), ("Fe", "Ka"))} <= {
        w.split("/")[-1] for w in written
    }
    lines = (out / "coarse_maps.csv").read_text(encoding="utf-8").splitlines()
    rows = {r["element"]: r for r in csv.DictReader(lines[1:])}
    assert set(rows) == {"P", "Hg", "Pb", "Fe"}
    assert "too coarse" in rows["P"]["note"]


def test_dock_makes_every_map_on_coarse_channels(make_napari_viewer, qtbot, tmp_path):
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, _write(tmp_path / "coarse.h5", coarse_cube()))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the automatic element suggestion
    widget.set_checked_elements(["P", "Hg", "Pb", "Fe"])
    assert widget.run() is not None
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    assert {"P", "Hg", "Pb", "Fe"} <= set(widget.map_layers)
    assert "P: P K\u03b1 mapped by its window" in widget.notes_label.text()
    assert "too coarse" in widget.notes_label.text()
