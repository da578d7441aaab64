#!/usr/bin/env bash
# Fresh machine → .venv → `gan-augment demo` on the bundled brain sample (a few minutes on CPU).
# Extra arguments go to the demo, e.g. `bash scripts/demo.sh --out demo-2 --steps 2000`.
set -euo pipefail
cd "$(dirname "$0")/.."
# the `all` extra: napari with a Qt binding, so the report's last line opens the pairs
EXTRAS=all bash scripts/setup.sh
.venv/bin/gan-augment demo "$@"
