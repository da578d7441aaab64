"""The pictures of docs/3d.md: a short real 3D training on the bundled volume.

pix2pix at 32³ patches draws the whole MNI152 volume for its own tissue mask (sliding
window); pair-wgan at 32³ draws patch pairs from noise. Orthogonal slices through the middle
of each. ``python benchmarks/docs_3d.py [--steps N]`` (a few minutes on 2 CPU cores).
The mask is the training mask here: the picture shows what the model learned, not how it
generalises to new anatomy.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from napari_gan_augment.config import SynthesisConfig, TrainConfig
from napari_gan_augment.data.sample import load_sample
from napari_gan_augment.synthesis import load_generator, synthesize_volume
from napari_gan_augment.synthesis.routes import pair_route
from napari_gan_augment.training import train

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def orthogonal(volume: np.ndarray) -> list[np.ndarray]:
    """Axial, coronal and sagittal slices through the middle of a (z, y, x) volume."""
    z, y, x = (s // 2 for s in volume.shape)
    return [volume[z], volume[:, y][::-1], volume[:, :, x][::-1]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    image, mask = load_sample()
    with tempfile.TemporaryDirectory() as tmp:
        common = {
            "image_size": 32,
            "spatial_dims": 3,
            "patches": 256,
            "steps": args.steps,
            "batch_size": 4,
            "sample_every": args.steps,
            "device": "cpu",
        }
        started = time.perf_counter()
        pix = TrainConfig.from_dict(
            {**common, "family": "pix2pix", "options": {"base_filters": 16}}
        )
        train(f"{tmp}/pix2pix", pix)
        pix_seconds = time.perf_counter() - started
        generator = load_generator(f"{tmp}/pix2pix", device="cpu")
        started = time.perf_counter()
        made = synthesize_volume(generator, mask.data, overlap=0.5)
        window_seconds = time.perf_counter() - started
        rows = [("real T1", image.data, "gray"), ("pix2pix 3D", made, "gray")]
        rows.append(("tissue mask", mask.data, "viridis"))
        figure, axes = plt.subplots(3, 3, figsize=(7.5, 7.5))
        for row, (title, volume, cmap) in enumerate(rows):
            limits = (0, 2) if cmap == "viridis" else np.percentile(image.data, [1, 99.5])
            for column, picture in enumerate(orthogonal(volume)):
                axes[row, column].imshow(picture, cmap=cmap, vmin=limits[0], vmax=limits[1])
                axes[row, column].set_xticks([])
                axes[row, column].set_yticks([])
            axes[row, 0].set_ylabel(title)
        for column, name in enumerate(("axial", "coronal", "sagittal")):
            axes[0, column].set_title(name)
        figure.tight_layout()
        figure.savefig(IMAGES / "3d_pix2pix_orthogonal.png", dpi=90)

        started = time.perf_counter()
        wgan = TrainConfig.from_dict({**common, "family": "pair-wgan"})
        train(f"{tmp}/wgan", wgan)
        wgan_seconds = time.perf_counter() - started
        noise = load_generator(f"{tmp}/wgan", device="cpu")
        images, masks = pair_route(noise).pairs(4, seed=SynthesisConfig().seed)
        figure, axes = plt.subplots(2, 12, figsize=(12, 2.3))
        for pair in range(4):
            for view, (picture, labels) in enumerate(
                zip(orthogonal(images[pair]), orthogonal(masks[pair]), strict=True)
            ):
                column = pair * 3 + view
                axes[0, column].imshow(picture, cmap="gray")
                axes[1, column].imshow(labels, cmap="viridis", vmin=0, vmax=2)
                for row in (0, 1):
                    axes[row, column].set_xticks([])
                    axes[row, column].set_yticks([])
        figure.tight_layout()
        figure.savefig(IMAGES / "3d_pair_wgan_patches.png", dpi=90)
    print(
        json.dumps(
            {
                "steps": args.steps,
                "pix2pix_train_s": round(pix_seconds),
                "sliding_window_s": round(window_seconds, 1),
                "pair_wgan_train_s": round(wgan_seconds),
                "volume": list(mask.data.shape),
            }
        )
    )


if __name__ == "__main__":
    main()
