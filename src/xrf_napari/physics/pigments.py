"""The pigment and ground database (package data `data/pigments.csv`), and chemical compositions.

Formulas are xraylib `CompoundParser` strings, or weighted mixtures of them written
``"0.6*Fe2O3 + 0.4*Al2Si2O5(OH)4"`` (mass fractions) for earths, glasses and lakes on their
substrates. Colours: sRGB hex and CIELAB (D65); `colour_source` says whether a colour is measured
(with its reference) or an approximate swatch impression. Densities are approximate handbook values
(bulk mineral / compound densities), good to about 10-20 %.
"""

from __future__ import annotations

import csv
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

#: Period end year used for pigments still in use.
PRESENT = 2025
#: Named tables shipped as package data: the main one and an independent second table (same
#: pigments, colours and grades from other published measurements; docs/pigments.md) that catches
#: a model memorising the main table's exact colours.
TABLES = {"main": "data/pigments.csv", "reference": "data/pigments_alt.csv"}
_active: str | None = None  # path of the table in use (None: the main table)


@dataclass(frozen=True)
class Pigment:
    name: str
    role: str  # pigment | white | black | ground
    formula: str
    density: float  # g/cm3
    elements: tuple[str, ...]  # characteristic XRF elements ("-" in the file: none)
    srgb_hex: str
    lab: tuple[float, float, float]
    start_year: int
    end_year: int
    colour_source: str
    notes: str = ""

    @property
    def rgb(self) -> tuple[float, float, float]:
        """sRGB in [0, 1]."""
        h = self.srgb_hex.lstrip("#")
        return tuple(int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))

    @property
    def paint_lab(self) -> tuple[float, float, float]:
        """CIELAB of the colour the generators paint this pigment with: its sRGB hex. Equal to
        `lab` (the measurement) within rounding, except where `lab` lies outside sRGB and the hex
        is its clipped value (`out_of_srgb`; up to 5.7 dE00 away). Every colour comparison of the
        generators (paper-style similarity, the painter's prior) uses it, as Kubelka-Munk mixing
        uses `rgb`, so a pigment has one colour."""
        return _hex_lab(self.srgb_hex)

    @property
    def out_of_srgb(self) -> bool:
        """Whether the measured `lab` lies outside the sRGB gamut (so `srgb_hex` is clipped)."""
        from .colour import GAMUT_TOLERANCE, srgb_gamut_excess

        return srgb_gamut_excess(self.lab) > GAMUT_TOLERANCE

    def in_use(self, year: int | None) -> bool:
        return year is None or self.start_year <= year <= self.end_year

    def composition(self) -> dict[str, float]:
        """Element symbol -> mass fraction (sums to 1)."""
        return dict(formula_composition(self.formula))


