#!/usr/bin/env bash
# Create .venv with the CPU build of torch and this project (safe to run again).
# EXTRAS selects optional dependencies, e.g. EXTRAS=testing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! "$PYTHON" -c "import venv, ensurepip" >/dev/null 2>&1; then
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# torch first, pinned: the CPU wheel instead of a multi-GB CUDA download.
.venv/bin/python -m pip install -q torch==2.13.0
.venv/bin/python -m pip install -q -e ".${EXTRAS:+[$EXTRAS]}"
