"""Progress bars for work run in a terminal (the command line and the demo)."""

from __future__ import annotations

from typing import Any

from .config import TrainConfig


def progress_bar(total: int, initial: int, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=description, unit="step", dynamic_ncols=True)


def run_training(
    run_dir: str,
    config: TrainConfig | None,
    resume: bool,
    steps: int | None,
    resume_from: str = "last",
) -> dict[str, Any]:
    """Train with a progress bar."""
    from .training import iter_training

    bar = None
    summary: dict[str, Any] = {}
    try:
        for event in iter_training(run_dir, config, resume, steps=steps, resume_from=resume_from):
            kind = event["event"]
            if kind == "start":
                bar = progress_bar(event["steps"], event["step"], event["family"])
            elif kind == "step" and bar is not None:
                bar.update(event["step"] - bar.n)
                bar.set_postfix(G=f"{event['loss_generator']:.3g}", D=f"{event['loss_critic']:.3g}")
            elif kind == "end":
                summary = event
    finally:  # an error or "stopped" then starts on a line of its own
        if bar is not None:
            bar.close()
    return summary
