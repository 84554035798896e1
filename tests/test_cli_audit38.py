"""CLI audit 38 (/work/runs38/cli): bugs a user hit in `xrf-napari` / `xrf-napari-train` and the
analysis they call, one test per fix."""

import numpy as np
import pytest
from _napari_helpers import painted_counts
from _spectra import CANONICAL_CAL

from xrf_napari.cli.main import main


def _cube(path, counts):
    from xrf_napari.io.project_h5 import write_cube

    write_cube(path, counts, CANONICAL_CAL, metadata={"profile": {"anode": "Rh"}})
    return path


@pytest.mark.parametrize("rows, cols", [(24, 2), (2, 20)])
def test_quicklook_map_png_of_a_strip_fits_a_screen(tmp_path, rows, cols):
    """A narrow strip's map figure kept the strip's aspect with no bound: a 1024 x 2 scan wrote
    660 x 338,000-pixel PNGs (6 GB of memory, 77 s, a 'decompression bomb' to PIL), and a
    3 x 128 one a figure too short for its title and colour bar."""
    from PIL import Image

    counts, _ = painted_counts()
    scan = _cube(tmp_path / "strip.h5", counts[:rows, :cols])
    out = tmp_path / "look"
    assert main(["quicklook", str(scan), "-o", str(out), "--elements", "Pb"]) == 0
    (png,) = out.glob("strip_Pb_*.png")
    with Image.open(png) as im:
        width, height = im.size
    assert height <= 2000  # a screen's height, not tens of thousands of pixels
    assert height >= 200  # room for the title and the colour bar


@pytest.mark.parametrize(
    "option, value", [("--character", "nan"), ("--character", "inf"), ("--counts-per-pixel", "inf")]
)
def test_generate_refuses_a_non_finite_number_before_any_cube(tmp_path, capsys, option, value):
    """--character nan was accepted (nan < 0 is False): the cubes were made and manifest.json
    recorded `"character": NaN`, which no strict JSON reader takes; inf failed after the work
    with numpy's "a cannot be empty ..." or "lam value too large"."""
    from test_cli_leftovers38 import _code  # --character is argparse's refusal (session 54)

    out = tmp_path / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--workers", "1"]
    assert _code([*argv, "--no-progress", option, value]) == 2
    assert option in capsys.readouterr().err
    assert not (out / "manifest.json").exists()


def test_info_json_is_strict_json_when_the_metadata_holds_nan(tmp_path, capsys):
    """A file whose metadata holds NaN or infinity (an HDF5 attribute, a header's "nan") made
    `info --json` print NaN / Infinity, which jq, JavaScript and json.loads(strict) refuse."""
    import json

    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    scan = tmp_path / "meta.h5"
    meta = {"dwell_ms": float("nan"), "stage": [1.0, float("inf")]}
    write_cube(scan, counts[:4, :4], CANONICAL_CAL, metadata=meta)
    capsys.readouterr()
    assert main(["info", str(scan), "--json"]) == 0

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    info = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert info["metadata"]["dwell_ms"] is None and info["metadata"]["stage"][0] == 1.0


