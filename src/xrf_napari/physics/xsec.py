"""The fine energy grid of the forward model and cached per-element cross sections on it.

Every physical quantity is evaluated once per element on the fine grid (vectorised through
`xraylib_np`), so a layer stack costs only numpy arithmetic on (lines x energies) arrays. Mixtures
are mass-fraction-weighted sums of element cross sections (the additivity rule behind
`CS_Total_CP`).
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

#: Fine grid: 20 eV bins from 0.5 to 50 keV (2475 bins). Tube spectra, fluorescence lines and
#: scatter are binned here before the detector response maps them to channels.
FINE_E_MIN = 0.5
FINE_E_MAX = 50.0
FINE_STEP = 0.02
N_FINE = int(round((FINE_E_MAX - FINE_E_MIN) / FINE_STEP))

#: Lines below this energy never reach a detector through air and a Be window in measurable amounts.
MIN_LINE_ENERGY = 0.9

# Individual transitions modelled (xraylib IUPAC macro names): K, L1-3 and M3-5 lines that carry
# essentially all of the radiative rate in the 1-50 keV range.
LINE_NAMES = (
    "KL2",
    "KL3",
    "KM2",
    "KM3",
    "KN2",
    "KN3",
    "L1M2",
    "L1M3",
    "L1N2",
    "L1N3",
    "L2M1",
    "L2M4",
    "L2N1",
    "L2N4",
    "L3M1",
    "L3M4",
    "L3M5",
    "L3N1",
    "L3N4",
    "L3N5",
    "M3N5",
    "M4N6",
    "M5N6",
    "M5N7",
)


def fine_edges() -> np.ndarray:
    return FINE_E_MIN + FINE_STEP * np.arange(N_FINE + 1)


@lru_cache(maxsize=1)
def _fine_centres() -> np.ndarray:
    e = fine_edges()
    c = 0.5 * (e[:-1] + e[1:])
    c.setflags(write=False)
    return c


def fine_energy() -> np.ndarray:
    """Centres (keV) of the fine bins (read-only)."""
    return _fine_centres()


def _z(symbol: str) -> int:
    from ..elements import atomic_number

    return atomic_number(symbol)


def mu_at(symbol: str, energies) -> np.ndarray:
    """Total mass attenuation coefficient (cm2/g) of one element at arbitrary energies."""
    import xraylib_np as xnp

    e = np.atleast_1d(np.asarray(energies, dtype=np.float64))
    return xnp.CS_Total(np.array([_z(symbol)]), e)[0]


def photo_at(symbol: str, energies) -> np.ndarray:
    """Photo-absorption mass coefficient (cm2/g) at arbitrary energies."""
    import xraylib_np as xnp

    e = np.atleast_1d(np.asarray(energies, dtype=np.float64))
    return xnp.CS_Photo(np.array([_z(symbol)]), e)[0]


@cache
def mu_fine(symbol: str) -> np.ndarray:
    """Total mass attenuation (cm2/g) of an element on the fine grid."""
    out = mu_at(symbol, fine_energy())
    out.setflags(write=False)
    return out


def mixture_mu(composition: dict[str, float], energies=None) -> np.ndarray:
    """Mass attenuation (cm2/g) of a mixture: fine grid if energies is None."""
    if energies is None:
        return sum(w * mu_fine(el) for el, w in composition.items())
    e = np.atleast_1d(np.asarray(energies, dtype=np.float64))
    return sum(w * mu_at(el, e) for el, w in composition.items())


@cache
def element_fluorescence(symbol: str, e_max: float = FINE_E_MAX):
    """The element's lines: (names, energies keV (L,), sigma (L, N_FINE) cm2/g).

    sigma is xraylib's fluorescence-line production cross section with radiative and non-radiative
    cascades (CS_FluorLine_Kissel_Cascade) at each fine-grid excitation energy.
    """
    import xraylib
    import xraylib_np as xnp

    z = _z(symbol)
    names, codes, energies = [], [], []
    for name in LINE_NAMES:
        code = getattr(xraylib, f"{name}_LINE")
        try:
            e = xraylib.LineEnergy(z, code)
        except ValueError:
            continue
        if MIN_LINE_ENERGY <= e <= e_max:
            names.append(name)
            codes.append(code)
            energies.append(e)
    if not codes:
        empty = np.zeros((0, N_FINE))
        return (), np.zeros(0), empty
    sigma = xnp.CS_FluorLine_Kissel_Cascade(
        np.array([z]), np.array(codes, dtype=np.int64), fine_energy()
    )[0]
    sigma = np.nan_to_num(np.clip(sigma, 0, None))
    keep = sigma.max(axis=1) > 0
    names = tuple(n for n, k in zip(names, keep) if k)
    energies = np.asarray(energies)[keep]
    sigma = np.ascontiguousarray(sigma[keep])
    for a in (energies, sigma):
        a.setflags(write=False)
    return names, energies, sigma


@cache
def dcs_fine(symbol: str, theta_deg: float, kind: str) -> np.ndarray:
    """Rayleigh ('rayl') or Compton ('compt') differential cross section (cm2/g/sr) on the fine
    grid."""
    import xraylib_np as xnp

    fn = {"rayl": xnp.DCS_Rayl, "compt": xnp.DCS_Compt}[kind]
    out = fn(np.array([_z(symbol)]), fine_energy(), np.array([np.radians(theta_deg)]))[0, :, 0]
    out = np.ascontiguousarray(out)
    out.setflags(write=False)
    return out


@cache
def mu_at_lines(absorber: str, emitter: str) -> np.ndarray:
    """Attenuation (cm2/g) of element `absorber` at the line energies of element `emitter`."""
    out = (
        mu_at(absorber, element_fluorescence(emitter)[1])
        if element_fluorescence(emitter)[0]
        else np.zeros(0)
    )
    out.setflags(write=False)
    return out


def mixture_mu_lines(composition: dict[str, float], emitter: str) -> np.ndarray:
    return sum(w * mu_at_lines(el, emitter) for el, w in composition.items())


def deposit(energies, intensities, out: np.ndarray | None = None) -> np.ndarray:
    """Add delta lines to a fine-grid spectrum, split linearly between the two nearest bin
    centres (keeps each line's area and centroid)."""
    out = np.zeros(N_FINE) if out is None else out
    e = np.asarray(energies, dtype=np.float64)
    w = np.asarray(intensities, dtype=np.float64)
    pos = (e - FINE_E_MIN) / FINE_STEP - 0.5
    i0 = np.floor(pos).astype(np.int64)
    frac = pos - i0
    ok = (i0 >= 0) & (i0 + 1 < N_FINE)
    np.add.at(out, i0[ok], w[ok] * (1 - frac[ok]))
    np.add.at(out, i0[ok] + 1, w[ok] * frac[ok])
    return out
