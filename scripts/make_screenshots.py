"""Screenshots of the widgets for the docs, taken in a real napari viewer.

Run: ``xvfb-run -a python scripts/make_screenshots.py`` (trains the demo-sized job, ~3 minutes).
Writes ``docs/images/train_widget.png``, ``docs/images/synthesize_widget.png`` and
``docs/images/paint_widget.png`` (``--only paint`` for the last one alone); ``evaluate``
writes ``docs/images/evaluate.png`` from the experiment benchmarks/experiment_sample.py left;
``gallery`` saves every widget's dock as a user opens it (``docs/images/widgets/``, seconds)
and the 1280 × 800 window with Train and with Evaluate docked.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import napari
import numpy as np
from npe2 import PluginManifest
from skimage import io as skio

from napari_gan_augment._qt.synthesize_widget import SynthesizeWidget
from napari_gan_augment._qt.train_widget import TrainWidget
from napari_gan_augment.data.sample import load_sample

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def pump(app, seconds: float, until=lambda: False) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and not until():
        app.processEvents()
        time.sleep(0.01)


def train_small(run_dir: Path, family: str, steps: int, pairs: Any = None) -> None:
    """A CPU-sized run on the sample's axial slices (or on ``pairs``): 64 px, 16 filters."""
    from napari_gan_augment.config import DataConfig, TrainConfig
    from napari_gan_augment.training import train

    data = DataConfig(source="sample", axis=0, min_foreground=0.05)
    config = TrainConfig(
        family=family,
        data=data,
        image_size=64,
        steps=steps,
        batch_size=8,
        options={"base_filters": 16},
        device="cpu",
    )
    train(run_dir, config, pairs=pairs)


def paint_screenshot() -> None:
    """A pix2pix run, a Labels layer seeded with one real slice's mask, and a painted blob."""
    from napari_gan_augment._qt.paint_widget import PaintToImageWidget

    app = napari.qt.get_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "pix2pix-brain"
        train_small(run_dir, "pix2pix", steps=1500)
        viewer = napari.Viewer(show=True)
        viewer.window._qt_window.resize(1500, 950)
        _, mask = load_sample()
        labels = viewer.add_labels(mask.data[55].copy(), name="my mask", scale=(2, 2))
        widget = PaintToImageWidget(viewer)
        viewer.window.add_dock_widget(widget, name="Paint to image")
        widget.reset_choices()
        widget._labels_layer.value = labels
        widget._run_dir.value = run_dir
        widget._device.value = "cpu"
        widget._follow_button.clicked.emit()
        pump(app, 30, until=lambda: len(widget.latencies_ms) >= 1)
        labels.brush_size = 12
        for row in range(30, 50, 3):
            labels.paint((row, 40), 1)  # a stroke of "grey matter" across white matter
            pump(app, 0.05)
        pump(app, 30, until=lambda: len(widget.latencies_ms) >= 2)
        viewer.canvas.grid.enabled = True
        viewer.layers.move(1, 0)
        viewer.reset_view()
        pump(app, 1)
        skio.imsave(str(IMAGES / "paint_widget.png"), viewer.screenshot(canvas_only=False))
        viewer.close()


