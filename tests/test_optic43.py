"""The instrument the element suggestion reads (analysis.peaks.suggest_for_cube) and how the user
says what the file does not: an M6's .rpl export names no tube, optic nor gas (its header's keys,
metadata["header"], are dimensions and data type only), so under its polycapillary lens cadmium
went unsuggested; `quicklook --anode/--kv/--optic/--atmosphere` (the pigments command's names)
now say so. A generator profile stored as text (early files) was read by the pigment fit and,
as a collimator of no known tube, by the suggestion: both now read it through one function
(detector.profile_from_metadata)."""

import numpy as np
import pytest
from _synth_spectra import painted_spectrum

from xrf_napari.analysis.peaks import suggest_for_cube
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration

#: the real M6 .rpl export's keys (shared/data/real/ng_m6_R117_header_only.rpl), as the reader
#: puts them under metadata["header"]: nothing on the tube, optic or gas
RPL_META = {
    "format": "ripple",
    "header": {
        "width": "1",
        "height": "1",
        "depth": "4096",
        "offset": "0",
        "data-Length": "4",
        "data-type": "unsigned",
        "byte-order": "dont-care",
        "record-by": "vector",
    },
}
PAINTS = [("Lead white", 0.85), ("Cadmium yellow", 0.15)]


@pytest.fixture(scope="module")
def m6_spectrum():
    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = bruker_m6()
    _, spec = painted_spectrum(prof, PAINTS, SpectrumModel(prof), seed=0)
    return prof, spec.astype(np.uint32)[None, None]


def _cube(m6_spectrum, metadata):
    prof, counts = m6_spectrum
    return Cube(counts, Calibration(prof.offset, prof.gain, source="file"), metadata=metadata)


def test_the_user_names_the_tube_lens_and_gas_an_rpl_export_does_not(m6_spectrum):
    """Cadmium yellow at 15 % under the M6: no Cd K-alpha, found by its L lines only where the
    lens, anode and kV are known; the .rpl names none of them."""
    cube = _cube(m6_spectrum, RPL_META)
    assert "Cd" not in suggest_for_cube(cube)
    told = suggest_for_cube(cube, anode="Rh", kv=50.0, optic="lens", atmosphere="helium")
    assert "Cd" in told, list(told)
    # the user's collimator over a file that names a lens: as a collimator scan
    spx = _cube(m6_spectrum, {"anode": "Rh", "kV": 50.0, "optic": "Lens"})
    assert "Cd" in suggest_for_cube(spx)
    assert "Cd" not in suggest_for_cube(spx, optic="collimator")


def test_a_profile_stored_as_text_is_read_as_the_pigment_fit_reads_it(m6_spectrum):
    """An early generator file's profile as its Python repr, or as JSON text: the suggestion read
    neither (no anode, kV, lens: cadmium missed) while the pigment fit parsed the repr."""
    import json

    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.detector import anode_from_metadata, kv_from_metadata
    from xrf_napari.physics.instrument import excitation_from_metadata

    prof, _ = m6_spectrum
    for text in (repr(prof.to_dict()), json.dumps(prof.to_dict())):
        meta = {"profile": text}
        assert anode_from_metadata(meta) == "Rh" and kv_from_metadata(meta) == prof.kv
        assert excitation_from_metadata(meta) == {
            "optic_cutoff_kev": prof.optic_cutoff_kev,
            "atmosphere": prof.atmosphere,
        }
        cube = _cube(m6_spectrum, meta)
        fit, _ = instrument_for(cube)
        assert (fit.optic, fit.optic_cutoff_kev) == ("polycapillary", prof.optic_cutoff_kev)
        assert "Cd" in suggest_for_cube(cube)


def test_an_unknown_optic_or_gas_is_refused():
    from xrf_napari.physics.instrument import excitation_from_metadata

    with pytest.raises(ValueError, match="unknown optic 'capillary'"):
        excitation_from_metadata({}, optic="capillary")
    with pytest.raises(ValueError, match="unknown atmosphere 'argon'"):
        excitation_from_metadata({}, atmosphere="argon")


class _Stop(Exception):
    """Raised by the test's choose_maps once it has seen its arguments."""


def test_quicklook_takes_the_pigments_commands_options(tmp_path, monkeypatch):
    """`quicklook --optic lens --atmosphere helium --kv 50 --anode Mo` reaches the suggestion
    (the file names none of them); the option names and choices are the pigments command's."""
    import argparse

    from xrf_napari.cli import pigments_cmd, quicklook_cmd
    from xrf_napari.cli.main import main

    def actions(configure):
        p = argparse.ArgumentParser()
        configure(p)
        return {a.dest: a for a in p._actions}

    ql, pg = actions(quicklook_cmd.configure), actions(pigments_cmd.configure)
    for dest in ("optic", "atmosphere", "kv", "anode"):
        assert ql[dest].option_strings == pg[dest].option_strings
        assert ql[dest].choices == pg[dest].choices
    got = {}

    def stop(cube, elements=None, **kw):
        got.update({k: kw.get(k) for k in ("anode", "kv", "optic", "atmosphere")})
        raise _Stop

    monkeypatch.setattr(quicklook_cmd, "choose_maps", stop)
    scan = tmp_path / "scan.npy"
    np.save(scan, np.ones((2, 2, 64), np.uint16))
    argv = ["quicklook", str(scan), "-o", str(tmp_path / "look"), "--no-progress"]
    opts = ["--optic", "lens", "--atmosphere", "helium", "--kv", "50", "--anode", "Mo"]
    with pytest.raises(_Stop):
        main(
            argv + opts + ["--no-auto-calibration"] if "no_auto_calibration" in ql else argv + opts
        )
    assert got == {"anode": "Mo", "kv": 50.0, "optic": "lens", "atmosphere": "helium"}
    got.clear()
    with pytest.raises(_Stop):
        main(argv)
    assert got == {"anode": None, "kv": None, "optic": None, "atmosphere": None}
