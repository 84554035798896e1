"""A widget showing matplotlib figures drawn off the GUI thread.

Drawing the Spectrum plot (ticks, labels, line markers, up to a dozen 4096-point curves) takes
0.2-1 s of pure Python and Agg on a small, busy machine; done in napari's event loop, every new
result or mouse-over pixel froze the viewer that long. One background thread draws with Agg and
hands back the pixels. A caller either hands over a finished Figure, never touched by the GUI thread
again (a new Figure for every change), or a function that the drawing thread calls to get the
figure (show_built): the figure is then built, kept and updated in that thread alone
(_spectrum_plot.py). Either way the two threads never share a figure; one superseded before its
turn is skipped.
"""

from __future__ import annotations

import functools
import weakref

from qtpy.QtCore import QObject, QSize, QTimer, Signal
from qtpy.QtGui import QImage, QPainter, QPixmap
from qtpy.QtWidgets import QSizePolicy, QWidget

#: (QObject living in the GUI thread, single-thread executor, its matplotlib-import future),
#: made on first use
_RELAY = None


class _Relay(QObject):
    drawn = Signal(object)  # (view weakref, generation, width px, height px, dpr, RGBA bytes)
    failed = Signal(object)  # (view weakref, generation, what went wrong)


def _relay():
    global _RELAY
    if _RELAY is None:
        from concurrent.futures import ThreadPoolExecutor

        relay = _Relay()  # never deleted: a drawing thread may still signal through it at exit
        relay.drawn.connect(functools.partial(_to_view, "_show"))
        relay.failed.connect(functools.partial(_to_view, "_failed"))
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xrf-plot")
        _RELAY = (relay, executor, executor.submit(_import_matplotlib))
    return _RELAY


def _import_matplotlib() -> None:
    """Import matplotlib (0.4-0.7 s here) in the drawing thread as soon as a plot widget exists, so
    the first figure does not wait for it (no figure is built in the GUI thread)."""
    import matplotlib.figure  # noqa: F401
    from matplotlib.backends import backend_agg  # noqa: F401


def _to_view(method: str, payload) -> None:
    """In the GUI thread: the view's `method` ("_show", "_failed") with the rest of the
    drawing thread's `payload` (a weak reference to the view first)."""
    view = payload[0]()
    if view is not None:
        try:
            getattr(view, method)(*payload[1:])
        except RuntimeError:  # the widget's Qt side is gone
            pass


def _draw_size(figure, width: int, height: int, dpr: float, margins) -> None:
    """Size `figure` to a widget of `width` x `height` px (device pixel ratio `dpr`), its axes
    `margins` (left, right, bottom, top) inches from its edges."""
    dpi = 100.0
    figure.set_dpi(dpi * dpr)
    figure.set_size_inches(width / dpi, height / dpi)
    left, right, bottom, top = margins
    w_in, h_in = width / dpi, height / dpi
    if w_in > left + right + 0.2 and h_in > bottom + top + 0.2:
        figure.subplots_adjust(
            left=left / w_in, right=1 - right / w_in, bottom=bottom / h_in, top=1 - top / h_in
        )


def _keep_image(images: dict, sized, image, limit: int) -> None:
    """Keep `image` under `sized` (key, width, height, pixel ratio) as the most recent of
    `images`, at most `limit` of them (_drop_other_sizes)."""
    _drop_other_sizes(images, sized[1:])
    images.pop(sized, None)
    images[sized] = image
    while len(images) > limit:
        del images[next(iter(images))]


def _drop_other_sizes(images: dict, size) -> None:
    """Drop the images of `images` not of `size` (width, height, pixel ratio): they served only
    if the widget went back to that size, and at 1900 x 1000 px, pixel ratio 2, six held 180 MB."""
    for old in [s for s in images if s[1:] != size]:
        del images[old]


def _superseded(ref, generation: int) -> bool:
    view = ref()
    return view is None or view._generation != generation


