"""Shared pieces of the widget tests: a small painted cube in the project's HDF5 layout, opened
through the plugin's own reader, and tiny random-weight models for the embed/recolour widgets."""

from __future__ import annotations

import contextlib

import numpy as np
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

#: Four pigment regions (rows of 6 pixels) and what they contain.
PIGMENTS = {
    "lead white": [("Pb", 3000.0), ("Ca", 300.0)],
    "vermilion": [("Hg", 2500.0), ("S", 400.0)],
    "ochre": [("Fe", 2500.0), ("Ca", 500.0)],
    "verdigris": [("Cu", 2500.0), ("Pb", 500.0)],
}
#: A second palette sharing no element with PIGMENTS (a cube whose suggestions must differ).
OTHER_PIGMENTS = {
    "titanium white": [("Ti", 3000.0)],
    "zinc white": [("Zn", 3000.0)],
    "cobalt blue": [("Co", 2500.0)],
    "chrome yellow": [("Cr", 2500.0)],
}
H, W = 24, 20


def painted_counts(seed: int = 0, pigments=None):
    """(H, W, 512) uint16 Poisson counts: four horizontal bands, one pigment each; labels (H, W)."""
    rng = np.random.default_rng(seed)
    spectra = [
        line_spectrum(
            [ln for sym, a in mix for ln in element_spectrum_lines(sym, a)]
            + [(20.17, 400.0), (19.5, 300.0)],  # Rh tube scatter
            background=(2.0, -0.05),
        )
        for mix in (pigments or PIGMENTS).values()
    ]
    labels = np.repeat(np.arange(1, 5), H // 4)[:, None].repeat(W, axis=1)
    mean = np.stack(spectra)[labels - 1]
    return rng.poisson(np.clip(mean, 0, None)).astype(np.uint16), labels


def write_painted_cube(path, seed: int = 0, pigments=None):
    from xrf_napari.io.project_h5 import write_cube

    counts, labels = painted_counts(seed, pigments)
    colours = np.array([[240, 240, 230], [200, 30, 30], [180, 120, 40], [40, 140, 90]], np.uint8)
    write_cube(
        path,
        counts,
        CANONICAL_CAL,
        targets={"rgb": colours[labels - 1], "labels": labels},
        metadata={"profile": {"anode": "Rh", "fwhm_mn_ev": 140.0}, "name": "painted"},
    )
    return path


def cu_tube_scan(path, anode: str | None = None, h: int = 16, w: int = 12):
    """Four bands (lead white, an ochre, vermilion, lead white with chalk) under a copper tube,
    whose Cu K lines every pixel scatters; the file names `anode` (None: no anode)."""
    from xrf_napari.io.project_h5 import write_cube

    mixes = [[("Pb", 3000.0)], [("Fe", 2500.0)], [("Hg", 2500.0), ("S", 400.0)]]
    mixes.append([("Pb", 2000.0), ("Ca", 500.0)])
    tube = [(8.05, 900.0), (8.9, 150.0)]  # Cu K-alpha, K-beta
    spectra = [
        line_spectrum(
            [ln for s, a in mix for ln in element_spectrum_lines(s, a)] + tube,
            background=(2.0, -0.05),
        )
        for mix in mixes
    ]
    labels = np.repeat(np.arange(4), h // 4)[:, None].repeat(w, axis=1)
    counts = np.random.default_rng(0).poisson(np.clip(np.stack(spectra)[labels], 0, None))
    meta = {"name": path.stem, **({"anode": anode} if anode else {})}
    write_cube(path, counts.astype(np.uint16), CANONICAL_CAL, metadata=meta)
    return path


def write_spot(path, symbols: dict):
    """A single spectrum (1 x 1 px) named "spot": Poisson counts of the lines of `symbols`
    ({element: area})."""
    from xrf_napari.io.project_h5 import write_cube

    lines = [ln for sym, area in symbols.items() for ln in element_spectrum_lines(sym, area)]
    spectrum = line_spectrum(lines, background=(2.0, -0.05))
    spot = np.random.default_rng(0).poisson(np.clip(spectrum, 0, None)).astype(np.uint16)
    write_cube(path, spot[None, None], CANONICAL_CAL, metadata={"name": "spot"})
    return path


def add_cube(viewer, cube):
    """Add a Cube held in memory to the viewer as the plugin's reader lays it out
    (_reader.cube_layers): a scan from a file spends most of a short test's seconds in its
    read's calibration check."""
    from xrf_napari._reader import cube_layers

    for data, meta, kind in cube_layers(cube):
        getattr(viewer, f"add_{kind}")(data, **meta)


def open_cube(viewer, path):
    """Open a file with the plugin's reader, as File > Open does; returns the added layers."""
    layers = viewer.open(str(path), plugin="xrf-napari")
    assert layers, f"the xrf-napari reader returned no layer for {path}"
    return layers


def tiny_weights(folder):
    """(dve path, uvit path): random-initialised small models saved like the shipped weights."""
    import torch

    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_dve({"hidden": [32, 16], "latent_dim": 3})
    dve_path = folder / "dve.safetensors"
    save_weights(dve.state_dict(), dve_path, dve.config)
    uvit = build_uvit(
        {"img_size": 16, "patch": 4, "dim": 16, "depth": 3, "heads": 2, "head_hidden": 8}
    )
    uvit_path = folder / "uvit.safetensors"
    save_weights(uvit.state_dict(), uvit_path, uvit.config)
    return dve_path, uvit_path


def recolour_dock(viewer, uvit, dve=""):
    """A Recolour dock in `viewer` on the recolouriser `uvit` and embedder `dve` ("": none
    given), on the CPU."""
    from xrf_napari.widgets.recolour import RecolourWidget

    widget = RecolourWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.weights_edit.setText(str(uvit))
    widget.embedder_edit.setText(str(dve))
    widget.device.setCurrentText("cpu")
    return widget


def tiny_recolour_dock(viewer, folder):
    """A Recolour dock in `viewer` on tiny random models saved in `folder`, on the CPU."""
    dve, uvit = tiny_weights(folder)
    return recolour_dock(viewer, uvit, dve)


def recoloured_cu_scan(viewer, qtbot, folder):
    """A Recolour dock in `viewer` whose run on a Cu-tube scan (cu_tube_scan) came back."""
    open_cube(viewer, cu_tube_scan(folder / "cu.h5"))
    dock = tiny_recolour_dock(viewer, folder)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error
    return dock


def tiny_embed_dock(viewer, folder, k: int = 3):
    """An Embed & cluster dock in `viewer` on a tiny random DVE saved in `folder`, on the CPU,
    with K set to `k`."""
    from xrf_napari.widgets.embed import EmbedClusterWidget

    widget = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.weights_edit.setText(str(tiny_weights(folder)[0]))
    widget.device.setCurrentText("cpu")
    widget.k_spin.setValue(k)
    return widget


def wait_idle(qtbot, job_panel, timeout=30000):
    qtbot.waitUntil(lambda: not job_panel.is_running, timeout=timeout)


def show_active(qtbot, widget):
    """`widget`'s window shown, exposed and active (returned): keys pressed from a test (Tab,
    Enter) reach the focused widget only in the active window."""
    window = widget.window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def run_seeing_layers_arrive(viewer, qtbot, dock) -> list:
    """Press `dock`'s Run (it must start) and wait until its job ended; returns (status line,
    bar, Cancel on) as each layer the dock adds is inserted (the docks count their layers)."""
    job, seen = dock.job, []

    def inserted(_):
        seen.append((job.status.text(), job.progress.value(), job.cancel_button.isEnabled()))

    viewer.layers.events.inserted.connect(inserted)
    try:
        assert dock.run() is not None
        wait_idle(qtbot, job)
    finally:
        viewer.layers.events.inserted.disconnect(inserted)
    return seen


def fitted_stripes_dock(viewer, qtbot, tmp_path):
    """A vermilion and an azurite stripe scan opened in `viewer`, its regions the labels layer
    "my regions", and a Pigments dock (CPU) that has fitted them, failing on a job error;
    returns (dock, regions)."""
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    syn, labels = stripe_scan([(["Vermilion"], [1.0]), (["Azurite"], [1.0])], 12)
    path = write_cube(tmp_path / "scan.h5", syn.counts, CANON, metadata=dict(syn.metadata))
    open_cube(viewer, path)
    regions = viewer.add_labels(labels + 1, name="my regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.device.setCurrentText("cpu")
    dock.labels_combo.set_layer(regions)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 120000)
    assert dock.job.last_error is None, dock.job.last_error
    return dock, regions


def rerun_embed(embed, qtbot):
    """Press Embed & cluster's Run (it must start) and wait until its job ended, failed or not."""
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)


def cluster_with_tiny_dve(viewer, qtbot, tmp_path, k: int = 3, layer=None):
    """Dock Embed & cluster with a tiny random DVE on the CPU and cluster ``layer`` (else the
    selected scan) into ``k`` regions, failing on a job error; returns the dock."""
    from xrf_napari.widgets.embed import EmbedClusterWidget

    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    embed.weights_edit.setText(str(tiny_weights(tmp_path)[0]))
    embed.device.setCurrentText("cpu")
    embed.k_spin.setValue(k)
    if layer is not None:
        embed.cube_combo.set_layer(layer)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    return embed


def clustered_painted_scan(viewer, qtbot, tmp_path, k: int = 2):
    """The painted cube opened in `viewer` and clustered into `k` regions by a tiny random DVE:
    (the Embed & cluster dock, the scan's cube, the clusters layer the dock shows for it)."""
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=k)
    cube = embed.current_cube()
    return embed, cube, embed._clusters_layer(cube, embed.result)


