"""X-ray tube spectra: bremsstrahlung continuum plus the anode's characteristic lines, through the
tube's Be window, on the fine grid.

Model: H. Ebel, "X-ray tube spectra", X-Ray Spectrom. 28 (1999) 255-266 (the model behind PyMca's
XRayTubeEbel): Kramers-type continuum N = 1.35e9 Z (E0/E - 1)^x per (s mA sr keV), characteristic
lines from the ionisation stopping factor, backscatter factor, fluorescence yield and transition
probability, and self-absorption in the anode f(chi) = (1 - exp(-2 chi rho z)) / (2 chi rho z) at
the mean generation depth rho z. Absolute units are photons / (s mA sr) per fine bin; only ratios
matter downstream (cubes are scaled to counts per pixel).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .xsec import FINE_STEP, deposit, fine_energy, mu_at, mu_fine

#: The anodes the model takes; Cr (K-alpha 5.41 keV) as on some portable XRF and XRD instruments,
#: with the same Ebel terms and xraylib's Cr edges and lines.
ANODES = ("Rh", "Mo", "W", "Cu", "Ag", "Cr")
#: Tube voltages (kV) the model takes, ends included: every range check of a tube voltage (the
#: instrument profile, the pigments and quicklook --kv, the element suggestion's K over L) reads
#: these, so that none offers a voltage another refuses.
KV_MIN, KV_MAX = 5, 60
#: The tube's defaults (tube_spectrum and tube_lines alike): Be window (um), electron incidence and
#: X-ray take-off angles at the anode (degrees).
WINDOW_BE_UM, INCIDENCE_DEG, TAKEOFF_DEG = 100.0, 78.0, 12.0

# shell -> (z_shell electrons, b constant, Ebel constant, xraylib edge/yield macro, lines)
_SHELLS = {
    "K": (2, 0.35, 5.0e13, "K", ("KL2", "KL3", "KM2", "KM3", "KN2", "KN3")),
    "L1": (2, 0.25, 6.9e13, "L1", ("L1M2", "L1M3", "L1N2", "L1N3")),
    "L2": (2, 0.25, 6.9e13, "L2", ("L2M1", "L2M4", "L2N4")),
    "L3": (4, 0.25, 6.9e13, "L3", ("L3M1", "L3M4", "L3M5", "L3N1", "L3N5")),
}


def _eta(z: int, e0: float) -> float:
    lnz = np.log(z)
    m = 0.1382 - 0.9211 / np.sqrt(z)
    return e0**m * (0.1904 - 0.2236 * lnz + 0.1292 * lnz**2 - 0.01491 * lnz**3)


def _mean_depth(z: int, a: float, e0: float, u0):
    """Ebel's mean depth of photon generation rho*z (g/cm2) for overvoltage u0 = E0/E_edge."""
    j = 0.0135 * z
    eta = _eta(z, e0)
    rho_zm = (a / z) * (0.787e-5 * np.sqrt(j) * e0**1.5 + 0.735e-6 * e0**2)
    lnu = np.log(np.maximum(u0, 1.0 + 1e-9))
    return (
        rho_zm
        * (0.49269 - 1.0987 * eta + 0.78557 * eta**2)
        * lnu
        / (0.70256 - 1.09865 * eta + 1.0046 * eta**2 + lnu)
    )


def _self_absorption(mu, rho_z, incidence_deg, takeoff_deg):
    chi = mu * np.sin(np.radians(incidence_deg)) / np.sin(np.radians(takeoff_deg))
    x = np.maximum(2 * chi * rho_z, 1e-12)
    return -np.expm1(-x) / x


