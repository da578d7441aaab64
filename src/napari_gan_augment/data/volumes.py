"""Volumes for 3D families: image and label volumes with their geometry, and the cubic
patches a 3D family trains on.

A :class:`VolumeSet` answers what the trainer asks of a :class:`~.pairset.PairSet`
(fingerprints, normaliser, training size check, training arrays, the spacing of a generated
voxel), so training is the same loop in 2D and 3D. Patches are not resized: a generated voxel
covers what a source voxel covers, and the source's spacing goes with every output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from monai.transforms import RandCropByPosNegLabeld

from ..errors import InputError
from .io import Volume
from .normalise import IntensityNormaliser
from .pairset import fingerprint
from .validation import check_grayscale, check_labels, check_same_shape, consecutive_labels


@dataclass(frozen=True)
class VolumeSet:
    """Image volumes ``(Z, Y, X)``, their label volumes, one spacing, each file's affine."""

    images: tuple[np.ndarray, ...]
    masks: tuple[np.ndarray, ...]
    spacing: tuple[float, float, float]
    affines: tuple[np.ndarray, ...]
    provenance: tuple[str, ...]
    num_classes: int
    #: patches drawn for training, and the seed of the draw
    patch_count: int = 256
    seed: int = 0

    @classmethod
    def from_volumes(
        cls, pairs: Sequence[tuple[Volume, Volume, str]], patch_count: int = 256, seed: int = 0
    ) -> VolumeSet:
        """Validate (image, mask, name) volumes; they must share one voxel spacing."""
        if not pairs:
            raise InputError("no volumes were given; add an image volume and its label volume")
        images, masks, spacings, affines = [], [], [], []
        for image, mask, name in pairs:
            data = check_grayscale(image.data, f"volume {name}", allowed_ndim=(3,))
            labels = check_labels(mask.data, f"mask of {name}")
            check_same_shape(data, labels, name, f"mask of {name}")
            if not np.allclose(image.spacing, mask.spacing, rtol=1e-3):
                raise InputError(
                    f"{name}: the image's voxel spacing {image.spacing} and its mask's "
                    f"{mask.spacing} differ; resample the mask onto the image grid"
                )
            images.append(data)  # the source dtype, as in a PairSet: outputs keep it
            masks.append(labels)
            spacings.append(tuple(float(s) for s in image.spacing))
            affines.append(image.affine)
        if len(set(spacings)) > 1:
            raise InputError(
                f"the volumes have different voxel spacings {sorted(set(spacings))}; a 3D "
                "family learns one voxel size: resample them to a common spacing first"
            )
        masks = consecutive_labels(masks, f"the masks of {len(masks)} volumes")
        top = max(int(m.max()) for m in masks)
        if top == 0:
            raise InputError("every mask volume is empty (only background 0); nothing to learn")
        return cls(
            tuple(images),
            tuple(masks),
            spacings[0],  # type: ignore[arg-type]
            tuple(affines),
            tuple(name for _, _, name in pairs),
            max(2, top + 1),
            patch_count,
            seed,
        )

    def __len__(self) -> int:
        return len(self.images)

    def fingerprints(self) -> list[str]:
        """A content hash per volume pair (as :meth:`PairSet.fingerprints` per slice)."""
        return [fingerprint(i, m) for i, m in zip(self.images, self.masks, strict=True)]

    def fit_normaliser(self) -> IntensityNormaliser:
        return IntensityNormaliser.fit(np.concatenate([i.ravel() for i in self.images]))

    def check_training_size(self, size: int) -> None:
        """A patch must fit inside every volume."""
        for image, name in zip(self.images, self.provenance, strict=True):
            if size > min(image.shape):
                raise InputError(
                    f"a {size}³ patch does not fit in {name} ({'×'.join(map(str, image.shape))} "
                    f"voxels); choose an image_size of at most {min(image.shape)}, e.g. "
                    f"{1 << (min(image.shape).bit_length() - 1)}"
                )

    def training_spacing(self, size: int) -> tuple[float, ...]:
        """Patches are not resized: a generated voxel has the source's spacing."""
        return self.spacing

    def training_context(self, size: int) -> None:
        """Volumes are drawn whole: no neighbouring slices go with a patch."""
        return None

    def training_arrays(
        self, size: int, normaliser: IntensityNormaliser
    ) -> tuple[np.ndarray, np.ndarray]:
        """``patch_count`` cubic patches: images ``(N, 1, P, P, P)`` normalised, labels
        ``(N, P, P, P)``; half centred on a foreground voxel, half on background, spread
        over the volumes as evenly as the count allows."""
        self.check_training_size(size)
        shares = np.full(len(self), self.patch_count // len(self))
        shares[: self.patch_count % len(self)] += 1
        images, masks = [], []
        for index, (image, mask, share) in enumerate(
            zip(self.images, self.masks, shares, strict=True)
        ):
            if share == 0:
                continue
            crop = RandCropByPosNegLabeld(
                keys=("image", "label"),
                label_key="label",
                spatial_size=(size,) * 3,
                pos=1,
                neg=1,
                num_samples=int(share),
                allow_smaller=False,
            )
            crop.set_random_state(seed=self.seed + index)
            volume: dict[str, Any] = {
                "image": normaliser.forward(image)[None],
                "label": mask[None].astype(np.int32),
            }
            patches = crop(volume)  # type: ignore[arg-type]  # MONAI takes arrays; stubs say Tensor
            images += [np.asarray(p["image"], dtype=np.float32) for p in patches]
            masks += [np.asarray(p["label"], dtype=np.int32)[0] for p in patches]
        return np.stack(images), np.stack(masks)
