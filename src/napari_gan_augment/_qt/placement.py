"""Where the plugin puts the layers it adds: beside the user's data, and in view at once.

New layers never land on top of the user's data or at slider positions nobody looks at: they
get a translate that puts them to the right of everything already in the viewer with their
first slice at the current slider position, and the camera is fitted to all layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import napari
import napari.layers
import numpy as np

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


def show_layer(viewer: napari.Viewer, layer: napari.layers.Layer, middle: bool = False) -> None:
    """Sliders to ``layer``'s first slice (world position of its first pixel; its middle
    slice with ``middle``: a volume's first slice is mostly background), camera fitted."""
    index = (np.asarray(layer.data.shape) - 1) / 2 if middle else np.zeros(layer.ndim)
    first = np.asarray(layer.data_to_world(index))
    offset = viewer.dims.ndim - layer.ndim
    for axis, value in enumerate(first[:-2]):
        viewer.dims.set_point(offset + axis, float(value))
    viewer.reset_view()
