"""Train on synthetic, test on real, per pair-producing family, mask head and discriminator
augmentation, at equal CPU time (python benchmarks/diffaugment_families.py MINUTES [--families …]
[--augmentation off diffaugment ada] [--heads tanh softmax] [--options JSON] [--train JSON];
``… table``
prints the table, ``… table ablation`` that of benchmarks/seed_families.sh).

The demo's split of the bundled sample: since 2026-12-03 two blocks of 13 held-out axial slices
with a guard band, 42 training slices (rows before that date: 13 random held-out slices, 54
training slices beside them). Each family
and setting gets the same CPU budget: its CPU seconds per step (process time, one thread, so
other load on the machine does not change it) are measured first, then it trains for
budget / (CPU seconds per step) steps. Its pairs (pix2pix: images for deformed training masks;
pair-wgan and fastgan: pairs from noise) then train a U-Net that is tested on the held-out
slices, against the same U-Net trained on the real training slices; again after the quality gate
(evaluation/gate.py) on twice as many drawn pairs. Mask coherence (components per class) is
measured on the same pairs, raw and cleaned. Writes one JSON per row to
benchmarks/results/families/.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from napari_gan_augment.config import TrainConfig
from napari_gan_augment.data.encoding import encode_masks
from napari_gan_augment.data.pairset import PairSet
from napari_gan_augment.data.sources import pairset_from_config
from napari_gan_augment.demo import DEMO_DATA, HELD_OUT, split_pairs
from napari_gan_augment.evaluation.gate import GateSettings, gate_pairs, gate_segmenter
from napari_gan_augment.evaluation.yardstick import TrainOnSynthetic, train_on_synthetic
from napari_gan_augment.models.registry import get_family
from napari_gan_augment.synthesis import load_generator, pair_route
from napari_gan_augment.synthesis.cleanup import clean_masks, components_per_class
from napari_gan_augment.training import train
from napari_gan_augment.training.trainer import build_spec

FAMILIES = {"pix2pix": {"base_filters": 16}, "pair-wgan": {}, "fastgan": {}}
#: the discriminator-augmentation settings compared: off, DiffAugment at p = 1, ADA-style p
AUGMENTATION = {
    "off": {"diffaugment": ""},
    "diffaugment": {"diffaugment": "translation,cutout,color"},
    "ada": {"diffaugment": "translation,cutout,color", "augment_p": 0.0, "ada_target": 0.6},
}
SIZE, BATCH, PAIRS, SPACING = 64, 16, 256, (2.0, 2.0)
GATE = GateSettings(min_fidelity=0.5, near_copy_quantile=0.05, segmenter_steps=300)


def cpu_seconds_per_step(config: TrainConfig, data: torch.Tensor, pairs) -> float:
    model = get_family(config.family).build(build_spec(config, pairs), torch.device("cpu"))
    rng = torch.Generator().manual_seed(0)
    for _ in range(3):
        model.train_step(data[:BATCH], rng)
    started = time.process_time()
    for _ in range(10):
        model.train_step(data[:BATCH], rng)
    return (time.process_time() - started) / 10


@dataclass
class Bench:
    """What every row shares: the split, its arrays, and the real-trained reference networks."""

    training: PairSet
    normaliser: Any
    real: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    data: torch.Tensor
    root: Path
    on_real: list[float]  # per-seed Dice of the U-Net trained on the real training slices
    gate_segmenter: torch.nn.Module


def yardstick(bench: Bench, pairs: tuple[np.ndarray, np.ndarray]) -> TrainOnSynthetic:
    return train_on_synthetic(
        pairs, bench.real, bench.test, 3, SPACING, steps=300, on_real=bench.on_real
    )


def run_row(
    family: str,
    augmentation: str,
    head: str | None,
    minutes: float,
    bench: Bench,
    extra: dict[str, Any],
    fields: dict[str, Any],
) -> dict:
    """Train one family/setting for ``minutes`` CPU-minutes; its yardstick, raw and gated.
    ``extra``: family options beyond the row's augmentation and head (the ablation's);
    ``fields``: TrainConfig fields beyond the bench's (``seed``, ``lr_generator``, …)."""
    options = FAMILIES[family] | AUGMENTATION[augmentation] | extra
    if head is not None:
        options = options | {"mask_head": head}
    config = TrainConfig(
        family=family,
        data=DEMO_DATA,
        image_size=SIZE,
        batch_size=BATCH,
        options=options,
        device="cpu",
        sample_every=10_000,
        checkpoint_every=10_000,
        log_every=50,
        **fields,
    )
    per_step = cpu_seconds_per_step(config, bench.data, bench.training)
    steps = max(10, int(minutes * 60 / per_step))
    run = bench.root / f"{family}-{augmentation}-{head}-{minutes}-{label(extra | fields)}"
    started = time.process_time()
    train(run, config.replace(steps=steps, sample_every=steps), pairs=bench.training)
    train_seconds = time.process_time() - started
    route = pair_route(load_generator(run, device="cpu"))
    images, masks = route.pairs(int(PAIRS * GATE.oversample), seed=1)
    drawn = (bench.normaliser.forward(images)[:, None], masks.astype(np.int64))
    raw = (drawn[0][:PAIRS], drawn[1][:PAIRS])
    measured = yardstick(bench, raw)
    keep, record = gate_pairs(
        drawn, bench.real, 3, SPACING, GATE, torch.device("cpu"), segmenter=bench.gate_segmenter
    )
    kept = np.flatnonzero(keep)[:PAIRS]
    gated = yardstick(bench, (drawn[0][kept], drawn[1][kept])) if len(kept) >= BATCH else None
    return {
        "family": family,
        "augmentation": augmentation,
        "mask_head": head or "-",
        "options": extra | fields,
        "minutes": minutes,
        "cpu_seconds_per_step": per_step,
        "steps": steps,
        "train_cpu_seconds": train_seconds,
        "ratio": measured.ratio,
        "synthetic_dice": measured.synthetic_dice,
        "real_dice": measured.real_dice,
        "gate_kept": int(keep.sum()),
        "gate_drawn": len(keep),
        "gated_ratio": gated.ratio if gated else None,
        "components_raw": components_per_class(raw[1]),
        "components_cleaned": components_per_class(clean_masks(raw[1], 8)),
        "components_real": components_per_class(bench.real[1]),
        "gate_record": record,
    }


