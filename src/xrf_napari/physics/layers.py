"""Paint stratigraphy and its primary X-ray fluorescence under a polychromatic beam.

A stack is a list of homogeneous layers, top (facing the tube and detector) first. For element i in
layer j and line l, the intensity per steradian of detection is

    I_l = sum_E I0(E) w_i sigma_il(E) / (4 pi sin a_in)
          * exp(-sum_{k<j} rho_k d_k [mu_k(E)/sin a_in + mu_k(E_l)/sin a_out])
          * (1 - exp(-chi rho_j d_j)) / chi,     chi = mu_j(E)/sin a_in + mu_j(E_l)/sin a_out

with sigma_il the xraylib production cross section including cascades and mu the mass-fraction
weighted total attenuation. Secondary fluorescence (matrix enhancement) is neglected: it adds a few
per cent to lines of lighter elements under heavy ones (e.g. Ca under Pb) and needs fisx.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .pigments import Pigment, formula_composition
from .xsec import element_fluorescence, mixture_mu, mixture_mu_lines

#: Binders and supports as (formula, density g/cm3).
LINSEED_OIL = ("C18H32O2", 0.93)  # linoleic-acid approximation of dried linseed oil
ANIMAL_GLUE = ("C102H151N31O39", 1.3)  # collagen approximation
WOOD = ("C6H10O5", 0.55)  # cellulose at the density of a poplar panel


@dataclass(frozen=True)
class Layer:
    name: str
    composition: tuple[tuple[str, float], ...]  # (element, mass fraction), sums to 1
    density: float  # g/cm3
    thickness_um: float

    @property
    def areal_density(self) -> float:
        """g/cm2."""
        return self.density * self.thickness_um * 1e-4

    def comp(self) -> dict[str, float]:
        return dict(self.composition)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "density": self.density,
            "thickness_um": self.thickness_um,
            "composition": dict(self.composition),
        }


def _merge(parts: list[tuple[dict[str, float], float]]) -> tuple[tuple[str, float], ...]:
    total: dict[str, float] = {}
    wsum = sum(w for _, w in parts)
    for comp, w in parts:
        for el, f in comp.items():
            total[el] = total.get(el, 0.0) + f * w / wsum
    return tuple(sorted((el, v) for el, v in total.items() if v > 0))


def mixed_layer(
    name: str,
    materials: list[tuple[str, float, float]],
    binder=LINSEED_OIL,
    pvc: float = 0.4,
    thickness_um: float = 20.0,
) -> Layer:
    """A layer of materials (formula, density, volume fraction of the solids) in a binder.

    pvc is the pigment volume concentration (solid volume / total volume); mass fractions follow
    from densities, pores are ignored.
    """
    if not 0 < pvc <= 1:
        raise ValueError(f"pigment volume concentration must be in (0, 1], got {pvc}")
    vol = np.array([v for _, _, v in materials], dtype=float)
    if (vol < 0).any() or vol.sum() <= 0:
        raise ValueError(
            f"layer {name!r}: volume fractions must be non-negative with a positive sum"
        )
    vol = vol / vol.sum()
    parts = []
    for (formula, dens, _), v in zip(materials, vol):
        parts.append((dict(formula_composition(formula)), pvc * v * dens))
    parts.append((dict(formula_composition(binder[0])), (1 - pvc) * binder[1]))
    density = sum(pvc * v * d for (_, d, _), v in zip(materials, vol)) + (1 - pvc) * binder[1]
    return Layer(name, _merge([p for p in parts if p[1] > 0]), float(density), float(thickness_um))


def paint_layer(
    pigments: list[tuple[Pigment, float]],
    thickness_um: float = 20.0,
    pvc: float = 0.4,
    binder=LINSEED_OIL,
    name: str = "paint",
) -> Layer:
    """Paint of pigments given as (Pigment, volume fraction of the pigment part)."""
    return mixed_layer(
        name, [(p.formula, p.density, v) for p, v in pigments], binder, pvc, thickness_um
    )


def ground_layer(kind: str = "gypsum", thickness_um: float = 200.0, pvc: float = 0.6) -> Layer:
    """A gesso/chalk ground bound in animal glue."""
    from .pigments import get_pigment

    p = get_pigment({"gypsum": "Gypsum", "chalk": "Chalk"}.get(kind, kind))
    return mixed_layer(
        f"{kind} ground", [(p.formula, p.density, 1.0)], ANIMAL_GLUE, pvc, thickness_um
    )


def priming_layer(thickness_um: float = 30.0, pvc: float = 0.45) -> Layer:
    """A lead-white oil priming over the ground (Northern and later practice)."""
    from .pigments import get_pigment

    p = get_pigment("Lead white")
    return mixed_layer(
        "lead white priming", [(p.formula, p.density, 1.0)], LINSEED_OIL, pvc, thickness_um
    )


def support_layer(thickness_um: float = 10000.0) -> Layer:
    """A wooden panel (cellulose): mostly a source of scatter under light grounds."""
    return Layer("wood support", formula_composition(WOOD[0]), WOOD[1], thickness_um)


@dataclass
class LineIntensities:
    """Primary fluorescence of a stack: one entry per (element, transition)."""

    elements: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    energies: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intensities: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def total(self, element: str, prefix: str = "") -> float:
        """Summed intensity of an element's lines whose transition name starts with prefix."""
        return float(
            sum(
                i
                for el, ln, i in zip(self.elements, self.lines, self.intensities)
                if el == element and ln.startswith(prefix)
            )
        )


