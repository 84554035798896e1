"""A fresh user's walk through the demo, the CLI and napari (session 57): what they saw go wrong."""

import dataclasses

import numpy as np
import pytest


def _inside(fig) -> list[str]:
    """The texts of `fig` (titles, labels) that are drawn past one of its edges."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    out = []
    for ax in fig.axes:
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
            if not text.get_text():
                continue
            box = text.get_window_extent(renderer)
            if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
                out.append(text.get_text())
    return out


@pytest.mark.parametrize("shape", [(128, 128), (11, 9), (3, 128), (1, 40)])
def test_quicklook_map_titles_lie_inside_their_png(shape):
    """The sample painting's Pb map (`xrf-napari quicklook sample_data/painting.h5`) was titled
    with its 90-character note on one line, cut off at both sides of the 660-pixel PNG ("β used:
    Pb Lα coincides ... taken out by th"); the real APS scan's Si map lost half its note so. The
    note is wrapped and the figure laid out around it, on square, tall, strip and line maps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xrf_napari.analysis.maps import plan_maps
    from xrf_napari.cli.quicklook_cmd import map_figure

    plan = plan_maps(["Pb"], (1.0, 26.0))[0]
    note = (
        "detector FWHM 190 eV at Mn Kα read from this scan's Kα peaks (the file gives none); "
        "Lβ used: Pb Lα coincides with As Kα; overlaps Se Kβ; Se lines taken out by the Se map"
    )
    plan = dataclasses.replace(plan, note=note)
    m = np.random.default_rng(0).random(shape).astype(np.float32)
    fig = map_figure(m, plan, line=min(shape) < 2)
    try:
        assert _inside(fig) == []
        assert "taken out by the Se map" in fig.axes[0].get_title().replace("\n", " ")
    finally:
        plt.close(fig)


def test_quicklook_spectrum_title_lies_inside_its_png():
    """`xrf-napari quicklook` of a scan named as scans are (date, painting, area, settings) drew
    the sum spectrum's first title line, name and suggested elements, unwrapped and past both
    edges of the 1100-pixel PNG, and its tube note, wrapped at 150 characters, still ran off
    ("...(name the tube with --anode t"). Every line is wrapped and laid out inside."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xrf_napari.analysis.maps import plan_maps
    from xrf_napari.analysis.peaks import Suggestions
    from xrf_napari.cli.quicklook_cmd import spectrum_figure
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    name = "2023-04-12_Rembrandt_Night_Watch_area03_M6_50kV_200uA_step2mm_dwell10ms"
    cube = cube_from_array(
        np.ones((1, 128, 512), np.float32), Calibration(1.025, 0.05, source="file"), name=name
    )
    suggested = Suggestions(["Ti", "Ca", "Zn", "S", "Fe", "Sr", "Hg", "Cr", "Cu", "Pb", "Co"])
    suggested.tube = ("Rh",)
    instrument = (
        "tube unknown (the file names none; --anode), kV unknown (the file names no tube "
        "voltage; --kv), collimator (the file names no lens; --optic), air (the file names none; "
        "--atmosphere)"
    )
    spectrum = np.linspace(1e4, 10, 512)
    fig = spectrum_figure(cube, spectrum, suggested, plan_maps(["Fe"], (1.0, 26.0)), instrument)
    try:
        assert _inside(fig) == []
        title = fig.axes[0].get_title().replace("\n", " ")
        assert name in title and "name the tube with --anode to tell" in title
    finally:
        plt.close(fig)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_pigments_photo_refuses_xrf_napari_own_images(tmp_path, suffix):
    """`xrf-napari pigments panel.h5 --photo rec.tif`, rec.tif written by `xrf-napari recolour`
    (as `xrf-napari info rec.tif` advises for any RGB TIFF: "give it to `xrf-napari pigments
    --photo`"), ran and reported the SmallUViT's guess as the photograph's colours ("(photograph:
    + Van Dyke brown)"), where the Pigments dock offers no recoloured layer as its Photograph.
    read_photo refuses every image xrf-napari wrote, naming what it is; a photograph of the
    same pixels without xrf-napari's mark is read."""
    from PIL import Image

    from xrf_napari.analysis.colour_prior import read_photo
    from xrf_napari.analysis.export import write_image
    from xrf_napari.analysis.recolour import save_rgb

    rgb = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    made = save_rgb(tmp_path / f"rec{suffix}", rgb, {"scan": "/data/panel.h5", "recolouriser": "u"})
    with pytest.raises(ValueError, match=r"the SmallUViT's recoloured image of panel\.h5, not a"):
        read_photo(made, (12, 16))
    latent = write_image(tmp_path / f"latent{suffix}", rgb, "the latent image")
    with pytest.raises(ValueError, match=r"an image xrf-napari \S+ wrote, not a photograph"):
        read_photo(latent, (12, 16))
    photo = tmp_path / f"photo{suffix}"
    Image.fromarray(rgb).save(photo)
    assert read_photo(photo, (12, 16)).shape[:2] == (12, 16)


def test_reading_a_recoloured_tiff_as_a_scan_names_it_without_the_photo_advice(tmp_path):
    """`xrf-napari info rec.tif` (rec.tif from `xrf-napari recolour`) said "it looks like a
    photograph ... give it to `xrf-napari pigments --photo` as the photograph of a scan", which
    --photo now refuses: the refusal names the recoloured image and gives no such advice."""
    from xrf_napari.analysis.recolour import save_rgb
    from xrf_napari.io import read_cube

    rgb = np.zeros((12, 16, 3), np.uint8)
    made = save_rgb(tmp_path / "rec.tif", rgb, {"scan": "/data/panel.h5", "recolouriser": "u"})
    with pytest.raises(Exception, match="the SmallUViT's recoloured image of panel.h5") as info:
        read_cube(made)
    assert "--photo" not in str(info.value)


class Image:  # noqa: D101 - named as napari's layer class, which is what layer_type reads
    def __init__(self, path=None):
        import types

        self.rgb, self.metadata = True, {}
        self.source = types.SimpleNamespace(path=None if path is None else str(path))


def test_pigments_dock_photograph_list_leaves_out_xrf_napari_images_opened_from_files(tmp_path):
    """A recoloured.png that the Recolour dock saved, opened again in napari (napari's reader),
    was offered as the Pigments dock's Photograph, where the user guide says the list offers "RGB
    images, not xrf-napari's own latent RGB or recoloured images"; measured in napari: the list
    read ['(none)', 'painting_recoloured', 'recoloured']. A photograph file stays offered, and
    so does an RGB layer made in napari (no file)."""
    from PIL import Image as PILImage

    from xrf_napari.analysis.export import write_image
    from xrf_napari.analysis.recolour import save_rgb
    from xrf_napari.widgets.pigments import is_photograph_choice

    rgb = np.full((8, 8, 3), 120, np.uint8)
    recoloured = save_rgb(tmp_path / "recoloured.png", rgb, {"scan": "a.h5", "recolouriser": "u"})
    latent = write_image(tmp_path / "latent.png", rgb, "the latent image")
    photo = tmp_path / "photo.png"
    PILImage.fromarray(rgb).save(photo)
    assert not is_photograph_choice(Image(recoloured))
    assert not is_photograph_choice(Image(latent))
    assert is_photograph_choice(Image(photo))
    assert is_photograph_choice(Image())
