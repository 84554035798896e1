"""Synthetic MA-XRF spectra with a known calibration, for auto-calibration tests (test helper)."""

import numpy as np

from xrf_napari.elements import element_lines


def fwhm_kev(e):
    """Silicon drift detector resolution: electronic noise + Fano statistics."""
    return np.sqrt(0.09**2 + 2.355**2 * 0.00385 * 0.114 * np.asarray(e))


def line_energy(el, fam):
    return next(ln.energy for ln in element_lines(el, 120.0) if ln.family == fam)


def synthetic_cube(
    offset,
    gain,
    n_channels,
    shape=(6, 6),
    seed=0,
    scale=1.0,
    anode="Rh",
    elements=(("Fe", 1.0), ("Ca", 0.6), ("Pb", 0.8)),
    compton=True,
):
    """(H, W, C) Poisson counts: element lines (K or L families) + the anode's Rayleigh and Compton
    scatter + a smooth continuum, drawn at the true energies of `offset + gain * ch`."""
    rng = np.random.default_rng(seed)
    e = offset + gain * np.arange(n_channels)

    def gauss(centre, fwhm, area):
        sig = fwhm / 2.355
        return area * gain / (sig * np.sqrt(2 * np.pi)) * np.exp(-0.5 * ((e - centre) / sig) ** 2)

    fams = {"K": (("Ka", 1.0), ("Kb", 0.15)), "L": (("La", 1.0), ("Lb", 0.8), ("Lg", 0.1))}
    h, w = shape
    cube = np.empty((h, w, n_channels))
    for y in range(h):
        for x in range(w):
            mix = rng.uniform(0.2, 1.0, len(elements))
            s = (
                30.0 * np.exp(-(((e - 12.0) / 9.0) ** 2)) * (e > 0.5)
            )  # bremsstrahlung-like continuum
            for (el, amount), m in zip(elements, mix):
                fam = "K" if line_energy(el, "Ka") < 20 else "L"
                for f, rel in fams[fam]:
                    en = line_energy(el, f)
                    s += gauss(en, fwhm_kev(en), 4000 * amount * m * rel)
            ka, kb = line_energy(anode, "Ka"), line_energy(anode, "Kb")
            s += gauss(ka, fwhm_kev(ka), 1500) + gauss(kb, fwhm_kev(kb), 300)
            if compton:  # broad Compton hump below the Rayleigh peak (scattering angle ~ 120 deg)
                ec = ka / (1 + ka / 511.0 * 1.5)
                s += gauss(ec, 0.6, 5000)
            cube[y, x] = s * scale
    return rng.poisson(np.clip(cube, 0, None)).astype(np.uint16)