def attenuation_factors(stack: list[Layer], incidence_deg: float, takeoff_deg: float):
    """Per layer:
    (mu on the fine grid, cumulative incoming optical depth above it on the fine grid)."""
    s_in = np.sin(np.radians(incidence_deg))
    mus, above = [], []
    tau = 0.0
    for layer in stack:
        mu = mixture_mu(layer.comp())
        mus.append(mu)
        above.append(tau)
        tau = tau + mu * layer.areal_density / s_in
    return mus, above


def primary_fluorescence(
    stack: list[Layer],
    excitation: np.ndarray,
    incidence_deg: float = 90.0,
    takeoff_deg: float = 60.0,
    from_layer: int = 0,
) -> LineIntensities:
    """Line intensities per steradian for excitation photons per fine bin
    (vectorised over energies). from_layer: the first layer whose lines count; those above it
    only absorb (a layer's primary lines do not depend on what lies below it)."""
    if not stack:
        raise ValueError("a layer stack needs at least one layer")
    mus, above_in = attenuation_factors(stack, incidence_deg, takeoff_deg)
    out = LineIntensities()
    ens, ints = [], []
    active = excitation > 0
    for j in range(from_layer, len(stack)):
        own = own_lines(stack[j], excitation, incidence_deg, takeoff_deg, mus[j])
        trans_in = np.exp(-above_in[j][active]) * excitation[active] if j else excitation[active]
        _add_through(out, ens, ints, own, stack[:j], trans_in)
    return _joined(out, ens, ints)


@dataclass(frozen=True, eq=False)
class OwnLines:
    """The part of one layer's primary lines that depends on that layer alone (with the
    excitation's fine grid and the geometry): per element with lines, its mass fraction and
    sigma_il(E) (1 - exp(-chi rho_j d_j)) / chi on the excited bins (the module's formula: chi
    holds the layer's own attenuation only). The layers above enter through two factors, the
    incoming beam's transmission exp(-tau_in(E)), inside the sum over E, and each line's way
    out, exp(-tau_out(E_l)) (`lines_under`): a cover changes a matrix-vector product, not this."""

    layer: Layer
    active: np.ndarray  # the excited fine bins (excitation > 0)
    incidence_deg: float
    takeoff_deg: float
    # (element, mass fraction, line names, line energies, sigma x depth (lines, active bins))
    parts: tuple


def own_lines(
    layer: Layer,
    excitation: np.ndarray,
    incidence_deg: float = 90.0,
    takeoff_deg: float = 60.0,
    mu: np.ndarray | None = None,
) -> OwnLines:
    """`layer`'s OwnLines under `excitation` (mu: its attenuation on the fine grid, if known).
    Its arrays are read-only: a cache shares one OwnLines among fits (pigment_fit._own_lines),
    and a caller's `+=` on one would change every later fit's lines without a word."""
    s_in = np.sin(np.radians(incidence_deg))
    s_out = np.sin(np.radians(takeoff_deg))
    active = excitation > 0
    active.flags.writeable = False
    comp = layer.comp()
    mu = mixture_mu(comp) if mu is None else mu
    parts = []
    for el, w in comp.items():
        names, e_lines, sigma = element_fluorescence(el)
        if not names:
            continue
        mu_j_line = mixture_mu_lines(comp, el)
        chi = mu[active][None, :] / s_in + (mu_j_line / s_out)[:, None]
        depth = -np.expm1(-chi * layer.areal_density) / chi
        weighted = sigma[:, active] * depth
        weighted.flags.writeable = False  # e_lines: element_fluorescence's, read-only already
        parts.append((el, w, names, e_lines, weighted))
    return OwnLines(layer, active, incidence_deg, takeoff_deg, tuple(parts))


def lines_under(own: OwnLines, above: list[Layer], excitation: np.ndarray) -> LineIntensities:
    """The lines of `own`'s layer alone seen through the layers `above` (top first), under the
    `excitation` that `own` was computed for: the same as primary_fluorescence(above + [layer],
    ..., from_layer=len(above)), to the bit, with the layer's own part computed once (the
    pigment fit sees each ground through many paints)."""
    s_in = np.sin(np.radians(own.incidence_deg))
    trans_in = excitation[own.active]
    if above:
        tau = 0.0  # the incoming optical depth above the layer, summed as attenuation_factors
        for layer in above:
            tau = tau + mixture_mu(layer.comp()) * layer.areal_density / s_in
        trans_in = np.exp(-tau[own.active]) * trans_in
    out = LineIntensities()
    ens, ints = [], []
    _add_through(out, ens, ints, own, above, trans_in)
    return _joined(out, ens, ints)


def _add_through(out: LineIntensities, ens, ints, own: OwnLines, above, trans_in) -> None:
    """Append `own`'s lines, excited by `trans_in` (the beam on its excited bins as it reaches
    the layer) and attenuated on their way out through `above`, to out / ens / ints."""
    s_in = np.sin(np.radians(own.incidence_deg))
    s_out = np.sin(np.radians(own.takeoff_deg))
    comps = [layer.comp() for layer in above]
    for el, w, names, e_lines, weighted in own.parts:
        # attenuation of the outgoing line photons in the layers above
        tau_out = np.zeros(len(e_lines))
        for k, comp in enumerate(comps):
            tau_out += mixture_mu_lines(comp, el) * above[k].areal_density / s_out
        inten = weighted @ trans_in
        inten *= w * np.exp(-tau_out) / (4 * np.pi * s_in)
        out.elements += [el] * len(names)
        out.lines += list(names)
        ens.append(e_lines)
        ints.append(inten)


def _joined(out: LineIntensities, ens, ints) -> LineIntensities:
    out.energies = np.concatenate(ens) if ens else np.zeros(0)
    out.intensities = np.concatenate(ints) if ints else np.zeros(0)
    return out