@contextlib.contextmanager
def caught_notifications():
    """The napari notifications shown inside the block (a list, filled as they come)."""
    from napari.utils.notifications import notification_manager

    seen = []
    notification_manager.notification_ready.connect(seen.append)
    try:
        yield seen
    finally:
        notification_manager.notification_ready.disconnect(seen.append)


def stopped_by_closing_its_scan(viewer, qtbot, dock, cube) -> list[str]:
    """The user closes `cube` (every layer of it removed) once `dock`'s running job began: the
    messages of the notifications that then say "Stopped", once the job ended."""
    from xrf_napari.widgets._layers import layer_cube

    qtbot.waitUntil(lambda: dock.job.worker.began.is_set(), timeout=5000)
    with caught_notifications() as seen:
        for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
            viewer.layers.remove(ly)
        wait_idle(qtbot, dock.job, 5000)
    return [str(n.message) for n in seen if "Stopped" in str(n.message)]


def scripted_questions(monkeypatch):
    """(asked, answer): every QMessageBox.question's text lands in ``asked``; ``answer(reply)``
    sets the button the next questions get."""
    from qtpy.QtWidgets import QMessageBox

    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply

        monkeypatch.setattr(QMessageBox, "question", question)

    return asked, answer


def open_sample_or_painted(viewer, tmp_path, key: str = "panel"):
    """The shipped sample through File > Open Sample when it is installed, else the painted cube."""
    import xrf_napari._sample_data as samples

    if (samples.SAMPLE_DIR / samples.SAMPLES[key]).is_file():
        return viewer.open_sample("xrf-napari", key)
    return open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))


