"""Where the plugin puts the layers it adds: beside the user's data, and in view at once.

New layers never land on top of the user's data or at slider positions nobody looks at: they
get a translate that puts them to the right of everything already in the viewer with their
first slice at the current slider position, and the camera is fitted to all layers. A stack
of 2D pairs gets a slider of its own, so browsing it never moves the user's volume.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import napari
import napari.layers
import numpy as np
from qtpy.QtCore import QTimer

GAP = 0.05  # space between the user's data and the new layers, as a share of the data's width


def beside_data(
    viewer: napari.Viewer, shape: Sequence[int], scale: Sequence[float]
) -> tuple[float, ...]:
    """Translate for a new layer (``shape`` at ``scale``, last two axes displayed): to the right
    of every layer in the viewer, top-aligned with them, its first slice where the sliders are
    now (so the user's current slice stays in view beside it)."""
    translate = [0.0] * len(shape)
    if len(viewer.layers) == 0:
        return tuple(translate)
    point = tuple(viewer.dims.point)
    for axis in range(len(shape) - 2):  # leading axes, aligned to the viewer's last axes
        translate[axis] = float(point[len(point) - len(shape) + axis])
    low, high = np.asarray(viewer.layers.extent.world)
    width = high[-1] - low[-1]
    translate[-2] = float(low[-2])
    translate[-1] = float(high[-1] + GAP * width + scale[-1])
    return tuple(translate)


@dataclass(frozen=True)
class StackPlacement:
    """How a stack of 2D pairs ``(N, H, W)`` is shown: ``view(array)`` is the layer's data."""

    shape: tuple[int, ...]
    scale: tuple[float, ...]
    translate: tuple[float, ...]
    axis_labels: tuple[str, ...]

    def view(self, stack: np.ndarray) -> np.ndarray:
        return stack.reshape(self.shape)  # a view: a memory map stays one


def stack_placement(
    viewer: napari.Viewer, shape: Sequence[int], spacing: Sequence[float]
) -> StackPlacement:
    """Pairs beside the data, browsed by a slider of their own ("pair").

    In a viewer that already shows volumes (or other stacks), the stack axis would be the
    volume's slice axis: browsing pairs would move the brain too. So the stack gets one length-1
    axis per leading axis of the viewer, each scaled to span that axis's whole range: the pairs
    are in view at every slice of the volume, and their own axis comes first, which no other
    layer has.
    """
    count, height, width = shape
    lead = viewer.dims.ndim - 2 if len(viewer.layers) else 0
    low, high = np.asarray(viewer.layers.extent.world) if lead else (np.zeros(0), np.zeros(0))
    steps = [r.step for r in viewer.dims.range]
    spans = [float(high[i] - low[i]) + 2 * float(steps[i]) for i in range(lead)]
    centres = [float(low[i] + high[i]) / 2 for i in range(lead)]
    labels = tuple(viewer.dims.axis_labels[:lead]) if lead else ()
    return StackPlacement(
        (count, *[1] * lead, height, width),
        (1.0, *spans, *map(float, spacing)),
        (0.0, *centres, *beside_data(viewer, (height, width), spacing)),
        ("pair", *labels, "y", "x"),
    )


def show_layer(viewer: napari.Viewer, layer: napari.layers.Layer, middle: bool = False) -> None:
    """Sliders to ``layer``'s first slice (world position of its first pixel; its middle
    slice with ``middle``: a volume's first slice is mostly background), camera fitted. Axes
    the layer has one slice on are left where they are: it is in view all along them."""
    shape = np.asarray(layer.data.shape)
    index = (shape - 1) / 2 if middle else np.zeros(layer.ndim)
    first = np.asarray(layer.data_to_world(index))
    offset = viewer.dims.ndim - layer.ndim
    for axis, value in enumerate(first[:-2]):
        if shape[axis] > 1:
            viewer.dims.set_point(offset + axis, float(value))
    viewer.reset_view()


def next_turn(step: Callable[[], Any]) -> None:
    """Run ``step`` on a later event-loop turn, after a repaint. A 1 ms timer, not 0: Qt runs a
    0 ms single shot as a posted event, before the timers and input already waiting, so two
    steps made one stall (bench_viewer --why, 2026-12-04)."""
    QTimer.singleShot(1, step)


def one_per_turn(steps: list[Callable[[], Any]]) -> None:
    """Run ``steps`` on successive event-loop turns: each layer napari adds or updates, and
    the camera fitted to it, is a stall of its own, never one as long as all of them
    (docs/benchmarks.md, viewer rows)."""
    steps[0]()
    if len(steps) > 1:
        next_turn(lambda: one_per_turn(steps[1:]))
