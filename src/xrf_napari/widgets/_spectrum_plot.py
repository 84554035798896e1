"""The Spectrum dock's matplotlib figure, built and kept in the plot's drawing thread (_plot.py).

The dock hands over a `PlotSpec`, a plain snapshot of what to show (no matplotlib in the GUI
thread). `SpectrumPlot.render` keeps one figure per dock and rebuilds it only when the layout
changes (which curves, their colours, the element markers, the axes, the theme); when only curve
data, the y range or a legend label changed, as on each move of the mouse over the scan, it updates
those artists. Before, each pixel under the mouse rebuilt the whole figure in the GUI thread,
several hundred marker lines and labels included: 40-250 ms of frozen viewer per pixel (GUI audit
3). Qt-free; only the drawing thread calls SpectrumPlot.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Curve:
    name: str  # the dock's key ("mean", "pixel", "cluster 1", ...)
    label: str  # in the legend
    x: np.ndarray
    y: np.ndarray
    color: object  # any matplotlib colour
    width: float


@dataclass(frozen=True)
class Marker:
    """An element's emission line: a vertical line, labelled when `major` (Ka, La, Ma)."""

    energy: float
    colour_index: int  # into tab10: one colour per ticked element
    major: bool
    label: str


@dataclass(frozen=True, eq=False)
class PlotSpec:
    curves: tuple[Curve, ...]
    markers: tuple[Marker, ...]
    x_label: str
    xlim: tuple[float, float] | None
    log: bool
    colors: tuple  # the theme's (key, value) pairs: bg, canvas, text, grid

    def layout(self) -> tuple:
        """What a change of rebuilds the figure: everything but curve data and labels."""
        return (
            tuple((c.name, repr(c.color), c.width) for c in self.curves),
            self.markers,
            self.x_label,
            self.xlim,
            self.log,
            self.colors,
        )


#: Heights (axes fraction) of the rows of line labels, top first.
LABEL_ROWS = (0.98, 0.74, 0.50)
#: Closest two labels may stand in one row, as a fraction of the x range (a rotated 7-pt label
#: is about 10 px wide: 3.5 % of the 300-px plot of a 400-px dock).
LABEL_GAP = 0.035


def label_heights(energies, xlim) -> list[float]:
    """A row for each label (energies ascending): the top row unless a label stands there
    closer than LABEL_GAP, then the next; with every row taken, the one whose last label is
    farthest away. Ten ticked elements put their labels on top of each other in one row."""
    gap = LABEL_GAP * abs(xlim[1] - xlim[0])
    last = [-np.inf] * len(LABEL_ROWS)
    out = []
    for e in energies:
        free = [i for i, x in enumerate(last) if e - x >= gap]
        row = free[0] if free else int(np.argmin(last))
        last[row] = e
        out.append(LABEL_ROWS[row])
    return out


#: The legend's font sizes (pt), the first that lets it fit the axes (SpectrumPlot.fit_legend).
LEGEND_FONTS = (7, 6, 5)


def _legend_fitter(plot):
    """A layout engine that only fits `plot`'s legend before each draw (fit_legend): the axes'
    margins stay as _plot._draw_size sets them (subplots_adjust is still allowed)."""
    from matplotlib.layout_engine import LayoutEngine

    class LegendFit(LayoutEngine):
        _adjust_compatible = True
        _colorbar_gridspec = False

        def execute(self, fig):
            plot.fit_legend(fig._get_renderer())

    return LegendFit()


