"""fileutil (the base layer) may not import io (tests/test_layers.py), so the output guard's rule
of which inputs have a JSON calibration sidecar is written out there (fileutil.SIDECAR_SUFFIXES).
It must stay the set of suffixes io.registry gives to an io.arrays reader (the readers that read
the sidecar, io.arrays._cube): a format added to the registry with an arrays reader, or moved off
one, would otherwise leave its sidecar unguarded, or guard a JSON file no reader reads."""

from xrf_napari import fileutil
from xrf_napari.io import calibration, limits, registry


def test_the_sidecar_suffixes_are_those_of_the_arrays_readers():
    arrays = {s for s, f in registry.BY_SUFFIX.items() if f.reader.startswith("arrays:")}
    assert set(fileutil.SIDECAR_SUFFIXES) == arrays
    assert len(fileutil.SIDECAR_SUFFIXES) == len(set(fileutil.SIDECAR_SUFFIXES))


def test_the_readers_and_the_guard_share_one_rule():
    # one definition each, in fileutil; io re-exports it for its readers
    assert limits.pair_places is fileutil.pair_places
    assert calibration.sidecar_path is fileutil.sidecar_path
