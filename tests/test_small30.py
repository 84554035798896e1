"""Session 30 small fixes: the Pigments dock names the chosen photograph layer in the errors found
in its worker; evaluate shape-checks a PixelMLP baseline on the meta device before building it;
recolouring an in-memory cube with a non-finite spectrum names that pixel."""

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_pigments_names_the_photograph_layer_of_unclear_scale(make_napari_viewer, qtbot, tmp_path):
    """A float photograph whose scale is neither 0-1 nor 0-255 is found in the worker
    (`photo_on_scan`); the error names the layer the user chose, not "the photograph"."""
    pytest.importorskip("xraylib")
    from _napari_helpers import open_cube, wait_idle
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    syn, labels = stripe_scan([(["Vermilion"], [1.0]), (["Azurite"], [1.0])], 20)
    path = tmp_path / "scan.h5"
    write_cube(path, syn.counts, CANON, metadata=dict(syn.metadata, name="scan"))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    viewer.add_labels(labels + 1, name="regions")
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.device.setCurrentText("cpu")
    widget.use_uvit.setChecked(False)
    photo = np.full(labels.shape + (3,), 0.5, np.float32)
    photo[: labels.shape[0] // 5] = 2.0  # 20 % at twice white: neither a 0-1 nor a 0-255 image
    viewer.add_image(photo, rgb=True, name="my photo")
    widget.photo_combo.set_layer(viewer.layers["my photo"])
    assert widget.run() is not None  # the right shape: refused only in the worker
    wait_idle(qtbot, widget.job, timeout=120000)
    err = str(widget.job.last_error)
    assert "unclear scale" in err and "'my photo'" in err, err
    assert widget.find_regions() is not None
    wait_idle(qtbot, widget.job, timeout=120000)
    err = str(widget.job.last_error)
    assert "unclear scale" in err and "'my photo'" in err, err


def test_evaluate_refuses_a_huge_baseline_config_before_building_it(tmp_path, monkeypatch):
    """A pixel_mlp.safetensors whose config asks for 31 layers of 8192 (8 GB of float32) and whose
    tensors are a small MLP's: refused by the shape check, which builds only on the meta device."""
    torch = pytest.importorskip("torch")
    from test_eval41 import _set

    from xrf_napari.models.weights import save_weights
    from xrf_napari.training import evaluate as evaluate_mod
    from xrf_napari.training import train_pixel_mlp
    from xrf_napari.training.evaluate import evaluate

    real = train_pixel_mlp.build_from_config
    small = real({"in_chans": 3})
    path = tmp_path / "pixel_mlp.safetensors"
    save_weights(small.state_dict(), path, {**small.config, "hidden": 8192, "layers": 32})
    built, models = [], []

    def spy(config=None):
        model = real(config)
        built.append(next(model.parameters()).device.type)
        models.append(model)
        return model

    monkeypatch.setattr(train_pixel_mlp, "build_from_config", spy)
    data = _set(tmp_path / "set", size=16)  # evaluate lists and checks --data before the models
    with pytest.raises(ValueError, match=r"pixel_mlp\.safetensors: tensors do not fit its config"):
        evaluate(data, baseline=path, device="cpu", progress=False)
    assert built == ["meta"]  # no real-size model was built
    # a baseline whose tensors fit is built for real after the check; stopped before the cubes
    save_weights(small.state_dict(), path, small.config)

    def stop(*_a, **_k):
        raise ValueError("stopped before scoring")

    monkeypatch.setattr(evaluate_mod, "_set_scales", stop)
    with pytest.raises(ValueError, match="stopped before scoring"):
        evaluate(data, baseline=path, device="cpu", progress=False)
    assert built == ["meta", "meta", "cpu"]
    assert torch.equal(models[-1].net[0].weight, small.net[0].weight)  # the file's tensors


def test_recolour_names_the_first_pixel_whose_spectrum_is_not_finite():
    """An in-memory float cube (files are checked on read) with a NaN count: the error names
    the cube, the pixel (y, x) and the channel, not just 'latent image contains NaN'."""
    pytest.importorskip("torch")
    from xrf_napari.analysis.recolour import recolour

    rng = np.random.default_rng(0)
    data = rng.poisson(5.0, (12, 10, 512)).astype(np.float32)
    data[7, 3, 100] = np.nan
    data[9, 1, 5] = np.inf  # a later pixel: the first is named
    cube = cube_from_array(data, Calibration(0.0, 0.04, 0.0, source="file"), name="nanscan")
    with pytest.raises(ValueError, match=r"nanscan: the spectrum at y=7, x=3 .*channel 100"):
        recolour(cube, device="cpu")
    # the helper, in row blocks smaller than the image
    from xrf_napari.analysis.recolour import first_nonfinite

    img = np.zeros((6, 5, 4), np.float32)
    assert first_nonfinite(img) is None
    img[4, 2, 3] = -np.inf
    img[5, 0, 0] = np.nan
    assert first_nonfinite(img, block_bytes=1) == (4, 2)
    assert first_nonfinite(img) == (4, 2)
