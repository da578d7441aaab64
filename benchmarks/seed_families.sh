#!/usr/bin/env bash
# The seed-family ablation behind docs/benchmarks.md ("Seed families at full quality"), fixed
# before it was run. Each row: one GAN training run of the given CPU-minutes (process time, one
# thread) on the demo split, its pairs' train-on-synthetic ratio (benchmarks/
# diffaugment_families.py). Stage 1, 5 CPU-minutes: each family's current defaults with the
# weight average off (a rerun of the baseline), then the average on, then one more change each.
# Stage 2, 20 CPU-minutes: per family the stage-1 row with the highest ratio (rule fixed here).
set -euo pipefail
cd "$(dirname "$0")/.."
py=".venv/bin/python benchmarks/diffaugment_families.py"
results=benchmarks/results/families
mkdir -p "$results" benchmarks/results/logs
best() {  # the options (JSON) of the 5-minute ablation row of family $1 with the highest ratio
  .venv/bin/python - "$1" <<'PY'
import json, sys
from pathlib import Path
rows = [json.loads(p.read_text()) for p in Path("benchmarks/results/families").glob("*-5min-*.json")]
rows = [r for r in rows if r["family"] == sys.argv[1] and "ema_decay" in r.get("options", {})]
print(json.dumps(max(rows, key=lambda r: r["ratio"])["options"]))
PY
}
wgan="$py 5 --families pair-wgan --heads softmax --augmentation off --options"
fast="$py 5 --families fastgan --heads softmax --augmentation ada --options"
(
  $wgan '{"ema_decay": 0}'
  $wgan '{"ema_decay": 0.999}'
  $wgan '{"ema_decay": 0.999, "critic_steps": 2}'
  $wgan '{"ema_decay": 0.999, "critic_steps": 2, "base_filters": 32}'
  $py 20 --families pair-wgan --heads softmax --augmentation off --options "$(best pair-wgan)"
) >benchmarks/results/logs/seed-1.log 2>&1 &
(
  $fast '{"ema_decay": 0}'
  $fast '{"ema_decay": 0.999}'
  $fast '{"ema_decay": 0.999, "r1_gamma": 0.1}'
  $fast '{"ema_decay": 0.999, "base_filters": 16}'
  $py 20 --families fastgan --heads softmax --augmentation ada --options "$(best fastgan)"
) >benchmarks/results/logs/seed-2.log 2>&1 &
wait
