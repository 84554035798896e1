"""Review of session 61's dock commits: pytest's log capture beside a thread making loggers."""

from __future__ import annotations

import logging
import threading

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_logger_made_in_another_thread_as_a_test_phase_begins_fails_nothing(monkeypatch):
    """pytest's log capture, entered at each test phase, iterated logging's loggers unlocked: a
    logger made then in another thread (Spectrum's drawing thread imports matplotlib as the dock
    opens) failed test_docks47's teardown under -n 2 ("dictionary changed size during
    iteration"). The conftest enters it under logging's lock, which getLogger takes."""
    from _pytest.logging import LogCaptureHandler, catching_logs

    manager = logging.root.manager
    made = []

    class Loggers(dict):
        def values(self):  # a logger is made in another thread while these are iterated
            for i, logger in enumerate(dict.values(self)):
                if i == 0 and not made:
                    made.append(threading.Thread(target=logging.getLogger, args=("revD61.x",)))
                    made[0].start()
                    made[0].join(0.05)  # blocked on logging's lock now: it waits
                yield logger

    loggers = Loggers(manager.loggerDict)
    loggers.setdefault("revD61.placeholder", logging.getLogger("revD61.placeholder"))
    monkeypatch.setattr(manager, "loggerDict", loggers)
    capture = catching_logs(LogCaptureHandler())
    try:
        capture.__enter__()
        capture.__exit__(None, None, None)
    finally:
        made[0].join(5)
    assert "revD61.x" in loggers  # made once the capture was set up


def _spec(**changed):
    """A Spectrum plot spec: the scan's mean and a region curve, Fe's marker, a dark theme;
    `changed` replaces a PlotSpec field, or a Curve field of the region curve ("curve_<field>")."""
    import dataclasses

    import numpy as np

    from xrf_napari.widgets._spectrum_plot import Curve, Marker, PlotSpec

    energy = np.linspace(0.0, 20.0, 64)
    region = {
        "name": "region",
        "label": "region",
        "x": energy,
        "y": np.linspace(1.0, 2.0, 64),
        "color": "#40c0f0",
        "width": 1.2,
    }
    region.update({k[6:]: v for k, v in changed.items() if k.startswith("curve_")})
    fields = {
        "curves": (Curve("mean", "mean of the scan", energy, energy + 1, "#e0e0e0", 1.4),)
        + (Curve(**region),),
        "markers": (Marker(6.40, 0, True, "Fe Ka"),),
        "x_label": "Energy (keV)",
        "xlim": (0.0, 20.0),
        "log": True,
        "colors": (
            ("bg", "#262930"),
            ("canvas", "#000000"),
            ("text", "#f0f1f2"),
            ("grid", "#5a626c"),
        ),
    }
    fields.update({k: v for k, v in changed.items() if not k.startswith("curve_")})
    assert {f.name for f in dataclasses.fields(PlotSpec)} == set(fields)
    return PlotSpec(**fields)


def test_the_kept_plot_image_s_key_changes_with_all_the_plot_shows():
    """f4781f85 shows a kept image of the Spectrum plot for a key of what it shows (_image_key):
    a key blind to any of it (a tick, the log axis, a calibration, a region curve, the theme)
    would show an image of another state. Each field of PlotSpec and of a curve changed gives
    another key, the same spec the same key; with the pixel under the mouse, none."""
    import dataclasses

    import numpy as np
    import pytest

    pytest.importorskip("qtpy")
    from xrf_napari.widgets._spectrum_plot import Curve, Marker, PlotSpec
    from xrf_napari.widgets.spectrum import PIXEL_CURVE, _image_key

    changes = {
        "markers": (Marker(6.40, 0, True, "Fe Ka"), Marker(8.05, 1, True, "Cu Ka")),  # a tick
        "x_label": "Channel",
        "xlim": (0.0, 25.0),
        "log": False,
        "colors": (
            ("bg", "#efefef"),
            ("canvas", "#ffffff"),
            ("text", "#3b3a39"),
            ("grid", "#d6d0ce"),
        ),
        "curves": _spec().curves[:1],  # the region curve cleared
        "curve_name": "cluster 1",
        "curve_label": "region 2",
        "curve_x": np.linspace(0.0, 20.0, 64) * 1.01,  # another calibration
        "curve_y": np.linspace(1.0, 2.0, 64) * 2,
        "curve_color": "#ff0000",
        "curve_width": 2.0,
    }
    fields = {f.name for f in dataclasses.fields(PlotSpec)}
    fields |= {"curve_" + f.name for f in dataclasses.fields(Curve)}
    assert set(changes) == fields, "a field of the plot without a change tried here"
    base = _image_key(_spec())
    assert base is not None and _image_key(_spec()) == base
    keys = {name: _image_key(_spec(**{name: value})) for name, value in changes.items()}
    assert all(key != base for key in keys.values()), [n for n, k in keys.items() if k == base]
    assert len(set(keys.values())) == len(keys)
    hover = _spec(curve_name=PIXEL_CURVE)
    assert _image_key(hover) is None


def test_a_job_of_an_earlier_test_ending_during_this_one_is_no_leak(
    monkeypatch, _reused_napari_viewer, make_napari_viewer
):
    """The reused viewer, made as a worker's first viewer test began, listed as its own a job
    of an earlier test still ending (test_user59 after another module, 1 run in 5 under -n 2):
    the test in which it ended failed at teardown, "jobs running: left [], gone [...]". No job is
    the viewer's: one left running is still a leak."""
    pytest.importorskip("napari")
    earlier = "<superqt.utils._qthreading.FunctionWorker object of an earlier test>"
    monkeypatch.setitem(_reused_napari_viewer.baseline, "jobs running", [earlier])
    make_napari_viewer()
