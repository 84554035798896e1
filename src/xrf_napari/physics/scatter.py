"""Rayleigh and Compton scatter of the tube spectrum by a layer stack.

Single scattering at the angle theta between the incident beam and the detector axis, with xraylib
differential cross sections (mass-fraction weighted per layer) and the same absorption path terms as
the fluorescence. Compton photons leave at ComptonEnergy(E, theta), Doppler-broadened by the
electrons' momentum distribution: the impulse approximation maps each outgoing energy to an
electron momentum p_z, weighted by xraylib's Compton profiles J(p_z) of a representative chalk +
oil/glue matrix (the same profile for every stack).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .layers import Layer, attenuation_factors
from .xsec import FINE_E_MIN, FINE_STEP, N_FINE, dcs_fine, fine_energy

MC2 = 510.99895  # keV
PZ_AU_KEV = MC2 / 137.035999  # one atomic unit of momentum times c, keV


def compton_energy(e, theta_deg):
    return e / (1 + (e / MC2) * (1 - np.cos(np.radians(theta_deg))))


#: Matrix whose Compton profile stands for every stack: chalk with an oil/glue binder (the profile
#: varies little among the light matrices that dominate Compton scatter in paintings).
PROFILE_MATRIX = (("CaCO3", 0.5), ("C18H32O2", 0.25), ("C102H151N31O39", 0.25))
PZ_MAX_AU = 10.0


@lru_cache(maxsize=1)
def _profile_cdf():
    """(pz grid a.u., CDF) of the mass-weighted Compton profile of PROFILE_MATRIX (impulse
    approximation, xraylib ComptonProfile, electrons per gram weighting)."""
    import xraylib

    from .pigments import formula_composition

    pz = np.linspace(0.0, PZ_MAX_AU, 1001)
    j = np.zeros_like(pz)
    for formula, frac in PROFILE_MATRIX:
        for el, w in formula_composition(formula):
            z = xraylib.SymbolToAtomicNumber(el)
            j += (
                frac
                * w
                / xraylib.AtomicWeight(z)
                * np.array([xraylib.ComptonProfile(z, float(p)) for p in pz])
            )
    half = np.concatenate([[0.0], np.cumsum(0.5 * (j[1:] + j[:-1]) * np.diff(pz))])
    return pz, half / (2 * half[-1])


def _cdf(pz):
    grid, half = _profile_cdf()
    return 0.5 + np.sign(pz) * np.interp(np.abs(pz), grid, half)


def pz_of(e, e_out, theta_deg):
    """Electron momentum projection (a.u.) that scatters e into e_out at theta
    (impulse approximation)."""
    c = np.cos(np.radians(theta_deg))
    q = np.sqrt(np.maximum(e**2 + e_out**2 - 2 * e * e_out * c, 1e-12))
    return -137.036 * (e - e_out - e * e_out * (1 - c) / MC2) / q


@lru_cache(maxsize=16)
def compton_kernel(theta_deg: float):
    """Sparse (N_FINE, N_FINE) matrix: fine-bin intensity at incident E -> Doppler-broadened Compton
    distribution over outgoing bins (bin integrals of the Compton profile in p_z)."""
    import scipy.sparse as sp

    e = fine_energy()
    ec = compton_energy(e, theta_deg)
    q = np.sqrt(e**2 + ec**2 - 2 * e * ec * np.cos(np.radians(theta_deg)))
    de_per_au = PZ_AU_KEV * q / MC2  # keV of outgoing energy per a.u. of p_z (near the peak)
    centre = np.floor((ec - FINE_E_MIN) / FINE_STEP).astype(np.int64)
    rows_l, cols_l, vals_l = [], [], []
    for r0 in range(0, N_FINE, 256):  # band width grows with energy: size it per chunk of rows
        r = np.arange(r0, min(N_FINE, r0 + 256))
        half = int(np.ceil(PZ_MAX_AU * 1.3 * de_per_au[r].max() / FINE_STEP)) + 2
        cols = centre[r, None] + np.arange(-half, half + 1)[None, :]
        lo = FINE_E_MIN + FINE_STEP * cols
        hi = np.minimum(lo + FINE_STEP, e[r, None])
        lo = np.minimum(lo, e[r, None])
        vals = _cdf(pz_of(e[r, None], hi, theta_deg)) - _cdf(pz_of(e[r, None], lo, theta_deg))
        ok = (cols >= 0) & (cols < N_FINE) & (vals > 1e-7)
        rows_l.append(np.broadcast_to(r[:, None], cols.shape)[ok])
        cols_l.append(cols[ok])
        vals_l.append(vals[ok])
    rows, cols, vals = (np.concatenate(x) for x in (rows_l, cols_l, vals_l))
    m = sp.csr_matrix((vals, (rows, cols)), shape=(N_FINE, N_FINE))
    # renormalise rows so each incident photon is scattered once (tails cut at PZ_MAX_AU)
    tot = np.asarray(m.sum(axis=1)).ravel()
    return sp.diags(1.0 / np.maximum(tot, 1e-12)) @ m


def _layer_dcs(layer: Layer, theta_deg: float, kind: str) -> np.ndarray:
    return sum(w * dcs_fine(el, round(float(theta_deg), 3), kind) for el, w in layer.composition)


def scatter(
    stack: list[Layer],
    excitation: np.ndarray,
    incidence_deg: float = 90.0,
    takeoff_deg: float = 60.0,
    theta_deg: float = 150.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(Rayleigh, Compton) scattered photons per steradian on the fine grid."""
    s_in = np.sin(np.radians(incidence_deg))
    s_out = np.sin(np.radians(takeoff_deg))
    e = fine_energy()
    ec = compton_energy(e, theta_deg)
    mus, above_in = attenuation_factors(stack, incidence_deg, takeoff_deg)
    rayl = np.zeros(N_FINE)
    compt = np.zeros(N_FINE)
    tau_out_r = np.zeros(N_FINE)  # outgoing optical depth above the layer, at E and at E'
    tau_out_c = np.zeros(N_FINE)
    for j, layer in enumerate(stack):
        mu_c = np.interp(ec, e, mus[j])
        for kind, mu_out, tau_out, acc in (
            ("rayl", mus[j], tau_out_r, rayl),
            ("compt", mu_c, tau_out_c, compt),
        ):
            chi = mus[j] / s_in + mu_out / s_out
            depth = -np.expm1(-chi * layer.areal_density) / chi
            acc += (
                excitation
                * _layer_dcs(layer, theta_deg, kind)
                / s_in
                * np.exp(-above_in[j] - tau_out)
                * depth
            )
        tau_out_r = tau_out_r + mus[j] * layer.areal_density / s_out
        tau_out_c = tau_out_c + mu_c * layer.areal_density / s_out
    compt_spec = compton_kernel(round(float(theta_deg), 3)).T @ compt
    return rayl, compt_spec
