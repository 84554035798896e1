#!/usr/bin/env bash
# Install xrf-napari with its test extras into .venv and run the test suite (under Xvfb via pytest-xvfb).
set -euo pipefail
EXTRAS="[testing]" . "$(dirname "$0")/_venv.sh"
python -m pytest -q -p no:cacheprovider "$@"
