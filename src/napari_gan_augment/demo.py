"""``gan-augment demo``: the measured best pair route on the bundled brain sample, with a report.

The demo holds out a fifth of the slices, in two contiguous blocks with a 6 mm guard band on
each side that nothing trains on (slices 2 mm apart are near-copies), trains ``pix2pix``
(mask → image) on the rest, makes
pairs by drawing images for randomly deformed training masks, and measures them the way that
matters: a U-Net trained on the synthetic pairs only, tested on the held-out real slices,
against the same U-Net trained on the real training slices (see ``docs/evaluation.md`` for
why this route is the default: it beat noise → pair generators at equal CPU time).
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from skimage import io as skio

from .atomic import write_json, write_text
from .config import DataConfig, TrainConfig
from .data.pairset import PairSet
from .data.sources import pairset_from_config
from .devices import resolve_device
from .errors import InputError
from .evaluation.experiment.splits import Layout, guard_band, split_folds
from .evaluation.yardstick import TrainOnSynthetic, train_on_synthetic
from .synthesis import load_generator, pair_route, write_pairs
from .terminal import run_training
from .training.grids import pair_grid
from .training.plots import save_loss_plot
from .training.run_dir import RunDirectory

# Axial slices with at least 5 % tissue: 67 pairs of 117×99 px at 2 mm, trained at 64 px.
DEMO_DATA = DataConfig(source="sample", axis=0, step=1, min_foreground=0.05)
DEMO_PAIRS = 32
HELD_OUT = 0.2
#: slices this close to a held-out slice train nothing (3 slices at 2 mm)
GUARD_MM = 6.0
YARDSTICK_PAIRS = 256
YARDSTICK_STEPS = 300


def demo_config(steps: int, device: str, seed: int) -> TrainConfig:
    """pix2pix at 64 px with 16 base filters: ~0.08 s per step on 2 CPU cores."""
    return TrainConfig(
        family="pix2pix",
        data=DEMO_DATA,
        image_size=64,
        steps=steps,
        batch_size=16,
        options={"base_filters": 16},
        seed=seed,
        device=device,
        sample_every=max(1, steps // 8),
        checkpoint_every=max(1, steps // 2),
        log_every=10,
    )


def split_pairs(pairs: PairSet, fraction: float) -> tuple[PairSet, list[int], int]:
    """The training pairs, the indices of the held-out ones (never shown to the GAN) and the
    number of guard-band slices left out of both: the experiments' blocked split."""
    groups, positions = zip(*pairs.positions, strict=True)
    layout = Layout(tuple(groups), np.asarray(positions, float))
    (test,) = split_folds(layout, "block", 1, fraction, 2)
    guard = guard_band(layout, test, GUARD_MM)
    held = [int(i) for i in test]
    keep = [i for i in range(len(pairs)) if i not in held and i not in set(guard.tolist())]
    training = PairSet.from_pairs(
        [pairs.images[i] for i in keep],
        [pairs.masks[i] for i in keep],
        [pairs.provenance[i] for i in keep],
        pairs.spacing,
        rgb=False,
    )
    return training, held, len(guard)


def run_demo(out: Path, steps: int = 2000, device: str = "auto", seed: int = 0) -> Path:
    """Train, synthesize, measure and write ``out/report.md`` with pictures."""
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} already exists and is not empty; pass --out NEW_FOLDER")
    out.mkdir(parents=True, exist_ok=True)
    config = demo_config(steps, device, seed)
    pairs = pairset_from_config(DEMO_DATA)
    training, held, guarded = split_pairs(pairs, HELD_OUT)
    started = time.perf_counter()
    staged = RunDirectory(out / "run").stage_pairs(training, config)
    summary = run_training(str(out / "run"), staged, resume=False, steps=None)
    train_seconds = time.perf_counter() - started

    generator = load_generator(out / "run", device=device)
    route = pair_route(generator)
    normaliser = generator.normaliser
    real_images, real_masks = training.training_arrays(64, normaliser)
    test_images, test_masks = pairs.training_arrays(64, normaliser)
    pick = np.linspace(0, len(training) - 1, 16).astype(int)
    skio.imsave(
        str(out / "real.png"),
        pair_grid(real_images[pick, 0], real_masks[pick]),
        check_contrast=False,
    )
    images, masks = route.pairs(16, seed=seed)
    skio.imsave(
        str(out / "samples.png"),
        pair_grid(normaliser.forward(images), masks.astype(np.int32)),
        check_contrast=False,
    )
    write_pairs(
        route.batches(DEMO_PAIRS, seed),
        out / "pairs",
        spacing=generator.spacing,
        provenance=route.provenance(seed),
    )
    started = time.perf_counter()
    synthetic_images, synthetic_masks = route.pairs(YARDSTICK_PAIRS, seed=seed + 1)
    yardstick = train_on_synthetic(
        (normaliser.forward(synthetic_images)[:, None], synthetic_masks.astype(np.int64)),
        (real_images, real_masks),
        (test_images[held], test_masks[held]),
        pairs.num_classes,
        generator.spacing,
        steps=YARDSTICK_STEPS,
        device=resolve_device(device),
    )
    measure_seconds = time.perf_counter() - started
    events = RunDirectory(out / "run").read_events()
    save_loss_plot(events, out / "losses.png")
    report = out / "report.md"
    write_text(
        report,
        _report_text(
            config,
            summary,
            train_seconds,
            measure_seconds,
            len(training),
            held,
            guarded,
            yardstick,
            route,
            out / "pairs",
        ),
    )
    write_json(out / "summary.json", summary | {"train_on_synthetic": yardstick.to_dict()})
    return report