def transform_screenshot() -> None:
    """A ugan run on the semi-synthetic lesion pairs, one rectangle on a lesion-free slice."""
    import sys

    from napari_gan_augment._qt.transform_widget import TransformRegionWidget

    sys.path.insert(0, str(IMAGES.parents[1] / "benchmarks"))
    from _data import lesion_demo_pairs

    app = napari.qt.get_qapp()
    pairs = lesion_demo_pairs()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "ugan-lesions"
        train_small(run_dir, "ugan", steps=1000, pairs=pairs)
        viewer = napari.Viewer(show=True)
        viewer.window._qt_window.resize(1500, 950)
        image = viewer.add_image(pairs.images[40], name="slice", scale=(2, 2))
        shapes = viewer.add_shapes(
            [[[60, 40], [180, 160]]],
            shape_type="rectangle",
            name="region",
            edge_color="yellow",
            face_color="transparent",
            edge_width=2,
        )
        widget = TransformRegionWidget(viewer)
        viewer.window.add_dock_widget(widget, name="Transform region")
        widget.reset_choices()
        widget._image_layer.value, widget._shapes_layer.value = image, shapes
        widget._run_dir.value = run_dir
        widget._device.value = "cpu"
        widget._seed.value = 3
        widget._run_button.clicked.emit()
        pump(app, 60, until=lambda: len(viewer.layers) == 4)
        viewer.layers[-1].opacity = 0.6
        viewer.canvas.grid.enabled = True
        viewer.canvas.grid.stride = 2
        viewer.reset_view()
        pump(app, 1)
        skio.imsave(str(IMAGES / "transform_widget.png"), viewer.screenshot(canvas_only=False))
        viewer.close()


def inpaint_screenshot() -> None:
    """An inpaint run on the sample, a painted hole over one hemisphere's cortex."""
    from napari_gan_augment._qt.inpaint_widget import InpaintWidget

    app = napari.qt.get_qapp()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "inpaint-brain"
        train_small(run_dir, "inpaint", steps=1000)
        viewer = napari.Viewer(show=True)
        viewer.window._qt_window.resize(1500, 950)
        t1, _ = load_sample()
        image = viewer.add_image(t1.data[50], name="T1 slice", scale=(2, 2))
        hole = viewer.add_labels(
            np.zeros(t1.data[50].shape, np.uint8), name="hole", scale=(2, 2), opacity=0.5
        )
        hole.data[45:70, 20:42] = 1
        hole.refresh()
        widget = InpaintWidget(viewer)
        viewer.window.add_dock_widget(widget, name="Inpaint")
        widget.reset_choices()
        widget._image_layer.value, widget._hole_layer.value = image, hole
        widget._run_dir.value = run_dir
        widget._device.value = "cpu"
        widget._run_button.clicked.emit()
        pump(app, 60, until=lambda: "T1 slice inpainted" in viewer.layers)
        viewer.canvas.grid.enabled = True
        viewer.canvas.grid.stride = 2
        viewer.reset_view()
        pump(app, 1)
        skio.imsave(str(IMAGES / "inpaint_widget.png"), viewer.screenshot(canvas_only=False))
        viewer.close()


def evaluate_screenshot() -> None:
    """The Evaluate widget showing the full sample experiment (benchmarks/experiment_sample.py
    must have run: it leaves its run directory in benchmarks/out/experiment)."""
    from napari_gan_augment._qt.evaluate_widget import EvaluateWidget

    run_dir = IMAGES.parents[1] / "benchmarks" / "out" / "experiment"
    if not (run_dir / "summary.json").exists():
        raise SystemExit("run benchmarks/experiment_sample.py first")
    app = napari.qt.get_qapp()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1600, 1200)
    widget = EvaluateWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Evaluate", area="right")
    widget._run_dir.value = run_dir
    widget._open_button.clicked.emit()
    widget.add_prediction_layers()
    for layer in viewer.layers:
        layer.visible = layer.name.endswith(("test images", "mix:8-8 prediction"))
    viewer.layers["experiment mix:8-8 prediction"].opacity = 0.4
    viewer.layers.selection.active = viewer.layers["experiment test images"]
    viewer.dims.set_point(0, 6)
    viewer.reset_view()
    pump(app, 2)
    widget.native.parentWidget().parentWidget().setMinimumWidth(560)
    pump(app, 1)
    skio.imsave(str(IMAGES / "evaluate.png"), viewer.screenshot(canvas_only=False))
    viewer.close()


#: every dock the manifest contributes (napari.yaml), in the Plugins menu's order
WIDGETS = [
    widget.display_name
    for widget in PluginManifest.from_distribution("napari-gan-augment").contributions.widgets
]


