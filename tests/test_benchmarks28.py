"""The benchmark scripts measure what they say (benchmarks audit 28): every one runs under the
package's OpenMP wait policy, its children's peak memory is their own (not the parent's inherited
high-water mark), bench_gui's CLI side does the command's work, bench_scale and bench_maps refuse
wrong output, bench_scale's case (a) skips without the real header, and each script's docstring
offers only options it has. Configuration and correctness only: no wall-clock bounds.

The scripts are taken from the checkout whose xrf_napari is imported (its benchmarks/ folder)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _bench_scripts import BENCH, load_script

SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))
#: The real M6 header's fields (the file itself is CC BY-NC-ND and not in the repository).
M6_HEADER = (
    "key\tvalue\r\nwidth\t414\r\nheight\t302\r\ndepth\t4096\r\noffset\t0\r\ndata-Length\t1\r\n"
    "data-type\tunsigned\r\nbyte-order\tdont-care\r\nrecord-by\tvector\r\n"
)


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env.update(extra)
    return env


# -- 1. the OpenMP policy -----------------------------------------------------------------------
_PROBE = """
import json, os, runpy, sys
seen = {}
class Hook:  # the policy in force when torch or scikit-learn (their OpenMP) is first imported
    def find_spec(self, name, path=None, target=None):
        if name in ("torch", "sklearn") and name not in seen:
            seen[name] = os.environ.get("OMP_WAIT_POLICY")
        return None
sys.meta_path.insert(0, Hook())
sys.argv = [sys.argv[1], "--help"]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit:
    pass
print(json.dumps({"policy": os.environ.get("OMP_WAIT_POLICY"), "at_openmp_import": seen}))
"""


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_script_sets_the_wait_policy_and_offers_only_its_options(script):
    """Run as `script --help` with no policy in the environment: the policy is PASSIVE, also when
    torch or sklearn is first imported; every --option its docstring names is one it accepts
    (fuzz_readers' docstring offered a --jobs it refused)."""
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(),
        cwd=BENCH.parent,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    state = json.loads(out.stdout.strip().splitlines()[-1])
    assert state["policy"] == "PASSIVE", f"{script.name} leaves OMP_WAIT_POLICY unset"
    assert all(v == "PASSIVE" for v in state["at_openmp_import"].values()), state
    doc = _docstring(script)
    accepted = set(re.findall(r"--[a-z][a-z0-9-]*", out.stdout))
    offered = set(re.findall(r"--[a-z][a-z0-9-]*", doc))
    assert offered <= accepted, f"{script.name}'s docstring offers {offered - accepted}"


def _docstring(script: Path) -> str:
    """The script's docstring without the other commands it quotes (`xrf-napari-train generate
    ...` and its continuation lines)."""
    import ast

    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    kept, continued = [], False
    for line in doc.splitlines():
        skip = continued or line.strip().startswith("xrf-napari")
        continued = skip and line.rstrip().endswith("\\")
        if not skip:
            kept.append(line)
    return "\n".join(kept)


def test_torch_in_a_benchmark_child_really_waits_passively():
    """libgomp's own report (OMP_DISPLAY_ENV): a passive policy has a spin count of 0; bench_embed's
    children imported torch before xrf_napari and spun (300000)."""
    pytest.importorskip("torch")
    code = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import bench_embed, torch"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(OMP_DISPLAY_ENV="VERBOSE"),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "GOMP_SPINCOUNT = '0'" in out.stderr, [
        ln for ln in out.stderr.splitlines() if "SPIN" in ln or "WAIT" in ln
    ]