def cube_stack_name(viewer) -> str:
    """Name of the (channels, rows, columns) datacube layer: results are labelled with it, never
    with the "<name> sum" image that the pick-lists select."""
    from xrf_napari.widgets._layers import layer_cube

    names = [ly.name for ly in viewer.layers if ly.ndim == 3 and layer_cube(ly) is not None]
    assert len(names) == 1 and not names[0].endswith(" sum"), names
    return names[0]


@contextlib.contextmanager
def gated_method(monkeypatch, owner, name: str):
    """owner.name waits for the yielded Event (10 s at most) before it runs, so a test sees the
    layers while a background pass is held; `calls` records the threads it ran on. On exit the
    gate opens and napari's workers are awaited: a failed test leaves no worker waiting."""
    import threading

    gate = threading.Event()
    calls = []
    real = getattr(owner, name)

    def gated(self, *args, **kwargs):
        calls.append(threading.current_thread())
        gate.wait(10)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, gated)
    gate.calls = calls
    try:
        yield gate
    finally:
        gate.set()
        from superqt.utils._qthreading import WorkerBase

        WorkerBase.await_workers(msecs=10000)


@contextlib.contextmanager
def survey_held_for(monkeypatch, stem: str):
    """The docks' element survey (_common._survey_job) of the scan whose file is named `stem`
    steps (0 of 1) every 10 ms until the yielded Event is set, then runs; other scans' surveys
    run at once. The Event is set on exit: a failed test leaves no survey held."""
    import threading

    import xrf_napari.widgets._common as common

    gate = threading.Event()
    real = common._survey_job

    def held(cube):
        if cube.path.stem == stem:
            while not gate.wait(0.01):
                yield 0, 1
        return (yield from real(cube))

    monkeypatch.setattr(common, "_survey_job", held)
    try:
        yield gate
    finally:
        gate.set()


