"""Pictures and a one-page report of an experiment run directory.

The ``draw_*`` functions paint onto a Matplotlib ``Axes`` so the Evaluate widget shows the
same plots as the PNG files; figures are built without pyplot (thread-safe, headless).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import markdown
import numpy as np

from ..atomic import write_text
from .statistics import MIN_PAIRS_FOR_TEST, smallest_wilcoxon_p

#: Metrics drawn per arm, as in the dental study's figure (Dice, IoU, HD95).
BOX_METRICS = {
    "segmentation": (("mean_dice", "Dice"), ("mean_iou", "IoU"), ("hd95_mm", "HD95 (mm)")),
    "classification": (
        ("accuracy", "accuracy"),
        ("sensitivity", "sensitivity"),
        ("specificity", "specificity"),
    ),
}


def read_curves(run_dir: str | Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "curves.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def draw_arm_distribution(axes: Any, per_arm: dict[str, list[float]], label: str) -> None:
    """Box plot per arm with each seed's value as a dot (the paired unit of the statistics)."""
    axes.clear()
    arms = list(per_arm)
    values = [[v for v in per_arm[a] if np.isfinite(v)] for a in arms]
    if not any(values):
        axes.set_title(f"{label}: undefined for every seed")
        return
    axes.boxplot([v or [np.nan] for v in values], widths=0.5, showfliers=False)
    jitter = np.random.default_rng(0)
    for position, arm_values in enumerate(values, start=1):
        x = position + jitter.uniform(-0.12, 0.12, len(arm_values))
        axes.scatter(x, arm_values, s=14, alpha=0.7, zorder=3)
    axes.set_xticks(range(1, len(arms) + 1), arms, rotation=20, ha="right", fontsize="small")
    axes.set_ylabel(f"{label} per seed")
    axes.grid(axis="y", alpha=0.3)


def curve_points(event: dict[str, Any]) -> Iterator[tuple[tuple, str, int, float]]:
    """``((arm, seed, fold), arm, epoch, validation loss)`` of an ``epoch`` event (live plots:
    one line per seed and fold, one colour per arm)."""
    if event.get("event") == "epoch":
        key = (event["arm"], event["seed"], event.get("fold", 0))
        yield key, event["arm"], event["epoch"] + 1, float(event["val_loss"])


def draw_curves(axes: Any, curves: Sequence[dict[str, Any]]) -> None:
    """Validation loss per epoch: one thin line per seed, one colour per arm."""
    axes.clear()
    colours: dict[str, Any] = {}
    for key in dict.fromkeys((p["arm"], p["seed"], p.get("fold", 0)) for p in curves):
        arm = key[0]
        points = [p for p in curves if (p["arm"], p["seed"], p.get("fold", 0)) == key]
        line = axes.plot(
            [p["epoch"] + 1 for p in points],
            [p["val_loss"] for p in points],
            color=colours.get(arm),
            linewidth=1,
            alpha=0.7,
            label=None if arm in colours else arm,
        )[0]
        colours.setdefault(arm, line.get_color())
    axes.set_xlabel("epoch")
    axes.set_ylabel("validation loss")
    axes.grid(alpha=0.3)
    if colours:
        axes.legend(fontsize="small")


def save_figure(draw: Any, path: Path, size: tuple[float, float]) -> Path:
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=100, layout="tight")
    draw(figure)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(str(path))
    return path


def _prediction_grid(figure: Any, predictions: Any, arms: list[str], count: int = 4) -> None:
    """Rows: test images; columns: image, ground truth, seed-0 prediction of each arm."""
    images, masks = predictions["images"], predictions["masks"]
    count = min(count, len(images))
    columns = ["image", "truth", *arms]
    top = max(1, int(masks.max()))
    for row in range(count):
        for column, title in enumerate(columns):
            axes = figure.add_subplot(count, len(columns), row * len(columns) + column + 1)
            if title == "image":
                axes.imshow(images[row], cmap="gray")
            else:
                labels = masks[row] if title == "truth" else predictions[f"{title}/seed0"][row]
                axes.imshow(labels, cmap="viridis", vmin=0, vmax=top, interpolation="nearest")
            axes.set_xticks([])
            axes.set_yticks([])
            if row == 0:
                axes.set_title(title, fontsize="small")


