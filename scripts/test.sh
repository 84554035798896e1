#!/usr/bin/env bash
# Install xrf-napari with its test extras into .venv and run the test suite (under Xvfb via pytest-xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==2.13.0"          # CPU build first, so nothing pulls a CUDA build
python -m pip install -q -e ".[testing]"
python -m pytest -q -p no:cacheprovider "$@"