@lru_cache(maxsize=64)
def tube_spectrum(
    anode: str,
    kv: float,
    window_be_um: float = WINDOW_BE_UM,
    incidence_deg: float = INCIDENCE_DEG,
    takeoff_deg: float = TAKEOFF_DEG,
    continuum: bool = True,
) -> np.ndarray:
    """Photons / (s mA sr) in each fine bin leaving the tube window (read-only array); without
    the continuum, the anode's characteristic lines alone."""
    import xraylib

    _check_tube(anode, kv)
    z = xraylib.SymbolToAtomicNumber(anode)
    a = xraylib.AtomicWeight(z)
    e = fine_energy()
    e0 = float(kv)
    spec = np.zeros_like(e)

    if continuum:
        below = e < e0
        u = e0 / e[below]
        x = 1.109 - 0.00435 * z + 0.00175 * e0
        cont = 1.35e9 * z * (u - 1.0) ** x * FINE_STEP
        rho_z = _mean_depth(z, a, e0, u)
        spec[below] = cont * _self_absorption(
            mu_fine(anode)[below], rho_z, incidence_deg, takeoff_deg
        )

    line_e, line_n = _lines(anode, float(kv), incidence_deg, takeoff_deg)[1:]
    deposit(line_e, line_n, spec)

    spec *= _be_window(mu_fine("Be"), window_be_um)
    spec.setflags(write=False)
    return spec


def _check_tube(anode: str, kv: float) -> None:
    """ValueError where the model does not take the tube: an anode not among ANODES, a voltage
    outside KV_MIN-KV_MAX. tube_lines took any element and voltage (uranium's lines, 100 kV)."""
    if anode not in ANODES:
        raise ValueError(f"unknown anode {anode!r}; expected one of {ANODES}")
    if not KV_MIN <= kv <= KV_MAX:
        raise ValueError(f"tube voltage {kv} kV outside {KV_MIN}-{KV_MAX} kV")


def _be_window(mu_be: np.ndarray, window_be_um: float) -> np.ndarray:
    """The tube's Be window's transmission at the energies of `mu_be` (Be's mass attenuation)."""
    return np.exp(-mu_be * 1.848 * window_be_um * 1e-4)


def tube_lines(
    anode: str,
    kv: float,
    window_be_um: float = WINDOW_BE_UM,
    incidence_deg: float = INCIDENCE_DEG,
    takeoff_deg: float = TAKEOFF_DEG,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(transition names, energies keV, photons / (s mA sr)) of the anode's characteristic lines
    leaving the tube window, as tube_spectrum deposits them: the maps shape a scan's scattered
    tube lines by them (analysis.maps._scattered). A tube the model does not take: ValueError."""
    _check_tube(anode, kv)
    names, energies, photons = _lines(anode, float(kv), incidence_deg, takeoff_deg)
    e = np.asarray(energies, dtype=float)
    return names, e, np.asarray(photons) * _be_window(mu_at("Be", e), window_be_um)


@lru_cache(maxsize=64)
def _lines(
    anode: str, kv: float, incidence_deg: float, takeoff_deg: float
) -> tuple[tuple[str, ...], tuple[float, ...], tuple[float, ...]]:
    """tube_lines' lines before the window (Ebel's characteristic lines)."""
    import xraylib

    z = xraylib.SymbolToAtomicNumber(anode)
    a = xraylib.AtomicWeight(z)
    e0 = float(kv)
    j = 0.0135 * z
    names, line_e, line_n = [], [], []
    for zs, b, const, macro, lines in _SHELLS.values():
        edge = xraylib.EdgeEnergy(z, getattr(xraylib, f"{macro}_SHELL"))
        if edge >= e0 or edge <= 0.5:
            continue
        u0 = e0 / edge
        lnu = np.log(u0)
        base = u0 * lnu + 1 - u0
        inv_s = (
            (zs * b / z)
            * base
            * (1 + 16.05 * np.sqrt(j / edge) * (np.sqrt(u0) * lnu + 2 * (1 - np.sqrt(u0))) / base)
        )
        r = 1 - 0.0081517 * z + 3.613e-5 * z**2 + 0.009583 * z * np.exp(-u0) + 0.001141 * e0
        omega = xraylib.FluorYield(z, getattr(xraylib, f"{macro}_SHELL"))
        rho_z = _mean_depth(z, a, e0, u0)
        for name in lines:
            code = getattr(xraylib, f"{name}_LINE")
            try:
                le = xraylib.LineEnergy(z, code)
                p = xraylib.RadRate(z, code)
            except ValueError:
                continue
            if le <= 0.5 or p <= 0:
                continue
            fabs = _self_absorption(mu_at(anode, le)[0], rho_z, incidence_deg, takeoff_deg)
            names.append(name)
            line_e.append(le)
            line_n.append(const * inv_s * r * omega * p * fabs)
    return tuple(names), tuple(line_e), tuple(line_n)