@cache
def _hex_lab(srgb_hex: str) -> tuple[float, float, float]:
    from .colour import rgb_to_lab

    h = srgb_hex.lstrip("#")
    rgb = [int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    return tuple(float(x) for x in rgb_to_lab(rgb))


def paint_labs(pigments) -> np.ndarray:
    """(P, 3) CIELAB of the colours the generators paint these pigments with (`Pigment.paint_lab`):
    the one colour per pigment for every comparison of colours in synth/."""
    return np.array([p.paint_lab for p in pigments], dtype=float).reshape(-1, 3)


def _parse_single(formula: str) -> dict[str, float]:
    import xraylib

    try:
        cd = xraylib.CompoundParser(formula)
    except ValueError as exc:
        raise ValueError(f"xraylib cannot parse formula {formula!r}: {exc}") from None
    return {
        xraylib.AtomicNumberToSymbol(z): float(w)
        for z, w in zip(cd["Elements"], cd["massFractions"])
    }


@cache
def formula_composition(formula: str) -> tuple[tuple[str, float], ...]:
    """Mass fractions of a formula or a weighted mixture 'w1*F1 + w2*F2' (weights renormalised)."""
    total: dict[str, float] = {}
    wsum = 0.0
    for part in formula.split(" + "):
        part = part.strip()
        if "*" in part:
            w_s, f = part.split("*", 1)
            w = float(w_s)
        else:
            w, f = 1.0, part
        if w < 0:
            raise ValueError(f"negative weight in formula {formula!r}")
        wsum += w
        for el, frac in _parse_single(f.strip()).items():
            total[el] = total.get(el, 0.0) + w * frac
    if wsum <= 0:
        raise ValueError(f"formula {formula!r} has no positive weight")
    return tuple(sorted((el, v / wsum) for el, v in total.items()))


def _row_to_pigment(row: dict, where: str) -> Pigment:
    try:
        els = tuple(e.strip() for e in row["elements"].split(",") if e.strip() and e.strip() != "-")
        p = Pigment(
            name=row["name"].strip(),
            role=row["role"].strip(),
            formula=row["formula"].strip(),
            density=float(row["density"]),
            elements=els,
            srgb_hex=row["srgb_hex"].strip(),
            lab=(float(row["L"]), float(row["a"]), float(row["b"])),
            start_year=int(row["start_year"]),
            end_year=int(row["end_year"]),
            colour_source=row["colour_source"].strip(),
            notes=row.get("notes", "").strip(),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{where}: bad pigment row {row.get('name')!r}: {exc}") from None
    formula_composition(p.formula)  # fail early on formulas xraylib cannot read
    return p


def resolve_table(table) -> str | None:
    """None for the main table, else a path: a name of TABLES or the path of a CSV file."""
    if table is None or table == "main":
        return None
    if table in TABLES:
        return str(resources.files("xrf_napari").joinpath(TABLES[table]))
    if not Path(table).is_file():  # a folder was "neither a file nor one of main, reference"
        what = " is a folder, not a CSV file" if Path(table).is_dir() else ": no such file"
        raise ValueError(
            f"pigment table {table!r}{what}; give a CSV file or one of the shipped tables, "
            + ", ".join(TABLES)
        )
    return str(table)


def active_table() -> str | None:
    """Path of the pigment table in use (None: the main table)."""
    return _active


def table_key(path: str | None = None) -> tuple | None:
    """The cache key of pigment table `path` (default: the one in use): its path, size and
    modification time (ns); None for the main table. Caches of what a table gives (its rows,
    the paper-style spectra, the recipe candidates) were keyed by the path alone, so a table
    rewritten at the same path in one process (a notebook, a generate run after an edit) kept
    giving the old table's pigments and spectra."""
    path = _active if path is None else path
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:  # gone: read (and refused, naming the file) as before
        return (str(path), None, None)
    return (str(path), st.st_size, st.st_mtime_ns)


@contextmanager
def use_table(table):
    """Within the block, load_pigments() and get_pigment() read `table` (see resolve_table); the
    generator runs under it so that recipes, panels, grounds and spectra all use one table."""
    global _active
    path = resolve_table(table)
    if path is not None:
        _check_same_names(path)
    prev, _active = _active, path
    try:
        yield path
    finally:
        _active = prev


def _check_same_names(path: str) -> None:
    """The generator names pigments (grounds, panel rows), so a table must hold all of them."""
    missing = {p.name for p in _load(None)} - {p.name for p in _load(path)}
    if missing:
        raise ValueError(f"pigment table {path} lacks: {', '.join(sorted(missing))}")


def _load(path: str | None) -> tuple[Pigment, ...]:
    """The rows of table `path` (None: the main table), read once per version of the file."""
    return _load_version(table_key(path) if path is not None else None)


@cache
def _load_version(key: tuple | None) -> tuple[Pigment, ...]:
    path = None if key is None else key[0]
    if path is None:
        text = (
            resources.files("xrf_napari").joinpath("data/pigments.csv").read_text(encoding="utf-8")
        )
        where = "xrf_napari/data/pigments.csv"
    else:
        text = _table_text(path)
        where = path
    rows = list(csv.DictReader(text.splitlines()))
    return tuple(_row_to_pigment(r, where) for r in rows)


#: The columns every pigment row needs (_row_to_pigment; `notes` may be left out).
COLUMNS = (
    "name", "role", "formula", "density", "elements", "srgb_hex", "L", "a", "b", "start_year",
    "end_year", "colour_source",
)  # fmt: skip


def _table_text(path: str) -> str:
    """The text of pigment table `path`, refused naming it where it is no such table: a binary
    file said only "'utf-8' codec can't decode byte 0x89 in position 0", one without the
    columns (or saved by a spreadsheet, its first column "\ufeffname") "bad pigment row None:
    'elements'", an empty one or a header alone "lacks:" and every pigment of the main table."""
    try:  # -sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark ("\ufeffname")
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"pigment table {path} is not a CSV text file (byte {exc.start} is not UTF-8 text)"
        ) from None
    header = next(csv.reader(text.splitlines()), [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        what = (
            "is empty"
            if not text.strip()
            else "has none of the main table's columns"
            if len(missing) == len(COLUMNS)
            else f"has no column {', '.join(missing)}"
        )
        raise ValueError(
            f"pigment table {path} {what}: a table is a CSV whose first line names the columns "
            f"{','.join(COLUMNS)}[,notes], then one pigment a line"
        )
    if len(text.strip().splitlines()) < 2:
        raise ValueError(f"pigment table {path} holds no pigments: a header line alone")
    return text


def load_pigments(path=None) -> list[Pigment]:
    """All pigments and grounds of the database in use (or of another CSV with the same
    columns)."""
    return list(_load(_active if path is None else str(path)))


def get_pigment(name: str) -> Pigment:
    """Look a pigment up by name (case-insensitive) in the table in use."""
    key = name.strip().lower()
    for p in _load(_active):
        if p.name.lower() == key:
            return p
    known = ", ".join(p.name for p in _load(_active))
    raise KeyError(f"unknown pigment {name!r}; known: {known}")
