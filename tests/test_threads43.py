"""one_thread limits only the OpenMP and BLAS runtimes loaded when its block starts. Embed &
cluster with K given imported sklearn (its OpenMP runtime, and scipy's OpenBLAS) inside the block,
so a session's first clustering ran its K-Means fits with every core's thread. In a fresh
interpreter, as the order of imports decides it; OMP_NUM_THREADS=3 so that the default is not
already the one thread asked for."""

import json
import os
import subprocess
import sys

CODE = """
import json, sys, threading
import numpy as np
from threadpoolctl import threadpool_info
from xrf_napari.analysis.embed import iter_cluster
assert "sklearn" not in sys.modules, "sklearn already imported: nothing to check"
seen = []
def worker():  # the dock's worker thread
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(30, 30, 3)).astype(np.float32)
    latent[:15] += 4.0
    for _ in iter_cluster(latent, 3):  # each restart's progress, inside the limited block
        seen.append({i["filepath"].rsplit("/", 1)[-1]: i["num_threads"] for i in threadpool_info()})
t = threading.Thread(target=worker)
t.start()
t.join()
print(json.dumps(seen))
"""


def test_k_means_with_k_given_runs_one_thread_in_a_fresh_session():
    env = dict(os.environ, OMP_NUM_THREADS="3", OPENBLAS_NUM_THREADS="3")
    out = subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen, "iter_cluster reported no progress"
    assert any("gomp" in path or "omp" in path for path in seen[0]), seen[0]
    assert all(n == 1 for counts in seen for n in counts.values()), seen[0]
