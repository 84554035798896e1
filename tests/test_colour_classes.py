"""The quantised-colour objective: Lab conversion, bins that keep rare saturated colours, a
rebalanced loss whose decoded answer keeps the mode where a regression would average, and bins that
travel with the weights file."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.models.uvit import build_from_config  # noqa: E402
from xrf_napari.training.colour_classes import (  # noqa: E402
    ColourClassLoss,
    fit_colour_bins,
    rebalance_weights,
    srgb_to_lab,
)

YELLOW = (230, 190, 20)
MUTED = [(120, 100, 80), (90, 85, 70), (140, 120, 100), (100, 90, 95)]
TINY = {"img_size": 16, "patch": 4, "dim": 16, "depth": 3, "heads": 2, "head_hidden": 8}


def test_lab_matches_skimage_in_numpy_and_torch():
    from skimage.color import rgb2lab

    rgb = np.random.default_rng(0).random((200, 3)).astype(np.float32)
    want = rgb2lab(rgb[None])[0]
    np.testing.assert_allclose(srgb_to_lab(rgb), want, atol=0.02)
    np.testing.assert_allclose(srgb_to_lab(torch.from_numpy(rgb)).numpy(), want, atol=0.02)


def _targets(rare_share=0.02, seed=0):
    """Images of muted colours with a rare saturated yellow, plus a little noise per pixel."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(6):
        idx = rng.integers(0, len(MUTED), (64, 64))
        img = np.asarray(MUTED, np.int16)[idx]
        img[rng.random((64, 64)) < rare_share] = YELLOW
        img = img + rng.integers(-3, 4, img.shape)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out


def test_bins_keep_a_rare_saturated_colour_and_weights_favour_it():
    bins, prior = fit_colour_bins(_targets(), 6, seed=0)
    assert bins.shape == (6, 3) and prior.sum() == pytest.approx(1.0)
    lab = srgb_to_lab(bins)
    yellow = srgb_to_lab(np.asarray([YELLOW], np.float32) / 255)[0]
    d = np.linalg.norm(lab - yellow, axis=1)
    assert d.min() < 6, "the 2 % yellow pixels lost their own bin to the muted majority"
    w = rebalance_weights(prior)
    assert (prior * w).sum() == pytest.approx(1.0, rel=1e-5)
    assert w[d.argmin()] > w[prior.argmax()]  # the rare bin counts more per pixel


def test_decoded_answer_keeps_the_mode_where_a_regression_averages():
    """One input seen with yellow 40 % of the time and four muted colours 15 % each, in a data set
    where yellow is rare (2 % of all pixels): the rebalanced classifier answers near yellow, the
    least-squares answer is the muddy mean."""
    torch.manual_seed(0)
    colours = np.asarray([YELLOW] + MUTED, np.float32) / 255
    bins = colours.copy()
    global_prior = np.asarray([0.02] + [0.245] * 4)
    loss_fn = ColourClassLoss(bins, rebalance_weights(global_prior), "cpu")
    here = np.asarray([0.4] + [0.15] * 4)
    picks = np.random.default_rng(0).choice(5, size=(1, 20, 20), p=here)
    target = torch.from_numpy(colours[picks]).permute(0, 3, 1, 2)
    logits = torch.zeros(1, 5, 20, 20, requires_grad=True)
    opt = torch.optim.Adam([logits], lr=0.1)
    for _ in range(200):
        # one shared score vector: every pixel has the same input
        shared = logits.mean((2, 3), keepdim=True).expand_as(logits)
        loss = loss_fn(shared, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model = build_from_config({**TINY, "pixel_skip": True, "colour_bins": 5})
    model.bin_rgb.copy_(torch.from_numpy(bins))
    with torch.no_grad():
        decoded = model.decode(logits.mean((2, 3), keepdim=True))[0, :, 0, 0].numpy()
    mean = colours[picks[0]].reshape(-1, 3).mean(0)
    lab = srgb_to_lab(np.stack([decoded, mean, colours[0]]))
    assert np.linalg.norm(lab[0] - lab[2]) < 0.5 * np.linalg.norm(lab[1] - lab[2])


def test_colour_bins_travel_with_the_weights(tmp_path):
    from xrf_napari.analysis.recolour import load_recolouriser
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    model = build_from_config({**TINY, "pixel_skip": True, "colour_bins": 7}).eval()
    model.bin_rgb.copy_(torch.rand(7, 3))
    path = tmp_path / "uvit.safetensors"
    save_weights(model.state_dict(), path, model.config)
    rec = load_recolouriser(path, "cpu")
    torch.testing.assert_close(rec.model.bin_rgb, model.bin_rgb)
    latent = np.random.default_rng(1).normal(size=(16, 16, 3)).astype(np.float32)
    out = rec.predict(latent)
    assert out.shape == (16, 16, 3)
    # an annealed mean of the bins stays inside their colour range
    lo, hi = model.bin_rgb.min(0).values.numpy(), model.bin_rgb.max(0).values.numpy()
    assert (out >= lo - 1e-5).all() and (out <= hi + 1e-5).all()


def test_colour_bins_need_the_pixel_head():
    with pytest.raises(ValueError, match="pixel_skip"):
        build_from_config({**TINY, "colour_bins": 8})
