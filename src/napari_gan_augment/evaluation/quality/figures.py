"""The quality report's figures: the closest synthetic–real pairs and the distance histogram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..report import save_figure


def closest_pairs_figure(
    path: Path, synthetic: np.ndarray, real: np.ndarray, distance: np.ndarray, index: np.ndarray
) -> None:
    order = np.argsort(distance)[:8]

    def draw(figure: Any) -> None:
        for column, sample in enumerate(order):
            for row, (picture, title) in enumerate(
                (
                    (synthetic[sample, 0], f"synthetic {sample}"),
                    (real[index[sample], 0], f"real {index[sample]}"),
                )
            ):
                axes = figure.add_subplot(2, len(order), row * len(order) + column + 1)
                axes.imshow(picture, cmap="gray", vmin=-1, vmax=1)
                axes.set_title(
                    f"{title}\nd={distance[sample]:.3f}" if row == 0 else title, fontsize=7
                )
                axes.set_xticks([])
                axes.set_yticks([])

    save_figure(draw, path, (1.5 * len(order), 3.6))


def distance_histogram(
    path: Path, audit: dict[str, Any], pixel: tuple[np.ndarray, np.ndarray]
) -> None:
    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        bins = np.linspace(0, max(pixel[0].max(), pixel[1].max()), 40)
        axes.hist(pixel[1], bins, alpha=0.6, density=True, label="real → nearest other real")
        axes.hist(pixel[0], bins, alpha=0.6, density=True, label="synthetic → nearest real")
        axes.axvline(
            audit["pixel"]["threshold"], color="k", linestyle="--", label="near-copy threshold"
        )
        axes.set_xlabel("RMS pixel distance (images in [-1, 1])")
        axes.legend(fontsize="small")

    save_figure(draw, path, (6, 3.5))


def orthogonal_slices(volume: np.ndarray) -> list[np.ndarray]:
    """Axial, coronal and sagittal slices through the middle of a ``(Z, Y, X)`` volume."""
    z, y, x = (s // 2 for s in volume.shape)
    return [volume[z], volume[:, y][::-1], volume[:, :, x][::-1]]


def orthogonal_figure(
    path: Path, rows: list[tuple[str, np.ndarray, bool]], limits: tuple[float, float]
) -> Path:
    """One row of orthogonal slices per ``(title, volume, is_labels)``; intensity volumes
    share ``limits`` so a brighter or darker synthetic volume shows as such."""

    def draw(figure: Any) -> None:
        for row, (title, volume, is_labels) in enumerate(rows):
            for column, picture in enumerate(orthogonal_slices(volume)):
                axes = figure.add_subplot(len(rows), 3, row * 3 + column + 1)
                if is_labels:
                    axes.imshow(picture, cmap="viridis", vmin=0, vmax=max(1, int(volume.max())))
                else:
                    axes.imshow(picture, cmap="gray", vmin=limits[0], vmax=limits[1])
                axes.set_xticks([])
                axes.set_yticks([])
                if column == 0:
                    axes.set_ylabel(title, fontsize=8)
                if row == 0:
                    axes.set_title(("axial", "coronal", "sagittal")[column], fontsize=8)

    return save_figure(draw, path, (7.5, 2.5 * len(rows)))


def consistency_figure(path: Path, volumes: list[dict[str, Any]]) -> Path:
    """Inter-slice steps along each axis, synthetic beside real, one group per volume."""

    def draw(figure: Any) -> None:
        axes = figure.add_subplot()
        width = 0.8 / (2 * len(volumes))
        for index, volume in enumerate(volumes):
            steps = volume["consistency"]
            for offset, side in enumerate(("real", "synthetic")):
                position = np.arange(3) + (2 * index + offset - len(volumes) + 0.5) * width
                axes.bar(
                    position, steps[side], width, label=f"{side} ({volume['name']})", alpha=0.8
                )
        axes.set_xticks(range(3), [f"axis {a}" for a in range(3)])
        axes.set_ylabel("mean |step| between neighbouring slices")
        axes.legend(fontsize="x-small")

    return save_figure(draw, path, (6, 3.5))