def write_plots(run_dir: Path, summary: dict[str, Any]) -> list[Path]:
    task = summary["task"]
    per_seed = summary["per_seed"]
    metrics = [(m, label) for m, label in BOX_METRICS[task] if m in per_seed]
    written = []

    def boxes(figure: Any) -> None:
        for number, (metric, label) in enumerate(metrics, start=1):
            draw_arm_distribution(
                figure.add_subplot(1, len(metrics), number), per_seed[metric], label
            )

    written.append(save_figure(boxes, run_dir / "plots" / "arms.png", (4 * len(metrics), 3.8)))
    curves = read_curves(run_dir)
    if curves:
        written.append(
            save_figure(
                lambda f: draw_curves(f.add_subplot(), curves),
                run_dir / "plots" / "curves.png",
                (6, 3.5),
            )
        )
    if (run_dir / "predictions.npz").exists():
        with np.load(run_dir / "predictions.npz") as predictions:
            arms = [a for a in per_seed[metrics[0][0]] if f"{a}/seed0" in predictions]
            written.append(
                save_figure(
                    lambda f: _prediction_grid(f, predictions, arms),
                    run_dir / "plots" / "predictions.png",
                    (1.6 * (len(arms) + 2), 6.6),
                )
            )
    return written


def summary_table(summary: dict[str, Any]) -> list[str]:
    """Markdown table rows of the primary metric per arm."""
    lines = [
        "| arm | seeds | mean | sd | median | 95 % CI |",
        "|---|---|---|---|---|---|",
    ]
    for arm, s in summary["arms"].items():
        interval = (
            f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]"
            if s["n"] >= MIN_PAIRS_FOR_TEST
            else f"— (n < {MIN_PAIRS_FOR_TEST})"
        )
        lines.append(
            f"| {arm} | {s['n']} | {s['mean']:.3f} | {s['sd']:.3f} | {s['median']:.3f} "
            f"| {interval} |"
        )
    return lines


def secondary_lines(summary: dict[str, Any]) -> list[str]:
    """One Markdown list item per secondary metric: each arm's mean ± sd over seeds."""
    return [
        f"- {metric} (mean ± sd over seeds): "
        + ", ".join(f"{arm} {s['mean']:.3f} ± {s['sd']:.3f}" for arm, s in arms.items())
        for metric, arms in summary["secondary"].items()
    ]


def evidence_warnings(summary: dict[str, Any]) -> list[str]:
    """Lines that say how far the numbers can be trusted: the train-on-synthetic ratio, runs
    stopped by the epoch cap instead of early stopping, and too few seeds."""
    lines = []
    ratio = summary.get("train_on_synthetic")
    if ratio:
        lines += [
            f"Train on synthetic, test on real: a segmenter trained on synthetic pairs only "
            f"scores {ratio['ratio']:.2f} × the Dice of the same segmenter trained on the real "
            f"pairs ({ratio['synthetic']:.3f} vs {ratio['real']:.3f}).",
            "",
        ]
    for name, gate in summary.get("quality_gate", {}).items():
        lines += [
            f"Quality gate ({name}): used {gate['used']} of {gate['drawn']} drawn pairs; "
            f"{gate['dropped_low_fidelity']} dropped because a segmenter trained on the real "
            f"training pairs disagreed with their mask (Dice < "
            f"{gate['settings']['min_fidelity']}), {gate['dropped_near_copy']} as near-copies "
            "of real training images.",
            "",
        ]
    cap = summary.get("epoch_cap", {})
    hits = sum(v["hit"] for v in cap.values())
    if hits:
        shown = ", ".join(f"{arm} {v['hit']}/{v['runs']}" for arm, v in cap.items() if v["hit"])
        lines += [
            f"**Warning: {hits} of {sum(v['runs'] for v in cap.values())} arm × seed runs "
            f"stopped at the epoch cap, not by early stopping ({shown}); those networks may be "
            "undertrained: raise `epochs`.**",
            "",
        ]
    seeds = min((s["n"] for s in summary["arms"].values()), default=0)
    if 0 < seeds < MIN_PAIRS_FOR_TEST:
        lines += [
            f"With {seeds} seed(s) no difference can be tested (the smallest two-sided "
            f"Wilcoxon p reachable is {smallest_wilcoxon_p(seeds):.2g}): read the numbers as "
            "a first look only.",
            "",
        ]
    return lines


