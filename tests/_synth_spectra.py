"""Synthetic MA-XRF spectra with a known calibration, for auto-calibration tests, and paints'
spectra from the forward model (physics.spectrum), for element-suggestion tests (test helper)."""

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


def w_tube_profile():
    """An air scanner with a W tube at 35 kV, 175 eV, 1024 channels (the 2nd family of
    benchmarks/bench_element_suggestion.py)."""
    from xrf_napari.physics.instrument import InstrumentProfile

    return InstrumentProfile(
        anode="W", kv=35.0, fwhm_mn_ev=175.0, n_channels=1024, offset=-0.1, gain=0.0391,
        atmosphere="air", optic="collimator",
    )  # fmt: skip


def painted_spectrum(prof, paints, model=None, counts=1.3e6, seed=0):
    """(energy axis, counts) of `paints` ([(pigment name, fraction)]) over chalk under the
    instrument `prof`: the forward model's spectrum (`model`, else a SpectrumModel of `prof`),
    one Poisson draw of `counts` counts in all."""
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    model = SpectrumModel(prof) if model is None else model
    layer = paint_layer([(get_pigment(name), f) for name, f in paints])
    native = model.spectrum([layer, ground_layer("chalk")]).native
    spec = np.random.default_rng(seed).poisson(native / native.sum() * counts).astype(float)
    return prof.offset + prof.gain * np.arange(prof.n_channels), spec


def suggested_mix(tube: dict, offset: float, mix: dict, counts: float, seed: int):
    """Element suggestions (analysis.peaks.suggest_for_cube) for a 16 x 16 cube of `mix`
    ({pigment name: fraction}) over chalk under an air scanner of `tube` (InstrumentProfile
    keywords) and `offset`, `counts` a pixel in Poisson draws, surveyed with its tiles and groups
    of cells as the Elements panel does (iter_survey(groups=True))."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel
    from xrf_napari.progress import run_to_end

    prof = InstrumentProfile(offset=offset, atmosphere="air", **tube)
    paint = paint_layer([(get_pigment(p), f) for p, f in mix.items()])
    native = SpectrumModel(prof).spectrum([paint, ground_layer("chalk")]).native
    lam = native / native.sum() * counts
    rng = np.random.default_rng(seed)
    data = rng.poisson(np.broadcast_to(lam, (16, 16, lam.size))).astype(np.uint16)
    cube = Cube(
        data,
        Calibration(prof.offset, prof.gain, source="file"),
        metadata={"profile": {**prof.__dict__}},
    )
    mean, spectra = run_to_end(iter_survey(cube, groups=True))
    return suggest_for_cube(cube, mean * 256, spectra)
