"""Review of session 59's command-line work (revC59): an RGB picture named as a scan's counts.
(quicklook's instrument note on an axis where no line lies: test_cli40.)"""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError


def _h5(path, name, data, **attrs):
    """An HDF5 file holding `data` as `name` (its `attrs`), marked looked at for the default
    read and for `name` (no first-look child process)."""
    import h5py

    from xrf_napari.io.hdf5_looked import LOOKED, file_key

    with h5py.File(path, "w") as f:
        f[name] = data
        f[name].attrs.update(attrs)
    key = file_key(path)
    LOOKED.update({key, (*key, name)})
    return path


_RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "data, attrs, dataset, told",
    [
        # discovery, as napari's reader opens a file: read as 128 x 3 pixels of 96 channels
        (_RNG.integers(0, 256, (96, 128, 3), dtype=np.uint8), {}, None, "RGB colour picture"),
        # named (`info --dataset`): floats in 0-1, 4 samples a pixel
        (_RNG.random((96, 128, 4), dtype=np.float32), {}, "photo", "RGBA colour picture"),
        # marked an image by the HDF5 Image specification
        (_RNG.integers(0, 4000, (80, 64, 3), dtype=np.uint16), {"CLASS": b"IMAGE"}, "photo",
         "marked an image"),
    ],
)  # fmt: skip
def test_an_rgb_picture_named_as_counts_is_refused(tmp_path, data, attrs, dataset, told):
    """`xrf-napari info --dataset targets/rgb panel.h5` read the 96 x 128 x 3 RGB image as a cube
    of 128 x 3 pixels x 96 channels, warning only that the energy vector did not fit; an HDF5
    file holding only a photograph opened in napari the same way, without a word."""
    from xrf_napari.io import read_cube

    path = _h5(tmp_path / "p.h5", "photo", data, **attrs)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, dataset=dataset, auto_calibrate=False)
    said = str(err.value)
    assert "dataset '/photo'" in said and told in said, said
    h, w, n = data.shape
    assert f"a {h} x {w} image of {n} samples a pixel" in said, said
    assert f"would be {w} x {n} pixels of {h} channels" in said, said


def test_counts_of_three_columns_are_still_read(tmp_path):
    """A guard: a channel-first scan of counts three pixels wide (floats above 1) is no picture."""
    from xrf_napari.io import read_cube

    counts = _RNG.poisson(5.0, (96, 128, 3)).astype(np.float32)
    cube = read_cube(_h5(tmp_path / "c.h5", "counts", counts), auto_calibrate=False)
    assert cube.shape == (128, 3, 96)


def test_ood_scores_refuses_an_axis_given_twice(tmp_path, capsys):
    """`ood_scores.py CUBE --axis true,true` (9a3ebb41's parser took it) printed each cube's line
    twice and its summary twice, "0/2 flagged" of one cube: the counts were keyed by the spec.
    Refused at parsing, exit 2."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / "ood_scores.py", "_revC59_ood_scores")
    with pytest.raises(SystemExit) as exc:
        mod.main([str(tmp_path), "--axis=true,x1.1,true"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --axis: 'true' is given twice" in err, err


def test_eval_suggestions_holds_one_cube_at_a_time(tmp_path, monkeypatch):
    """dc3a40e4 opened every cube before the survey and held them all to the end, each with its
    chunk cache: 30 copies of the sample panel grew the process by 345 MiB (87 MiB one at a
    time). When the first cube is surveyed, the second is not held open."""
    import gc
    import weakref

    from _bench_scripts import CHECKOUT, load_module

    import xrf_napari.io as io
    import xrf_napari.synth.dataset as dataset
    from xrf_napari.energy import Calibration
    from xrf_napari.io.hdf5_looked import remember_looked
    from xrf_napari.io.project_h5 import write_cube

    paths = []
    for i in range(2):
        path = write_cube(
            tmp_path / f"c{i}.h5",
            np.ones((4, 4, 64), np.uint16),
            Calibration(1, 0.2),
            # a synthesis record, as generate writes (one without is refused since session 60)
            metadata={"profile": {"anode": "Rh"}, "regions": [], "ground": []},
        )
        remember_looked(path)
        paths.append(str(path))
    opened, alive = [], []
    real_read = io.read_cube

    def read_cube(*a, **k):
        cube = real_read(*a, **k)
        opened.append(weakref.ref(cube))
        return cube

    class Surveyed(Exception):
        pass

    def elements_in(_metadata):  # the survey's first step
        gc.collect()
        alive.append(sum(r() is not None for r in opened))
        raise Surveyed

    monkeypatch.setattr(io, "read_cube", read_cube)
    monkeypatch.setattr(dataset, "elements_in", elements_in)
    mod = load_module(CHECKOUT / "scripts" / "eval_suggestions.py", "_revC59_eval_suggestions")
    with pytest.raises(Surveyed):
        mod.main(paths)
    assert alive == [1], alive  # the cube surveyed only, not the next one


def test_screenshot_pigments_refuses_photo_with_cube_before_napari_starts(tmp_path, capsys):
    """`screenshot_pigments.py --cube CUBE --photo` started napari, opened the cube and only then
    failed "--photo needs a sample (its true colours layer)": a cube napari opens has none. After
    45566111 refused the script's other wrong options before napari starts, this one is too."""
    from _bench_scripts import CHECKOUT, load_module

    cube = tmp_path / "c.h5"
    cube.write_bytes(b"")  # not read: refused from the options alone
    mod = load_module(CHECKOUT / "scripts" / "screenshot_pigments.py", "_revC59_shot_pigments")
    mod._ensure_display = lambda: pytest.fail("napari was to start")
    with pytest.raises(SystemExit) as exc:
        mod.main(["--cube", str(cube), "--photo"])
    assert exc.value.code == 2
    assert "--photo needs a sample (its true colours layer), not --cube" in capsys.readouterr().err