def test_embedder_batch_help_says_what_the_option_accepts(capsys):
    """`embedder --help` called --batch "a multiple of the config's cubes_per_batch (16)", yet
    --batch 16 is refused ("at least twice it"), as docs/training.md says."""
    from xrf_napari.cli.train import main

    with pytest.raises(SystemExit):
        main(["embedder", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "at least twice" in text.split("--batch BATCH", 2)[-1].split("--lr")[0]


def test_a_leading_tilde_of_an_input_path_is_expanded(tmp_path, monkeypatch, capsys):
    """`--weights=~/w.safetensors`, `--labels=~/l.npy` or a quoted "~/scan.h5" (no shell expands
    them) were read as a folder named ~ ("not found"), while `--output=~/x` was expanded."""
    import importlib

    from xrf_napari.cli import main as cli_main
    from xrf_napari.cli import train

    monkeypatch.setenv("HOME", str(tmp_path))
    counts, _ = painted_counts()
    _cube(tmp_path / "scan.h5", counts[:4, :4])
    assert main(["info", "~/scan.h5"]) == 0
    assert str(tmp_path / "scan.h5") in capsys.readouterr().out

    cases = [
        (main, "pigments", ["~/s.h5", "-o", "o", "--labels=~/l.npy", "--photo", "~/p.png"]),
        (main, "recolour", ["~/s.h5", "-o", "o.png", "--weights=~/u", "--embedder-weights=~/d"]),
        (train.main, "recolouriser", ["--data=~/d", "--out", "o", "--embedder=~/e", "--init=~/i"]),
        (train.main, "evaluate", ["--data", "~/d", "--baseline=~/b", "--weights=~/w"]),
        (train.main, "generate", ["--out", "o", "--n-cubes", "1", "--images=~/i"]),
    ]
    for entry, command, argv in cases:
        mod = importlib.import_module({**cli_main.COMMANDS, **train.COMMANDS}[command][0])
        seen = []
        monkeypatch.setattr(mod, "run", lambda args, seen=seen: seen.append(vars(args)) or 0)
        assert entry([command, *argv]) == 0
        paths = [v for v in seen[0].values() if isinstance(v, str) and str(tmp_path) in v]
        assert len(paths) == sum("~" in a for a in argv), (command, seen[0])


def test_recolouriser_refuses_a_crop_larger_than_its_cubes_before_embedding(tmp_path, capsys):
    """--crop 32 on 16 px cubes was refused only after every cube had been embedded (minutes on
    a real set); the config's model is checked before that pass, the crop was not."""
    from xrf_napari.cli.train import main as train

    data, out = tmp_path / "set", tmp_path / "run"
    gen = ["--n-cubes", "2", "--size", "16", "--workers", "1", "--no-progress"]
    assert train(["generate", "--out", str(data), *gen]) == 0
    argv = ["recolouriser", "--data", str(data), "--out", str(out), "--steps", "1"]
    assert train([*argv, "--crop", "32", "--batch", "1", "--no-progress"]) == 2
    assert "--crop 32 is larger than the training cube" in capsys.readouterr().err
    assert not (out / "latent_cache.npz").exists()  # no embedding pass ran


def test_quicklook_draws_a_spectrum_below_one_count_as_it_is(tmp_path, monkeypatch):
    """The sum spectrum was drawn as max(spectrum, 0.5) on its log axis: a float scan in counts
    per second or normalised to 1 (a single spectrum, a small synchrotron map) came out a flat
    line at 0.5 with only its strongest peaks above it."""
    import matplotlib.axes

    counts, _ = painted_counts()
    spectrum = counts[:1, :1].astype(np.float64)
    scan = _cube(tmp_path / "norm.h5", spectrum / spectrum.max())
    drawn = []
    semilogy = matplotlib.axes.Axes.semilogy

    def record(self, x, y, *a, **k):
        drawn.append(np.asarray(y))
        return semilogy(self, x, y, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, "semilogy", record)
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "look"), "--no-progress"]) == 0
    (y,) = drawn
    shown = spectrum.ravel() > 0
    assert np.allclose(y[shown], spectrum.ravel()[shown] / spectrum.max())  # every value as it is


def test_the_largest_kmeans_seed_embed_accepts_clusters(tmp_path):
    """`embed --seed` takes 0 to 2**32 - 1, but K-Means' restarts ran with seed + 1 .. seed + 3:
    a seed of 2**32 - 3 or more failed after the embedding pass with sklearn's range error."""
    from xrf_napari.analysis.embed import cluster

    rng = np.random.default_rng(0)
    latent = np.concatenate([rng.normal(0, 0.1, (4, 8, 3)), rng.normal(5, 0.1, (4, 8, 3))])
    result = cluster(latent.astype(np.float32), 2, seed=2**32 - 1)
    assert result.k == 2 and set(np.unique(result.labels)) == {1, 2}


def test_a_photograph_is_read_upright_as_its_exif_orientation_says(tmp_path):
    """A camera's JPEG (or a PNG) whose EXIF Orientation says "turn 90 degrees to view" was read
    as stored: refused as of another aspect ratio, or on a square scan laid on it sideways (each
    region given another region's colour)."""
    from PIL import Image

    from xrf_napari.analysis.colour_prior import read_photo

    stored = np.random.default_rng(0).integers(0, 256, (6, 12, 3), dtype=np.uint8)
    turned = Image.fromarray(stored)
    exif = turned.getexif()
    exif[0x0112] = 6  # view: rotate 90 degrees clockwise
    turned.save(tmp_path / "camera.png", exif=exif)
    Image.fromarray(np.ascontiguousarray(np.rot90(stored, -1))).save(tmp_path / "upright.png")
    upright = read_photo(tmp_path / "upright.png", (12, 6))
    assert np.array_equal(read_photo(tmp_path / "camera.png", (12, 6)), upright)
