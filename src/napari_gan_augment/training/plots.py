"""Loss curves from a run's event log, shared by reports (PNG) and the viewer's live plot."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

LOSS_KEYS = ("loss_generator", "loss_critic", "wasserstein_distance")


def loss_points(event: dict[str, Any]) -> Iterator[tuple[str, str, int, float]]:
    """``(loss key, label, step, value)`` of each loss in a ``step`` event (live plots)."""
    if event.get("event") != "step":
        return
    for key, value in event.items():
        if key.startswith(("loss_", "wasserstein")):
            yield key, key.replace("_", " "), int(event["step"]), float(value)


def loss_series(events: Iterable[dict[str, Any]]) -> dict[str, tuple[list[int], list[float]]]:
    """``{loss name: (steps, values)}`` from the ``step`` events of a run."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    for event in events:
        for key, _, step, value in loss_points(event):
            steps, values = series.setdefault(key, ([], []))
            steps.append(step)
            values.append(value)
    return series


def draw_losses(axes: Any, events: Sequence[dict[str, Any]]) -> None:
    """Draw the loss curves onto a Matplotlib ``Axes`` (cleared first)."""
    axes.clear()
    for name, (steps, values) in loss_series(events).items():
        axes.plot(steps, values, label=name.replace("_", " "), linewidth=1.2)
    axes.set_xlabel("generator step")
    axes.set_ylabel("loss")
    axes.grid(alpha=0.3)
    if axes.lines:
        axes.legend(loc="best", fontsize="small")


def save_loss_plot(events: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Write the loss curves as a PNG (headless Agg backend, no Qt)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.5), dpi=100, layout="tight")
    draw_losses(figure.add_subplot(), events)
    figure.savefig(str(path))
    return Path(path)