def _report_text(
    config: TrainConfig,
    summary: dict[str, Any],
    train_seconds: float,
    measure_seconds: float,
    n_training: int,
    held: list[int],
    guarded: int,
    yardstick: TrainOnSynthetic,
    route: Any,
    pairs_folder: Path,
) -> str:
    verdict = (
        "more than the real slices do at this fixed training budget (the synthetic set is "
        f"{YARDSTICK_PAIRS / n_training:.0f} times larger and varied by deformation)"
        if yardstick.ratio >= 1.05
        else "about as much as the real slices do"
        if yardstick.ratio >= 0.95
        else "most of what the real slices do"
        if yardstick.ratio >= 0.8
        else "clearly less than the real slices do"
    )
    open_command = napari_command(pairs_folder)
    return f"""# napari-gan-augment demo

Trained **{config.family}** (mask → image, U-Net generator + PatchGAN, Isola et al. 2017) on
{n_training} axial slices of the bundled MNI ICBM152 2009a brain (grey matter = 1,
white matter = 2) at {config.image_size} px: {summary["step"]} steps on `{summary["device"]}`
in {train_seconds:.0f} s. {len(held)} further slices, in two contiguous blocks, were held out:
the generator never saw them, and the {guarded} slices within {GUARD_MM:g} mm of them were
used by nothing (neighbouring slices are near-copies).

Pairs are made by the route that measured best on this machine (docs/evaluation.md): each real
training mask is randomly rotated, scaled, shifted and elastically deformed (MONAI, nearest
neighbour: no new labels), and the generator draws the image for it.

## Does the synthetic data teach a segmenter? (train on synthetic, test on real)

**{yardstick.sentence()}** In plain words: the synthetic pairs teach a segmenter {verdict}
(ratio {yardstick.ratio:.2f}; per seed, synthetic {_scores(yardstick.per_seed_synthetic)},
real {_scores(yardstick.per_seed_real)}; measured in {measure_seconds:.0f} s).

This says the pairs are realistic and varied enough to learn from, not that adding them to
real data helps; that needs an experiment (`gan-augment evaluate`, docs/evaluation.md).

Real training pairs (image | mask):

![real pairs](real.png)

Synthetic pairs (image | deformed mask), seed {config.seed}:

![synthetic pairs](samples.png)

Losses:

![losses](losses.png)

{DEMO_PAIRS} synthetic pairs are in `pairs/images` and `pairs/masks` (NIfTI, marked synthetic
in their headers), with `pairs/provenance.json` (route: {route.description}). The run
directory `run/` holds the config, checkpoints, sample grids per step and the event log;
continue it with `gan-augment train --run-dir run --resume --steps N`.

Open the pairs in napari (one Image and one Labels layer, the pairs on a slider of their own):

    {open_command}
"""


def napari_command(folder: Path) -> str:
    """The shell line that opens a pair folder in napari: this environment's ``napari``
    where it has one (the README's demo installs it), else the one on the PATH."""
    beside = Path(sys.executable).parent / "napari"
    program = str(beside) if beside.exists() else "napari"
    # --plugin: napari's built-in reader would claim the folder (and fail on provenance.json)
    folder_text = shlex.quote(str(folder.absolute()))
    return f"{shlex.quote(program)} --plugin napari-gan-augment {folder_text}"


def _scores(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)
