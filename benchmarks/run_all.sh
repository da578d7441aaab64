#!/usr/bin/env bash
# Run every benchmark (≈ 25 minutes on 2 CPU cores) and rewrite docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-../.venv/bin/python}
"$PY" bench_training.py
"$PY" bench_synthesis.py
"$PY" bench_scaling.py
"$PY" bench_metrics.py
"$PY" bench_cpu_options.py
xvfb-run -a "$PY" bench_viewer.py
xvfb-run -a "$PY" bench_paint.py
# The evaluation reports in docs/evaluation.md (≈ 30 minutes together; run on demand):
#   "$PY" experiment_sample.py && "$PY" quality_sample.py && "$PY" classification_sample.py