class SpectrumPlot:
    """One dock's figure; `render(spec)` runs in the drawing thread only. `figure` and `ax` may
    be inspected from elsewhere only while nothing is being drawn."""

    def __init__(self):
        self.figure = self.ax = None
        self.rebuilds = 0  # figures built so far (updates in place do not count)
        self._layout = None
        self._lines: dict = {}  # curve name -> Line2D
        self._legend: dict = {}  # curve name -> legend Text

    def render(self, spec: PlotSpec):
        if self.figure is None or spec.layout() != self._layout:
            self._build(spec)
            self._layout = spec.layout()
        else:
            self._update(spec)
        return self.figure

    def _build(self, spec: PlotSpec) -> None:
        from matplotlib.figure import Figure

        c = dict(spec.colors)
        self._colors = spec.colors
        self.rebuilds += 1
        self.figure = Figure(figsize=(5, 3), facecolor=c["bg"])
        self.ax = ax = self.figure.add_subplot(111)
        ax.set_facecolor(c["canvas"])
        for spine in ax.spines.values():
            spine.set_color(c["text"])
        ax.tick_params(colors=c["text"], labelsize=8)
        ax.set_xlabel(spec.x_label, color=c["text"], fontsize=9)
        ax.set_ylabel("Counts per pixel", color=c["text"], fontsize=9)
        ax.grid(True, color=c["grid"], linewidth=0.5, alpha=0.6)
        self._lines = {
            cv.name: ax.plot(cv.x, cv.y, color=cv.color, linewidth=cv.width, label=cv.label)[0]
            for cv in spec.curves
        }
        if spec.xlim is not None:
            ax.set_xlim(*spec.xlim)
        self._set_ylim(spec, first=True)
        self._legend = {}
        self._named = [cv.name for cv in spec.curves if not cv.label.startswith("_")]
        self._legend_fitted = None
        if self._named:
            # at most 7 rows: a column of 13 (the scan's mean and 12 regions) ran past the
            # bottom of the plot at its 180 px, the last regions unnamed
            self._make_legend(-(-len(self._named) // 7), LEGEND_FONTS[0])
            self.figure.set_layout_engine(_legend_fitter(self))
        self._draw_markers(spec.markers)

    def _make_legend(self, ncols: int, fontsize: float) -> None:
        c = dict(self._colors)
        leg = self.ax.legend(
            fontsize=fontsize,
            loc="upper right",
            facecolor=c["bg"],
            edgecolor=c["grid"],
            ncols=max(1, ncols),
        )
        self._legend = {}
        self._legend_shape = (max(1, ncols), fontsize)
        for name, text in zip(self._named, leg.get_texts()):
            text.set_color(c["text"])
            self._legend[name] = text

    def fit_legend(self, renderer) -> None:
        """At each draw (the figure's size is known only then): the legend inside the axes.
        Its 7-row columns of 22 names in a 350-px dock ran 32 px past the figure's left edge
        (31 names: 128 px), the first names cut. Tried in order: each font size of LEGEND_FONTS
        with as few columns as its rows allow; the first that fits the axes is kept (the last
        tried when none does). Measured again only when the size or a label changed; a legend
        that fits as built (7 rows a column, 7 pt) is kept as it is; one shrunk for a smaller
        plot is tried as built again (its small font stayed when the plot grew)."""
        ax, leg = self.ax, self.ax.get_legend()
        if leg is None:
            return
        box = ax.get_window_extent(renderer)
        key = (round(box.width), round(box.height), tuple(t.get_text() for t in leg.get_texts()))
        if key == self._legend_fitted:
            return
        n = len(self._named)
        built = (-(-n // 7), LEGEND_FONTS[0])
        if self._legend_shape != built:  # shrunk for a smaller plot: tried as built first
            self._make_legend(*built)
        extent = ax.get_legend().get_window_extent(renderer)
        fits = extent.width <= box.width and extent.height <= box.height
        for fontsize in () if fits else LEGEND_FONTS:
            # fewest columns first (each column adds width), no more rows than the axes hold
            for ncols in range(1, n + 1):
                self._make_legend(ncols, fontsize)
                extent = ax.get_legend().get_window_extent(renderer)
                if extent.height <= box.height:
                    break
            if extent.width <= box.width:
                break
        self._legend_fitted = key

    def _update(self, spec: PlotSpec) -> None:
        for cv in spec.curves:
            line = self._lines[cv.name]
            line.set_data(cv.x, cv.y)  # cheap: the line recaches when drawn
            line.set_label(cv.label)
            text = self._legend.get(cv.name)
            if text is not None and text.get_text() != cv.label:
                text.set_text(cv.label)
        self._set_ylim(spec, first=False)

    def _set_ylim(self, spec: PlotSpec, first: bool) -> None:
        """Log scale: from half the smallest positive count (at least 1e-5 of the largest) to 3x
        the largest; linear: matplotlib's own autoscale of the curves."""
        positive = [cv.y[cv.y > 0] for cv in spec.curves]
        if spec.log and any(p.size for p in positive):
            if first:
                self.ax.set_yscale("log", nonpositive="mask")
            lo = min(float(p.min()) for p in positive if p.size)
            hi = max(float(p.max()) for p in positive if p.size)
            self.ax.set_ylim(max(lo * 0.5, hi * 1e-5), hi * 3)
        elif not first:
            self.ax.relim()  # the markers span the axes' height: only the curves count
            self.ax.autoscale_view(scalex=False, scaley=True)

    def _draw_markers(self, markers) -> None:
        """All marker lines as two LineCollections (solid major, dotted minor lines) spanning the
        axes' height: one axvline each made a line with its own data-limit update (0.9 s per 5
        figures on the painting sample's 18 suggested elements)."""
        if not markers:
            return
        from matplotlib import colormaps

        cmap = colormaps["tab10"]
        ax = self.ax
        trans = ax.get_xaxis_transform()
        for major, width, style in ((True, 0.8, "-"), (False, 0.5, ":")):
            chosen = [m for m in markers if m.major == major]
            if chosen:
                ax.vlines(
                    [m.energy for m in chosen],
                    0,
                    1,
                    transform=trans,
                    colors=[cmap(m.colour_index % 10) for m in chosen],
                    linewidths=width,
                    linestyles=style,
                    alpha=0.9,
                )
        majors = sorted((m for m in markers if m.major), key=lambda m: m.energy)
        for m, height in zip(majors, label_heights([m.energy for m in majors], ax.get_xlim())):
            ax.text(
                m.energy,
                height,
                m.label,
                transform=trans,
                rotation=90,
                fontsize=7,
                color=cmap(m.colour_index % 10),
                ha="right",
                va="top",
            )

    def marker_energies(self) -> list[float]:
        """Energies of the marker lines drawn (for tests and inspection)."""
        if self.ax is None:
            return []
        return [float(seg[0][0]) for coll in self.ax.collections for seg in coll.get_segments()]
