"""The viewer's longest event-loop stall while an experiment runs from the Evaluate widget.

Run under a display: ``xvfb-run -a python benchmarks/bench_evaluate_viewer.py``. Unlike
training (a child process), an experiment runs in a ``thread_worker`` inside napari: this
measures what that costs the event loop — 64 px U-Nets, arms real and real + synthetic, 3
seeds, with the live curve plot redrawn at most every 0.5 s.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import napari
import numpy as np
from _report import write_section
from bench_viewer import StallMeter, gaps_until_done, idle_gaps, stall_row
from experiment_sample import OUT

from napari_gan_augment._qt.evaluate_widget import EvaluateWidget
from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.training import train


def main() -> None:
    viewer = napari.Viewer(show=True)
    widget = EvaluateWidget(viewer)
    viewer.window.add_dock_widget(widget)
    app = napari.qt.get_qapp()
    meter = StallMeter()
    idle = idle_gaps(app, meter)
    with tempfile.TemporaryDirectory() as tmp:
        gan = OUT / "gan"
        if not (gan / "checkpoints" / "last.pt").exists():
            gan = Path(tmp) / "gan"
            data = DataConfig(source="sample", axis=0, min_foreground=0.05)
            train(gan, TrainConfig(data=data, image_size=64, steps=200, device="cpu"))
        widget._synthetic_run.value = gan
        widget._arms.value = ["real", "real+synthetic"]
        widget._seeds.value, widget._epochs.value, widget._size.value = 3, 15, 64
        widget._device.value = "cpu"
        widget._run_dir.value = Path(tmp) / "experiment"
        busy, seconds = gaps_until_done(app, meter, widget)
        epochs = len(widget._curves)
    viewer.close()
    at = np.cumsum(busy) / 1000  # s since the start of the measurement
    worst = ", ".join(f"{busy[i]:.0f} ms at {at[i]:.1f} s" for i in np.argsort(busy)[::-1][:3])
    rows = [
        stall_row("viewer idle (5 s)", idle),
        stall_row(f"experiment running ({seconds:.0f} s, {epochs} epochs)", busy),
    ]
    write_section(
        "evaluate_viewer",
        "\n".join(
            [
                "## Viewer responsiveness while an experiment runs (Evaluate widget, xvfb)",
                "",
                "Gaps between ticks of a 10 ms `QTimer` (ms); the experiment (64 px U-Nets, "
                "real and real+synthetic, 3 seeds) runs in a `thread_worker` in the viewer's "
                "process, with torch on one core fewer. The three longest stalls: "
                f"{worst} (of {at[-1]:.1f} s).",
                "",
                "| condition | longest stall | 99th percentile | median |",
                "|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
