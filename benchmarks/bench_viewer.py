"""The viewer's event-loop stalls while the plugin trains, synthesizes, evaluates and compares.

Run under a display: ``xvfb-run -a python benchmarks/bench_viewer.py [--write]``. A 10 ms
``QTimer`` records the gap between its ticks, first with the viewer idle, then while each
widget does its work as a user would start it (the MNI152 brain loaded, as in the quick
start), all beside ``--load`` busy processes (a shared machine). A gap far above 10 ms is
time the event loop could not respond. Jobs run at ``nice 10``; beside busy processes at
normal priority they may be starved of the CPU, so training is measured twice: beside
normal-priority load (the viewer's case) and beside load at ``nice 19`` (the job gets the
CPU, so its events, loss plots and preview grids do reach the viewer).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import napari
import numpy as np
from _report import write_section
from qtpy.QtCore import QEvent, QObject, QTimer
from qtpy.QtWidgets import QLabel

from napari_gan_augment._qt.compare_widget import CompareLayersWidget
from napari_gan_augment._qt.evaluate_widget import EvaluateWidget
from napari_gan_augment._qt.job_model import POLL_SECONDS
from napari_gan_augment._qt.synthesize_widget import SynthesizeWidget
from napari_gan_augment._qt.train_widget import TrainWidget
from napari_gan_augment.config import DataConfig, TrainConfig
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.training import train


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
        # every gap, the first too: it holds what ``start`` did on the main thread (until
        # 2026-12-04 it was dropped, which hid a layer added on the first event-loop turn,
        # as the reference rows do: they read 11 ms for a 250 ms add)
        return np.asarray(self.gaps)


class StallSampler(threading.Thread):
    """Why the event loop stalls (``--why``): every 5 ms, while the meter's last tick is more
    than ``threshold`` ms old, every thread's Python stack is sampled (the main thread's, and
    a worker's that may hold the GIL). Kept per row: its longest stall's samples, in order.
    cProfile cannot say this: it sums time, not which call held one gap."""

    def __init__(self, meter: StallMeter, threshold: float = 40) -> None:
        super().__init__(daemon=True)
        self.meter, self.threshold = meter, threshold
        self.main = threading.main_thread().ident
        self.longest: dict[str, tuple[float, list[str]]] = {}
        self.label = "idle"
        self.active = False  # measure() sets it; the QTimer is not thread-safe to ask

    def run(self) -> None:
        stalled_since, samples = None, []
        while True:
            time.sleep(0.005)
            last, now = self.meter._last, time.perf_counter()
            if not self.active or (now - last) * 1000 < self.threshold:
                continue
            if stalled_since != last:
                stalled_since, samples = last, []
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                who = "main" if ident == self.main else f"thread {ident % 1000}"
                if who == "main" and WATCH is not None:
                    who = f"main [{WATCH.current}]"
                stack = traceback.extract_stack(frame)[-7:]
                samples.append(
                    f"{(now - last) * 1000:5.0f} ms {who}: "
                    + " < ".join(
                        f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack)
                    )
                )
            duration = (now - last) * 1000
            if duration > self.longest.get(self.label, (0.0, []))[0]:
                self.longest[self.label] = (duration, samples)

    def report(self) -> str:
        lines = []
        for label, (duration, samples) in self.longest.items():
            lines += [f"{label}: longest stall seen {duration:.0f} ms", *samples, ""]
        return "\n".join(lines)


def dock(app, viewer, widget) -> None:
    """Dock ``widget`` and let the window settle: the dock's first layout, polish and the
    canvas's resize are opening a dock, not the widget's work (until 2026-12-04 they were
    inside the training, Evaluate and Compare rows)."""
    viewer.window.add_dock_widget(widget)
    run_for(app, 1)


def run_for(app, seconds: float, until: Callable[[], bool] = lambda: False) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not until():
        app.processEvents()
        time.sleep(0.001)


class EventWatch(QObject):
    """With ``--why``: the Qt event most recently delivered (type, receiver), so a stall spent
    in C++ (painting, layout) still says which event it was in."""

    def __init__(self) -> None:
        super().__init__()
        self.current = ""

    def eventFilter(self, receiver, event) -> bool:  # noqa: N802 (Qt's name)
        kind = QEvent.Type(event.type())
        self.current = f"{getattr(kind, 'name', kind)} → {type(receiver).__name__}"
        return False


SAMPLER: StallSampler | None = None
WATCH: EventWatch | None = None


def measure(app, meter: StallMeter, start: Callable[[], None], done, seconds: float):
    """Call ``start``, record tick gaps until ``done()`` or ``seconds``; gaps, elapsed s."""
    if SAMPLER is not None:
        SAMPLER.label = sys._getframe(1).f_code.co_name  # the row being measured
    meter.start()
    if SAMPLER is not None:
        SAMPLER.active = True
    began = time.perf_counter()
    start()
    run_for(app, seconds, until=done)
    elapsed = time.perf_counter() - began
    run_for(app, 0.3)  # the ticks after the last piece of work: its own stall is recorded
    if SAMPLER is not None:
        SAMPLER.active = False
    return meter.stop(), elapsed


def busy_loops(count: int, niceness: int) -> list[subprocess.Popen]:
    loop = [sys.executable, "-c", "while True: pass"]
    return [subprocess.Popen(["nice", "-n", str(niceness), *loop]) for _ in range(count)]


def stall_row(condition: str, gaps: np.ndarray) -> str:
    """A Markdown table row: longest stall, 99th percentile, median (ms)."""
    return (
        f"| {condition} | {gaps.max():.0f} | {np.percentile(gaps, 99):.0f} | "
        f"{np.median(gaps):.1f} |"
    )


def repaint_floor_row(app, meter, viewer, seconds: float) -> str:
    """What any visible update costs here: a docked label's text changed as often as jobs
    report progress (software OpenGL composes the whole window on every repaint)."""
    label = QLabel("0")
    viewer.window.add_dock_widget(label)
    timer = QTimer()
    timer.setInterval(int(POLL_SECONDS * 1000))
    timer.timeout.connect(lambda: label.setText(str(int(label.text()) + 1)))
    timer.start()
    gaps, _ = measure(app, meter, lambda: None, lambda: False, seconds)
    timer.stop()
    viewer.window.remove_dock_widget(label)
    return stall_row(f"reference: a label's text changed every {POLL_SECONDS} s", gaps)


def training_rows(app, meter, viewer, root: Path, seconds: float, load: int) -> list[str]:
    rows = []
    for niceness in (0, 19):
        before = list(viewer.layers)
        loops = busy_loops(load, niceness)
        widget = TrainWidget(viewer)
        dock(app, viewer, widget)
        widget._data.source.value = "sample"
        # a preview grid every 20 steps (the widget's steps / 10), so the first reaches the
        # viewer inside the row even on a starved CPU; events arrive every step
        widget._steps.value = 200
        widget._size.value, widget._batch.value = 32, 4
        widget._device.value = "cpu"
        widget._run_dir.value = root / f"run-{niceness}"
        gaps, elapsed = measure(
            app, meter, widget._start_button.clicked.emit, lambda: False, seconds
        )
        drawn = widget._loss_plot.drawn().values()
        steps, plotted = widget._progress.value, max((len(x) for x, _ in drawn), default=0)
        widget.job.job.kill()  # a starved job may take minutes to reach a step and stop
        run_for(app, 30, until=lambda w=widget: w._start_button.enabled)
        viewer.window.remove_dock_widget(widget.native)
        for loop in loops:
            loop.kill()
        rows.append(
            stall_row(
                f"training ({elapsed:.0f} s; load at nice {niceness}: {steps} steps done, "
                f"{plotted} loss points plotted)",
                gaps,
            )
        )
        previews = [layer for layer in viewer.layers if layer not in before]
        if previews:
            rows.append(floor_row(app, meter, viewer, previews))
    return rows


def synthesis_rows(app, meter, viewer, gan: Path, count: int) -> list[str]:
    """Napari's own cost for the pairs' two arrays (see ``floor_row``), measured after a
    warm-up draw that tells their shape; then, while the job draws the pairs; while its stacks
    become two layers; and a second draw, whose pairs replace the first's in the same layers."""
    widget = SynthesizeWidget(viewer)
    dock(app, viewer, widget)
    widget._run_dir.value = gan
    widget._count.value, widget._device.value = count, "cpu"

    def draw() -> tuple[np.ndarray, np.ndarray, float]:
        job_ended = []

        def ended(*_) -> None:
            job_ended.append(len(meter.gaps))

        widget.job.finished.connect(ended)
        widget._seed.value += 1
        gaps, elapsed = measure(
            app, meter, widget._run_button.clicked.emit, lambda: widget._run_button.enabled, 300
        )
        widget.job.finished.disconnect(ended)
        split = job_ended[0]
        return gaps[:split], gaps[split:], elapsed

    draw()
    rows = [floor_row(app, meter, viewer, widget._shown)]  # the viewer as it was before
    for second in (False, True):
        running, adding, elapsed = draw()
        what = "second draw: " if second else ""
        rows += [
            stall_row(
                f"{what}synthesizing {count} pairs: the job running ({elapsed:.0f} s)", running
            ),
            stall_row(
                f"… {what}its stacks "
                + (
                    "replace the first's in its two layers"
                    if second
                    else "added as an Image and a Labels layer"
                ),
                adding,
            ),
        ]
    viewer.window.remove_dock_widget(widget.native)
    return rows