def held_job(gate, result=None, fail=None, then=None):
    """A job that steps every 10 ms until `gate` is set (10 s at most), then returns `result`,
    or raises `fail`, or runs the job `then` on its own arguments and returns what it returns."""
    import time

    def job(*args, **kwargs):
        end = time.monotonic() + 10
        while not gate.is_set() and time.monotonic() < end:
            time.sleep(0.01)
            yield 0, 1
        if fail is not None:
            raise fail
        if then is not None:
            return (yield from then(*args, **kwargs))
        return result

    return job


def close_scan_when_layer_arrives(monkeypatch, module, viewer, cube, prefix: str):
    """The user closes the scan while a run's layers arrive: ``module.upsert_layer`` removes
    every layer of `cube` from `viewer` right after it adds a layer named ``prefix...``; so does
    ``_layers.upsert_layer``, through which ``_layers.replace_regions`` adds the run's regions
    (Embed & cluster's clusters step)."""
    from xrf_napari.widgets import _layers
    from xrf_napari.widgets._layers import layer_cube

    real = module.upsert_layer

    def closing(viewer_, name, data, *args, **kwargs):
        layer = real(viewer_, name, data, *args, **kwargs)
        if name.startswith(prefix):
            for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
                viewer.layers.remove(ly)
        return layer

    monkeypatch.setattr(module, "upsert_layer", closing)
    monkeypatch.setattr(_layers, "upsert_layer", closing)


def next_run_gives_another_latent(monkeypatch, embed_mod):
    """Embed & cluster's next run yields another latent and latent RGB (latent + 1, 255 - rgb),
    so a test can tell which run's layers it sees."""
    real_job = embed_mod._embed_cluster_job

    def other_latent(*args):
        latent_, rgb, *rest = yield from real_job(*args)
        return (latent_ + 1, 255 - rgb, *rest)

    monkeypatch.setattr(embed_mod, "_embed_cluster_job", other_latent)


def pigments_dock_with_photo(viewer):
    """A Pigments dock in `viewer` with a two-colour (24, 20) photograph ("photo") chosen and
    K = 2; open the scan first."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    photo = np.zeros((24, 20, 3), np.float32)
    photo[:12] = (0.9, 0.9, 0.85)
    photo[12:] = (0.7, 0.1, 0.1)
    viewer.add_image(photo, rgb=True, name="photo")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.photo_combo.set_layer(viewer.layers["photo"])
    widget.k_spin.setValue(2)
    return widget


def pigments_dock_on_painted_regions(viewer, tmp_path):
    """The painted cube opened in `viewer` with its regions as a Labels layer "regions", and a
    Pigments dock on the CPU: (the dock, the regions layer)."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    regions = viewer.add_labels(painted_counts()[1].astype(np.int32), name="regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.device.setCurrentText("cpu")
    return dock, regions