def label(extra: dict[str, Any]) -> str:
    """A row's options in its file name: ``ema_decay=0.999,critic_steps=2`` (``defaults``)."""
    return ",".join(f"{k}={v}" for k, v in sorted(extra.items())) or "defaults"


def main(
    minutes: float,
    families: list[str],
    augmentations: list[str],
    heads: list,
    extra: dict[str, Any] | None,
    fields: dict[str, Any] | None,
) -> None:
    """``extra`` or ``fields`` given (even empty): an ablation row (``table ablation``)."""
    ablation = extra is not None or fields is not None
    extra, fields = extra or {}, fields or {}
    torch.set_num_threads(1)
    pairs = pairset_from_config(DEMO_DATA)
    training, held, _ = split_pairs(pairs, HELD_OUT)
    normaliser = training.fit_normaliser()
    real = training.training_arrays(SIZE, normaliser)
    everything = pairs.training_arrays(SIZE, normaliser)
    test = (everything[0][held], everything[1][held])
    data = torch.from_numpy(np.concatenate([real[0], encode_masks(real[1], 3)], 1))
    cpu = torch.device("cpu")
    bench = Bench(
        training,
        normaliser,
        real,
        test,
        data,
        Path(tempfile.mkdtemp(prefix="diffaugment-")),
        train_on_synthetic(real, real, test, 3, SPACING, steps=300).per_seed_real,
        gate_segmenter(real, 3, GATE, cpu),
    )
    out = Path(__file__).parent / "results" / "families"
    out.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.processor() or platform.machine()}, 1 thread, torch {torch.__version__}"
    for family in families:
        for head in heads if family != "pix2pix" else [None]:
            for augmentation in augmentations:
                row = run_row(family, augmentation, head, minutes, bench, extra, fields)
                row |= {"machine": machine, "date": time.strftime("%Y-%m-%d")}
                if not ablation:
                    del row["options"]  # ``table`` tells the two kinds of row apart by it
                name = f"{family}-{augmentation}-{head or 'x'}-{minutes:g}min.json"
                if ablation:  # its own file, even for defaults: never over an older row
                    name = name.replace(".json", f"-{label(extra | fields)}.json")
                (out / name).write_text(json.dumps(row, indent=2))
                print(json.dumps({k: v for k, v in row.items() if k != "gate_record"}), flush=True)


def table(ablation: bool = False) -> None:
    """The Markdown table of the stored rows (``… table``); ``… table ablation``: the rows of
    benchmarks/seed_families.sh (they name their options; the split they ran on is the
    demo's blocked one, not the random one of the older rows)."""
    rows = [
        json.loads(p.read_text())
        for p in sorted((Path(__file__).parent / "results" / "families").glob("*.json"))
    ]
    rows = [r for r in rows if ("options" in r) == ablation]
    rows.sort(key=lambda r: (r["minutes"], r["family"], r["mask_head"], r["augmentation"]))
    print(
        "| CPU-min | family | mask head | D augmentation | "
        + ("options | " if ablation else "")
        + "steps | Dice synth / real | ratio | gate kept | ratio gated | "
        "components raw / cleaned / real |"
    )
    print("|---|---|---|---|" + ("---|" if ablation else "") + "---|---|---|---|---|---|")
    for r in rows:
        gated = "–" if r["gated_ratio"] is None else f"{r['gated_ratio']:.2f}"
        options = f"`{label(r['options'])}` | " if ablation else ""
        print(
            f"| {r['minutes']:g} | {r['family']} | {r['mask_head']} | {r['augmentation']} | "
            f"{options}{r['steps']} | {r['synthetic_dice']:.3f} / {r['real_dice']:.3f} | "
            f"{r['ratio']:.2f} | {r['gate_kept']}/{r['gate_drawn']} | {gated} | "
            f"{r['components_raw']:.1f} / {r['components_cleaned']:.1f} / "
            f"{r['components_real']:.1f} |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["table"]:
        table(sys.argv[2:] == ["ablation"])
    else:
        arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        arguments.add_argument("minutes", type=float)
        arguments.add_argument("--families", nargs="+", default=list(FAMILIES))
        arguments.add_argument("--augmentation", nargs="+", default=["off", "diffaugment"])
        arguments.add_argument("--heads", nargs="+", default=["softmax"])
        arguments.add_argument(
            "--options",
            type=json.loads,
            help='more family options, JSON: {"ema_decay": 0.999}',
        )
        arguments.add_argument(
            "--train",
            type=json.loads,
            help='TrainConfig fields, JSON: {"seed": 1, "lr_generator": 2e-4}',
        )
        args = arguments.parse_args()
        main(args.minutes, args.families, args.augmentation, args.heads, args.options, args.train)
