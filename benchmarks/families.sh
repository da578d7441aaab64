#!/usr/bin/env bash
# The family × mask head × discriminator-augmentation matrix behind docs/benchmarks.md
# ("Families at equal CPU time"), fixed before it was run. Two 1-thread processes share the
# 2 cores; every row's budget is CPU time, so the sharing does not change what a row gets.
# The 20-minute noise-family rows use, per family, the mask head with the higher 5-minute
# ratio without augmentation (rule fixed here, before the 5-minute rows existed).
set -euo pipefail
cd "$(dirname "$0")/.."
py=".venv/bin/python benchmarks/diffaugment_families.py"
results=benchmarks/results/families
best_head() {  # the 5-minute, augmentation-off head with the higher ratio for family $1
  .venv/bin/python - "$1" <<'PY'
import json, sys
from pathlib import Path
rows = [json.loads(p.read_text()) for p in Path("benchmarks/results/families").glob("*-off-*-5min.json")]
rows = [r for r in rows if r["family"] == sys.argv[1]]
print(max(rows, key=lambda r: r["ratio"])["mask_head"])
PY
}
mkdir -p "$results" benchmarks/results/logs
(
  $py 5 --families pair-wgan fastgan --heads tanh --augmentation off
  $py 5 --families pair-wgan fastgan --heads softmax --augmentation off diffaugment ada
  touch "$results/.noise-5min-done"
  $py 5 --families pix2pix --augmentation off diffaugment ada
  $py 20 --families fastgan --heads "$(best_head fastgan)" --augmentation diffaugment
) >benchmarks/results/logs/families-1.log 2>&1 &
(
  $py 20 --families pix2pix --augmentation off diffaugment
  while [ ! -e "$results/.noise-5min-done" ]; do sleep 20; done
  $py 20 --families pair-wgan --heads "$(best_head pair-wgan)" --augmentation off diffaugment
  $py 20 --families fastgan --heads "$(best_head fastgan)" --augmentation off
) >benchmarks/results/logs/families-2.log 2>&1 &
wait
