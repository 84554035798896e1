#!/usr/bin/env bash
# Install xrf-napari with its test extras into .venv and run the test suite (under Xvfb via pytest-xvfb).
set -euo pipefail
EXTRAS="[testing]" . "$(dirname "$0")/_venv.sh"
# Lint and format check first (settings in pyproject.toml [tool.ruff]; ruff pinned in the testing extra).
# (two commands, not a && b: set -e ignores a failure on the left of &&)
ruff check .
ruff format --check .
# Every text file opened with encoding= (PLW1514): the locale's encoding broke saves on Windows
# (cp1252 has no α, β or Δ). A preview rule, so run on its own: preview mode changes other rules.
ruff check --preview --select PLW1514 .
# In parallel (pytest-xdist): `-n auto` starts one worker per core, at most 4 and one per 4 GiB of
# memory (tests/conftest.py); --dist loadfile keeps each test file in one worker. `-n 0` after the
# script's name runs everything in one process.
python -m pytest -q -p no:cacheprovider -n auto --dist loadfile "$@"
