#!/usr/bin/env bash
# Run every benchmark (≈ 10 minutes on 2 CPU cores) and rewrite docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-../.venv/bin/python}
"$PY" bench_training.py
"$PY" bench_synthesis.py
xvfb-run -a "$PY" bench_viewer.py
xvfb-run -a "$PY" bench_paint.py