def _draw(
    ref, generation: int, figure, width: int, height: int, dpr: float, margins, draw=True
) -> None:
    """In the drawing thread: (build) the figure, size it to the widget, lay out its margins,
    draw it. Not `draw`: only built, its image already shown (FigureView.show_built's key)."""
    if _superseded(ref, generation):
        return  # superseded by a newer figure or size
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if callable(figure):  # show_built: the figure is made (or updated) here
        figure = figure()
        if not draw:
            _relay()[0].drawn.emit((ref, generation, width, height, dpr, None))
            return
        if _superseded(ref, generation):
            return  # a newer one came while it was built: its draw (most of the time) spared

    _draw_size(figure, width, height, dpr, margins)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    buf = canvas.buffer_rgba()
    _relay()[0].drawn.emit((ref, generation, buf.shape[1], buf.shape[0], dpr, bytes(buf)))


class FigureView(QWidget):
    """Shows the latest figure given to `show_figure`, drawn in the background at this widget's
    size (redrawn there when the widget is resized). `margins_in`: (left, right, bottom, top)
    room around the axes in inches.

    Resizes are coalesced: the figure is drawn at the new size once no resize came for
    RESIZE_SETTLE_MS (the image shown meanwhile stays as drawn). Each resize asked for a whole
    draw (0.2-1 s) at a size already gone while the user dragged the dock's edge, one after
    another in the drawing thread, which took the GIL from the GUI thread that was resizing."""

    RESIZE_SETTLE_MS = 120
    #: A figure could not be built or drawn (what went wrong): said once until a draw succeeds
    #: (each pixel under the mouse asks for a draw); the image shown before stays. "": a draw
    #: succeeded after one that failed.
    drawing_failed = Signal(str)
    #: Images of keyed figures kept (show_built) at the current size, the least recently shown
    #: dropped first.
    KEPT_IMAGES = 6

    def __init__(self, margins_in, parent=None):
        super().__init__(parent)
        self._margins = tuple(margins_in)
        self._figure = None
        self._generation = 0  # of the latest figure or size asked for
        self._shown = 0  # of the image shown
        self._pixmap: QPixmap | None = None
        self._key = None  # show_built's key of the figure asked for
        self._keyed = (0, None)  # (generation, key and size) of the draw under way
        self._images: dict = {}  # key and size -> QPixmap (_keep_image: this size, oldest first)
        self._asked = False  # a show_built waits for the event loop's next turn (_soon)
        self.failure = ""  # what went wrong in the latest draw that failed, until one succeeds
        #: The image shown is of the figure asked for: drawn for it, or kept for its key and
        #: shown at once (show_built); False while an older one stays until the draw ends. A
        #: build that fails after its kept image was shown leaves that image, not the older one.
        self.shows_asked = False
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self._submit)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._resized = QTimer(self)  # the draw at a new size, once resizes settle
        self._resized.setSingleShot(True)
        self._resized.setInterval(self.RESIZE_SETTLE_MS)
        self._resized.timeout.connect(self._submit)
        _relay()

    def sizeHint(self) -> QSize:
        # its minimum: a scrolling body is laid out at its preferred height, and a 300 px plot
        # put its own energy axis below the fold of a 1080p screen's Spectrum dock; where the
        # dock has room, the layout's stretch gives the plot the rest
        return QSize(500, max(self.minimumHeight(), 10))

    def minimumSizeHint(self) -> QSize:
        return QSize(10, 10)

    def show_figure(self, figure) -> None:
        """Draw `figure` (a matplotlib Figure the caller will not change again) in the
        background and show it when done; None shows nothing."""
        self._figure, self._key = figure, None
        if figure is None:
            self._soon.stop()
            self._asked = False
            self._generation += 1  # a draw still under way is dropped
            self._pixmap, self._shown = None, self._generation
            self.shows_asked = False
            self.update()
            return
        self._submit()

    def show_built(self, build, key=None) -> None:
        """Call `build()` in the drawing thread, then draw the figure it returns there: for a
        figure kept and updated in that thread (only the latest call is built, and again at
        each resize, so `build` must describe the whole figure, not a change). Calls in one
        turn of the event loop are one build, at the next turn: choosing another scan asked
        Spectrum for two, and the first was under way (0.5-2.7 s) as the second came.

        `key` (hashable; None: none) names all that the figure shows: an image drawn for that
        key at this size is shown at that turn, the figure still built (not drawn) so that it
        is the one shown. A scan chosen again waited 1-4 s for a plot drawn before."""
        self._figure, self._key = build, key
        self._asked = True
        self._soon.start()

    def drop_images(self, keys) -> None:
        """Let go of the images kept for show_built's `keys` (a closed scan's plots): they were
        held, at 30.4 MB each at 1900 x 1000 px and pixel ratio 2, until six newer pushed them
        out, or for good once no scan was left to draw."""
        keys = list(keys)
        for sized in [s for s in self._images if s[0] in keys]:
            del self._images[sized]

    def kept_keys(self) -> list:
        """The show_built keys whose images are kept."""
        return [sized[0] for sized in self._images]

    def _sized(self, key):
        if key is None:
            return None
        return key, self.width(), self.height(), float(self.devicePixelRatioF())

    def image(self) -> QImage | None:
        """What is shown now (None before the first figure is drawn)."""
        return None if self._pixmap is None else self._pixmap.toImage()

    def is_current(self) -> bool:
        """True once the latest figure, at the current size, is what is shown."""
        return (
            not self._asked
            and self._shown == self._generation
            and (self._pixmap is not None) == (self._figure is not None)
        )

    def _submit(self) -> None:
        self._resized.stop()  # drawn now, at the current size
        self._soon.stop()
        self._asked = False
        if self._figure is None or self.width() < 2 or self.height() < 2:
            return
        self._generation += 1
        sized = self._sized(self._key)
        self._keyed = (self._generation, sized)
        # an unkeyed figure (the pixel under the mouse) is drawn at this size too: the images of
        # another size were held until a keyed one was drawn
        _drop_other_sizes(self._images, (self.width(), self.height(), self.devicePixelRatioF()))
        kept = self._images.pop(sized, None)
        self.shows_asked = kept is not None
        if kept is not None:  # shown now, the most recent
            self._images[sized] = self._pixmap = kept
            self.update()
        _relay()[1].submit(
            _draw_in_thread,
            weakref.ref(self),
            self._generation,
            self._figure,
            self.width(),
            self.height(),
            float(self.devicePixelRatioF()),
            self._margins,
            kept is None,
        )

    def _show(self, generation, width, height, dpr, data) -> None:
        if generation != self._generation:
            return  # a newer figure or size is on its way
        if self.failure:
            self.failure = ""
            self.drawing_failed.emit("")
        self.shows_asked = True
        if data is None:  # built only: its image, kept, is shown (show_built)
            self._shown = generation
            return
        image = QImage(data, width, height, 4 * width, QImage.Format.Format_RGBA8888)
        pixmap = QPixmap.fromImage(image)  # a copy: `data` may go
        pixmap.setDevicePixelRatio(dpr)
        self._pixmap, self._shown = pixmap, generation
        kept, sized = self._keyed
        if kept == generation and sized is not None:
            _keep_image(self._images, sized, pixmap, self.KEPT_IMAGES)
        self.update()

    def _failed(self, generation, message: str) -> None:
        if generation != self._generation:
            return  # a newer figure or size is on its way
        told, self.failure = self.failure, message
        if not told:  # a message naming the draw (a pixel, a count) was told at every draw
            self.drawing_failed.emit(message)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._pixmap is None:  # nothing shown yet: drawn at once
            self._submit()
            return
        self._generation += 1  # a draw at the old size is dropped; is_current() says so
        self._resized.start()

    def paintEvent(self, event) -> None:
        if self._pixmap is not None:
            painter = QPainter(self)
            painter.drawPixmap(0, 0, self._pixmap)
            painter.end()


def _draw_in_thread(*args) -> None:
    """The executor's task: a failure is handed to the view (FigureView.drawing_failed), its
    traceback printed, never raised into nowhere: it was printed alone, to a terminal the user
    of napari's window seldom sees, and the plot went on showing its last image as if current."""
    try:
        _draw(*args)
    except Exception as exc:  # a bug in drawing; the old image stays
        import traceback

        traceback.print_exc()
        _relay()[0].failed.emit((args[0], args[1], f"{type(exc).__name__}: {exc}"))