def bands(k: int, top: int = 0) -> np.ndarray:
    """(H, W) int32 labels 1..k in horizontal bands (the painted scan's size); `top`: the first
    row holds labels up to it (colours napari cycles through)."""
    labels = (np.arange(H) * k // H + 1).astype(np.int32)[:, None].repeat(W, axis=1)
    if top:
        labels[0] = np.linspace(1, top, W).astype(np.int32)
    return labels


def found_regions(widget, qtbot, timeout=30000):
    """Press the Pigments dock's Find regions (it must start), wait for its job and fail on its
    error; returns the regions layer the dock then shows."""
    assert widget.find_regions() is not None
    wait_idle(qtbot, widget.job, timeout)
    assert widget.job.last_error is None, widget.job.last_error
    return widget.labels_combo.current_layer()


def two_band_cluster_job(cube, weights, device, k, pool, anode=None):
    """Embed & cluster's job with no model (for ``_embed_cluster_job``): the clusters are
    bands(2) whatever K, the latent and its RGB zeros, each region's spectrum ones."""
    from xrf_napari.analysis.embed import ClusterResult

    yield "Clustering\u2026"
    h, w, n = cube.shape
    labels = bands(2)
    counts = np.array([(labels == i).sum() for i in (1, 2)])
    latent = np.zeros((h, w, 3), np.float32)
    result = ClusterResult(labels, 2, np.zeros((2, 3), np.float32), None)
    spectra = np.ones((2, n), np.float32)
    return latent, np.zeros((h, w, 3), np.uint8), result, spectra, counts, "cpu", "", None, None


def stand_in_embed_dock(viewer, tmp_path, monkeypatch):
    """The painted cube opened in `viewer` and an Embed & cluster dock whose Run gives
    two_band_cluster_job's result at once (no model)."""
    import xrf_napari.widgets.embed as embed_mod

    monkeypatch.setattr(embed_mod, "_embed_cluster_job", two_band_cluster_job)
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = embed_mod.EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    return embed


def held_maps_dock_on_two_scans(viewer, monkeypatch):
    """In-memory scans scan0 (its survey suggesting Pb) and scan1 (Fe) in `viewer` and an
    Elemental maps dock whose Make maps (maps of ones, stand_in_maps_job) waits for the returned
    gate to be set; returns (dock, gate, scan0's cube, scan1's)."""
    import threading

    import xrf_napari.widgets.maps as maps_mod

    gate = threading.Event()
    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", held_job(gate, then=ones))
    quick_survey(monkeypatch, {"scan0": ["Pb"], "scan1": ["Fe"]})
    a, b = in_memory_scans(viewer, (0, 1))
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    return dock, gate, a, b


def stand_in_maps_job(make_maps):
    """Make maps' job with no survey or fit (for ``_maps_job``): the maps are
    ``make_maps(h, w, symbols)``, each with a K-line plan and its maximum as its top value."""
    from types import SimpleNamespace

    def job(
        cube,
        symbols,
        fwhm,
        background,
        present,
        lines,
        anode=None,
        spectrum=None,
        kv=None,
        tiles=None,
    ):
        yield "Integrating line windows\u2026"
        h, w, _ = cube.shape
        maps = make_maps(h, w, symbols)
        plans = [
            SimpleNamespace(symbol=s, label=f"{s} K", line=SimpleNamespace(family="K"), note="")
            for s in symbols
        ]
        return plans, {s: maps[s] for s in symbols}, {s: float(maps[s].max()) for s in symbols}

    return job


def stand_in_maps_dock(viewer, qtbot, tmp_path, monkeypatch, make_maps, symbols):
    """The painted cube opened in `viewer` and an Elemental maps dock that has made `symbols`'
    maps with stand_in_maps_job(make_maps) (no survey or fit)."""
    import xrf_napari.widgets.maps as maps_mod

    monkeypatch.setattr(maps_mod, "_maps_job", stand_in_maps_job(make_maps))
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    widget = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job, 30000)  # the scan's survey, if any
    widget.set_checked_elements(list(symbols))
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, 10000)
    assert widget.job.last_error is None, widget.job.last_error
    return widget


# -- one viewer for a test file's tests (tests/conftest.py: make_reused_napari_viewer) ----------
#: The viewer's evented parts whose callbacks are compared between tests, as viewer_state names
#: them (a dock of this plugin follows the layer list, the selection, dims, camera and cursor).
#: A pair names napari 0.9's path first, where the older one (viewer.camera, grid, axes,
#: scale_bar, text_overlay) warns of its deprecation, and that older one for an earlier napari.
_WATCHED = ("", "layers", "layers.selection", "dims", ("scene.camera", "camera"), "cursor")
_WATCHED += (("canvas.grid", "grid"), ("scene.overlays.axes", "axes"))
_WATCHED += (("canvas.overlays.scale_bar", "scale_bar"), ("canvas.overlays.text", "text_overlay"))
_WATCHED += ("tooltip",)
#: Model parts a test's layers change and the cleaning sets back (napari fits dims and camera to
#: the layers it shows); any other change of the viewer's model is a leak.
_RESET_PARTS = ("dims", ("scene.camera", "camera"), "cursor")


