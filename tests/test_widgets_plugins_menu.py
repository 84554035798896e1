"""The whole workflow with every dock opened from the Plugins menu, as a user does. napari then
hands each widget a PublicOnlyProxy of the viewer, and every layer it returns is a proxy too: code
that tests `type(layer)` (not `layer.__class__`) or compares layer objects sees other objects than
the viewer holds. The other dock tests build their widgets on the real viewer and cannot see it
(session 20: the Pigments dock refused a spot spectrum, and every dock re-added its layers on a
re-run, losing the user's display choices)."""

import numpy as np
import pytest
from _napari_helpers import cube_stack_name, open_cube, tiny_weights, wait_idle, write_painted_cube

from xrf_napari.widgets.spectrum import MEAN_CURVE

DOCKS = ("Spectrum", "Elemental maps", "Embed & cluster", "Recolour", "Pigments")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _run(qtbot, widget, timeout=120000):
    assert widget.run() is not None, f"{type(widget).__name__} did not start"
    wait_idle(qtbot, widget.job, timeout=timeout)
    assert widget.job.last_error is None, widget.job.last_error


def test_every_dock_from_the_plugins_menu_runs_and_updates_its_layers_in_place(
    make_napari_viewer, tmp_path, qtbot
):
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dve, uvit = tiny_weights(tmp_path)
    docks = {}
    for name in DOCKS:
        _, docks[name] = viewer.window.add_plugin_dock_widget("xrf-napari", name)
        assert type(docks[name].viewer).__name__ == "PublicOnlyProxy"  # what the test is about
    spectrum, maps, embed, recolour, pigments = (docks[n] for n in DOCKS)
    stack = cube_stack_name(viewer)
    for w in (spectrum, maps):
        wait_idle(qtbot, w.job)  # each surveys the cube on its own when opened

    # the mean spectrum and the suggested elements reached the Spectrum dock through the proxy
    assert MEAN_CURVE in spectrum.curves and spectrum.checked_elements()
    maps.set_checked_elements(["Fe", "Hg"])
    _run(qtbot, maps)
    embed.weights_edit.setText(str(dve))
    embed.device.setCurrentText("cpu")
    embed.k_spin.setValue(4)
    _run(qtbot, embed)
    recolour.weights_edit.setText(str(uvit))
    recolour.embedder_edit.setText(str(dve))
    recolour.device.setCurrentText("cpu")
    _run(qtbot, recolour)
    clusters = f"clusters [{stack}]"
    pigments.use_uvit.setChecked(False)
    pigments.device.setCurrentText("cpu")
    pigments.labels_combo.setCurrentText(clusters)  # the Embed dock's regions, chosen by name
    _run(qtbot, pigments)
    assert len(pigments.report.regions) == len(np.unique(viewer.layers[clusters].data))

    results = [
        ly.name
        for ly in viewer.layers
        if ly.name.endswith(f"[{stack}]") or ly.name.startswith(("Fe K", "Hg L"))
    ]
    for expected in (clusters, f"latent RGB [{stack}]", f"recoloured [{stack}]"):
        assert expected in results, (expected, results)
    assert f"pigment recolour [{stack}]" in results
    assert any(n.startswith("Fe K") for n in results) and any(n.startswith("Hg L") for n in results)

    # the user's display choices on each result layer survive a re-run of its dock: the layer is
    # updated in place, not removed and added again
    before = {n: viewer.layers[n] for n in results}
    for layer in before.values():
        layer.opacity = 0.37
        layer.blending = "additive"
    for w in (maps, embed, recolour, pigments):
        _run(qtbot, w)
    for name, layer in before.items():
        assert name in viewer.layers, f"{name} disappeared on a re-run"
        again = viewer.layers[name]
        assert again is layer, f"{name} was removed and added again on a re-run"
        assert again.opacity == 0.37 and again.blending == "additive", name
    assert recolour.opacity.value() == 37  # the dock's slider follows its layer, proxy or not
    assert len(viewer.layers) == len(set(ly.name for ly in viewer.layers))