def gallery() -> None:
    """Every widget as a user opens it from the Plugins menu (the plugin's own contributions,
    scroll areas included) beside the brain sample, each dock saved on its own to
    ``docs/images/widgets/`` and the whole window once with Evaluate docked."""
    app = napari.qt.get_qapp()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1280, 800)  # a laptop screen: tall docks must scroll
    image, mask = load_sample()
    viewer.add_image(image.data, name="MNI152 T1", scale=image.spacing)
    viewer.add_labels(mask.data, name="MNI152 tissue", scale=image.spacing, opacity=0.4)
    (IMAGES / "widgets").mkdir(exist_ok=True)
    for title in WIDGETS:
        dock, widget = viewer.window.add_plugin_dock_widget("napari-gan-augment", title)
        pump(app, 1)
        name = title.lower().replace(" ", "_")
        dock.grab().save(str(IMAGES / "widgets" / f"{name}.png"))
        train = getattr(widget, "content", widget)  # docks in a scroll area hold the widget
        if isinstance(train, TrainWidget):  # the guided route: pix2pix with its guidance
            # the window as a newcomer sees it: the dock leaves the image most of the width
            skio.imsave(str(IMAGES / "train_docked.png"), viewer.screenshot(canvas_only=False))
            train._family.value = "pix2pix"
            train._guidance.value = "segmentation"
            pump(app, 1)
            dock.grab().save(str(IMAGES / "widgets" / "train_generator_guided.png"))
        if title == "Evaluate":
            skio.imsave(str(IMAGES / "evaluate_docked.png"), viewer.screenshot(canvas_only=False))
        viewer.window.remove_dock_widget(dock)
    viewer.close()


def main() -> None:
    import sys

    IMAGES.mkdir(parents=True, exist_ok=True)
    if "gallery" in sys.argv:
        gallery()
        return
    if "evaluate" in sys.argv:
        evaluate_screenshot()
        return
    if "transform" in sys.argv:
        transform_screenshot()
        return
    if "inpaint" in sys.argv:
        inpaint_screenshot()
        return
    paint_screenshot()
    if "paint" in sys.argv:
        return
    transform_screenshot()
    inpaint_screenshot()
    app = napari.qt.get_qapp()
    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1500, 950)
    image, mask = load_sample()
    viewer.add_image(image.data, name="MNI152 T1", scale=image.spacing)
    viewer.add_labels(mask.data, name="MNI152 tissue", scale=image.spacing, opacity=0.4)
    viewer.dims.set_point(0, 100)
    train = TrainWidget(viewer)
    viewer.window.add_dock_widget(train, name="Train generator")
    pump(app, 1)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp) / "brain-demo"
        train._data.image_layer.value = viewer.layers["MNI152 T1"]
        train._data.labels_layer.value = viewer.layers["MNI152 tissue"]
        train._steps.value = 800
        train._device.value = "cpu"
        train._run_dir.value = run_dir
        train._start_button.clicked.emit()
        pump(app, 600, until=lambda: train._start_button.enabled)
        viewer.layers["MNI152 tissue"].visible = False
        viewer.layers["MNI152 T1"].visible = False
        viewer.reset_view()
        pump(app, 1)
        skio.imsave(str(IMAGES / "train_widget.png"), viewer.screenshot(canvas_only=False))

        viewer.window.remove_dock_widget("all")
        viewer.layers.clear()  # a clean canvas for the synthetic pairs
        synth = SynthesizeWidget(viewer)
        viewer.window.add_dock_widget(synth, name="Synthesize pairs")
        synth._run_dir.value = run_dir
        synth._count.value = 32
        synth._seed.value = 1
        synth._run_button.clicked.emit()
        pump(app, 120, until=lambda: "brain-demo seed 1 masks" in viewer.layers)
        viewer.layers["brain-demo seed 1 masks"].opacity = 0.45
        viewer.canvas.grid.enabled = True  # the image and its mask side by side
        viewer.reset_view()
        pump(app, 1)
        skio.imsave(str(IMAGES / "synthesize_widget.png"), viewer.screenshot(canvas_only=False))
    viewer.close()


if __name__ == "__main__":
    main()