# -- 2. peak memory is the task's own ----------------------------------------------------------
@pytest.fixture
def parent_peak():
    """This process touches 400 MB first: its high-water mark is then at least that."""
    block = np.ones(400 * 2**20 // 8)
    yield
    del block


@pytest.mark.parametrize("script", ["bench_embed", "bench_recolour"])
def test_a_child_reports_its_own_peak_not_its_parents(script, parent_peak):
    code = (
        f"import sys; sys.path.insert(0, {str(BENCH)!r}); from {script} import peak_rss_mb; "
        "print(peak_rss_mb())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.split()[-1]) < 250, "the child reported its parent's peak"


def test_the_rss_column_is_the_tasks_growth(parent_peak):
    """bench_scale's RSS+ column (Measured) in a child of a parent with a higher peak: 100 MB
    allocated in the block shows (ru_maxrss read 0 there)."""
    code = (
        f"import sys, json; sys.path.insert(0, {str(BENCH)!r}); import numpy as np\n"
        "from _measure import Measured\n"
        "with Measured() as m:\n"
        "    a = np.ones(100 * 2**20 // 8); del a\n"
        "print(json.dumps(m.result()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    r = json.loads(out.stdout.strip().splitlines()[-1])
    grew = r.get("peak_rss_delta_mb", r.get("maxrss_delta_mb"))
    assert 90 <= grew <= 200, r


def test_a_fuzz_case_reports_its_peak_above_the_fork(tmp_path, parent_peak):
    """A forked case starts with this process's resident pages: they are not its peak."""
    fuzz = load_script("fuzz_readers")
    np.save(tmp_path / "s.npy", np.ones((4, 5, 64), np.uint16))
    res = fuzz.fork_case(tmp_path / "s.npy", 120.0, 2**46)
    assert res[0] == "readable", res
    assert res[2] < 150 * 2**20, f"{res[2] / 2**20:.0f} MiB: the parent's pages counted"


# -- 3. bench_gui's CLI side --------------------------------------------------------------------
def test_bench_gui_cli_side_checks_the_scan_as_the_command_does(tmp_path, monkeypatch):
    """`xrf-napari embed` and the Embed dock run ood.check_scan, as recolour does: the CLI side
    must too, or the GUI/CLI ratio compares unlike work."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _napari_helpers import painted_counts
    from _spectra import CANONICAL_CAL

    from xrf_napari.analysis import ood
    from xrf_napari.io.project_h5 import write_cube

    path = write_cube(tmp_path / "s.h5", painted_counts()[0], CANONICAL_CAL)
    calls = []
    real = ood.iter_check_scan  # check_scan's, and the docks' jobs'

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(ood, "iter_check_scan", counted)
    times = load_script("bench_gui").cli_times(path, "cpu", 2)
    assert set(times) == {"mean spectrum", "embed + cluster", "recolour"}
    assert len(calls) == 2, f"check_scan ran {len(calls)} time(s): embed and recolour each once"


# -- 4. wrong results are refused ---------------------------------------------------------------
@pytest.fixture(scope="module")
def scale_dir(tmp_path_factory):
    """A folder for bench_scale --small (a) (files kept between the runs), with the M6 header."""
    d = tmp_path_factory.mktemp("scale")
    (d / "m6_header.rpl").write_bytes(M6_HEADER.encode())
    return d


def _scale_here(workdir: Path, tasks: str, monkeypatch, capsys, in_child=()):
    """bench_scale --small (a) run in this process, each task's bench_scale.measure called here (as
    a task process calls it) instead of in a child importing torch and sklearn again (10-40 s a
    task on a loaded CI machine), except the tasks named in `in_child`: those in the script's own
    child (run_child), its start and JSON report read back as a real run reads them. Returns
    (exit status, standard output)."""
    import torch

    bench = load_script("bench_scale")
    monkeypatch.setattr(bench, "REAL_HEADER", workdir / "m6_header.rpl")
    real = bench.run_child

    def here(argv, **kw):  # run_child's argv: the script, its options for the task process
        task, case, path, workdir_, threads = (
            argv[argv.index(f"--{name}") + 1]
            for name in ("measure", "case", "path", "workdir", "threads")
        )
        if task in in_child:
            return real(argv, **kw)
        result = bench.measure(task, case, path, workdir_, int(threads), "--cold" in argv)
        return json.loads(json.dumps(result)), ""  # as the child's JSON line reads back

    monkeypatch.setattr(bench, "run_child", here)
    threads = torch.get_num_threads()
    try:
        argv = ["--small", "--which", "a", "--workdir", str(workdir), "--keep", "--tasks", tasks]
        rc = bench.main(argv)
    finally:
        torch.set_num_threads(threads)
    return rc, capsys.readouterr().out


def test_bench_scale_checks_pass_on_right_results(scale_dir, monkeypatch, capsys):
    """Right results pass every check: sum_spectrum's spectrum (measured in a task process of
    its own, read back from its JSON line) equal to np.sum's, window_maps' and element_maps'
    totals what that spectrum implies. Was bench_scale.py run as a child with each of the 4
    tasks in a child of its own (48 s under load 10); the script's start (its OpenMP policy, its
    options) is test_each_script_sets_the_wait_policy_and_offers_only_its_options's."""
    tasks = "np_sum,sum_spectrum,window_maps,element_maps"
    rc, text = _scale_here(scale_dir, tasks, monkeypatch, capsys, in_child={"sum_spectrum"})
    assert rc == 0, text[-3000:]
    assert "results checked: all right" in text and "CHECK FAILED" not in text, text[-3000:]
    for task in tasks.split(","):  # each ran (a failed child is a "skipped: failed" line)
        assert re.search(rf"^  {task} +[0-9.]+ s ", text, re.M), text[-3000:]


def test_bench_scale_refuses_a_wrong_sum_spectrum(scale_dir, monkeypatch, capsys):
    """Cube.sum_spectrum returning zeros (after its work) where the tasks run: the old script
    printed its table and "met"."""
    from xrf_napari import cube

    real = cube.Cube.sum_spectrum
    monkeypatch.setattr(
        cube.Cube, "sum_spectrum", lambda self, *a, **k: np.zeros_like(real(self, *a, **k))
    )
    rc, text = _scale_here(scale_dir, "np_sum,sum_spectrum", monkeypatch, capsys)
    assert rc == 1, text[-3000:]
    assert "CHECK FAILED: sum_spectrum" in text, text[-3000:]
    assert ": met" not in text and "-> met" not in text, text[-3000:]


def test_bench_maps_refuses_wrong_element_maps(monkeypatch, capsys):
    from xrf_napari.analysis import maps

    real = maps.element_maps
    monkeypatch.setattr(
        maps, "element_maps", lambda *a, **k: {s: 0 * v for s, v in real(*a, **k).items()}
    )
    monkeypatch.setattr(sys, "argv", ["bench_maps.py", "--size", "32", "--elements", "4"])
    bench = load_script("bench_maps")
    assert bench.main() == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "speed-up" not in out.replace("no speed-up", ""), out


def test_bench_maps_accepts_right_element_maps(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bench_maps.py", "--size", "32", "--elements", "4"])
    assert load_script("bench_maps").main() == 0
    out = capsys.readouterr().out
    assert "results checked" in out and "FAILED" not in out, out


# -- 5. case (a) without the real header --------------------------------------------------------
def test_bench_scale_skips_case_a_without_the_real_header(tmp_path, monkeypatch, capsys):
    bench = load_script("bench_scale")
    monkeypatch.setattr(bench, "REAL_HEADER", tmp_path / "absent" / "header.rpl")
    assert bench.main(["--small", "--which", "a", "--workdir", str(tmp_path / "w")]) == 0
    out = capsys.readouterr().out
    assert "(a) skipped" in out and "absent" in out, out
