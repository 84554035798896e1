"""Silicon drift detector: efficiency and the response matrix from the fine grid to channels.

- Efficiency: Be entrance window, air (or helium) path and Si dead layer transmit; the active Si
  thickness absorbs (photo-absorption).
- Resolution: Gaussian with sigma^2 = (noise/2.355)^2 + F * eps * E (Fano-limited), the noise term
  solved from the profile's FWHM at Mn K-alpha (5.895 keV).
- Si escape: a fraction P_esc(E) of photons above the Si K edge lose a Si K-alpha (1.740 keV);
  P_esc from the Reed-Ware slab formula 0.5 w_K (1 - 1/r) [1 - (mu_K/mu_E) ln(1 + mu_E/mu_K)].
- Incomplete charge collection: a small exponential tail below each peak and a flat shelf down to
  zero energy (fractions that fall with energy as photons convert deeper in the Si).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .xsec import FINE_STEP, N_FINE, fine_energy, mu_fine, photo_at

MN_KA = 5.895  # keV
SI_KA = 1.740  # keV
SI_K_EDGE = 1.839  # keV
SI_OMEGA_K = 0.047
SI_JUMP = 10.4
FANO = 0.114
EPS_EV = 3.85
AIR = {"N": 0.7553, "O": 0.2318, "Ar": 0.0128}
AIR_DENSITY = 1.205e-3
HE_DENSITY = 1.66e-4
#: Detector resolutions (eV FWHM at Mn K-alpha) the pigment fit tries when a file does not name
#: one (pigment_fit), the widest of them the one tube_guess.band_spill draws lines at: one grid
#: for both, so they cannot drift.
FWHM_GRID = (125.0, 145.0, 165.0, 185.0)


def fano_limit_ev(fano: float = FANO, eps_ev: float = EPS_EV) -> float:
    """The sharpest FWHM (eV) at Mn K-alpha a detector of this Fano factor and pair energy can
    have: its electronic noise at zero (119.8 eV for F = 0.114, eps = 3.85 eV)."""
    return float(2.3548 * np.sqrt(fano * eps_ev * MN_KA * 1e3))


def noise_from_fwhm(fwhm_mn_ev: float, fano: float = FANO, eps_ev: float = EPS_EV) -> float:
    """Electronic noise FWHM (eV) giving fwhm_mn_ev at Mn K-alpha (0 at the Fano limit).

    A FWHM below the Fano limit (`fano_limit_ev`) cannot be reached by any noise level and raises
    ValueError (it used to be replaced silently by the limit)."""
    limit = fano_limit_ev(fano, eps_ev)
    if fwhm_mn_ev < limit - 1e-6:
        raise ValueError(
            f"FWHM {fwhm_mn_ev:g} eV at Mn K-alpha is below the Fano limit {limit:.1f} eV of a "
            f"detector with Fano factor {fano:g} and pair energy {eps_ev:g} eV: no detector of "
            "these constants is that sharp"
        )
    var = (fwhm_mn_ev / 2.3548) ** 2 - fano * eps_ev * MN_KA * 1e3
    return float(2.3548 * np.sqrt(max(var, 0.0)))


def sigma_kev(e_kev, fwhm_mn_ev: float, fano: float = FANO, eps_ev: float = EPS_EV):
    """Gaussian sigma (keV) of the peak of a photon of energy e_kev."""
    noise = noise_from_fwhm(fwhm_mn_ev, fano, eps_ev) * 1e-3
    return np.sqrt((noise / 2.3548) ** 2 + fano * eps_ev * 1e-3 * np.asarray(e_kev, dtype=float))


def fwhm_ev(e_kev, fwhm_mn_ev: float, fano: float = FANO, eps_ev: float = EPS_EV):
    return 2.3548 * 1e3 * sigma_kev(e_kev, fwhm_mn_ev, fano, eps_ev)


def efficiency(
    be_um: float = 12.5,
    si_um: float = 450.0,
    dead_um: float = 0.03,
    path_cm: float = 1.0,
    atmosphere: str = "air",
) -> np.ndarray:
    """Detection probability on the fine grid
    (window, path and dead-layer transmission x absorption)."""
    from .xsec import mixture_mu

    e = fine_energy()
    if atmosphere == "air":
        gas = mixture_mu(AIR) * AIR_DENSITY
    elif atmosphere == "helium":
        gas = mu_fine("He") * HE_DENSITY
    elif atmosphere == "vacuum":
        gas = np.zeros_like(e)
    else:
        raise ValueError(f"unknown atmosphere {atmosphere!r}")
    trans = np.exp(
        -mu_fine("Be") * 1.848 * be_um * 1e-4
        - gas * path_cm
        - mu_fine("Si") * 2.33 * dead_um * 1e-4
    )
    absorb = -np.expm1(-photo_at("Si", e) * 2.33 * si_um * 1e-4)
    return trans * absorb


@functools.cache
def _si_photo_at_ka() -> float:
    """Silicon's photo-absorption at its own K-alpha: a constant, and each xraylib_np call opens
    an OpenMP region (the element suggestions' batches spent over half their time in them)."""
    return float(photo_at("Si", [SI_KA])[0])


def escape_probability(e_kev) -> np.ndarray:
    e = np.atleast_1d(np.asarray(e_kev, dtype=float))
    out = np.zeros_like(e)
    above = e > SI_K_EDGE
    if above.any():
        mu_e = photo_at("Si", e[above])
        r = _si_photo_at_ka() / mu_e
        out[above] = 0.5 * SI_OMEGA_K * (1 - 1 / SI_JUMP) * (1 - r * np.log1p(1 / r))
    return out


def tail_fraction(e_kev):
    """Fraction of events in the low-energy exponential tail (larger at low energy)."""
    return 0.01 + 0.03 * np.exp(-np.asarray(e_kev, dtype=float) / 3.0)


def shelf_fraction(e_kev):
    return 0.002 + 0.004 * np.exp(-np.asarray(e_kev, dtype=float) / 5.0)


def response_matrix(
    offset: float,
    gain: float,
    n_channels: int,
    fwhm_mn_ev: float,
    *,
    eff=None,
    fano: float = FANO,
    eps_ev: float = EPS_EV,
    escape: bool = True,
    tail: bool = True,
):
    """Sparse (N_FINE, n_channels): photons per fine bin -> expected counts per channel.

    Rows include the detection efficiency `eff` (fine grid) when given. Linear calibration only.
    """
    import scipy.sparse as sp
    from scipy.special import erf

    e = fine_energy()
    eff = np.ones(N_FINE) if eff is None else np.asarray(eff)
    sig = sigma_kev(e, fwhm_mn_ev, fano, eps_ev)
    p_esc = escape_probability(e) if escape else np.zeros(N_FINE)
    f_tail = tail_fraction(e) if tail else np.zeros(N_FINE)
    f_shelf = shelf_fraction(e) if tail else np.zeros(N_FINE)
    rows_all, cols_all, vals_all = [], [], []

    def gauss(centre, s, weight):
        half = int(np.ceil(5 * s.max() / gain)) + 1
        c0 = np.round((centre - offset) / gain).astype(np.int64)
        cols = c0[:, None] + np.arange(-half, half + 1)[None, :]
        lo = offset + gain * (cols - 0.5)
        cdf = lambda x: erf((x - centre[:, None]) / (np.sqrt(2) * s[:, None]))  # noqa: E731
        vals = 0.5 * (cdf(lo + gain) - cdf(lo)) * weight[:, None]
        add(cols, vals)

    def add(cols, vals):
        ok = (cols >= 0) & (cols < n_channels) & (vals > 0)
        rows = np.broadcast_to(np.arange(N_FINE)[:, None], cols.shape)
        rows_all.append(rows[ok])
        cols_all.append(cols[ok])
        vals_all.append(vals[ok])

    gauss(e, sig, eff * (1 - p_esc - f_tail - f_shelf))
    if escape:
        m = p_esc > 0
        gauss(
            np.where(m, e - SI_KA, e),
            sigma_kev(np.maximum(e - SI_KA, 0.1), fwhm_mn_ev, fano, eps_ev),
            eff * p_esc,
        )
    if tail:
        # exponential tail of slope beta = 2 sigma below the peak, over 8 beta
        beta = 2.0 * sig
        half = int(np.ceil(8 * beta.max() / gain)) + 1
        c0 = np.round((e - offset) / gain).astype(np.int64)
        cols = c0[:, None] - np.arange(0, half)[None, :]
        ce = offset + gain * cols
        d = e[:, None] - ce
        w = np.where(d > -sig[:, None], np.exp(-np.clip(d, 0, None) / beta[:, None]), 0.0)
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-30)
        add(cols, w * (eff * f_tail)[:, None])
    rows = np.concatenate(rows_all)
    cols = np.concatenate(cols_all)
    vals = np.concatenate(vals_all)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(N_FINE, n_channels))
    first = max(0, int(np.ceil(-offset / gain)))
    top = np.clip(np.round((e - offset) / gain).astype(np.int64), 0, n_channels)
    n = np.maximum(top - first, 1)
    return DetectorResponse(matrix, top, eff * f_shelf / n, first, n_channels)


