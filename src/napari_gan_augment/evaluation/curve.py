"""The low-data curve: one experiment per number of real training pairs, on one test set.

Published gains from synthetic data concentrate at very small real training sets and shrink
once standard augmentation is used (LITERATURE §8), so an honest tool shows the whole curve:
``real_counts: [4, 8, 16, null]`` runs the experiment once per count (``null`` = every pair
outside the test set) with the same fixed test set; smaller training pools are subsets of
larger ones, and a ``generator:`` section trains one generator per count on that count's
pairs only. Each count's experiment lives in ``real_<count>/``; ``curve.json``, ``curve.md``
and ``plots/curve.png`` gather them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from ..atomic import write_json, write_text
from ..errors import InputError
from .experiment import ExperimentConfig, iter_experiment


def count_name(count: int | None) -> str:
    return "all" if count is None else f"{count:03d}"


def iter_curve(config: ExperimentConfig, run_dir: str | Path) -> Iterator[dict[str, Any]]:
    """Run the experiment for each of ``config.real_counts``; events carry ``count``."""
    run_dir = Path(run_dir)
    if (run_dir / "curve.json").exists() or (run_dir / "experiment.json").exists():
        raise InputError(f"{run_dir} already holds an experiment; choose a new run directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "experiment.json", asdict(config))
    points: dict[str, Any] = {}
    for count in config.real_counts:
        sub = run_dir / f"real_{count_name(count)}"
        single = replace(config, real_counts=(), train_limit=count)
        for event in iter_experiment(single, sub):
            yield {**event, "count": count_name(count)}
        summary = json.loads((sub / "summary.json").read_text())
        points[count_name(count)] = {
            "training_pool": summary["real_pairs"]["training_pool"][0],
            "arms": summary["arms"],
            "comparisons": {k: v["verdict"] for k, v in summary["comparisons"].items()},
            "epoch_cap": summary["epoch_cap"],
        }
    write_json(run_dir / "curve.json", points)
    write_curve_report(run_dir, points)
    yield {"event": "end", "run_dir": str(run_dir)}


def write_curve_report(run_dir: Path, points: dict[str, Any]) -> Path:
    """``plots/curve.png`` (mean Dice ± sd over seeds vs real pairs, one line per arm) and
    ``curve.md`` with every arm at every count and each count's verdicts."""
    from .report import save_figure

    arms = list(dict.fromkeys(a for p in points.values() for a in p["arms"]))

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        for arm in arms:
            xs = [p["training_pool"] for p in points.values() if arm in p["arms"]]
            stats = [p["arms"][arm] for p in points.values() if arm in p["arms"]]
            means = [s["mean"] for s in stats]
            axes.errorbar(xs, means, yerr=[s["sd"] for s in stats], label=arm, capsize=3)
        axes.set_xscale("log", base=2)
        axes.set_xlabel("real training pairs (log scale)")
        axes.set_ylabel("mean Dice on the fixed test set")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")

    save_figure(draw, run_dir / "plots" / "curve.png", (6.5, 4))
    lines = [
        f"# Low-data curve: {run_dir.name}",
        "",
        "Mean Dice ± sd over seeds on one fixed test set; each column a number of real "
        "training pairs (training + validation), smaller pools nested in larger ones.",
        "",
        "| arm | " + " | ".join(str(p["training_pool"]) for p in points.values()) + " |",
        "|---|" + "---|" * len(points),
    ]
    for arm in arms:
        cells = [
            f"{p['arms'][arm]['mean']:.3f} ± {p['arms'][arm]['sd']:.3f}" if arm in p["arms"] else ""
            for p in points.values()
        ]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    lines += ["", "![Dice vs real training pairs](plots/curve.png)", ""]
    for name, point in points.items():
        hits = sum(v["hit"] for v in point["epoch_cap"].values())
        lines.append(f"**{point['training_pool']} real pairs** (`real_{name}/report.md`):")
        lines += [f"- {verdict}" for verdict in point["comparisons"].values()]
        if hits:
            lines.append(f"- warning: {hits} runs stopped at the epoch cap")
        lines.append("")
    write_text(run_dir / "curve.md", "\n".join(lines) + "\n")
    return run_dir / "curve.md"
