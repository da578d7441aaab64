"""What an experiment trains and tests on: 2D pairs (slices or images), or whole volumes.

Both answer the run loop alike: how many items there are, the training samples of some of
them, the truth and a network's prediction of one, synthetic pairs sized like the samples,
and a generator trained on some of them. A 2D sample is an item; a 3D sample is a patch drawn
from an item's volume, and a 3D prediction is the whole volume, drawn patch by patch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from skimage.transform import resize

from ...config import DataConfig, TrainConfig
from ...data.io import read_nifti, write_nifti
from ...data.normalise import IntensityNormaliser
from ...data.pairset import PairSet
from ...data.volumes import VolumeSet
from ...errors import InputError
from ...synthesis import PairRoute
from ...synthesis.mask_sources import DeformedMasks
from ...synthesis.routes import MaskChoice
from ...training import iter_training
from ..networks import predict_labels, predict_volume
from ..quality.figures import orthogonal_figure
from .config import ExperimentConfig, path_name
from .splits import Layout


@dataclass(kw_only=True)
class ExperimentData(ABC):
    """The real data of an experiment and, when asked for, its generators' pairs."""

    pairs: PairSet | VolumeSet
    normaliser: IntensityNormaliser
    #: pair routes and their fixed synthetic sets by (run name, fold); "" = the default run
    routes: dict[tuple[str, int], PairRoute] = field(default_factory=dict)
    synthetic: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    gate_records: dict[str, dict[str, Any]] = field(default_factory=dict)

    names = property(lambda self: list(self.pairs.provenance))
    spacing = property(lambda self: self.pairs.spacing)
    classes = property(lambda self: self.pairs.num_classes)
    count = property(lambda self: len(self.pairs))

    @property
    def layout(self) -> Layout:
        """Where the items lie (what a blocked split keeps apart): each its own by default."""
        return Layout.independent(self.names)

    #: the fewest test and training items (training + validation) a fold may have
    minimum: ClassVar[tuple[int, int]] = (2, 4)
    #: what an item is called in messages
    unit: ClassVar[str] = "pairs"

    def generated(
        self, config: ExperimentConfig, count: int, seed: int, run: str, fold: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``count`` pairs from a generator, normalised and sized like the samples."""
        raw_images, raw_masks = self.routes[(run, fold)].pairs(count, seed)
        return self.to_experiment(raw_images, raw_masks, config.image_size)

    @abstractmethod
    def to_experiment(
        self, raw_images: np.ndarray, raw_masks: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Generated pairs (source intensities) as training samples ``(N, 1, …)``."""

    @abstractmethod
    def samples(
        self, indices: np.ndarray, config: ExperimentConfig, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Training samples of these items: images ``(N, 1, …)`` and labels ``(N, …)``."""

    @abstractmethod
    def truth(self, index: int) -> np.ndarray:
        """The true labels of one item."""

    @abstractmethod
    def predict(
        self, network: torch.nn.Module, indices: np.ndarray, config: ExperimentConfig, device: Any
    ) -> list[np.ndarray]:
        """The network's labels for each of these items."""

    @abstractmethod
    def train_generator(
        self, pool: np.ndarray, train_config: TrainConfig, path: Path
    ) -> Iterator[dict[str, Any]]:
        """Train a generator on these items only (its events)."""

    def mask_choice(self, pool: np.ndarray, config: ExperimentConfig, seed: int) -> MaskChoice:
        """The masks a mask → image run draws for: by default its own training masks."""
        return None

    def check_generator_shape(
        self, spatial_dims: int, size: int, config: ExperimentConfig, path: str
    ) -> None:
        """A generator must draw what the samples are."""
        if spatial_dims != 2:
            raise InputError(
                f"the synthetic run {path} is {spatial_dims}D but this experiment is 2D; "
                "use a 2D run, or set spatial_dims: 3 on a folder of volumes"
            )


@dataclass(kw_only=True)
class SliceData(ExperimentData):
    """2D pairs, normalised and resized to the experiment's size once."""

    images: np.ndarray
    masks: np.ndarray

    @property
    def layout(self) -> Layout:
        """Slices of volumes: their volumes and positions along the slicing axis."""
        assert isinstance(self.pairs, PairSet)
        if not self.pairs.positions:
            return Layout.independent(self.names)
        groups, positions = zip(*self.pairs.positions, strict=True)
        return Layout(tuple(groups), np.asarray(positions, float))

    def to_experiment(
        self, raw_images: np.ndarray, raw_masks: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        images = self.normaliser.forward(raw_images).astype(np.float32)
        masks = raw_masks.astype(np.int32)
        if images.shape[-1] != size:
            images = resize(images, (len(images), size, size), order=1).astype(np.float32)
            masks = resize(
                masks, (len(masks), size, size), order=0, preserve_range=True, anti_aliasing=False
            ).astype(np.int32)
        return images[:, None], masks

    def samples(
        self, indices: np.ndarray, config: ExperimentConfig, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        return self.images[indices], self.masks[indices]

    def truth(self, index: int) -> np.ndarray:
        return np.asarray(self.masks[index])

    def predict(
        self, network: torch.nn.Module, indices: np.ndarray, config: ExperimentConfig, device: Any
    ) -> list[np.ndarray]:
        return list(predict_labels(network, self.images[indices], device, config.largest_component))

    def train_generator(
        self, pool: np.ndarray, train_config: TrainConfig, path: Path
    ) -> Iterator[dict[str, Any]]:
        assert isinstance(self.pairs, PairSet)
        pairs = PairSet.from_pairs(
            [self.pairs.images[i] for i in pool],
            [self.pairs.masks[i] for i in pool],
            [self.names[i] for i in pool],
            self.spacing,
            rgb=False,
        )
        return iter_training(path, train_config, pairs=pairs)


@dataclass(kw_only=True)
class VolumeData(ExperimentData):
    """Whole volumes: patches to train on, volumes to test on."""

    pairs: VolumeSet
    #: each volume normalised once, for prediction
    volumes: tuple[np.ndarray, ...]

    minimum: ClassVar[tuple[int, int]] = (1, 2)
    unit: ClassVar[str] = "volumes"

    def to_experiment(
        self, raw_images: np.ndarray, raw_masks: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        # never resized: a resized patch would claim a voxel size it does not have
        images = self.normaliser.forward(raw_images).astype(np.float32)
        return images[:, None], raw_masks.astype(np.int32)

    def samples(
        self, indices: np.ndarray, config: ExperimentConfig, seed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``config.patches`` patches, half centred on foreground (MONAI
        ``RandCropByPosNegLabeld``), spread over these volumes; the same seed draws the same."""
        subset = self._subset(indices, config.patches, seed)
        return subset.training_arrays(config.image_size, self.normaliser)

    def truth(self, index: int) -> np.ndarray:
        return np.asarray(self.pairs.masks[index])

    def predict(
        self, network: torch.nn.Module, indices: np.ndarray, config: ExperimentConfig, device: Any
    ) -> list[np.ndarray]:
        return [
            predict_volume(
                network, self.volumes[i], config.image_size, device, config.largest_component
            )
            for i in indices
        ]

    def write_predictions(
        self, folder: Path, seed: int, indices: np.ndarray, labels: list[np.ndarray]
    ) -> None:
        """Each predicted volume as NIfTI with its source's affine (it opens over the image
        in any viewer): ``folder/seed<k>/<name>.nii.gz``."""
        for index, predicted in zip(indices, labels, strict=True):
            write_nifti(
                folder / f"seed{seed}" / self._stem(index),
                predicted.astype(np.int16),
                affine=self.pairs.affines[index],
                description="predicted labels",
            )

    def prediction_figure(self, run_dir: Path, index: int, arms: list[str]) -> Path:
        """Orthogonal middle slices of test volume ``index``: image, truth, and each arm's
        seed-0 prediction (``plots/predictions_3d.png``)."""
        rows = [("image", self.pairs.images[index], False), ("truth", self.truth(index), True)]
        for arm in arms:
            path = run_dir / "predictions" / path_name(arm) / "seed0" / self._stem(index)
            rows.append((arm, read_nifti(path.with_name(path.name + ".nii.gz")).data, True))
        image = self.pairs.images[index]
        limits = (float(np.percentile(image, 1)), float(np.percentile(image, 99)))
        return orthogonal_figure(run_dir / "plots" / "predictions_3d.png", rows, limits)

    def _stem(self, index: int) -> str:
        return Path(self.names[index]).name.split(".")[0]

    def train_generator(
        self, pool: np.ndarray, train_config: TrainConfig, path: Path
    ) -> Iterator[dict[str, Any]]:
        """Its training volumes are written beside the run (NIfTI with their affines), so
        the run records, and can read again, what it was trained on."""
        folder = path.with_name(f"{path.name}-data")
        for index in pool:
            name, affine = self._stem(index), self.pairs.affines[index]
            write_nifti(folder / "images" / name, self.pairs.images[index], affine=affine)
            write_nifti(folder / "masks" / name, self.pairs.masks[index], affine=affine)
        data = DataConfig(source="folder", path=str(folder))
        return iter_training(path, replace(train_config, data=data))

    def mask_choice(self, pool: np.ndarray, config: ExperimentConfig, seed: int) -> MaskChoice:
        """Real mask patches of the split's training volumes, each drawn deformed (a 3D run
        has no 2D training masks to deform)."""
        _, masks = self.samples(pool, config, seed)
        return DeformedMasks(masks, config.mask_deformation)

    def check_generator_shape(
        self, spatial_dims: int, size: int, config: ExperimentConfig, path: str
    ) -> None:
        side = config.image_size
        if spatial_dims != 3:
            raise InputError(
                f"the synthetic run {path} is {spatial_dims}D but this experiment trains on "
                f"{side}³ patches of volumes; use a 3D run (spatial_dims: 3, image_size {side})"
            )
        if size != side:
            raise InputError(
                f"the synthetic run {path} draws {size}³ patches, but this experiment trains "
                f"on {side}³ patches; use a 3D run trained at image_size {side}, or set the "
                f"experiment's image_size to {size}"
            )

    def _subset(self, indices: np.ndarray, patches: int, seed: int) -> VolumeSet:
        pick = [int(i) for i in indices]
        return replace(
            self.pairs,
            images=tuple(self.pairs.images[i] for i in pick),
            masks=tuple(self.pairs.masks[i] for i in pick),
            affines=tuple(self.pairs.affines[i] for i in pick),
            provenance=tuple(self.pairs.provenance[i] for i in pick),
            patch_count=patches,
            seed=seed,
        )
