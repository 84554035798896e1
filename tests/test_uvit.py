"""SmallUViT, tiled recolouring and the colour metrics."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.analysis.recolour import (  # noqa: E402
    Recolouriser,
    blend_window,
    dihedral_mean,
    save_rgb,
    tile_starts,
)
from xrf_napari.models.uvit import build_from_config  # noqa: E402
from xrf_napari.training.metrics import ciede2000, image_metrics, ms_ssim, redmean_distance  # noqa: E402

TINY = {"img_size": 32, "patch": 8, "dim": 18, "depth": 3, "heads": 9, "mlp_ratio": 2.0}


def tiny_model(seed=0, **kw):
    torch.manual_seed(seed)
    return build_from_config({**TINY, **kw}).eval()


def test_tiny_model_trains_and_loss_falls():
    torch.manual_seed(0)
    model = build_from_config({**TINY, "pixel_skip": True, "head_hidden": 8})
    # A colour that depends on the latent through a fixed non-linear map: learnable, not trivial.
    x = torch.randn(8, 3, 32, 32)
    target = torch.sigmoid(torch.stack([x[:, 0] * 2, x[:, 1] - x[:, 2], -x[:, 0] * x[:, 1]], dim=1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = redmean_distance(model(x), target, eps=1e-6)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.isfinite(losses).all()
    assert np.mean(losses[-3:]) < 0.7 * np.mean(losses[:3])


def _fit(model, x, target, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = redmean_distance(model(x), target, eps=1e-6)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


def test_pixel_branch_fits_a_per_pixel_colour_map_better():
    """A colour that is a non-linear function of each pixel's own latent, with no spatial structure
    (white-noise latent): the per-pixel branch must fit it better than the plain pixel-skip head,
    which has to go through the 4 x 4 patch tokens (the blockiness seen at full scale)."""
    torch.manual_seed(1)
    x = torch.randn(4, 3, 32, 32)
    target = torch.sigmoid(
        torch.stack([3 * x[:, 0] * x[:, 1], x[:, 1] ** 2 - 1, 2 * torch.sin(2 * x[:, 2])], 1)
    )
    plain = _fit(tiny_model(pixel_skip=True, head_hidden=8), x, target, 40)
    branch = _fit(tiny_model(pixel_skip=True, head_hidden=8, pixel_branch=32), x, target, 40)
    assert branch < 0.8 * plain


def test_pixel_branch_needs_pixel_skip():
    with pytest.raises(ValueError, match="pixel_branch needs pixel_skip"):
        build_from_config({**TINY, "pixel_branch": 8})


@pytest.mark.parametrize(
    "head", [{"pixel_skip": False}, {"pixel_skip": True}, {"pixel_skip": True, "pixel_branch": 8}]
)
def test_output_in_unit_range_and_shape(head):
    model = tiny_model(**head)
    with torch.no_grad():
        y = model(torch.randn(2, 3, 32, 48) * 50)  # large inputs saturate but stay in [0, 1]
    assert y.shape == (2, 3, 32, 48)
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0


def test_lsa_masks_the_diagonal_and_fused_path_agrees():
    model = tiny_model()
    attn = model.mid_block.attn
    tokens = torch.randn(2, 16, TINY["dim"])
    with torch.no_grad():
        w = attn.attention_weights(tokens)
        assert torch.diagonal(w, dim1=-2, dim2=-1).abs().max() == 0
        assert torch.allclose(w.sum(-1), torch.ones(2, TINY["heads"], 16), atol=1e-5)
        assert torch.allclose(attn(tokens), attn(tokens, explicit=True), atol=1e-5)
    # The temperature is a learnable parameter, one per head.
    assert attn.log_temperature.requires_grad and attn.log_temperature.numel() == TINY["heads"]


def test_positional_embedding_resizes_to_other_grids():
    model = tiny_model()
    pe = model.pos_embed_for(6, 3)
    assert pe.shape == (1, 18, TINY["dim"])
    assert model.pos_embed_for(4, 4) is model.pos_embed
    with torch.no_grad():
        assert model(torch.randn(1, 3, 48, 24)).shape == (1, 3, 48, 24)
    with pytest.raises(ValueError, match="multiple of the patch"):
        model(torch.randn(1, 3, 30, 32))


def test_config_errors_are_clear():
    with pytest.raises(ValueError, match="multiple of heads"):
        build_from_config({"dim": 100, "heads": 9})
    with pytest.raises(ValueError, match="depth must be odd"):
        build_from_config({"depth": 6})


def _recolouriser(model):
    return Recolouriser(model, model.config, torch.device("cpu"))


def test_tiled_equals_whole_image_when_one_tile_covers_it():
    model = tiny_model(pixel_skip=True, head_hidden=4)
    latent = np.random.default_rng(0).normal(size=(32, 32, 3)).astype(np.float32)
    tiled = _recolouriser(model).predict(latent, tile=32, overlap=8)
    with torch.no_grad():
        whole = model(torch.from_numpy(latent).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(tiled, whole, atol=1e-5)


def test_tiling_is_seamless_for_a_position_independent_output():
    # Head forced to a constant: whatever the tile, the model outputs sigmoid(0.4). Any seam or
    # uncovered pixel in the blend would move the result away from that constant.
    model = tiny_model()
    with torch.no_grad():
        model.decoder_pred.weight.zero_()
        model.decoder_pred.bias.fill_(0.4)
        model.final.weight.zero_()
        for c in range(3):
            model.final.weight[c, c, 1, 1] = 1.0
        model.final.bias.zero_()
    latent = np.ones((77, 101, 3), dtype=np.float32)
    rgb = _recolouriser(model).predict(latent, tile=32, overlap=8, batch=3)
    assert rgb.shape == (77, 101, 3)
    np.testing.assert_allclose(rgb, 1 / (1 + np.exp(-0.4)), atol=1e-6)


def test_each_pixel_is_a_convex_blend_of_the_tiles_covering_it():
    model = tiny_model()
    rng = np.random.default_rng(1)
    latent = rng.normal(size=(50, 70, 3)).astype(np.float32)
    rgb = _recolouriser(model).predict(latent, tile=32, overlap=8)
    with torch.no_grad():
        corner = (
            model(torch.from_numpy(latent[:32, :32]).permute(2, 0, 1)[None])[0]
            .permute(1, 2, 0)
            .numpy()
        )
    # Top-left pixels are covered by the first tile only (the next one starts at x=19, y=18).
    ys, xs = tile_starts(50, 32, 8), tile_starts(70, 32, 8)
    np.testing.assert_allclose(rgb[: ys[1], : xs[1]], corner[: ys[1], : xs[1]], atol=1e-5)
    assert rgb.shape == (50, 70, 3) and np.isfinite(rgb).all()


def test_averaged_flips_make_the_model_equivariant_and_change_nothing_for_an_equivariant_one():
    x = torch.from_numpy(np.random.default_rng(3).normal(size=(2, 3, 32, 32)).astype(np.float32))
    model = tiny_model(pixel_skip=True, head_hidden=4)

    def turn(t, k, flip):  # one of the 8 symmetries of the square tile
        t = torch.rot90(t, k, (-2, -1))
        return t.flip(-1) if flip else t

    with torch.no_grad():
        mean = dihedral_mean(model, x)
        for k, flip in ((1, False), (2, False), (0, True), (3, True)):
            # the SmallUViT itself is not equivariant (learnt positions, shifted patches)...
            assert (model(turn(x, k, flip)) - turn(model(x), k, flip)).abs().max() > 1e-3
            # ...the mean over the 8 orientations is, exactly (a wrong inverse turn breaks this)
            torch.testing.assert_close(
                dihedral_mean(model, turn(x, k, flip)), turn(mean, k, flip), atol=1e-5, rtol=0
            )
        pointwise = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 1), torch.nn.Sigmoid())
        torch.testing.assert_close(dihedral_mean(pointwise, x), pointwise(x), atol=1e-6, rtol=0)
    # the tiled path averages the same way: one tile covering the image gives that mean
    rec = _recolouriser(model)
    latent = x[0].permute(1, 2, 0).numpy()
    flipped = rec.predict(latent, tile=32, average_flips=True)
    np.testing.assert_allclose(flipped, mean[0].permute(1, 2, 0).numpy(), atol=1e-5)
    assert np.abs(flipped - rec.predict(latent, tile=32)).max() > 1e-3


def test_small_image_is_mirrored_up_to_the_tile():
    """An image smaller than a tile is shown to the model as the tile-sized mirror image of itself
    (edge pixels repeated: a b c | c b a | a b c ...), and the answer is the top-left corner."""
    model = tiny_model(pixel_skip=True, head_hidden=4)
    latent = np.random.default_rng(2).normal(size=(5, 9, 3)).astype(np.float32)
    rgb = _recolouriser(model).predict(latent, tile=32)

    def mirror(n):  # source index of each of the tile's 32 rows (columns)
        return [i % n if (i // n) % 2 == 0 else n - 1 - i % n for i in range(32)]

    mirrored = latent[np.ix_(mirror(5), mirror(9))]
    with torch.no_grad():
        whole = model(torch.from_numpy(mirrored).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    assert rgb.shape == (5, 9, 3)
    np.testing.assert_allclose(rgb, whole[:5, :9], atol=1e-5)


def test_tile_layout_covers_with_the_requested_overlap():
    for size in (33, 100, 414, 1000):
        starts = tile_starts(size, 32, 8)
        assert starts[0] == 0 and starts[-1] + 32 == size
        assert all(a + 32 - b >= 8 for a, b in zip(starts, starts[1:]))
    w = blend_window(32)
    assert w.min() > 0 and w[16, 16] == w.max()


def test_redmean_is_zero_for_identical_images_and_matches_hand_value():
    a = torch.rand(1, 3, 4, 4)
    assert float(redmean_distance(a, a)) == 0.0
    p = torch.zeros(1, 3, 1, 1)
    t = torch.tensor([0.5, 0.2, 0.1]).view(1, 3, 1, 1)
    # rbar = 0.25: sqrt(2.25 * 0.25 + 4 * 0.04 + 2.75 * 0.01) / 3
    expected = np.sqrt(2.25 * 0.25 + 4 * 0.04 + 2.75 * 0.01) / 3
    assert float(redmean_distance(p, t)) == pytest.approx(expected, rel=1e-6)
    # black vs white is the maximum distance, 1
    assert float(
        redmean_distance(torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1))
    ) == pytest.approx(1.0)


def test_ciede2000_and_msssim():
    rng = np.random.default_rng(0)
    img = rng.random((170, 170, 3)).astype(np.float32)
    assert ciede2000(img, img) == (0.0, 0.0)
    red, green = np.zeros((2, 2, 3)), np.zeros((2, 2, 3))
    red[..., 0], green[..., 1] = 1.0, 1.0
    assert ciede2000(red, green)[0] > 50
    m = image_metrics(img, img)
    assert m["msssim"] == pytest.approx(1.0, abs=1e-5) and m["srgb"] == 0.0
    noisy = np.clip(img + rng.normal(scale=0.2, size=img.shape), 0, 1).astype(np.float32)
    assert image_metrics(noisy, img)["msssim"] < 0.9
    with pytest.raises(ValueError, match="160"):
        ms_ssim(torch.rand(1, 3, 150, 150), torch.rand(1, 3, 150, 150))


def test_save_rgb_png_and_tiff(tmp_path):
    import tifffile
    from PIL import Image

    rgb = np.random.default_rng(0).random((7, 5, 3)).astype(np.float32)
    png = save_rgb(tmp_path / "a.png", rgb)
    back = np.asarray(Image.open(png))
    assert back.shape == (7, 5, 3) and back.dtype == np.uint8
    np.testing.assert_array_equal(back, (rgb * 255 + 0.5).astype(np.uint8))
    tif = save_rgb(tmp_path / "a.tif", rgb)
    np.testing.assert_array_equal(tifffile.imread(tif), back)
    with pytest.raises(ValueError, match=r"\.png"):
        save_rgb(tmp_path / "a.jpg", rgb)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "a.tif"]


def test_the_batch_size_does_not_change_the_colours():
    """Tiles per model call (4 on the CPU by default, to bound memory; any number on request) is a
    speed and memory choice only: every tile sees the same model whatever its batch companions."""
    model = tiny_model(pixel_skip=True, head_hidden=4)
    latent = np.random.default_rng(2).normal(size=(70, 90, 3)).astype(np.float32)
    rec = _recolouriser(model)
    default = rec.predict(latent, tile=32, overlap=8)
    for batch in (1, 3, 50):
        np.testing.assert_allclose(
            rec.predict(latent, tile=32, overlap=8, batch=batch), default, atol=1e-6
        )
