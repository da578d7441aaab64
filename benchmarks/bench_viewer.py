"""The viewer's longest event-loop stall while a training job runs from the Train widget.

Run under a display: ``xvfb-run -a python benchmarks/bench_viewer.py``. A 10 ms ``QTimer``
records the gap between its ticks, first with the viewer idle, then while the widget starts a
32 px pair-wgan job in a child process, follows its event log, redraws the loss plot and
refreshes the preview layer. A gap far above 10 ms is time the event loop could not respond.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import napari
import numpy as np
from _report import write_section
from qtpy.QtCore import QTimer

from napari_gan_augment._qt.train_widget import TrainWidget
from napari_gan_augment.data.sample import load_sample


class StallMeter:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._on_tick)

    def _on_tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> np.ndarray:
        self.timer.stop()
        return np.asarray(self.gaps[1:])


def run_for(app, seconds: float, until=lambda: False) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not until():
        app.processEvents()
        time.sleep(0.001)


def idle_gaps(app, meter: StallMeter) -> np.ndarray:
    """Tick gaps of the idle viewer over 5 s, after 2 s to settle."""
    run_for(app, 2)
    meter.start()
    run_for(app, 5)
    return meter.stop()


def gaps_while_training(app, meter: StallMeter, widget, seconds: float) -> tuple[np.ndarray, float]:
    """Press Start, record tick gaps for ``seconds`` (or until the job ends), kill the job."""
    meter.start()
    started = time.perf_counter()
    widget._start_button.clicked.emit()
    run_for(app, seconds, until=lambda: widget._start_button.enabled)
    gaps, elapsed = meter.stop(), time.perf_counter() - started
    widget._process.kill()  # a starved job may take minutes to reach its next step and stop
    run_for(app, 30, until=lambda: widget._start_button.enabled)
    return gaps, elapsed


def stall_row(condition: str, gaps: np.ndarray) -> str:
    """A Markdown table row: longest stall, 99th percentile, median (ms)."""
    return (
        f"| {condition} | {gaps.max():.0f} | {np.percentile(gaps, 99):.0f} | "
        f"{np.median(gaps):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60, help="how long to measure")
    parser.add_argument(
        "--load", type=int, default=2, help="busy processes beside the viewer (a shared machine)"
    )
    args = parser.parse_args()
    busy_loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.load)
    ]
    viewer = napari.Viewer(show=True)
    image, mask = load_sample()
    viewer.add_image(image.data, name="T1", scale=image.spacing)
    viewer.add_labels(mask.data, name="tissue", scale=image.spacing)
    widget = TrainWidget(viewer)
    viewer.window.add_dock_widget(widget)
    app = napari.qt.get_qapp()
    meter = StallMeter()
    idle = idle_gaps(app, meter)
    with tempfile.TemporaryDirectory() as tmp:
        widget._data.source.value = "sample"
        widget._steps.value = args.steps
        # small and fast, so events (losses every step, a grid every 10) arrive quickly even
        # when the nice'd job gets a fraction of a core beside the busy processes
        widget._size.value, widget._batch.value = 32, 4
        widget._device.value = "cpu"
        widget._run_dir.value = Path(tmp) / "run"
        busy, seconds = gaps_while_training(app, meter, widget, args.seconds)
        steps_done = widget._progress.value
        plotted = len(widget._loss_plot.events)
    viewer.close()
    for loop in busy_loops:
        loop.kill()
    rows = [
        stall_row("viewer idle (5 s)", idle),
        stall_row(f"training job running ({seconds:.0f} s, {steps_done} steps done)", busy),
    ]
    write_section(
        "viewer",
        "\n".join(
            [
                "## Viewer responsiveness while training (Train widget, 32 px pair-wgan, xvfb)",
                "",
                "Gaps between ticks of a 10 ms `QTimer` (ms), with "
                f"{args.load} busy processes beside the viewer (a shared machine); the job runs "
                "in a child process, the widget follows `metrics.jsonl` and renders the loss "
                f"plot in a worker thread ({plotted} loss points plotted). Target: longest "
                "stall < 50 ms, 99th percentile < 20 ms.",
                "",
                "| condition | longest stall | 99th percentile | median |",
                "|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
