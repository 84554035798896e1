"""Core analysis audit 30 (/work/runs30/audit_core/report.md): a float photograph's scale
(finding 5), weights whose config names no model (finding 8), element mixtures that name two
colour families (finding 7)."""

import numpy as np
import pytest

from xrf_napari.analysis.colour_prior import photo_on_scan, read_photo


# -- finding 5: a float photograph with one value above 1 is still a 0-1 photograph ----------------
def test_a_0_1_float_photo_with_stray_values_above_1_keeps_its_colours():
    grey = np.full((20, 30, 3), 0.6, np.float32)
    grey[3, 4, 1] = 1.02  # a colour-corrected float TIFF overshoots white here and there
    on = photo_on_scan(grey, (20, 30))
    assert on.mean() == pytest.approx(0.6, abs=1e-3)  # was 0.0024: divided by 255
    assert on.max() == pytest.approx(1.0)  # the overshoot is clipped
    bright = np.full((10, 16, 3), 0.5, np.float32)
    bright[:2] = 1.2  # 20 % of the image slightly above white (overexposed), resampled too
    on = photo_on_scan(bright, (5, 8))
    np.testing.assert_allclose(on[0], 1.0)
    np.testing.assert_allclose(on[-1], 0.5, atol=1e-6)


def test_a_0_255_float_photo_is_still_divided_by_255():
    rng = np.random.default_rng(0)
    img8 = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    f = img8.astype(np.float32)
    f[0, 0, 0] = 262.0  # overshoot above 255 is clipped, not a reason to refuse
    on = photo_on_scan(f, (20, 30))
    np.testing.assert_allclose(on.reshape(-1)[1:], img8.reshape(-1)[1:] / 255.0, atol=1e-6)
    assert on[0, 0, 0] == pytest.approx(1.0)
    dark = np.full((20, 30, 3), 20.0, np.float32)  # a dark 0-255 photograph: 0.08
    assert photo_on_scan(dark, (20, 30)).mean() == pytest.approx(20 / 255, abs=1e-6)


def test_a_float_photo_of_unclear_scale_is_refused_naming_the_file(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    ambiguous = np.full((20, 30, 3), 0.5, np.float32)
    ambiguous[:4] = 2.0  # 20 % at twice white: neither a 0-1 overshoot nor a 0-255 image
    tifffile.imwrite(tmp_path / "odd.tif", ambiguous)
    with pytest.raises(ValueError, match=r"odd\.tif: a float image of unclear scale"):
        read_photo(tmp_path / "odd.tif", (20, 30))
    tifffile.imwrite(tmp_path / "wide.tif", np.full((20, 30, 3), 30000.0, np.float32))
    with pytest.raises(ValueError, match=r"wide\.tif: .*neither on a 0-1 nor on a 0-255"):
        read_photo(tmp_path / "wide.tif", (20, 30))


# -- finding 8: every weights file is shape-checked before a model is built ------------------------
def test_weights_naming_no_model_are_shape_checked_before_any_model_is_built(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.models import dve
    from xrf_napari.models.weights import WeightsError, load_weights, save_weights

    path = tmp_path / "huge.safetensors"
    save_weights({"encoder.0.weight": torch.zeros(4, 512)}, path, {"hidden": [4096] * 6})
    built = []
    real = dve.build_from_config

    def spy(config=None):
        model = real(config)
        built.append(next(model.parameters()).device.type)
        return model

    monkeypatch.setattr(dve, "build_from_config", spy)
    with pytest.raises(WeightsError, match=r"huge\.safetensors: .*names no model"):
        load_weights(path)
    with pytest.raises(WeightsError, match=r"huge\.safetensors: .*do not match a DVE"):
        load_embedder(path, "cpu")
    assert built and set(built) == {"meta"}  # shapes only: no 656 MiB network allocated
    good = tmp_path / "good.safetensors"
    model = real({})
    config = {k: v for k, v in model.config.items() if k != "model"}
    save_weights(model.state_dict(), good, config)
    state, _ = load_weights(good)  # a real DVE whose config names no model still loads
    assert set(state) == set(model.state_dict())


# -- finding 7: elements naming different colour families do not fix the colour ------------------
@pytest.mark.parametrize(
    "elements, families",
    [
        ({"Cd", "Co"}, ("Cadmium yellow", "Cobalt blue")),
        ({"Co", "Hg"}, ("Cobalt blue", "Vermilion")),
        ({"Co", "Cr"}, ("Cobalt blue", "Viridian")),
        ({"Cd", "Co", "Zn"}, ("Cadmium yellow", "Cobalt blue")),  # a white does not settle it
    ],
)
def test_a_mixture_of_two_colour_families_is_not_called_named(elements, families):
    from xrf_napari.analysis.ambiguity import ambiguity_report, explain, named_colour
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS

    named, cands = explain(frozenset(elements))
    assert named is False
    assert set(families) <= set(cands)  # what it is instead: pigments of both families
    assert named_colour(frozenset(elements)) is None  # no KM mix of unrelated hues as a prior
    feats = np.zeros((2, 2, len(FEATURE_ELEMENTS)), np.float32)
    feats[0, :, [FEATURE_ELEMENTS.index(e) for e in elements]] = 0.5
    feats[1, :, FEATURE_ELEMENTS.index("Hg")] = 0.5  # vermilion alone: still named
    report = ambiguity_report(feats, FEATURE_ELEMENTS)
    assert report.ambiguous[0].all() and not report.ambiguous[1].any()
    assert "+".join(sorted(elements)) in report.message()


def test_single_elements_and_one_family_sets_stay_named():
    from xrf_napari.analysis.ambiguity import explain

    cases = [
        ({"Cd"}, "Cadmium yellow"),
        ({"Co"}, "Cobalt blue"),
        ({"Hg", "Pb"}, "Vermilion"),
        ({"Pb", "Sb"}, "Naples yellow"),
        ({"Co", "Zn"}, "Cobalt blue"),  # a white beside a colour only lightens it
        ({"Ba", "Cd", "Se"}, "Cadmium red"),  # cadmium red lithopone
        ({"Hg", "Ti"}, "Vermilion"),
    ]
    for elements, first in cases:
        named, cands = explain(frozenset(elements))
        assert named is True and first in cands, elements


# -- finding 4: the reconstruction score's threshold follows the count level ---------------------
@pytest.mark.parametrize(
    "case, offset, gain",
    [
        ("true axis", 0.0, 1.0),
        ("+0.5 keV", 0.5, 1.0),
        ("-0.2 keV", -0.2, 1.0),
        ("gain x1.25", 0.0, 1.25),
    ],
)
def test_a_wrong_energy_axis_warns_at_300_counts_per_pixel(case, offset, gain):
    pytest.importorskip("torch")
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    for name in ("panel", "painting"):
        cube = read_cube(sample_path(name))
        data = np.asarray(cube.data[()], dtype=np.int64)
        thin = np.random.default_rng(0).binomial(data, 300 / data.sum(axis=2).mean())
        c = cube.calibration
        cal = Calibration(c.offset + offset, c.gain * gain, c.quadratic, source="file")
        report = check_scan(cube_from_array(thin, cal), device="cpu")
        if case == "true axis":  # scores 1.1 (panel) and 1.5 (painting) at 300 counts
            assert not report.warn, (name, report.message())
        else:  # scores 2.8-3.9 here: the fixed threshold 6 never warned
            assert report.warn and "cannot reconstruct" in report.message(), (name, report.score)
            assert "check the energy calibration" in report.message()
