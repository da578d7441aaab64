"""Paint → image latency: how soon the image follows a brush stroke.

Run: ``xvfb-run -a python benchmarks/bench_paint.py``. For pix2pix generators at 256 px
(untrained weights: the cost does not depend on training), measures
(1) the model alone: ``images_for_masks`` on one 256×256 mask (resize, U-Net, inverse), and
(2) end to end in a real viewer: ``Labels.paint`` → the Paint-to-image widget's debounce
    (80 ms) → worker → the new Image layer updated.
Target (issue 3): under 100 ms at 256 px for the default model on a laptop-class CPU.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import napari
import numpy as np
from _data import benchmark_data
from _report import write_section

from napari_gan_augment._qt.paint_widget import DEBOUNCE_MS, PaintToImageWidget
from napari_gan_augment.config import TrainConfig
from napari_gan_augment.synthesis import images_for_masks, load_generator
from napari_gan_augment.training import train


def model_latency_ms(run_dir: Path, repeats: int = 10) -> float:
    generator = load_generator(run_dir, device="cpu")
    mask = np.zeros((256, 256), np.uint8)
    mask[60:200, 50:210] = 1
    mask[100:160, 90:170] = 2
    images_for_masks(generator, mask)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        images_for_masks(generator, mask)
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000)


def viewer_latency_ms(run_dir: Path, strokes: int = 8) -> list[float]:
    viewer = napari.Viewer(show=True)
    app = napari.qt.get_qapp()
    labels = viewer.add_labels(np.zeros((256, 256), np.uint8), name="drawn")
    widget = PaintToImageWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.reset_choices()
    widget._labels_layer.value = labels
    widget._run_dir.value = run_dir
    widget._device.value = "cpu"
    widget._follow_button.clicked.emit()

    def wait_for(count: int) -> None:
        deadline = time.perf_counter() + 60
        while len(widget.latencies_ms) < count and time.perf_counter() < deadline:
            app.processEvents()
            time.sleep(0.001)

    wait_for(1)
    for stroke in range(strokes):
        done = len(widget.latencies_ms)
        labels.paint((40 + 20 * stroke, 128), 1 + stroke % 2)
        wait_for(done + 1)
    latencies = widget.latencies_ms[1:]
    viewer.close()
    return latencies


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = benchmark_data(256, Path(tmp))
        for filters in (64, 32, 16):
            run_dir = Path(tmp) / f"p2p{filters}"
            train(
                run_dir,
                TrainConfig(
                    family="pix2pix",
                    data=data,
                    image_size=256,
                    steps=1,
                    batch_size=1,
                    options={"base_filters": filters},
                    device="cpu",
                ),
            )
            model = model_latency_ms(run_dir)
            end_to_end = viewer_latency_ms(run_dir)
            rows.append(
                f"| {filters}{' (default)' if filters == 64 else ''} | {model:.0f} | "
                f"{np.median(end_to_end):.0f} | {max(end_to_end):.0f} |"
            )
    write_section(
        "paint",
        "\n".join(
            [
                "## Paint → image latency (pix2pix, 256 px, CPU)",
                "",
                f"Model alone: `images_for_masks` on one 256×256 mask (median of 10). End to end: "
                f"`Labels.paint` → {DEBOUNCE_MS} ms debounce → worker → Image layer updated, in a "
                "real viewer under xvfb (median and worst of 8 strokes).",
                "",
                "| base filters | model (ms) | end to end, median (ms) | end to end, worst (ms) |",
                "|---|---|---|---|",
                *rows,
            ]
        ),
    )


if __name__ == "__main__":
    main()
