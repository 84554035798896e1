"""The pigment report folder: CSV tables and one self-contained HTML page (no external files, no
scripts): swatches, region thumbnails, mean spectra with the fitted candidates as inline SVG; the
region map it refers to (regions.png, label values, readable again with `--labels`) and the scan
painted in each region's chosen candidate (pigment_recolour.png), so the report stands without
napari.

Shared by `xrf-napari pigments` and the Pigments dock's Export button, so both write the same
report; the dock's choice of candidate per region is what `chosen` marks.
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

import numpy as np

from ..fileutil import (
    atomic_path,
    atomic_set,
    check_output_folder,
    in_the_way,
    made_folder,
    printable,
)

REPORT_FILES = (
    "report.html",
    "candidates.csv",
    "hidden_partners.csv",
    "region_spectra.csv",
    "regions.png",
    "pigment_recolour.png",
)
#: Largest region number: regions.png keeps the label map as 16-bit values.
MAX_LABEL = 65535
THUMB_PX = 120
#: What a candidate's unexplained lines are, said beside them (candidates.csv, report.html):
#: "Ti Ka misfit 4.53 keV" read on its own as titanium the candidate lacks (session 63).
UNEXPLAINED_WORDS = (
    "the peaks a candidate's fit leaves in the spectrum, each named by an X-ray line; "
    '"misfit" marks a line of an element the candidate holds (its own line fitted short or a '
    "little off), not a pigment it lacks"
)


def labels_refusal(labels) -> str:
    """Why a label map cannot be fitted and reported ("" if it can), said before any work, in the
    same words by `--labels` and the Pigments dock: region numbers outside 1 to MAX_LABEL
    (another segmenter's ids) were fitted and then could not be exported; no region at all."""
    from .pigment_fit import EMPTY_LABELS

    lo, hi = int(labels.min()), int(labels.max())  # before an int32 cast, which would wrap
    if lo < 0 or hi > MAX_LABEL:
        return (
            f"label values {lo} to {hi}; expected 0 (not a region) and region numbers 1 to "
            f"{MAX_LABEL} (the report's regions.png keeps them as 16-bit)"
        )
    return EMPTY_LABELS if hi == 0 else ""


#: Colour of pixels outside every region, or in a region without a candidate.
NO_CANDIDATE_GREY = 0.15
OVERVIEW_PX = 480


def pixels_text(region) -> str:
    """A region's size as the CLI table, the page and the dock show it: all its pixels (as the
    label map has them) and, where fewer, the interior pixels its spectrum is the mean of."""
    text = f"{region.area:,} px"
    if region.n_pixels < region.area:
        text += f", spectrum from {region.n_pixels:,} interior px"
    return text


#: What `pixels_text` and the CSV's interior_pixels mean, for the CSV comment and the dock.
INTERIOR_NOTE = (
    "a region's spectrum is the mean of its interior pixels, at least 3 pixels from its boundary "
    "(fewer in a narrow region), where the neighbouring paints do not mix in"
)


def top_choices(report) -> list[int]:
    """Each region's first candidate (-1 where it has none): the default choice."""
    return [0 if r.candidates else -1 for r in report.regions]


def suggested_choices(report) -> list[int]:
    """Each region's best candidate with its suggested hidden partner where the colour prior
    suggests one (the last of its `options`), else its first candidate."""
    return [
        len(r.candidates) if r.suggested is not None else c
        for r, c in zip(report.regions, top_choices(report))
    ]


#: The largest label value paint_regions looks up through a table indexed by label value.
PAINT_TABLE_MAX = 1 << 20


def paint_regions(report, labels, choices=None) -> np.ndarray:
    """(H, W, 3) float32 sRGB: each region in its chosen candidate's colour (choices: an index
    into each region's `options`, -1 none; default the first candidate), the rest
    NO_CANDIDATE_GREY. The Pigments dock paints on every choice of a candidate, in the GUI
    thread: each pixel's colour is one gather from a table of colours, by label value where the
    labels lie in 0..PAINT_TABLE_MAX (a region's label is looked up once, not once per pixel),
    else by its region's row; a boolean mask of the painted pixels assigned their colours took
    3-5 times as long (0.9 s against 0.27 s at 2000 x 2000 px, 4.7 s against 0.9 s at 4000 x
    4000 px, on a loaded machine)."""
    labels = np.asarray(labels)
    choices = top_choices(report) if choices is None else choices
    # looked up among the report's regions (ids may be anything up to 2^31: a 16-bit label
    # image's 65535, another segmenter's numbering), the first of a label repeated
    labs = np.array([r.label for r in report.regions], dtype=np.int64)
    if not len(labs):
        return np.full(labels.shape + (3,), NO_CANDIDATE_GREY, np.float32)
    colours = np.full((len(labs) + 1, 3), NO_CANDIDATE_GREY, np.float32)  # the grey last
    for k, (r, i) in enumerate(zip(report.regions, choices)):
        options = r.options
        if 0 <= i < len(options):
            colours[k] = options[i].rgb
    order = np.argsort(labs, kind="stable")
    ranked = labs[order]

    def rows(values):
        """The colour row of each label value: its region's, else the grey's."""
        pos = np.minimum(np.searchsorted(ranked, values), len(labs) - 1)
        return np.where((ranked[pos] == values) & (values > 0), order[pos], len(labs))

    if labels.size and labels.dtype.kind in "iu" and labels.min() >= 0:
        top = int(labels.max())
        if top <= PAINT_TABLE_MAX:
            return colours[rows(np.arange(top + 1))][labels]
    return colours[rows(labels)]


def as_uint8(rgb) -> np.ndarray:
    """sRGB in [0, 1] (clipped) as uint8, rounded to the nearest step, in float32 as the painted
    image: every colour of the report (PNG, thumbnails, hex codes) goes through it, so a
    candidate's #ff8033 is that colour everywhere (thumbnails truncated it to #fe7f33)."""
    return np.rint(np.clip(np.asarray(rgb, np.float32), 0.0, 1.0) * 255).astype(np.uint8)


def hex_colour(rgb) -> str:
    r, g, b = (int(v) for v in as_uint8(rgb))
    return f"#{r:02x}{g:02x}{b:02x}"


def write_report(
    out,
    report,
    labels: np.ndarray,
    *,
    scan_name: str = "scan",
    background=None,
    region_colours: dict | None = None,
    colour_source: str = "SmallUViT colour",
    command: str | None = None,
    choices: list[int] | None = None,
    origin: str | None = None,
    anode: str | None = None,
) -> dict[str, Path]:
    """Write the report folder `out` (created if needed); returns {file name: path}.

    labels: the (H, W) label map the report was made from; background: optional (H, W, 3) image
    shown under the thumbnails (a recolouring, a photograph or the sum image), uint8 or sRGB
    floats in [0, 1];
    region_colours: optional {label: sRGB} (the colour prior), shown beside each region's
    candidates and named by colour_source; choices: the option chosen per region (an index into
    its `options`: the candidates, then the one with the suggested hidden partner; -1 none;
    default each region's first candidate); command / origin: how the report was made (the
    command line, or for a panel where the scan and regions came from), shown on the page with
    the code's version (provenance.code_identity); anode: the scan's tube
    (detector.known_anode), named in region_spectra.csv (export.save_spectra_csv).
    """
    out = Path(out)
    labels = np.asarray(labels)
    if labels.ndim != 2 or labels.min(initial=0) < 0 or labels.max(initial=0) > MAX_LABEL:
        raise ValueError(
            f"the label map must be 2-D with labels 0-{MAX_LABEL}, got {labels.shape} "
            f"{labels.min(initial=0)}..{labels.max(initial=0)}"
        )
    choices = top_choices(report) if choices is None else list(choices)
    if len(choices) != len(report.regions):
        raise ValueError(f"{len(choices)} choices for {len(report.regions)} regions")
    # the refusals of `xrf-napari pigments --output` (less the option): a script writing into a
    # file was told "--output X: exists and is not a folder", naming an option it never gave
    check_output_folder(out, REPORT_FILES)
    from ..saved_marks import PIGMENT_COLOURS, REGION_MAP, image_record
    from .export import write_image

    paths = {n: out / n for n in REPORT_FILES}
    painted = as_uint8(paint_regions(report, labels, choices))
    # the files replace an earlier report's all together (none if interrupted): a half-written
    # set mixed two scans' reports; a failed first report leaves no empty folder
    with made_folder(out), atomic_set():
        # each says what it is (`info`, `pigments --photo`: saved_marks.record_words)
        regions = image_record(REGION_MAP, labels)
        write_image(paths["regions.png"], labels.astype(np.uint16), "the region map", regions)
        painted_record = image_record(PIGMENT_COLOURS)
        write_image(paths["pigment_recolour.png"], painted, "the pigment recolour", painted_record)
        _write_candidates(paths["candidates.csv"], report, choices)
        _write_hidden(paths["hidden_partners.csv"], report)
        _write_spectra(paths["region_spectra.csv"], report, anode)
        page = render_html(
            report,
            labels,
            scan_name=scan_name,
            background=background,
            region_colours=region_colours,
            colour_source=colour_source,
            command=command,
            choices=choices,
            painted=painted,
            origin=origin,
        )
        with atomic_path(paths["report.html"]) as tmp:
            tmp.write_text(page, encoding="utf-8")
    return paths


#: How every report.html xrf-napari wrote begins (the generator mark, saved_marks.software, follows
#: it since 2026-12-07; earlier pages go straight on to their title, with or without a line
#: break, which Windows wrote as CRLF: the page is written as text).
_PAGE_START = '<!DOCTYPE html><html><head><meta charset="utf-8">'
_EARLIER_PAGE = re.compile(r"(\r?\n)?<title>Pigment hypotheses: ")


def written_report(path) -> bool:
    """Whether `path` is a report.html xrf-napari wrote (a pigments run or the Pigments panel's
    Export): its generator mark, or the start every earlier version's page had (its title
    "Pigment hypotheses: ..." right after the charset). Another page of that name (the user's
    own notes, a web page saved there) is not one, and `xrf-napari pigments` does not replace it;
    an unreadable file is not one either."""
    try:
        with open(path, "rb") as f:
            head = f.read(1024).decode("utf-8", "replace")
    except OSError:
        return False
    if not head.startswith(_PAGE_START):
        return False
    rest = head[len(_PAGE_START) :]
    return rest.startswith('<meta name="generator" content="xrf-napari ') or bool(
        _EARLIER_PAGE.match(rest)
    )


def report_in_the_way(out) -> list[str]:
    """The files of REPORT_FILES in folder `out` that a report written there would replace though
    they are no earlier report's: all those present, unless report.html is one xrf-napari wrote
    (written_report; its tables and images were written with it, all at once). `xrf-napari
    pigments -o DIR` replaced a report.html (or a candidates.csv) of the user's without a word;
    the Pigments panel asks before replacing any of them. A link leading nowhere is not in the
    way (fileutil.in_the_way: the report is written through it)."""
    out = Path(out)
    return [
        p.name
        for p in in_the_way(
            [out / n for n in REPORT_FILES], lambda: written_report(out / "report.html")
        )
    ]


def _made_by(esc, command, origin) -> str:
    """The page's record of what made it: a report exported from the panel said nothing."""
    from ..provenance import code_identity

    code = code_identity()
    text = f"made by xrf-napari {esc(code['xrf_napari'])}"
    if code["git_commit"]:
        text += f" (commit {esc(code['git_commit'][:12])}{', edited' if code['git_dirty'] else ''})"
    if origin:
        text += f"; {esc(origin)}"
    if command:
        text += f"; command: <code>{esc(command)}</code>"
    return text


def _csv_field(value) -> str:
    """A CSV field quoted as csv.writer's QUOTE_MINIMAL would, and also where it holds a '#': the
    tables start with '#' comment lines, which pandas.read_csv(path, comment="#") skips, but that
    cuts every line at its first unquoted '#', so a candidate's colour (#5c4341) and the chi2 and
    message after it were read as empty."""
    text = "" if value is None else str(value)  # as csv.writer writes None
    if any(ch in text for ch in ',"\r\n#'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(path, header, rows, comments=()):
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        f.writelines(f"# {printable(c)}\n" for c in comments)
        # csv.writer's line ending, as before
        f.writelines(",".join(_csv_field(v) for v in row) + "\r\n" for row in [header, *rows])


def instrument_words(p) -> str:
    """The fit's instrument as the Pigments panel's line names it: tube, kV, optic and gas. The
    report named only the tube, kV and detector, so `pigments --optic lens --atmosphere helium`
    on a file with a full instrument profile wrote no word of the lens or the helium it fitted
    with (the notes name them only for a file with no or a partial profile)."""
    from ..physics.instrument import profile_optic_words

    return f"{p.anode} anode, {p.kv:g} kV, {profile_optic_words(p.optic)}, in {p.atmosphere}"


def _comments(report):
    p = report.profile
    return [
        f"instrument: {instrument_words(p)}, FWHM {p.fwhm_mn_ev:.0f} eV at Mn K-alpha",
        f"ground: {', '.join(report.ground)}",
    ] + list(report.notes)


def _write_candidates(path, report, choices):
    rows = []
    for r, chosen in zip(report.regions, choices):
        if not r.candidates:
            rows.append(
                [r.label, r.area, r.n_pixels, f"{r.counts:.0f}", "", ""] + [""] * 7 + [r.message]
            )
        n = len(r.candidates)
        for k, c in enumerate(r.options, 1):
            rows.append(
                [
                    r.label,
                    r.area,
                    r.n_pixels,
                    f"{r.counts:.0f}",
                    k if k <= n else "suggested",
                    int(k - 1 == chosen),
                    " + ".join(c.pigments) or "(none)",
                    " ".join(f"{f:.3f}" for f in c.fractions),
                    f"{c.probability:.4f}",
                    " ".join(c.elements),
                    "; ".join(c.unexplained),
                    hex_colour(c.rgb),
                    f"{c.chi2:.1f}",
                    r.message if k == 1 else "",
                ]
            )
    _csv(
        path,
        [
            "region",
            "pixels",
            "interior_pixels",
            "counts",
            "rank",
            "chosen",
            "pigments",
            "fractions",
            "probability",
            "elements",
            "unexplained_lines",
            "colour",
            "chi2",
            "message",
        ],
        rows,
        _comments(report)
        + [
            "pixels: the region's pixels in regions.png; interior_pixels: those its spectrum "
            f"(region_spectra.csv, the fits, counts) is made from: {INTERIOR_NOTE}",
            "chosen = 1: the candidate pigment_recolour.png paints the region with",
            "rank 'suggested': the best candidate with the hidden partner the colour prior "
            "suggests (hidden_partners.csv); X-rays cannot tell it from rank 1",
            f"unexplained_lines: {UNEXPLAINED_WORDS}",
        ],
    )


def _write_hidden(path, report):
    rows = [
        [r.label, h.pigment, hex_colour(h.rgb), f"{h.fraction:.3g}", int(h.suggested), h.why]
        for r in report.regions
        for h in r.hidden
    ]
    _csv(
        path,
        [
            "region",
            "hidden_partner",
            "colour_with_best_candidate",
            "fraction",
            "suggested_by_colour",
            "why_x_rays_miss_it",
        ],
        rows,
        [
            "pigments this instrument cannot see; colour: the region's best candidate with it "
            "added at that volume fraction; with a colour prior (a photograph) the fraction that "
            "matches it best, and suggested_by_colour = 1 for the partner that explains the "
            "prior clearly better than the best candidate alone"
        ],
    )


def _write_spectra(path, report, anode=None):
    from .export import save_spectra_csv

    curves = {}
    for r in report.regions:
        curves[f"region_{r.label}_mean"] = (report.energy, r.spectrum)
        if r.best is not None and r.best.model is not None:
            curves[f"region_{r.label}_best_fit"] = (
                report.energy,
                r.best.model / max(r.n_pixels, 1),
            )
    if curves:
        save_spectra_csv(
            path,
            curves,
            comments=["mean counts per pixel on the canonical grid (50 eV bins)"],
            anode=anode,
        )
    else:
        _csv(path, ["energy_keV"], [])


# ---------------------------------------------------------------------------------------------
def _png_data_uri(rgb: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(rgb, dtype=np.uint8)).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _thumb(labels, lab, background, colour, size=THUMB_PX) -> np.ndarray:
    """The scan at thumbnail size: the region in its candidate colour, the rest dimmed."""
    from PIL import Image

    h, w = labels.shape
    s = max(1, int(np.ceil(max(h, w) / size)))
    # a thumbnail pixel is the region's if any pixel of its s x s block is (a stride would drop
    # a small region from its own thumbnail)
    hh, ww = -(-h // s), -(-w // s)
    block = np.zeros((hh * s, ww * s), bool)
    block[:h, :w] = labels == lab
    inside = block.reshape(hh, s, ww, s).any(axis=(1, 3))
    bg = (
        background[::s, ::s].astype(np.float32) / 255
        if background is not None
        else np.full(inside.shape + (3,), 200 / 255, np.float32)
    )
    img = bg * 0.35 + 0.15
    img[inside] = colour
    out = as_uint8(img)
    if max(out.shape[:2]) < size:  # small scans: enlarge without smoothing
        f = size / max(out.shape[:2])
        out = np.asarray(
            Image.fromarray(out).resize(
                (max(1, int(out.shape[1] * f)), max(1, int(out.shape[0] * f))),
                Image.Resampling.NEAREST,
            )
        )
    return out


def _overview(rgb: np.ndarray, size: int = OVERVIEW_PX) -> np.ndarray:
    """The whole painted scan, its longer side brought to about `size` px without smoothing."""
    from PIL import Image

    h, w = rgb.shape[:2]
    f = size / max(h, w)
    if f >= 1:
        f = float(int(f))  # whole-pixel enlargement keeps every label's pixels square
    if f == 1:
        return rgb
    out = (max(1, round(w * f)), max(1, round(h * f)))
    return np.asarray(Image.fromarray(rgb).resize(out, Image.Resampling.NEAREST))


def spectrum_svg(energy, mean, fits, width=560, height=180) -> str:
    """Log-scale spectrum (black) with fitted candidates (coloured lines), as an inline SVG."""
    e = np.asarray(energy, dtype=float)
    ys = [np.asarray(mean, dtype=float)] + [np.asarray(f, dtype=float) for _, f, _ in fits]
    top = max(float(np.max(y)) for y in ys)
    lo = max(top * 1e-4, 1e-3)
    pad_l, pad_b = 34, 18

    def pts(y):
        v = np.log10(np.clip(y, lo, None) / lo) / max(np.log10(max(top, lo * 10) / lo), 1e-9)
        x = pad_l + (e - e[0]) / (e[-1] - e[0]) * (width - pad_l - 4)
        yy = (height - pad_b) - v * (height - pad_b - 6)
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, yy))

    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="background:#fff">'
        )
    ]
    for kev in range(int(np.ceil(e[0])), int(e[-1]) + 1, 2):
        x = pad_l + (kev - e[0]) / (e[-1] - e[0]) * (width - pad_l - 4)
        parts.append(
            f'<line x1="{x:.1f}" y1="{height - pad_b}" x2="{x:.1f}" y2="4" stroke="#eee"/>'
            f'<text x="{x:.1f}" y="{height - 4}" font-size="9" text-anchor="middle">{kev}</text>'
        )
    parts.append(
        f'<text x="2" y="12" font-size="9">log</text><text x="{width - 30}" y="12" '
        f'font-size="9">keV</text>'
    )
    parts.append(f'<polyline fill="none" stroke="#000" stroke-width="1" points="{pts(ys[0])}"/>')
    for (name, _, colour), y in zip(fits, ys[1:]):
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.2" stroke-dasharray="4 2" '
            f'points="{pts(y)}"><title>{html.escape(name)}</title></polyline>'
        )
    parts.append("</svg>")
    return "".join(parts)


