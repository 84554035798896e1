"""X-ray emission lines of the elements, from xraylib: one table for markers, maps and physics.

Lines are grouped in the families a conservator reads (K-alpha, K-beta, L-alpha, L-beta, L-gamma,
M-alpha); each family's energy is the rate-weighted mean of its IUPAC transitions, and its
`weight` the summed radiative rate of those transitions in its shell (useful as relative
intensity inside one shell, not across shells).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

#: Elements seen in paintings (pigments, grounds, fillers, driers) plus common anode materials.
PAINTING_ELEMENTS = (
    "Al",
    "Si",
    "P",
    "S",
    "Cl",
    "K",
    "Ca",
    "Ti",
    "Cr",
    "Mn",
    "Fe",
    "Co",
    "Ni",
    "Cu",
    "Zn",
    "As",
    "Se",
    "Br",
    "Sr",
    "Zr",
    "Mo",
    "Rh",
    "Ag",
    "Cd",
    "Sn",
    "Sb",
    "Ba",
    "W",
    "Au",
    "Hg",
    "Pb",
    "Bi",
)
#: Elements of the air whose lines show in every scan made in air or under a helium flush that
#: leaves some (argon, about 1 % of air by mass): never a paint's, so never suggested nor named
#: as one (Ar K-alpha 2.96 keV had been read as Ag L-alpha).
AIR_ELEMENTS = ("Ar",)

#: The line families: family -> (the vacancy its transitions fill, "L" where they fill L1, L2
#: and L3 alike; its transitions by xraylib constant name, IUPAC). Public for the maps' and the
#: calibration's use.
LINE_FAMILIES = {
    "Ka": ("K", ("KL3", "KL2")),
    "Kb": ("K", ("KM3", "KM2", "KN3", "KN2")),
    "La": ("L3", ("L3M5", "L3M4")),
    "Lb": ("L", ("L2M4", "L3N5", "L1M3", "L1M2", "L3N4")),
    "Lg": ("L", ("L2N4", "L1N3", "L1N2")),
    "Ma": ("M5", ("M5N7", "M5N6")),
}
#: Each transition's family ("L2M4" -> "Lb"): LINE_FAMILIES read the other way.
FAMILY_OF_TRANSITION = {t: fam for fam, (_, ts) in LINE_FAMILIES.items() for t in ts}


@dataclass(frozen=True)
class Line:
    element: str
    family: str  # "Ka", "Kb", "La", "Lb", "Lg", "Ma" (minor_lines: "Ll", "Ln")
    energy: float  # keV
    weight: float  # summed radiative rate of the family's transitions

    @property
    def label(self) -> str:
        greek = {"a": "\u03b1", "b": "\u03b2", "g": "\u03b3", "l": "l", "n": "\u03b7"}
        return f"{self.element} {self.family[0]}{greek[self.family[1]]}"


def atomic_number(symbol: str) -> int:
    import xraylib

    try:
        z = xraylib.SymbolToAtomicNumber(symbol)
    except ValueError:
        z = 0
    if z <= 0:
        raise ValueError(f"unknown element symbol {symbol!r}")
    return z


#: English element names by atomic number (1-92), for metadata that spells an anode out.
_NAMES = (
    "hydrogen helium lithium beryllium boron carbon nitrogen oxygen fluorine neon sodium "
    "magnesium aluminium silicon phosphorus sulfur chlorine argon potassium calcium scandium "
    "titanium vanadium chromium manganese iron cobalt nickel copper zinc gallium germanium "
    "arsenic selenium bromine krypton rubidium strontium yttrium zirconium niobium molybdenum "
    "technetium ruthenium rhodium palladium silver cadmium indium tin antimony tellurium iodine "
    "xenon caesium barium lanthanum cerium praseodymium neodymium promethium samarium europium "
    "gadolinium terbium dysprosium holmium erbium thulium ytterbium lutetium hafnium tantalum "
    "tungsten rhenium osmium iridium platinum gold mercury thallium lead bismuth polonium "
    "astatine radon francium radium actinium thorium protactinium uranium"
).split()
_SPELLINGS = {"aluminum": 13, "sulphur": 16, "cesium": 55, "wolfram": 74}


def element_symbol(value) -> str:
    """The element symbol of a name as metadata writes it: a symbol in any case ('rh', 'RH'), an
    English name ('Rhodium'), or an atomic number (45, '45'). ValueError if it is none of these."""
    import xraylib

    text = str(value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()
    z = 0
    if text.isdigit():
        z = int(text)
    elif text.lower() in _SPELLINGS:
        z = _SPELLINGS[text.lower()]
    elif text.lower() in _NAMES:
        z = _NAMES.index(text.lower()) + 1
    elif 1 <= len(text) <= 3 and text.isalpha():
        try:
            z = atomic_number(text.capitalize())
        except ValueError:
            z = 0
    if not 1 <= z <= 103:
        raise ValueError(
            f"{value!r} is not an element symbol, name or atomic number (e.g. Rh, rhodium, 45)"
        )
    return xraylib.AtomicNumberToSymbol(z)


def _transitions(symbol: str, families: dict[str, tuple[str, ...]]) -> tuple[Line, ...]:
    """The element's lines of these transitions (xraylib IUPAC names) by family, apart."""
    import xraylib

    z = atomic_number(symbol)
    out = []
    for family, transitions in families.items():
        for t in transitions:
            code = getattr(xraylib, f"{t}_LINE")
            try:
                e = xraylib.LineEnergy(z, code)
                w = xraylib.RadRate(z, code)
            except ValueError:
                continue
            if e > 0 and w > 0:
                out.append(Line(symbol, family, e, w))
    return tuple(out)


