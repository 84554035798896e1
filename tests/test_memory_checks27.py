"""The recolouring's memory check lives in the library (analysis.recolour.iter_recolour), so the
Recolour dock, the Pigments dock and scripts get it as the command line did: a tile, batch or scan
that would not fit in what this process may still allocate (memory.memory_budget) is refused
with sizes before the scan is read, never allocated until napari dies."""

import re

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


torch = pytest.importorskip("torch")

from _cli_models import save_tiny_models, weights_args, write_toy_scan  # noqa: E402

import xrf_napari.analysis.recolour as R  # noqa: E402
from xrf_napari import memory  # noqa: E402
from xrf_napari.analysis.recolour import iter_recolour, load_recolouriser, recolour  # noqa: E402
from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.io import read_cube  # noqa: E402

GiB = 2**30
#: The embedding's block of spectra (R.EMBED_BLOCK_BYTES): looked up late, so that the tests fail
#: on the code before the check moved by what they check, not by an import.
BLOCK = 64 << 20


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("mem27")
    write_toy_scan(d / "scan.h5", 20, 24, n_regions=2)
    save_tiny_models(d)
    return d


def _kw(d):
    return {
        "weights": d / "uvit.safetensors",
        "embedder_weights": d / "dve.safetensors",
        "device": "cpu",
    }


def _never(*_a, **_k):
    raise AssertionError("the scan was read for a recolouring that was refused")


def test_the_library_refuses_with_the_default_budget_before_reading_the_scan(files, monkeypatch):
    import xrf_napari.analysis.embed as embed
    import xrf_napari.analysis.ood as ood

    cube = read_cube(files / "scan.h5")
    monkeypatch.setattr(memory, "memory_budget", lambda: 2**19)  # 0.5 MiB left
    monkeypatch.setattr(embed, "iter_embed", _never)
    monkeypatch.setattr(ood, "iter_check_scan", _never)
    with pytest.raises(ValueError) as exc:
        iter_recolour(cube, tile=64, batch=3, **_kw(files))  # at the call, not at next()
    said = str(exc.value)
    assert said.startswith("tiles of 64 px, 1 per model call, need about ")  # 1 tile covers it
    assert said.endswith(" of memory but only 0.5 MiB is free: use a smaller tile or batch")
    need = float(said.split("need about ")[1].split(" MiB")[0])
    assert need * 2**20 > BLOCK == R.EMBED_BLOCK_BYTES  # the embedding's block is counted too
    assert isinstance(exc.value, R.TilingMemoryError)
    with pytest.raises(R.TilingMemoryError, match="only 0.5 MiB is free"):
        recolour(cube, **_kw(files))  # the plain call too, with the model's own tile


def test_the_library_passes_with_enough_memory_and_takes_the_callers_figure(files, monkeypatch):
    cube = read_cube(files / "scan.h5")
    monkeypatch.setattr(memory, "memory_budget", lambda: 2**19)
    with pytest.raises(ValueError, match="only 1.0 MiB is free"):
        iter_recolour(cube, free=2**20, **_kw(files))  # the caller's figure wins
    res = recolour(cube, free=64 * GiB, **_kw(files))
    assert res.rgb.shape == (20, 24, 3) and np.isfinite(res.rgb).all()
    monkeypatch.undo()
    assert recolour(cube, **_kw(files)).rgb.shape == (20, 24, 3)  # the real budget


def test_a_scan_too_large_for_any_tile_is_named_as_such(files):
    """The embedding pass's output (latent and 19 line features, 88 B/px), the ambiguity report's
    work on it and the colours are whole images allocated before any tile: the command line's
    check counted 28 B/px of them, so a 20000 x 20000 scan passed with 16 GiB free and then
    needed over 100 GiB."""
    rec = load_recolouriser(files / "uvit.safetensors", "cpu")
    with pytest.raises(ValueError, match="the 20000 x 20000 px scan needs about ") as exc:
        rec.tiling(None, shape=(20000, 20000), free=16 * GiB)
    scan = rec.image_bytes((20000, 20000))
    assert f"needs about {scan / GiB:,.1f} GiB of memory to recolour" in str(exc.value)
    assert "whatever the tile" in str(exc.value) and "16.0 GiB is free" in str(exc.value)
    assert not isinstance(exc.value, R.TilingMemoryError)  # no smaller tile would do
    assert scan >= 20000 * 20000 * 152  # measured: 152 MiB at 1024 x 1024, embedding block included
    assert rec.tiling(None, shape=(20000, 20000), free=scan + BLOCK + GiB) == (32, 8)


def test_on_cuda_tiles_are_checked_against_the_gpu_and_whole_images_against_the_host(
    files, monkeypatch
):
    """The whole images stay on the host and the tiles' activations go to the GPU: the command
    line compared both together with the smaller of the two memories, so a large scan with a
    small GPU was refused although each fitted."""
    cpu = load_recolouriser(files / "uvit.safetensors", "cpu")
    rec = R.Recolouriser(cpu.model, cpu.config, torch.device("cuda", 0))  # tiling runs no model
    gpu_free = [256 * 2**20]
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *_: (gpu_free[0], 8 * GiB))
    shape = (4000, 4000)  # ~2.7 GiB of whole images, on the host
    assert rec.tiling(64, shape=shape, free=64 * GiB) == (64, 16)
    gpu_free[0] = 2**20
    with pytest.raises(ValueError, match=r"of GPU memory but only 1.0 MiB is free on cuda:0: "):
        rec.tiling(64, shape=shape, free=64 * GiB)
    with pytest.raises(ValueError, match=r"the 4000 x 4000 px scan needs about 2.7 GiB"):
        rec.tiling(64, shape=shape, free=2 * GiB)  # the host's share, whatever the GPU has


