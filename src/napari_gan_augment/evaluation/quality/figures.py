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