def floor_row(app, meter, viewer, layers) -> str:
    """Napari's own cost for what the plugin added: ``layers`` are removed, then their arrays
    added back by bare ``add_image`` / ``add_labels`` (same shape, scale and translate), one
    per event-loop turn as the plugin does, and removed again."""
    kept = [
        (viewer.add_labels if layer._type_string == "labels" else viewer.add_image,
         np.asarray(layer.data).copy(), layer.scale, layer.translate, layer._type_string)
        for layer in layers
    ]  # fmt: skip
    for layer in layers:
        viewer.layers.remove(layer)
    run_for(app, 1)
    added = []

    def start() -> None:
        for turn, (adder, data, scale, translate, _) in enumerate(kept):
            QTimer.singleShot(
                turn,
                lambda a=adder, d=data, s=scale, t=translate: added.append(
                    a(d, scale=s, translate=t)
                ),
            )

    gaps, _ = measure(app, meter, start, lambda: len(added) == len(kept), 30)
    for layer in added:
        viewer.layers.remove(layer)
    run_for(app, 1)
    kinds = " + ".join(f"add_{kind}" for *_, kind in kept)
    return stall_row(f"reference: napari's bare {kinds} of the same arrays", gaps)


def evaluation_row(app, meter, viewer, gan: Path, root: Path, seconds: float) -> str:
    widget = EvaluateWidget(viewer)
    dock(app, viewer, widget)
    widget._synthetic_run.value = gan
    widget._data.axis.value, widget._data.step.value = 1, 3  # coronal: the GAN saw axial
    widget._arms.value = ["real", "real+synthetic"]
    widget._seeds.value, widget._epochs.value, widget._size.value = 3, 15, 32
    widget._device.value = "cpu"
    widget._run_dir.value = root / "experiment"
    gaps, elapsed = measure(
        app, meter, widget._start_button.clicked.emit, lambda: widget._start_button.enabled,
        seconds,
    )  # fmt: skip
    epochs = len(widget._curves)
    if widget.job.running:
        widget.job.job.kill()
    run_for(app, 30, until=lambda: widget._start_button.enabled)
    viewer.window.remove_dock_widget(widget.native)
    return stall_row(f"evaluating ({elapsed:.0f} s, {epochs} epochs followed)", gaps)


