"""Session 63, the command lines (`xrf-napari`, `xrf-napari-train`), their value types and the
isolation worker (io.isolate)."""

import os

import pytest


def _scan_and_photo(tmp_path):
    """A toy 8 x 8 scan, a 160 x 160 px photograph of it and a one-region label map (no model)."""
    import numpy as np
    from _cli_models import write_toy_scan
    from PIL import Image

    scan, photo, lab = tmp_path / "scan.h5", tmp_path / "photo.png", tmp_path / "lab.npy"
    write_toy_scan(scan, 8, 8, 2)
    rgb = np.random.default_rng(0).integers(0, 256, (160, 160, 3), np.uint8)
    Image.fromarray(rgb).save(photo)
    np.save(lab, np.ones((8, 8), np.int32))
    return scan, photo, lab


@pytest.mark.parametrize("where", ["budget", "decode"])
def test_pigments_photo_too_big_for_memory_exits_1_naming_it(where, tmp_path, monkeypatch, capsys):
    """`pigments --photo` with a photograph too big for the memory left exited 2 (bad input):
    over the size check, "the photograph is ... more than half of the 0.0 GiB ...", and where
    the decoding itself ran out, "cannot read an image: decoding it ran out of memory (corrupt
    or too big)" of a header already read and a size already checked. Both are now out of
    memory (exit 1, as `--labels`), naming the file, its size, and what is left."""
    import PIL.ImageFile

    import xrf_napari.memory
    from xrf_napari.cli.main import main

    scan, photo, lab = _scan_and_photo(tmp_path)
    if where == "budget":
        monkeypatch.setattr(xrf_napari.memory, "memory_budget", lambda: 100_000)
        said = "the photograph is 160 x 160 px (0 Mpx) and reading it needs about 0.3 MiB, "
        said += "more than half of the 0.1 MiB this process may still allocate: save it smaller"
    else:

        def refused(*args, **kwargs):
            raise MemoryError("Unable to allocate 1.50 GiB for an array with shape (20000, 20000)")

        monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", refused)
        said = "reading it as a photograph (160 x 160 px) needs 1.50 GiB"
    out = tmp_path / "report"
    argv = ["pigments", str(scan), "--photo", str(photo), "-l", str(lab), "-o", str(out)]
    assert main([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert f"error: out of memory: {photo}: {said}" in err, err
    assert "corrupt" not in err and not out.exists()


@pytest.mark.parametrize(
    "text, said",
    [
        ("x" * 5000, "'xxxxxxxxxxxxxxxxxxxx...(5000 characters)' is not a number"),
        ("9" * 5000, "99999999999999999999...(5000 digits) is out of range: it must be above 0"),
    ],
)
def test_positive_float_shortens_a_long_value_as_the_other_types(text, said):
    """positive_float, a near-copy of float_in, told a bad value in full: `--lr` given 5000
    characters answered with all of them, where float_in and int_in show 20 and the length."""
    import argparse

    from xrf_napari.argtypes import positive_float

    with pytest.raises(argparse.ArgumentTypeError) as exc:
        positive_float(text)
    assert str(exc.value) == said


@pytest.mark.parametrize(
    "argv, said",
    [
        (["embedder", "--lr", "nan"], "--lr: nan is not a number: it must be above 0"),
        (["recolouriser", "--epochs", "NaN"], "--epochs: NaN is not a number: it must be above 0"),
        (["generate", "--n-cubes", "1", "--bare-ground", "nan"], "--bare-ground: nan is not a "),
    ],
)
def test_nan_for_a_number_is_told_it_is_not_one(argv, said, tmp_path, capsys):
    """`--lr nan` said "nan is out of range: it must be above 0", as if nan lay beyond a bound;
    float() reads 'nan', so it passed the "not a number" check. It is now "not a number", with
    the range it must be in."""
    from xrf_napari.cli.train import main as train_main

    where = ["--out", str(tmp_path / "o")]
    if argv[0] != "generate":
        where += ["--data", str(tmp_path)]
    with pytest.raises(SystemExit) as exc:
        train_main(argv[:1] + where + argv[1:])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"error: argument {said}" in err, err
    assert "out of range" not in err, err


@pytest.mark.skipif(not hasattr(__import__("select"), "poll"), reason="no warm worker")
def test_a_warm_worker_ending_with_an_exit_status_on_the_work_does_not_do_it_again(tmp_path):
    """A warm worker, used before, that ended with an exit status of its own while it ran a call
    (a compiled library's exit() on the file) was taken for one that had ended idle: the call
    was asked again in a new worker, and the work done twice before the same refusal. Here the
    work (the worker made a shell) writes a line and exits 3: one line now, two on the parent."""
    from xrf_napari.io import CubeReadError, isolate

    isolate.call_in_child(os.getpid, (), "warm.h5", "the look", 30, reuse=True)  # a worker warm
    runs = tmp_path / "runs.txt"
    work = ("/bin/sh", ["sh", "-c", f"echo ran >> '{runs}'; exit 3"])
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(os.execv, work, "scan.h5", "the look", 30, reuse=True)
    assert "it ended (exit status 3) before it answered" in str(err.value), str(err.value)
    assert runs.read_text(encoding="utf-8").splitlines() == ["ran"]


@pytest.mark.parametrize(
    "argv, said",
    [
        (["pigments", "--fwhm", "-3"], "--fwhm: -3 is out of range: it must be at least 119.8 "),
        (["quicklook", "--kv", "70"], "--kv: 70 is out of range: it must be at least 5 and "),
        (["pigments", "--kv", "17,5"], "--kv: '17,5' is not a number (write decimals with a "),
    ],
)
def test_a_number_refused_says_its_unit_and_a_decimal_comma(argv, said, capsys):
    """`pigments --fwhm -3` was told "it must be at least 119.8 and at most 300" and `--kv 70`
    "at least 5 and at most 60", of what only --help said (eV, kV); `--kv 17,5` (a decimal
    comma, as many locales write it) "'17,5' is not a number", not why."""
    from test_cli55 import _refusal

    from xrf_napari.cli.main import main

    err = _refusal(main, [argv[0], "s.h5", "-o", "out", *argv[1:]], capsys)
    unit = {"--fwhm": "and at most 300 eV", "--kv": "at most 60 kV"}[argv[1]]
    tail = "point, not a comma)" if "," in argv[2] else unit
    assert err.startswith(f"xrf-napari {argv[0]}: error: argument {said}"), err
    assert err.endswith(tail), err


def _kmeans_threads(monkeypatch) -> list[int]:
    """The OpenMP threads each KMeans.fit runs on (threadpoolctl), recorded as it starts."""
    import sklearn.cluster
    from threadpoolctl import threadpool_info

    seen, fit = [], sklearn.cluster.KMeans.fit

    def counted(self, *args, **kwargs):
        seen.append(max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(sklearn.cluster.KMeans, "fit", counted)
    return seen


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: one thread anyway")
@pytest.mark.parametrize("where", ["generator regions", "colour bins"])
def test_the_generator_s_and_the_colour_bins_k_means_run_on_one_thread(where, monkeypatch):
    """synth.regions.cluster_regions (a generated cube's paint regions; the napari sample made on
    the fly and draw_recipes run it outside generate's own limit) and the recolouriser's
    fit_colour_bins ran K-Means with a thread per core, whose spin-waits made it 5-30x slower on
    a busy 2-core host (1.74 -> 0.35 s CPU, 6.2 -> 0.20 s), as Embed's was before one_thread.
    The same labels either way (/work/runs63/cli63/p3/km2.py)."""
    import numpy as np

    seen = _kmeans_threads(monkeypatch)
    rgb = (np.random.default_rng(0).random((24, 24, 3)) * 255).astype(np.uint8)
    if where == "colour bins":
        from xrf_napari.training.colour_classes import fit_colour_bins

        fit_colour_bins([rgb], 4)
    else:
        from xrf_napari.synth.regions import cluster_regions

        cluster_regions(rgb, np.random.default_rng(0), k_range=(2, 3))
    assert seen and set(seen) == {1}, seen
