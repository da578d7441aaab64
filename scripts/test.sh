#!/usr/bin/env bash
# Install what the tests need (virtual X display, Qt's X libraries, .venv) and run them.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
QT_X_PACKAGES="xvfb xauth libgl1-mesa-dri libegl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0
  libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0
  libxcb-xfixes0 libxcb-shape0 libxcb-cursor0 libdbus-1-3"
# shellcheck disable=SC2086
if ! dpkg -s $QT_X_PACKAGES >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $QT_X_PACKAGES >/dev/null
fi
EXTRAS=testing bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks scripts examples
.venv/bin/ruff format --check src tests benchmarks scripts examples
.venv/bin/mypy
xvfb-run -a .venv/bin/python -m pytest "$@"
