#!/usr/bin/env bash
# The core alone, as a cluster node installs it: a fresh venv with `pip install .` and no
# extras (so no napari, no Qt), then train → generate → evaluate on the bundled sample at tiny
# sizes. Run by .ci/run; TORCH picks the torch requirement (default: the pinned CPU wheel).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" -m venv "$WORK/venv"
PY="$WORK/venv/bin/python"
CLI="$WORK/venv/bin/gan-augment"
"$PY" -m pip install -q --upgrade pip 2>/dev/null
"$PY" -m pip install -q "${TORCH:-torch==2.13.0}" 2>/dev/null
"$PY" -m pip install -q . 2>/dev/null
for viewer in napari qtpy magicgui PyQt6 PyQt5 PySide6; do
  if "$PY" -c "import $viewer" 2>/dev/null; then
    echo "core_only: '$viewer' came with the core install" >&2; exit 1
  fi
done
"$CLI" --version
# the widgets, without napari: one line naming the extra
message=$("$PY" -c "import napari_gan_augment._qt" 2>&1 | tail -1 || true)
echo "$message" | grep -q "napari-gan-augment\[all\]" || { echo "core_only: $message" >&2; exit 1; }
cd "$WORK"
cat > train.yaml <<'YAML'
family: pix2pix
data: {source: sample, axis: 0, min_foreground: 0.05}
image_size: 32
steps: 10
batch_size: 4
options: {base_filters: 8}
device: cpu
sample_every: 5
checkpoint_every: 5
YAML
"$CLI" train --config train.yaml --run-dir run
"$CLI" generate --run-dir run --count 4 --seed 1 --out synthetic --format nii.gz
ls synthetic/images/*.nii.gz >/dev/null
cat > experiment.yaml <<'YAML'
data: {source: sample, axis: 0, step: 3, min_foreground: 0.05}
generator: {family: pix2pix, image_size: 32, steps: 10, batch_size: 4, options: {base_filters: 8}}
arms: [real, real+synthetic]
synthetic_count: 4
seeds: 2
image_size: 32
epochs: 1
batch_size: 4
base_filters: 4
device: cpu
YAML
"$CLI" evaluate --config experiment.yaml --run-dir experiment
test -s experiment/summary.json
echo "core_only: train → generate → evaluate ran without napari or Qt"