@cache
def transition_lines(symbol: str) -> tuple[Line, ...]:
    """Each transition of the element's line families apart (those xraylib knows), labelled with
    its family: a family's weighted mean can fall between its lines (Rh L-gamma at 3.30 keV, its
    L1-N2,3 lines at 3.36 and L2-N4 at 3.14), where a scattered tube line is not."""
    return _transitions(symbol, {f: t for f, (_, t) in LINE_FAMILIES.items()})


@cache
def element_lines(symbol: str, max_energy: float = 60.0) -> tuple[Line, ...]:
    """The element's line families with energy <= max_energy keV (those xraylib knows): each at
    its transitions' mean energy weighted by their radiative rates, which it sums."""
    out = []
    for family in LINE_FAMILIES:
        lines = [ln for ln in transition_lines(symbol) if ln.family == family]
        tot_w = sum(ln.weight for ln in lines)
        if tot_w > 0 and (mean := sum(ln.weight * ln.energy for ln in lines) / tot_w) <= max_energy:
            out.append(Line(symbol, family, mean, tot_w))
    return tuple(out)


@cache
def lines_by_family(symbol: str) -> Mapping[str, Line]:
    """The element's element_lines by family ("Ka" -> its K-alpha): the one lookup of an
    element's line of a family for the maps, the element suggestion, the pigment notes and the
    tube guess. Read-only: the one cached mapping serves every caller."""
    return MappingProxyType({ln.family: ln for ln in element_lines(symbol)})


def element_line(symbol: str, family: str) -> Line | None:
    """The element's line of this family ("Ka", "Lg"; element_lines), or None where it has none."""
    return lines_by_family(symbol).get(family)


#: Weak L transitions that no family holds, by label (L-l, L-eta): IUPAC transition. Their peaks
#: stand apart (Hg L-l 8.72 keV, 1.3 keV below L-alpha; L-eta 10.65 keV) and the physics model
#: draws them (physics.xsec.LINE_NAMES); the families stay as the shipped models were trained on.
_MINOR_L = {"Ll": ("L3M1",), "Ln": ("L2M1",)}


@cache
def minor_lines(symbol: str) -> tuple[Line, ...]:
    """The element's L-l and L-eta lines (those xraylib knows): a strong L spectrum shows them
    (vermilion's at 5 % and 2 % of L-alpha), so they explain peaks, though no map uses them."""
    return _transitions(symbol, _MINOR_L)


#: K lines of elements whose K edge lies above this (keV) are not mapped automatically: a 40-50 kV
#: tube excites them weakly and the detector barely stops them (Ba K-alpha at 32 keV, edge
#: 37.4 keV), so a conservator reads such elements from L-alpha. Cd, Sn, Sb (edges 26.7-30.5 keV)
#: keep K-alpha.
MAX_K_EDGE_KEV = 35.0
#: A tube voltage (known) under this many times an element's K edge barely excites its K lines:
#: no K-alpha peak says little and its L lines decide, as for a K edge above the axis. Forward
#: model (Rh tube, pigment alone, 0-41 keV axis): K-alpha found from 1.05-1.09 times the edge (Cd
#: at 29 kV, Sn at 31, Sb at 32), missed at 1.01-1.02; lower shares need more. Here, beside
#: k_edge, for the element suggestion (analysis.peaks) and the maps' line choice (analysis.maps).
K_OVERVOLTAGE = 1.1


@cache
def k_edge(symbol: str) -> float:
    """K absorption edge (keV)."""
    import xraylib

    return float(xraylib.EdgeEnergy(atomic_number(symbol), xraylib.K_SHELL))


def k_lines_usable(symbol: str) -> bool:
    """Whether an element's K lines are the ones to read it by (its K edge at most
    MAX_K_EDGE_KEV); the maps and the element suggestions use its L lines otherwise."""
    return k_edge(symbol) <= MAX_K_EDGE_KEV


def main_line(symbol: str, e_min: float = 1.0, e_max: float = 26.0) -> Line | None:
    """The line a map of this element should use: K-alpha if inside [e_min, e_max] keV and its K
    edge is at most MAX_K_EDGE_KEV, else L-alpha, else M-alpha."""
    lines = lines_by_family(symbol)
    for fam in ("Ka", "La", "Ma"):
        ln = lines.get(fam)
        if fam == "Ka" and ln is not None and not k_lines_usable(symbol):
            continue
        if ln is not None and e_min <= ln.energy <= e_max:
            return ln
    return None


def all_lines(symbols=PAINTING_ELEMENTS, e_min: float = 0.0, e_max: float = 60.0) -> list[Line]:
    return [ln for s in symbols for ln in element_lines(s) if e_min <= ln.energy <= e_max]