def _watched(viewer, paths) -> tuple:
    """(path, object) of the first of `paths` (a path or a pair, see _WATCHED) the viewer has;
    (path, None) when it has none."""
    for path in (paths,) if isinstance(paths, str) else paths:
        obj = viewer
        for part in filter(None, path.split(".")):
            obj = getattr(obj, part, None)
        if obj is not None:
            return path, obj
    return path, None


def _settings(model) -> dict:
    """An evented model's fields: pydantic 2's model_dump, where `dict()` warns of its
    deprecation (napari 0.9's models), else `dict()`."""
    dump = getattr(model, "model_dump", None)
    return dump() if dump is not None else model.dict()


def _describe(callback) -> str:
    """A callback as `module.Class.method` (napari keeps a method as (weakref, name))."""
    if isinstance(callback, tuple) and len(callback) == 2:
        ref, name = callback
        obj = ref() if callable(ref) else ref
        if obj is None:
            return ""  # its object is gone: napari drops it at the next emission
        return f"{type(obj).__module__}.{type(obj).__qualname__}.{name}"
    func = getattr(callback, "__func__", callback)
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _event_callbacks(group):
    """(event name, sorted descriptions of its callbacks) for each event of `group`: a napari
    EmitterGroup (and the group itself), or a psygnal SignalGroup (an overlay's)."""
    if hasattr(group, "emitters"):
        for name, emitter in [("", group), *group.emitters.items()]:
            yield name, sorted(filter(None, map(_describe, emitter.callbacks)))
        return
    signals = getattr(group, "signals", None)
    if signals is None:
        return
    for name, signal in [("all", group.all), *signals.items()]:
        yield name, sorted(slot.slot_repr() for slot in getattr(signal, "_slots", ()))


def _running_workers() -> list:
    from superqt.utils._qthreading import WorkerBase

    return list(WorkerBase._worker_set)


def viewer_state(viewer) -> dict:
    """What of `viewer` one test may leave for the next: its layers and selection, docks,
    windows, callbacks connected to its events, mouse callbacks and key bindings, its model's
    settings (dims, camera, grid, axes, ...), jobs running and tasks its window tracks."""
    from qtpy.QtWidgets import QApplication, QDockWidget

    window = viewer.window
    main = window._qt_window
    state = {
        "layers": [ly.name for ly in viewer.layers],
        "selected layers": [ly.name for ly in viewer.layers.selection],
        "docks": sorted(window._wrapped_dock_widgets),
        "dock widgets in the window": sorted(
            dw.objectName() or type(dw).__name__ for dw in main.findChildren(QDockWidget)
        ),
        "visible windows": sorted(
            f"{type(w).__name__} {w.windowTitle()!r}"
            for w in QApplication.topLevelWidgets()
            if w.isVisible() and w is not main
        ),
        "jobs running": [repr(w) for w in _running_workers()],
        "window busy with tasks": window._task_status_manager.is_busy(),
        "key bindings": sorted(map(str, viewer.keymap)),
    }
    for paths in _WATCHED:
        path, obj = _watched(viewer, paths)
        group = getattr(obj, "events", None)
        if group is None:
            continue
        for name, callbacks in _event_callbacks(group):
            state[f"callbacks of viewer.{path}.events.{name}".replace("..", ".")] = callbacks
        if path and hasattr(obj, "dict"):
            state[f"viewer.{path}"] = repr(_settings(obj))
    for name in ("mouse_move_callbacks", "mouse_drag_callbacks", "mouse_wheel_callbacks"):
        state[f"viewer.{name}"] = [_describe(cb) for cb in getattr(viewer, name, [])]
    for name in ("title", "theme", "help"):
        state[f"viewer.{name}"] = getattr(viewer, name, None)
    return state


def reset_parts(viewer) -> dict:
    """The settings of the model parts clean_viewer sets back (_RESET_PARTS), to set back to."""
    import copy

    parts = (_watched(viewer, paths) for paths in _RESET_PARTS)
    return {path: copy.deepcopy(_settings(obj)) for path, obj in parts}


