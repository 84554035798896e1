"""The Spectrum plot's kept images (FigureView, show_built) hold the widget's current size only."""

from xrf_napari.widgets._plot import FigureView, _keep_image

A = (1900, 1000, 2.0)  # width, height, pixel ratio
B = (1800, 1000, 2.0)


def _bytes(images: dict) -> int:
    return sum(int(w * r) * int(h * r) * 4 for _, w, h, r in images)


def test_an_image_stored_at_a_new_size_drops_those_of_the_old_size():
    images: dict = {}
    for scan in range(FigureView.KEPT_IMAGES):
        _keep_image(images, (f"scan {scan}", *A), f"image {scan} at A", FigureView.KEPT_IMAGES)
    assert len(images) == FigureView.KEPT_IMAGES
    _keep_image(images, ("scan 0", *B), "image 0 at B", FigureView.KEPT_IMAGES)
    # the parent kept five images of size A beside it: 180.8 MB where 28.8 MB is shown
    assert images == {("scan 0", *B): "image 0 at B"}
    assert _bytes(images) == 3600 * 2000 * 4


def test_at_one_size_the_least_recently_shown_is_dropped_first():
    images: dict = {}
    for scan in range(FigureView.KEPT_IMAGES + 2):
        _keep_image(images, (scan, *A), scan, FigureView.KEPT_IMAGES)
    _keep_image(images, (3, *A), "3 again", FigureView.KEPT_IMAGES)
    _keep_image(images, (8, *A), 8, FigureView.KEPT_IMAGES)
    assert [key[0] for key in images] == [4, 5, 6, 7, 3, 8]
    assert images[(3, *A)] == "3 again"


def test_a_drawn_image_at_a_new_size_leaves_none_of_the_old_size_in_the_view(qapp):
    """FigureView._show, as the drawing thread hands back each scan's image (one pixel here)."""
    from types import SimpleNamespace

    view = SimpleNamespace(
        _generation=0,
        _keyed=(0, None),
        _images={},
        _pixmap=None,
        _shown=0,
        update=lambda: None,
        failure="",
    )
    view.KEPT_IMAGES = FigureView.KEPT_IMAGES
    for scan, size in [(0, A), (1, A), (2, A), (0, B)]:
        view._generation += 1
        view._keyed = (view._generation, (scan, *size))
        FigureView._show(view, view._generation, 1, 1, 1.0, bytes(4))
    assert list(view._images) == [(0, *B)]
    assert view._images[(0, *B)] is view._pixmap
