"""OpenMP threads sleep rather than spin while they wait (benchmarks audit 28, finding 1): under
load the spinning made embedding and recolouring 3-4x slower. The package sets the policy before
torch loads (torch is imported inside functions), and keeps one the user chose."""

import os
import subprocess
import sys

import pytest

#: The policy is in the environment once the package is imported, torch not loaded yet (OpenMP
#: reads it when torch loads it). The child does not import torch itself: loading it changes
#: nothing in the environment printed, and took ~1.7 s of CPU a child.
CODE = (
    "import sys, os, xrf_napari\n"
    "assert 'torch' not in sys.modules\n"
    "print(os.environ.get('OMP_WAIT_POLICY'))\n"
)


def _run(env_policy):
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_policy is not None:
        env["OMP_WAIT_POLICY"] = env_policy
    out = subprocess.run(
        [sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_importing_the_package_sets_a_passive_wait_policy():
    pytest.importorskip("torch")
    assert _run(None) == "PASSIVE"


def test_a_policy_the_user_set_is_kept():
    pytest.importorskip("torch")
    assert _run("ACTIVE") == "ACTIVE"