def _precision_line(summary: dict[str, Any]) -> list[str]:
    precision = summary.get("precision")  # absent from experiments run before it was recorded
    return [f"Precision: {precision['name']} ({precision['reason']})."] if precision else []


def report_markdown(run_dir: Path, summary: dict[str, Any], config: dict[str, Any]) -> str:
    settings = {k: v for k, v in config.items() if k != "data"}
    lines = [
        f"# Experiment report: {run_dir.name}",
        "",
        f"Task: {summary['task']}; score: {summary['metric']}.",
        f"Data: `{json.dumps(config['data'])}`.",
        f"Settings: `{json.dumps(settings)}`.",
        *_precision_line(summary),
        "",
        *summary_table(summary),
        "",
    ]
    lines += [*secondary_lines(summary), ""]
    budgets = summary.get("minibatches_per_epoch", {})
    if len(set(budgets.values())) > 1:
        shown = ", ".join(f"{arm} {steps}" for arm, steps in budgets.items())
        lines += [
            f"Note: the arms trained on different numbers of minibatches per epoch ({shown}), "
            "so they differ in optimisation steps as well as in data; set `steps_per_epoch` "
            "to compare them at equal budgets.",
            "",
        ]
    lines += evidence_warnings(summary)
    for comparison in summary["comparisons"].values():
        lines.append(f"**{comparison['verdict']}**  ")
    lines.append("")
    for name, caption in (
        ("arms.png", "Per-seed scores of each arm"),
        ("curves.png", "Validation loss per epoch (one line per seed)"),
        ("predictions.png", "Test images, ground truth and each arm's seed-0 prediction"),
        (
            "predictions_3d.png",
            "One test volume's middle slices: image, truth, each arm's seed-0 prediction",
        ),
    ):
        if (run_dir / "plots" / name).exists():
            lines += [f"![{caption}](plots/{name})", ""]
    volumes = (run_dir / "predictions").is_dir()
    lines.append(
        f"Files: `results.csv` (one row per test {'volume' if volumes else 'image'} × arm × "
        "seed), `summary.json`, `curves.jsonl`, `models/`, "
        + (
            "`predictions/<arm>/seed<k>/` (each test volume's labels, NIfTI with its affine)."
            if volumes
            else "`predictions.npz`."
        )
    )
    return "\n".join(lines) + "\n"


def _markdown_to_html(text: str) -> str:
    """The report as a standalone HTML page (the ``markdown`` package, tables included)."""
    body = markdown.markdown(text, extensions=["tables"])
    return (
        "<!doctype html><meta charset='utf-8'><title>experiment report</title>\n"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}"
        "img{max-width:100%}</style>\n" + body + "\n"
    )


def write_report(run_dir: str | Path) -> Path:
    """Plots under ``plots/``, ``report.md`` and ``report.html``; returns the HTML path."""
    run_dir = Path(run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    config = json.loads((run_dir / "experiment.json").read_text())
    write_plots(run_dir, summary)
    markdown = report_markdown(run_dir, summary, config)
    write_text(run_dir / "report.md", markdown)
    write_text(run_dir / "report.html", _markdown_to_html(markdown))
    return run_dir / "report.html"
