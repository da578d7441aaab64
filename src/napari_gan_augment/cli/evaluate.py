"""``gan-augment evaluate``: a downstream experiment or a low-data curve, as a job."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..terminal import progress_bar
from .common import joined_as_helper


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from ..evaluation.curve import iter_curve
    from ..evaluation.experiment import ExperimentConfig, iter_experiment
    from ..jobs import JobSession

    config = ExperimentConfig.load(args.config)
    events = (iter_curve if config.real_counts else iter_experiment)(config, args.run_dir)
    if joined_as_helper(config.device):  # torchrun rank > 0: its share of the work, quietly
        for _ in events:
            pass
        return 0
    session = JobSession(args.run_dir, "experiment")
    bars: list[Any] = []

    def with_progress(events: Any) -> Any:
        for event in events:
            if event["event"] == "arm":
                if not bars or bars[-1].n == bars[-1].total:
                    label = f"{event.get('count', 'all')} real: arms × seeds × folds"
                    bars.append(progress_bar(event["total"], 0, label))
                bars[-1].update(1)
                bars[-1].set_postfix(arm=event["arm"], seed=event["seed"])
            elif event["event"] == "generator" and event["kind"] == "start":
                print(f"training the generator of fold {event['fold']} on its training pool")
            yield event

    status = session.run(with_progress(events))
    for bar in bars:
        bar.close()
    run_dir = Path(args.run_dir)
    if status == "stopped":
        print(f"stopped; the finished arms are in {run_dir / 'results.csv'}")
        return 130
    if config.real_counts:
        print(f"curve: {run_dir / 'curve.md'} (and plots/curve.png)")
        return 0
    summary = json.loads((run_dir / "summary.json").read_text())
    for comparison in summary["comparisons"].values():
        print(comparison["verdict"])
    print(f"results: {run_dir / 'results.csv'}, {run_dir / 'summary.json'}")
    print(f"report: {run_dir / 'report.html'} (and report.md, plots/)")
    return 0


def add_parsers(commands: Any) -> None:
    evaluate = commands.add_parser(
        "evaluate", help="segmentation/classification experiment: arms × seeds, statistics, report"
    )
    evaluate.add_argument("--config", required=True, help="ExperimentConfig YAML")
    evaluate.add_argument("--run-dir", required=True, help="new directory for the results")
    evaluate.set_defaults(func=_cmd_evaluate)