def test_the_cli_still_refuses_with_its_message(files, capsys, monkeypatch):
    monkeypatch.setattr(memory, "memory_budget", lambda: 2**19)
    out = files / "small_budget.png"
    argv = ["recolour", str(files / "scan.h5"), "-o", str(out), "--tile", "64", "--batch", "2"]
    assert main(argv + weights_args(files)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # refused before the "recolouring ..." line
    assert err.startswith(
        "xrf-napari recolour: error: --tile 64 --batch 2: tiles of 64 px, 1 per model call, "
        "need about "
    )
    assert err.endswith("only 0.5 MiB is free: use a smaller tile or batch")
    assert not out.exists()


# -- the Recolour dock ---------------------------------------------------------------------------


@pytest.fixture
def dock(make_napari_viewer, tmp_path):
    from _napari_helpers import open_sample_or_painted

    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    open_sample_or_painted(viewer, tmp_path, "panel")
    widget = RecolourWidget(viewer)  # the shipped weights
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    return viewer, widget


def _recoloured(viewer):
    return [layer.name for layer in viewer.layers if layer.name.startswith("recoloured")]


@pytest.mark.parametrize("room", ["tiles", "scan"])
def test_the_dock_shows_the_refusal_and_adds_nothing(dock, qtbot, monkeypatch, room):
    """Whole images fit but not the tiles (the dock has no tile or batch: the message says where
    they are), or not even the whole images (said as the library says it)."""
    from _napari_helpers import caught_notifications, wait_idle

    viewer, widget = dock
    n_layers = len(viewer.layers)
    free = 32 * 2**20 if room == "tiles" else 2**20  # the sample's whole images: 3.9 MiB
    monkeypatch.setattr(memory, "memory_budget", lambda: free)
    with caught_notifications() as seen:
        assert widget.run() is not None
        wait_idle(qtbot, widget.job)
    assert widget.job.last_error is not None, "recoloured with 1-32 MiB to spare"
    said = str(widget.job.last_error)
    h, w = widget.cube_combo.current_cube().shape[:2]
    if room == "tiles":  # the shipped model's tile; the CPU batch, or fewer if fewer tiles
        assert re.match(r"tiles of 128 px, [1-4] per model call, need about ", said), said
        assert said.endswith(
            f"only {free / 2**20:.1f} MiB is free: use a smaller tile or batch with "
            "`xrf-napari recolour --tile --batch` (this panel uses the defaults), or free memory"
        )
    else:
        scan = load_recolouriser(None, "cpu").image_bytes((h, w))
        assert said == (
            f"the {h} x {w} px scan needs about {scan / 2**20:.1f} MiB of memory to recolour "
            "(its latent, line features and colours, whatever the tile) but only 1.0 MiB is free"
        )
    assert widget.job.status.text() == f"Failed: {said}"
    assert [n.message for n in seen] == [said]  # once, as a notification
    assert len(viewer.layers) == n_layers and not _recoloured(viewer)
    assert widget.result is None and not widget.save_button.isEnabled()
    assert widget.job.run_button.isEnabled() and not widget.job.cancel_button.isEnabled()


def test_a_refused_rerun_keeps_the_earlier_colours_and_save(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    from _napari_helpers import open_sample_or_painted, tiny_recolour_dock, wait_idle

    viewer = make_napari_viewer()
    open_sample_or_painted(viewer, tmp_path, "panel")
    widget = tiny_recolour_dock(viewer, tmp_path)
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    (name,) = _recoloured(viewer)
    first, shown = widget.result, viewer.layers[name].data.copy()
    names = [layer.name for layer in viewer.layers]

    monkeypatch.setattr(memory, "memory_budget", lambda: 2**20)
    widget.run()
    wait_idle(qtbot, widget.job)
    assert "1.0 MiB is free" in str(widget.job.last_error)
    assert [layer.name for layer in viewer.layers] == names
    np.testing.assert_array_equal(viewer.layers[name].data, shown)
    assert widget.result is first and widget.save_button.isEnabled()
    out = widget.save(tmp_path / "still.png")
    assert out.is_file()


def test_the_pigments_panel_says_where_tile_and_batch_are_set(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Its SmallUViT region colours go through the same refusal as the Recolour dock: the message
    points at the command line's --tile/--batch, since the panel has neither."""
    from _napari_helpers import open_sample_or_painted, wait_idle

    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_sample_or_painted(viewer, tmp_path, "panel")
    cube_layer = next(layer for layer in viewer.layers if layer.data.ndim == 3 and not layer.rgb)
    viewer.add_labels(np.ones(cube_layer.data.shape[1:], np.int32), name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    widget.use_uvit.setChecked(True)
    monkeypatch.setattr(memory, "memory_budget", lambda: 32 * 2**20)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    said = str(widget.job.last_error)
    assert said.endswith(
        "use a smaller tile or batch with `xrf-napari recolour --tile --batch` "
        "(this panel uses the defaults), or free memory"
    ), said
    assert widget.report is None
