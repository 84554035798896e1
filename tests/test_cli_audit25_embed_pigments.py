"""CLI audit 25 (/work/runs25/audit_cli/report.md), `embed` and `pigments`: large photographs and
label images, outputs replaced as a set, the out-of-distribution line, options checked before the
work, label values beyond 16 bits, the spot-spectrum message naming the file."""

import numpy as np
import pytest

pytest.importorskip("xraylib")
torch = pytest.importorskip("torch")
h5py = pytest.importorskip("h5py")

from _pigment_scans import CANON, stripe_scan  # noqa: E402

from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.energy import Calibration  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402

RECIPES = [(["Vermilion", "Lead white"], [0.4, 0.6]), (["Azurite"], [1.0]), (["Zinc white"], [1.0])]
N = 36  # the stripe scan's side


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    d = tmp_path_factory.mktemp("pig25")
    syn, labels = stripe_scan(RECIPES, N)
    path = write_cube(
        d / "scan.h5", syn.counts, CANON, targets={"labels": labels}, metadata=syn.metadata
    )
    np.save(d / "labels.npy", labels + 1)
    return path, d / "labels.npy"


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A small calibrated cube and a tiny DVE (fast embed runs)."""
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights
    from xrf_napari.training.toy_data import toy_cube

    d = tmp_path_factory.mktemp("emb25")
    cal = Calibration(-0.1, 0.04)
    paths = []
    for seed in (4, 5):
        counts, _, _ = toy_cube(21, 17, n_regions=3, seed=seed, energy=cal.energy(700))
        paths.append(write_cube(d / f"scan{seed}.h5", counts, cal))
    torch.manual_seed(0)
    model = build_from_config({"hidden": [16, 8, 4], "activation": "tanh"})
    weights = d / "w.safetensors"
    save_weights(model.state_dict(), weights, model.config)
    return paths, weights


def _embed(cube, out, weights, *extra):
    return main(
        ["embed", str(cube), "-o", str(out), "--weights", str(weights), "--device", "cpu"]
        + ["--no-progress", *extra]
    )


def _pigments(cube, out, *extra):
    return main(["pigments", str(cube), "-o", str(out), "--no-progress", *extra])


def _snapshot(folder):
    """{name: (inode, bytes)} of every file: a replaced file has a new inode."""
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in sorted(folder.iterdir())}


def _stripe_photo(path, size):
    from PIL import Image

    photo = np.zeros((size, size, 3), np.uint8)
    for i, rgb in enumerate([(200, 60, 40), (40, 80, 200), (240, 240, 240)]):
        photo[:, i * size // 3 : (i + 1) * size // 3] = rgb
    Image.fromarray(photo).save(path)


# -- item 2: large images --------------------------------------------------------------------------
def test_photo_and_labels_beyond_pillows_bomb_limit_are_read(scan, tmp_path, monkeypatch):
    """Pillow's decompression-bomb limit (179 Mpx, patched down here) is not ours: a photograph
    and a label image above it are read (before: a DecompressionBombError traceback)."""
    from PIL import Image

    cube, labels = scan
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # errors above 1000 px
    _stripe_photo(tmp_path / "photo.png", 2 * N)  # 5184 px
    Image.fromarray(np.load(labels).astype(np.uint8)).save(tmp_path / "labels.png")  # 1296 px
    args = ["-l", str(tmp_path / "labels.png"), "--photo", str(tmp_path / "photo.png")]
    assert _pigments(cube, tmp_path / "r", *args) == 0
    assert (tmp_path / "r" / "report.html").is_file()


def test_a_photograph_too_large_for_memory_is_refused_in_one_line(
    scan, tmp_path, monkeypatch, capsys
):
    """The limit is memory (half of what the process may still allocate, patched down here):
    one line naming the file and its size, before anything is decoded or written. Exit 1, out of
    memory (session 63; was 2, bad input): the file is sound, the memory short."""
    from xrf_napari import memory

    cube, labels = scan
    _stripe_photo(tmp_path / "photo.png", 2 * N)
    monkeypatch.setattr(memory, "memory_budget", lambda: 20_000)
    args = ["-l", str(labels), "--photo", str(tmp_path / "photo.png")]
    assert _pigments(cube, tmp_path / "r", *args) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "photo.png" in err and "72 x 72 px" in err, err
    assert not (tmp_path / "r" / "report.html").exists()


def test_a_label_image_is_refused_by_its_size_before_it_is_decoded(
    scan, tmp_path, monkeypatch, capsys
):
    """A label image not of the scan's size is refused from its header: one above Pillow's
    bomb limit (patched down here) ended in a DecompressionBombError traceback."""
    from PIL import Image

    cube, _ = scan
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)  # errors above 4000 px
    Image.new("L", (N * 3, N * 2)).save(tmp_path / "big.png")
    assert _pigments(cube, tmp_path / "r", "-l", str(tmp_path / "big.png")) == 2
    err = capsys.readouterr().err
    assert "big.png" in err and f"shape ({2 * N}, {3 * N}) does not match the scan" in err


# -- item 3: outputs replaced as a set -------------------------------------------------------------
def test_interrupted_embed_leaves_the_earlier_set_whole(toy, tmp_path, monkeypatch):
    """Ctrl-C while the last file (cluster_spectra.csv) is written: the earlier run's five files
    stay as they were (before: latent.h5 of one scan beside labels.h5 of the other) and no
    temporary is left."""
    (a, b), weights = toy
    out = tmp_path / "out"
    assert _embed(a, out, weights, "-k", "3") == 0
    before = _snapshot(out)

    def interrupt(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savetxt", interrupt)
    assert _embed(b, out, weights, "-k", "2") == 130
    assert _snapshot(out) == before


def test_interrupted_pigments_leaves_the_earlier_report_whole(scan, tmp_path, monkeypatch):
    """Ctrl-C while report.html, the last file, is made: the earlier report stays whole."""
    from xrf_napari.analysis import pigment_report

    cube, labels = scan
    out = tmp_path / "out"
    assert _pigments(cube, out, "-l", str(labels)) == 0
    before = _snapshot(out)

    def interrupt(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pigment_report, "render_html", interrupt)
    assert _pigments(cube, out, "-l", str(cube)) == 130  # the cube's own truth labels
    assert _snapshot(out) == before


# -- item 4 and 12: the out-of-distribution line; too few pixels -----------------------------------
def test_embed_warns_about_a_scan_unlike_the_training_data(toy, tmp_path, capsys):
    """As recolour and the Embed dock: a scan of noise gets a WARNING line (before: regions and
    a silhouette, not a word), recorded in labels.h5 too. Calibrated by a sidecar: one left
    without a calibration is refused since uncal56 (tests/test_uncal56.py)."""
    _, weights = toy
    noise = tmp_path / "noise.npy"
    np.save(noise, np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16))
    (tmp_path / "noise.json").write_text('{"offset": 0.0, "gain": 0.05}', encoding="utf-8")
    assert _embed(noise, tmp_path / "o", weights, "--no-pool", "-k", "2") == 0
    err = capsys.readouterr().err
    assert "WARNING: This scan is unlike the models' training data" in err
    assert "no peaks" in err
    with h5py.File(tmp_path / "o" / "labels.h5") as f:
        assert f.attrs["ood_warning"] and "no peaks" in f.attrs["ood"]


@pytest.mark.parametrize("hw", [(1, 1), (3, 3)])
def test_embed_refuses_a_spot_spectrum_naming_the_file(toy, tmp_path, capsys, hw):
    """Fewer than 16 pixels, as the Embed dock: one line naming the file and pointing to
    `pigments` (before: 'too few pixels to find regions: 1 ...' without the file)."""
    _, weights = toy
    spot = tmp_path / "spot.npy"
    np.save(spot, np.random.default_rng(0).poisson(50, hw + (256,)).astype(np.uint16))
    assert _embed(spot, tmp_path / "o", weights) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err.split("error:")[-1] and "spot.npy" in err.split("error:")[-1]
    assert "xrf-napari pigments" in err and not (tmp_path / "o").exists()


# -- item 5: options checked before the work -------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--kv", "0"],
        ["--kv", "nan"],
        ["--kv", "61"],
        ["--fwhm", "nan"],
        ["--fwhm", "0"],
        ["--fwhm", "1e9"],
    ],
)
def test_pigments_instrument_options_are_checked_at_parsing(scan, tmp_path, capsys, args):
    cube, labels = scan
    with pytest.raises(SystemExit) as stop:
        _pigments(cube, tmp_path / "r", "-l", str(labels), *args)
    assert stop.value.code == 2
    assert f"argument {args[0]}: " in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args", [["--seed", "-1"], ["--chunk-pixels", "0"]])
def test_embed_options_are_checked_at_parsing(toy, tmp_path, capsys, args):
    (a, _), weights = toy
    with pytest.raises(SystemExit) as stop:
        _embed(a, tmp_path / "o", weights, *args)
    assert stop.value.code == 2 and f"argument {args[0]}: " in capsys.readouterr().err


def test_pigments_refuses_an_uncalibrated_scan_before_embedding(tmp_path, monkeypatch, capsys):
    """Checked right after reading, naming the file and --anode (before: after the DVE and
    K-Means, naming the cube and the Python call read_cube(anode=...))."""
    from xrf_napari.analysis import embed

    def never(*_a, **_k):
        raise AssertionError("embedded an uncalibrated scan")

    monkeypatch.setattr(embed, "iter_embed", never)
    noise = tmp_path / "noise.npy"
    np.save(noise, np.random.default_rng(0).poisson(5, (8, 8, 256)).astype(np.uint16))
    assert _pigments(noise, tmp_path / "r") == 2
    err = capsys.readouterr().err
    assert str(noise) in err and "no energy calibration" in err and "--anode" in err
    assert "read_cube" not in err


# -- item 6: --output help -------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["embed", "pigments"])
def test_output_help_says_existing_files_are_replaced(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    # pigments: "an earlier report in it is replaced, files of its names that xrf-napari did not
    # write are refused"; embed: "an earlier run's files of the same names are replaced, ..."
    assert "is replaced" in out or "are replaced" in out


# -- item 11: label values -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, shown", [(2**32 + 1, "4294967297"), (2**40, "1099511627776"), (-1, "-1")]
)
def test_label_values_beyond_16_bits_or_negative_are_refused_naming_the_file(
    scan, tmp_path, capsys, value, shown
):
    """Before: 2**32 + 1 wrapped to 1 in the int32 cast (two regions merged silently), 2**40 to 0
    ('every pixel is 0'), and a negative label was refused without naming the file."""
    cube, labels = scan
    lab = np.load(labels).astype(np.int64)
    lab[lab == 2] = value
    np.save(tmp_path / "lab.npy", lab)
    assert _pigments(cube, tmp_path / "r", "-l", str(tmp_path / "lab.npy")) == 2
    err = capsys.readouterr().err
    assert "lab.npy" in err and shown in err and not (tmp_path / "r").exists()