@dataclass
class DetectorResponse:
    """Peaks, escapes and tails as a sparse matrix; the flat shelf as a cumulative sum."""

    matrix: object  # scipy.sparse (N_FINE, n_channels)
    shelf_top: np.ndarray  # channel index just above each fine bin's shelf
    shelf_weight: np.ndarray  # shelf counts per channel per photon, per fine bin
    shelf_first: int
    n_channels: int

    def __call__(self, fine: np.ndarray) -> np.ndarray:
        """Expected counts per channel for photons per fine bin; fine is (N_FINE,) or
        (n, N_FINE)."""
        fine = np.asarray(fine, dtype=np.float64)
        one = fine.ndim == 1
        f2 = fine[None] if one else fine
        out = np.asarray((self.matrix.T @ f2.T).T)
        w = f2 * self.shelf_weight[None]
        for k in range(len(f2)):
            per = np.bincount(self.shelf_top, weights=w[k], minlength=self.n_channels + 1)
            shelf = np.cumsum(per[::-1])[::-1][1:]  # channel c gets bins whose top > c
            shelf[: self.shelf_first] = 0
            out[k] += shelf[: self.n_channels]
        return out[0] if one else out


def pileup(spectrum_fine: np.ndarray, fraction: float) -> np.ndarray:
    """Move a fraction of events into sum peaks
    (self-convolution of the spectrum on the fine grid).

    A batch (..., N_FINE) is piled up row by row: each row is its own measurement, and a
    self-convolution of the batch's sum would mix them (it used to fail to broadcast)."""
    if fraction <= 0:
        return spectrum_fine
    spectrum_fine = np.asarray(spectrum_fine)
    if spectrum_fine.ndim > 1:
        rows = spectrum_fine.reshape(-1, spectrum_fine.shape[-1])
        return np.stack([pileup(r, fraction) for r in rows]).reshape(spectrum_fine.shape)
    from scipy.signal import fftconvolve

    from .xsec import FINE_E_MIN

    total = spectrum_fine.sum()
    if total <= 0:
        return spectrum_fine
    p = spectrum_fine / total
    conv = fftconvolve(p, p)
    # bin i + bin j (centres E_min + (i+0.5) step) lands at fractional index i + j + s with
    # s = E_min/step + 0.5 (25.5 on the 20 eV grid from 0.5 keV): split each sum between the two
    # neighbouring bins so its centroid is exact (rounding s put every sum peak 10 eV high)
    s = FINE_E_MIN / FINE_STEP + 0.5
    lo = int(np.floor(s))
    frac = s - lo
    summed = np.zeros_like(spectrum_fine)
    for shift, w in ((lo, 1.0 - frac), (lo + 1, frac)):
        n = max(0, min(len(conv), N_FINE - shift))
        if w > 0 and n > 0:
            summed[shift : shift + n] += w * conv[:n]
    # each pile-up event removes two photons and adds one
    return total * ((1 - 2 * fraction) * p + fraction * summed)
