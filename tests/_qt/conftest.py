"""A job left running when a test's viewer closes is stopped, not asked about: nobody can
click the close dialog under a virtual display (the dialog itself is tested on its own)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_gan_augment._qt.job_model import JobModel


@pytest.fixture(autouse=True)
def stop_jobs_when_the_viewer_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(JobModel, "ask", lambda self, parent, job: "stop")


def assert_in_view(viewer, layer) -> None:
    """``layer`` is on screen: the sliders sit inside its slices (within half a slice of an
    axis it has one slice on) and its displayed extent lies inside the canvas (camera centre ±
    half the canvas in world units)."""
    low, high = np.asarray(layer.extent.world)
    offset = viewer.dims.ndim - layer.ndim
    for axis in range(layer.ndim - 2):
        point = viewer.dims.point[offset + axis]
        margin = layer.scale[axis] / 2 if layer.data.shape[axis] == 1 else 0
        assert low[axis] - margin <= point <= high[axis] + margin, "slider outside"
    camera = viewer.scene.camera
    half = np.asarray(viewer.canvas.size, float) / camera.zoom / 2
    centre = np.asarray(camera.center[-2:], float)
    assert np.all(centre - half <= low[-2:] + 1e-6), (centre - half, low[-2:])
    assert np.all(high[-2:] <= centre + half + 1e-6), (high[-2:], centre + half)
