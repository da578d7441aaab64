"""Building a :class:`PairSet` (2D) or :class:`VolumeSet` (3D) from a :class:`DataConfig`
(what a training job is told)."""

from __future__ import annotations

from pathlib import Path

from ..config import DataConfig
from ..errors import InputError
from .io import read_image_file
from .pairset import PairSet, SliceSettings, matched_files
from .sample import SAMPLE_IMAGE, load_sample
from .volumes import VolumeSet


def pairset_from_config(data: DataConfig, seed: int = 0) -> PairSet:
    """Load the training pairs a config names."""
    slicing = SliceSettings(
        data.axis, data.step, data.min_foreground, data.empty_fraction, seed, data.context
    )
    if data.source == "sample":
        image, mask = load_sample()
        return PairSet.from_volume(image.data, mask.data, image.spacing, SAMPLE_IMAGE, slicing)
    if data.source == "folder":
        return PairSet.from_folder(str(data.path))
    if data.source == "pairs":
        return PairSet.load(str(data.path))
    if data.source == "volume":
        image = read_image_file(str(data.path))
        mask = read_image_file(str(data.mask_path))
        return PairSet.from_arrays(
            image.data,
            mask.data,
            image.spacing,
            str(data.path),
            str(data.mask_path),
            slicing,
            rgb=image.rgb,
        )
    raise InputError(f"unknown data source {data.source!r}")


def volumes_from_config(data: DataConfig, patches: int = 256, seed: int = 0) -> VolumeSet:
    """The image and label volumes a 3D run trains on: the sample, a volume pair, or a
    folder of them (``images/`` and ``masks/``, matched by name)."""
    if data.source == "sample":
        image, mask = load_sample()
        return VolumeSet.from_volumes([(image, mask, SAMPLE_IMAGE)], patches, seed)
    if data.source == "volume":
        image = read_image_file(str(data.path))
        mask = read_image_file(str(data.mask_path))
        return VolumeSet.from_volumes([(image, mask, str(data.path))], patches, seed)
    if data.source == "folder":
        volumes = [
            (read_image_file(image), read_image_file(mask), image.name)
            for image, mask in matched_files(str(data.path))
        ]
        return VolumeSet.from_volumes(volumes, patches, seed)
    raise InputError(
        f"3D training needs volumes, not the {data.source!r} source: use source 'volume' "
        "(an image volume and its mask_path), 'folder' (images/ and masks/ holding volumes) "
        "or 'sample', or train 2D on slices (spatial_dims: 2)"
    )


def check_data_paths(data: DataConfig) -> None:
    """Refuse at once a source whose files or folders are missing: a job started on it
    would only say so in its log seconds later."""
    if data.source == "folder":
        for folder in (Path(str(data.path)) / "images", Path(str(data.path)) / "masks"):
            if not folder.is_dir():
                raise InputError(
                    f"{folder} does not exist; a pair folder holds images/ and masks/ with "
                    "files matched by name"
                )
    elif data.source == "volume":
        for what, path in (("image volume", data.path), ("mask volume", data.mask_path)):
            if not Path(str(path)).is_file():
                raise InputError(f"{what} {path} does not exist; choose an existing file")
    elif data.source == "pairs" and not Path(str(data.path)).is_file():
        raise InputError(f"pair file {data.path} does not exist")