def comparison_rows(app, meter, viewer) -> list[str]:
    tissue = viewer.layers["tissue"]
    shifted = np.roll(tissue.data, 2, axis=1)  # a plausible, imperfect "prediction"
    viewer.add_labels(shifted, name="prediction", scale=tissue.scale)
    widget = CompareLayersWidget(viewer)
    dock(app, viewer, widget)
    widget.reset_choices()
    widget._prediction.value, widget._truth.value = viewer.layers["prediction"], tissue
    before = len(viewer.layers)
    gaps, elapsed = measure(
        app, meter, widget._compare_button.clicked.emit, lambda: len(viewer.layers) > before, 120
    )
    run_for(app, 1)
    return [
        stall_row(f"comparing two 91×109×91 label volumes ({elapsed:.1f} s)", gaps),
        floor_row(app, meter, viewer, [viewer.layers[-1]]),
    ]


ROWS = ["training", "synthesis", "evaluation", "comparison"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40, help="per job measurement")
    parser.add_argument("--load", type=int, default=2, help="busy processes beside the viewer")
    parser.add_argument("--count", type=int, default=512, help="pairs to synthesize")
    parser.add_argument(
        "--outside-load",
        default="",
        help="what else keeps the machine busy, in words (the "
        "table then says so instead of counting only --load)",
    )
    parser.add_argument(
        "--why",
        action="store_true",
        help="sample the main thread's stack in each stall over 40 ms and print the commonest "
        "(nothing is written to docs/benchmarks.md)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=ROWS,
        default=ROWS,
        help="measure these rows only (with --why: where to look)",
    )
    args = parser.parse_args()
    if args.only != ROWS and not args.why:
        parser.error("--only is for --why: the table in docs/benchmarks.md has every row")
    load = args.outside_load or f"{args.load} busy processes"
    viewer = napari.Viewer(show=True)
    image, mask = load_sample()
    viewer.add_image(image.data, name="T1", scale=image.spacing)
    viewer.add_labels(mask.data, name="tissue", scale=image.spacing)
    app = napari.qt.get_qapp()
    meter = StallMeter()
    if args.why:
        global SAMPLER, WATCH
        SAMPLER, WATCH = StallSampler(meter), EventWatch()
        app.installEventFilter(WATCH)
        SAMPLER.start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        gan = root / "gan"
        data = DataConfig(source="sample", axis=0, min_foreground=0.05)
        train(gan, TrainConfig(data=data, image_size=32, steps=20, device="cpu"))
        run_for(app, 2)
        loops = busy_loops(args.load, 0)
        idle, _ = measure(app, meter, lambda: None, lambda: False, 5)
        rows = [stall_row("viewer idle (5 s)", idle), repaint_floor_row(app, meter, viewer, 20)]
        for loop in loops:
            loop.kill()
        if "training" in args.only:
            rows += training_rows(app, meter, viewer, root, args.seconds, args.load)
        loops = busy_loops(args.load, 0)
        if "synthesis" in args.only:
            rows += synthesis_rows(app, meter, viewer, gan, args.count)
        if "evaluation" in args.only:
            rows.append(evaluation_row(app, meter, viewer, gan, root, args.seconds))
        if "comparison" in args.only:
            rows += comparison_rows(app, meter, viewer)
        for loop in loops:
            loop.kill()
    viewer.close()
    if SAMPLER is not None:
        print(
            "\n".join(rows),
            "\n\nstalls over 40 ms, by innermost frames:",
            SAMPLER.report(),
            sep="\n",
        )
        return
    write_section(
        "viewer" if args.load or args.outside_load else "viewer-idle",
        "\n".join(
            [
                "## Viewer responsiveness (the MNI152 brain loaded, xvfb"
                + (")" if args.load or args.outside_load else ", no other load)"),
                "",
                "Gaps between ticks of a 10 ms `QTimer` (ms) while each widget works as a user "
                + (
                    f"starts it, beside {load} (a shared machine; at normal priority unless a "
                    "row says otherwise). "
                    if args.load or args.outside_load
                    else "starts it, nothing else running. "
                )
                + "Training and the experiment are child-"
                "process jobs (at nice 10) followed from a worker thread that reads their "
                f"event logs and hands the main thread one batch of events per {POLL_SECONDS} s "
                "(one repaint: progress, status, pyqtgraph loss curves); synthesis is a child-"
                "process job too, whose two stacks become layers on the main thread, one per "
                "event-loop turn; Compare computes in a worker thread. A second Synthesize draw "
                "replaces the first's pairs in the same two layers. \"reference\" rows: napari's "
                "own cost for the same arrays, measured in the same run. Target: longest stall "
                "< 100 ms beside 2 busy processes and < 50 ms idle, or within 10 % of napari's "
                "reference where that is the floor.",
                "",
                "| condition | longest stall | 99th percentile | median |",
                "|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