_FIT_COLOURS = ("#d62728", "#1f77b4", "#2ca02c")

_CSS = """body{font-family:sans-serif;margin:1.5em;max-width:1200px;color:#222}
table{border-collapse:collapse;width:100%}
td,th{border-top:1px solid #ccc;padding:6px;vertical-align:top}
.sw{display:inline-block;width:28px;height:28px;border:1px solid #555;vertical-align:middle;
margin-right:6px}
.cand{margin:3px 0}.small{font-size:85%;color:#555}.msg{color:#a33}h1{font-size:150%}"""


def render_html(
    report,
    labels,
    *,
    scan_name="scan",
    background=None,
    region_colours=None,
    colour_source="SmallUViT colour",
    command=None,
    choices=None,
    painted=None,
    origin=None,
) -> str:
    """The report page; choices as write_report's, painted: the pigment recolour (uint8 RGB)
    shown at the top (computed from choices when not given)."""
    from ..saved_marks import software

    labels = np.asarray(labels)
    p = report.profile
    if background is not None and np.asarray(background).dtype != np.uint8:
        # sRGB in [0, 1] (a recolouring, as `--colour-prior` passes it): divided by 255 as if
        # it were bytes, every thumbnail's scan was a flat dark grey
        background = as_uint8(background)

    def esc(text) -> str:  # a scan path that is not UTF-8 failed the page after the whole fit
        return html.escape(printable(text))

    choices = top_choices(report) if choices is None else choices
    if painted is None:
        painted = as_uint8(paint_regions(report, labels, choices))
    rows = []
    for r, chosen in zip(report.regions, choices):
        options = r.options
        shown = options[chosen].rgb if 0 <= chosen < len(options) else (0.6, 0.6, 0.6)
        thumb = _png_data_uri(_thumb(labels, r.label, background, shown))
        prior = (region_colours or {}).get(r.label)
        prior_html = (
            (
                f'<div><span class="sw" style="background:{hex_colour(prior)}"></span>'
                f'<span class="small">{esc(colour_source)}</span></div>'
            )
            if prior is not None
            else ""
        )
        cands = []
        for k, c in enumerate(r.candidates):
            mark = ' <span class="small">(chosen)</span>' if k == chosen else ""
            unexpl = (
                f'<br><span class="small">unexplained: {esc(", ".join(c.unexplained))}</span>'
                if c.unexplained
                else ""
            )
            cands.append(
                f'<div class="cand"><span class="sw" style="background:{hex_colour(c.rgb)}"></span>'
                f"<b>{esc(c.label)}</b> &nbsp; {c.probability:.0%}{mark}"
                ' <span class="small">elements '
                f"{esc(', '.join(c.elements) or '-')}</span>{unexpl}</div>"
            )
        hidden = " ".join(
            f'<span title="{esc(h.why)}"><span class="sw" style="background:{hex_colour(h.rgb)};'
            f'width:14px;height:14px"></span>'
            + (
                f"<b>{esc(h.pigment)} {h.fraction:.0%} (the {esc(colour_source)} suggests it)</b>"
                + (' <span class="small">(chosen)</span>' if chosen == len(r.candidates) else "")
                if h.suggested
                else esc(h.pigment)
            )
            + "</span>"
            for h in r.hidden
        )
        fits = [
            (c.label, c.model / max(r.n_pixels, 1), _FIT_COLOURS[i])
            for i, c in enumerate(r.candidates[:2])
            if c.model is not None
        ]
        svg = spectrum_svg(report.energy, r.spectrum, fits) if r.counts > 0 else ""
        msg = f'<div class="msg">{esc(r.message)}</div>' if r.message else ""
        rows.append(
            f"<tr><td><b>region {r.label}</b><br><span class='small'>{esc(pixels_text(r))}, "
            f"{r.counts:,.0f} counts</span><br><img src='{thumb}' alt='region "
            f"{r.label}'>{prior_html}</td>"
            f"<td>{msg}{''.join(cands)}<div class='small'>possibly hidden (invisible to X-rays): "
            f"{hidden}</div></td><td>{svg}</td></tr>"
        )
    notes = "".join(f"<li>{esc(n)}</li>" for n in report.notes)
    cmd = f"<p class='small'>{_made_by(esc, command, origin)}</p>"
    overview = _png_data_uri(_overview(painted))
    fwhm = f"{p.fwhm_mn_ev:.0f}"
    n_regions = f"{len(report.regions)} region{'' if len(report.regions) == 1 else 's'}"
    return f"""{_PAGE_START}<meta name="generator" content="{esc(software())}">
<title>Pigment hypotheses: {esc(scan_name)}</title>
<style>{_CSS}</style></head><body>
<h1>Pigment hypotheses: {esc(scan_name)}</h1>
<p>Instrument: {esc(instrument_words(p))}, detector FWHM {fwhm} eV at Mn K&alpha;.
Ground: {esc(", ".join(report.ground))}. {n_regions}.</p><ul>{notes}</ul>
<p class="small">Each region's mean spectrum is fitted by the forward model with one to three
pigments plus the ground and scatter; probabilities are relative among the candidates shown and
those not shown. Pigments with the same elements (lead white / red lead, azurite / malachite) are
told apart by traces and colour only. Pigments without lines in air (lakes, indigo, carbon black)
can never be seen: they are listed as possible hidden partners with the colour each would give.
Spectra: black, region mean (log scale); dashed, the best two candidates. Pixels: all the
region's pixels; its spectrum (and the counts) comes from its interior pixels, at least 3 pixels
from its boundary where the neighbouring paints do not mix in. Unexplained:
{esc(UNEXPLAINED_WORDS)}.</p>{cmd}
<p><img src='{overview}' alt='pigment recolour'><br><span class="small">Each region in the
colour of its chosen candidate (pigment_recolour.png; outside the regions grey). The region
numbers are the label values of regions.png.</span></p>
<table><tr><th>region</th><th>candidates (colour, name, probability)</th>
<th>spectrum and fits</th></tr>
{"".join(rows)}</table></body></html>"""