def clean_viewer(viewer, qtbot, baseline: dict, parts: dict, timeout_ms: int = 10000) -> list[str]:
    """Take what a test left out of `viewer`, as closing it did: every dock (each stops its job
    and disconnects its callbacks as it does when the user closes it) and layer; wait for the
    jobs to end; set dims, camera and cursor back to `parts` (reset_parts). Returns what then
    still differs from `baseline` (viewer_state before the first test), one line each: a leak."""
    from qtpy.QtWidgets import QApplication, QDockWidget

    from xrf_napari.widgets._layers import _ours

    window = viewer.window
    inner = [dw.widget() for dw in window._wrapped_dock_widgets.values()]
    window.remove_dock_widget("all")
    # and the plugin's widgets the test made without docking them (a dock's closing)
    inner += [w for w in QApplication.topLevelWidgets() if _ours(w) and w not in inner]
    for widget in inner:
        if widget is None:
            continue
        # as when the user closes it: a dock's closing, a pick-list's of its dock
        ending = getattr(widget, "dock_closed", None) or getattr(widget, "detach", None)
        if _ours(widget) and ending is not None:
            ending()
        widget.close()
        widget.deleteLater()  # as the window's closing deleted it (its job's quitter)
    viewer.layers.selection.clear()
    viewer.layers.clear()
    docks = len(baseline["dock widgets in the window"])
    main = window._qt_window
    try:
        qtbot.waitUntil(
            lambda: (
                not _running_workers()
                and not window._task_status_manager.is_busy()
                and len(main.findChildren(QDockWidget)) == docks
            ),
            timeout=timeout_ms,
        )
    except Exception:  # qtbot's TimeoutError: what is left is listed below
        pass
    for path, values in parts.items():
        _watched(viewer, path)[1].update(values)
    # none of the viewer's: a job of an earlier test still ending as the viewer was made (its
    # baseline) failed the test in which it ended ("jobs running: left [], gone [...]")
    baseline = {**baseline, "jobs running": []}
    now = viewer_state(viewer)
    if now != baseline:  # a callback of an object only a reference cycle still keeps?
        import gc

        gc.collect()
        now = viewer_state(viewer)
    differences = (_difference(key, baseline.get(key), now.get(key)) for key in sorted(now))
    return [line for line in differences if line]


def _difference(key, before, now) -> str:
    if isinstance(before, list) and isinstance(now, list):
        added = [x for x in now if x not in before]
        # a window of before the first test closed since: none of this test's
        gone = [x for x in before if x not in now] if key != "visible windows" else []
        if not (added or gone):
            return ""
        return f"{key}: left {added}" + (f", gone {gone}" if gone else "")
    return f"{key}: {before!r} before the first test, now {now!r}" if before != now else ""


def in_memory_scans(viewer, seeds):
    """Painted scans held in memory ("scan<seed>", as the reader lays them out), one per seed."""
    from xrf_napari.cube import cube_from_array

    cubes = []
    for seed in seeds:
        cube = cube_from_array(painted_counts(seed)[0], CANONICAL_CAL, name=f"scan{seed}")
        add_cube(viewer, cube)
        cubes.append(cube)
    return cubes


def quick_survey(monkeypatch, suggested):
    """The docks' survey at once: the scan's mean, and `suggested`[scan name] as its elements
    (the real one's peak search took most of a test's seconds)."""
    import xrf_napari.widgets._common as common

    def survey(cube):
        yield 0, 1
        mean = np.asarray(cube.data, dtype=np.float64).mean(axis=(0, 1))
        out = common._Survey((mean, list(suggested[cube.name])))
        out.spectra, out.instrument = None, {}
        return out

    monkeypatch.setattr(common, "_survey_job", survey)


def calibration_refused_while_a_job_runs(qtbot, viewer, spectrum, embed):
    """Calibrate from two peaks (spectrum.calibrate_from_peaks) while `embed` runs a job on its
    scan is refused in the dialog's words, the job left running and no layer on another Cube;
    returns the scan's Cube once the job ended (test_revK68, test_postW68)."""
    import threading

    import pytest

    from xrf_napari.layerkinds import layer_cube

    cube = embed.current_cube()
    gate = threading.Event()
    try:
        assert embed.start_job(held_job(gate), cube=cube, on_result=print, name="Find regions")
        with pytest.raises(ValueError, match="Find regions is running on a, and a new calibration"):
            spectrum.calibrate_from_peaks(100, "Ca Ka", 300, "Pb La", cube=cube)
        assert embed.job.is_running and "was closed" not in embed.job.status.text()
        assert all(layer_cube(ly) in (cube, None) for ly in viewer.layers)
    finally:
        gate.set()
    wait_idle(qtbot, embed.job)
    return cube
