"""Elemental maps (session 45). Add composite made the RGB composite in the GUI thread (1.7-4.2 s
at 4000 x 4000 px under load): now its percentiles come from the maps' top values only and the
scaling is written in place (the same values), in a job of its own, with the button off and the
line saying so meanwhile. Make maps planned its maps twice (plan_for_cube, then
iter_element_maps again): now once."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import open_cube, stand_in_maps_job, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


NO_MAP = "(none)"


def _composite_before(maps, percentile=99.5):
    """analysis.maps.composite_rgb as it was (np.percentile of each map, m / top, np.clip,
    np.stack): the values the composite must keep."""
    chans = []
    for m in maps:
        m = np.asarray(m, dtype=np.float32)
        top = float(np.percentile(m, percentile)) if m.size else 0.0
        chans.append(np.clip(m / top, 0, 1) if top > 0 else np.zeros_like(m))
    return np.stack(chans, axis=-1)


def _maps_of_all_kinds():
    rng = np.random.default_rng(45)
    n = 96 * 80  # above high_percentile's fast-path floor
    noise = rng.normal(size=n)
    with_nan, with_inf = noise.copy(), noise.copy()
    with_nan[[5, 700]] = np.nan
    with_inf[rng.integers(0, n, 60)] = np.inf
    sparse = np.zeros(n)
    sparse[rng.integers(0, n, 30)] = 7.0
    return [
        noise,
        rng.gamma(1.5, 10.0, n) - 5.0,  # net counts: a few negative, a long bright tail
        rng.integers(-3, 5, n).astype(float),  # many ties
        np.sort(rng.exponential(1e6, n))[::-1],  # sorted, as a sample would alias
        sparse,
        -np.abs(noise),  # an absent element: nothing positive
        with_nan,
        with_inf,
    ]


def test_high_percentile_is_np_percentiles_value():
    from xrf_napari.analysis.maps import high_percentile

    for values in _maps_of_all_kinds():
        m = values.astype(np.float32).reshape(96, 80)
        for p in (99.5, 99.0, 90.0, 99.99, 100.0, 50.0):
            with np.errstate(invalid="ignore"):
                expected = float(np.percentile(m, p))
                got = high_percentile(m, p)
            assert got == expected or (np.isnan(got) and np.isnan(expected)), (p, got, expected)
    with pytest.raises(ValueError):
        high_percentile(np.ones(5000, np.float32), 101.0)


def test_the_composite_keeps_its_values_and_partitions_no_whole_map(monkeypatch):
    """The same float32 values as before, bit for bit (a float64 map, NaN and inf included);
    and np.percentile, which partitioned a copy of each whole map, is not called on one."""
    from xrf_napari.analysis.maps import composite_rgb

    kinds = [v.reshape(96, 80) for v in _maps_of_all_kinds()]
    sets = [
        [kinds[0].astype(np.float32), kinds[1].astype(np.float32), kinds[2]],  # a float64 map
        [kinds[3].astype(np.float32), kinds[4].astype(np.float32), kinds[5].astype(np.float32)],
        [kinds[6].astype(np.float32), kinds[7].astype(np.float32), kinds[0].astype(np.float32)],
        [np.arange(12.0, dtype=np.float32).reshape(3, 4)] * 3,  # small: np.percentile itself
    ]
    with np.errstate(invalid="ignore"):
        for maps in sets:
            expected = _composite_before(maps)
            got = composite_rgb(maps)
            assert got.dtype == np.float32 and got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)
        zeros = np.zeros((96, 80), np.float32)
        np.testing.assert_array_equal(
            composite_rgb([sets[0][0], None, zeros]), _composite_before([sets[0][0], zeros, zeros])
        )
    sizes = []
    real = np.percentile

    def counted(a, *args, **kwargs):
        sizes.append(np.size(a))
        return real(a, *args, **kwargs)

    monkeypatch.setattr(np, "percentile", counted)
    composite_rgb(sets[0])
    assert 96 * 80 not in sizes
    with pytest.raises(ValueError, match="one shape"):
        composite_rgb([kinds[0], kinds[0][:10], None])


def test_make_maps_plans_its_maps_once(tmp_path, monkeypatch):
    """_maps_job called plan_for_cube for the layers' names, then iter_element_maps planned the
    same maps again: one plan now, the same plans and maps."""
    import xrf_napari.analysis.maps as maps_module
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end
    from xrf_napari.widgets.maps import _maps_job

    cube = read_cube(write_painted_cube(tmp_path / "painted.h5"))
    real = maps_module.plan_for_cube
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(maps_module, "plan_for_cube", counted)
    symbols, present = ["Fe", "Pb", "Fe"], ["Fe", "Pb", "Cu"]
    plans, maps, tops = run_to_end(_maps_job(cube, symbols, None, True, present, {}, "W"))
    assert len(calls) == 1
    expected_plans, _ = real(cube, ["Fe", "Pb"], present=present, anode="W")
    assert plans == expected_plans and list(maps) == ["Fe", "Pb"]
    expected = maps_module.element_maps(cube, ["Fe", "Pb"], present=present, anode="W")
    for sym in ("Fe", "Pb"):
        np.testing.assert_array_equal(maps[sym], expected[sym])
        assert tops[sym] == maps_module.display_top(expected[sym])


@pytest.fixture
def mapped(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """Elemental maps on scan a with maps Fe, Pb and Cu made by a stand-in job; Add
    composite's job waits for `gate` (set at the test's end)."""
    import xrf_napari.widgets.maps as maps_mod

    def make_maps(h, w, symbols):
        rng = np.random.default_rng(len(symbols))
        return {s: rng.gamma(1.5, 10.0, (h, w)).astype(np.float32) - 5 for s in symbols}

    gate = threading.Event()
    real_composite_job = getattr(maps_mod, "_composite_job", None)  # None before session 45

    def held(channels):
        while not gate.wait(0.01):
            yield 0, 3
        return (yield from real_composite_job(channels))

    monkeypatch.setattr(maps_mod, "_maps_job", stand_in_maps_job(make_maps))
    monkeypatch.setattr(maps_mod, "_composite_job", held, raising=False)
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    viewer = make_napari_viewer()
    a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]  # the scan's sum image
    widget = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    _make_maps(widget, qtbot, a, "a")
    try:
        yield SimpleNamespace(viewer=viewer, widget=widget, a=a, gate=gate, tmp_path=tmp_path)
    finally:
        gate.set()
        wait_idle(qtbot, widget.job, 10000)


def _make_maps(widget, qtbot, scan, name):
    widget.cube_combo.set_layer(scan)
    wait_idle(qtbot, widget.job, 30000)  # the scan's survey, if any
    widget.set_checked_elements(["Fe", "Pb", "Cu"])
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 10000)
    assert widget.job.last_error is None, widget.job.last_error
    assert widget.map_layers["Fe"].name == f"Fe K [{name}]"


def _composites(viewer):
    return [ly for ly in viewer.layers if "xrf_composite" in (ly.metadata or {})]


def test_add_composite_is_made_in_a_job_with_the_same_values(mapped, qtbot):
    """Clicking Add composite froze the viewer while the composite was made. Now a job makes it:
    the button is off and the line says so until the layer comes, with the values made before."""
    viewer, widget = mapped.viewer, mapped.widget
    chosen = [c.currentText() for c in widget.rgb_combos]
    data = [np.array(widget.map_layers[s].data) for s in chosen]
    widget.rgb_button.click()
    assert not _composites(viewer)  # not made in the click (the GUI thread)
    assert widget.job.status.text() == "Making the composite\u2026"
    assert not widget.rgb_button.isEnabled()
    mapped.gate.set()
    wait_idle(qtbot, widget.job, 10000)
    (layer,) = _composites(viewer)
    assert layer.metadata["xrf_composite"] == chosen
    np.testing.assert_array_equal(np.asarray(layer.data), _composite_before(data))
    assert widget.job.status.text() == f"Added \u201c{layer.name}\u201d."
    assert widget.rgb_button.isEnabled() and widget.job.run_button.isEnabled()


def test_a_map_deleted_while_the_composite_is_made_is_not_composited(mapped, qtbot):
    viewer, widget = mapped.viewer, mapped.widget
    red = widget.rgb_combos[0].currentText()
    widget.rgb_button.click()
    viewer.layers.remove(widget.map_layers[red])
    mapped.gate.set()
    wait_idle(qtbot, widget.job, 10000)
    assert not _composites(viewer)
    assert widget.job.status.text() == (
        f"The composite was not added: the map layer of {red} was deleted while it was made."
    )
    assert widget.rgb_button.isEnabled()


def test_a_composite_cancelled_or_of_a_scan_left_goes_where_it_belongs(mapped, qtbot):
    """Cancel drops it; one made while the user chose another scan is that scan's layer, and
    its line ("Added ...") comes back with it, not over the scan shown."""
    from xrf_napari.widgets._layers import layer_cube, result_cube

    viewer, widget = mapped.viewer, mapped.widget
    b = open_cube(viewer, write_painted_cube(mapped.tmp_path / "b.h5"))[-1]
    _make_maps(widget, qtbot, b, "b")
    widget.cube_combo.set_layer(mapped.a)
    widget.rgb_button.click()
    widget.job.cancel()
    wait_idle(qtbot, widget.job, 10000)
    assert not _composites(viewer) and widget.job.status.text() == "Cancelled."
    assert widget.rgb_button.isEnabled()

    widget.rgb_button.click()
    widget.cube_combo.set_layer(b)
    assert not widget.rgb_button.isEnabled()  # b's composite waits for a's (one job at a time)
    assert widget.job.status.text() == "Making the composite\u2026"
    mapped.gate.set()
    wait_idle(qtbot, widget.job, 10000)
    (layer,) = _composites(viewer)
    assert result_cube(layer) is layer_cube(mapped.a)
    assert widget.job.status.text() == "3 map(s) added (net line counts per pixel)."  # b's
    assert widget.rgb_button.isEnabled()
    widget.cube_combo.set_layer(mapped.a)
    assert widget.job.status.text() == f"Added \u201c{layer.name}\u201d."


def test_add_composite_while_the_panel_runs_a_job_makes_the_same_layer_in_place(
    mapped, qtbot, monkeypatch
):
    """Guard of the in-thread fallback (a click while the dock's panel runs another job, such as
    a survey): no composite job is started, and the layer, values, limits and line are the job
    path's."""
    from xrf_napari.widgets._jobs import JobPanel

    viewer, widget = mapped.viewer, mapped.widget
    chosen = [c.currentText() for c in widget.rgb_combos]
    data = [np.array(widget.map_layers[s].data) for s in chosen]
    with monkeypatch.context() as busy:  # undone before the fixture waits for the panel
        busy.setattr(JobPanel, "is_running", property(lambda self: True))
        widget.rgb_button.click()
    assert not widget.making_composite()
    (layer,) = _composites(viewer)  # made in the click, not waiting for the held job
    assert layer.metadata["xrf_composite"] == chosen
    np.testing.assert_array_equal(np.asarray(layer.data), _composite_before(data))
    assert tuple(layer.contrast_limits) == (0, 1)
    assert widget.job.status.text() == f"Added \u201c{layer.name}\u201d."
