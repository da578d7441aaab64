"""Train on synthetic, test on real, per pair-producing family, with and without DiffAugment,
at equal CPU time (python benchmarks/diffaugment_families.py [CPU-minutes per run]).

The demo's split of the bundled sample (54 axial training slices, 13 held out). Each family
and setting gets the same CPU budget: its CPU seconds per step (process time, one thread, so
other load on the machine does not change it) are measured first, then it trains for
budget / (CPU seconds per step) steps. Its pairs (pix2pix: images for deformed training masks;
pair-wgan and fastgan: pairs from noise) then train a U-Net that is tested on the held-out
slices, against the same U-Net trained on the 54 real slices. Mask coherence (components per
class) is measured on the same pairs, raw and cleaned. Writes benchmarks/results/ JSON and
prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.sources import pairset_from_config
from napari_gan_augment.demo import DEMO_DATA, HELD_OUT, split_pairs
from napari_gan_augment.evaluation.yardstick import train_on_synthetic
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import load_generator, pair_route
from napari_gan_augment.synthesis.cleanup import clean_masks, components_per_class
from napari_gan_augment.training import train
from napari_gan_augment.training.trainer import build_spec

FAMILIES = {"pix2pix": {"base_filters": 16}, "pair-wgan": {}, "fastgan": {}}
POLICIES = ("", "translation,cutout,color")
SIZE, BATCH, PAIRS = 64, 16, 256


def cpu_seconds_per_step(config: TrainConfig, data: torch.Tensor, pairs) -> float:
    model = get_family(config.family).build(build_spec(config, pairs), torch.device("cpu"))
    rng = torch.Generator().manual_seed(0)
    for _ in range(3):
        model.train_step(data[:BATCH], rng)
    started = time.process_time()
    for _ in range(10):
        model.train_step(data[:BATCH], rng)
    return (time.process_time() - started) / 10


def main(minutes: float) -> None:
    torch.set_num_threads(1)
    pairs = pairset_from_config(DEMO_DATA)
    training, held = split_pairs(pairs, HELD_OUT, 0)
    normaliser = training.fit_normaliser()
    real = training.training_arrays(SIZE, normaliser)
    everything = pairs.training_arrays(SIZE, normaliser)
    test = (everything[0][held], everything[1][held])
    data = torch.from_numpy(np.concatenate([real[0], encode_masks(real[1], 3)], 1))
    results = []
    root = Path(tempfile.mkdtemp(prefix="diffaugment-"))
    for family, options in FAMILIES.items():
        for policy in POLICIES:
            config = TrainConfig(
                family=family,
                data=DEMO_DATA,
                image_size=SIZE,
                batch_size=BATCH,
                options=options | {"diffaugment": policy},
                device="cpu",
                sample_every=10_000,
                checkpoint_every=10_000,
                log_every=50,
            )
            per_step = cpu_seconds_per_step(config, data, training)
            steps = max(10, int(minutes * 60 / per_step))
            run = root / f"{family}-{policy or 'none'}"
            started = time.process_time()
            train(run, config.replace(steps=steps, sample_every=steps), pairs=training)
            train_seconds = time.process_time() - started
            route = pair_route(load_generator(run, device="cpu"))
            images, masks = route.pairs(PAIRS, seed=1)
            synthetic = (normaliser.forward(images)[:, None], masks.astype(np.int64))
            yardstick = train_on_synthetic(synthetic, real, test, 3, (2.0, 2.0), steps=300)
            row = {
                "family": family,
                "diffaugment": policy or "off",
                "cpu_seconds_per_step": per_step,
                "steps": steps,
                "train_cpu_seconds": train_seconds,
                "ratio": yardstick.ratio,
                "synthetic_dice": yardstick.synthetic_dice,
                "real_dice": yardstick.real_dice,
                "components_raw": components_per_class(masks),
                "components_cleaned": components_per_class(clean_masks(masks, 8)),
                "components_real": components_per_class(real[1]),
            }
            results.append(row)
            print(json.dumps(row), flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    record = {
        "machine": f"{platform.processor() or platform.machine()}, 1 thread, "
        f"torch {torch.__version__}",
        "date": time.strftime("%Y-%m-%d"),
        "minutes_per_run": minutes,
        "rows": results,
    }
    (out / "diffaugment_families.json").write_text(json.dumps(record, indent=2))
    print("| family | DiffAugment | steps | train CPU s | Dice synth / real | ratio | components |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['family']} | {r['diffaugment']} | {r['steps']} | {r['train_cpu_seconds']:.0f} | "
            f"{r['synthetic_dice']:.3f} / {r['real_dice']:.3f} | {r['ratio']:.2f} | "
            f"{r['components_raw']:.2f} / {r['components_cleaned']:.2f} / "
            f"{r['components_real']:.2f} |"
        )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
