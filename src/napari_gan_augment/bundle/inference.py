"""What an exported bundle's ``configs/inference.json`` names: the trained network, the
latents or files it draws from, and the steps around MONAI's own loaders, inferers and
``SaveImaged``.

These are config targets in this package (MONAI's transforms have no mask encoding, no
intensity window of a training run and no seed-stable latents), so running a bundle with
``python -m monai.bundle run`` needs ``napari-gan-augment`` installed; ``models/model.ts``
(TorchScript) runs without it. Each step calls the code ``gan-augment generate`` uses, so a
bundle draws what the run draws.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from monai.config import KeysCollection
from monai.data import MetaTensor
from monai.transforms import MapTransform, Transform
from torch import nn

from ..atomic import write_json
from ..data.encoding import decode_masks, encode_masks
from ..data.normalise import IntensityNormaliser
from ..data.validation import check_labels, consecutive_labels
from ..errors import InputError
from ..models.base import ModelSpec, NoiseGanModel
from ..models.registry import get_family
from ..models.ugan import composite_tensor, stripe_noise
from ..synthesis.generate import pair_noise

CPU = torch.device("cpu")


def trained_network(spec: Mapping[str, Any]) -> nn.Module:
    """The module the run trained (its family's generator, built from the run's spec), in
    eval mode; its weights come from ``models/model.pt``."""
    model = get_family(str(spec["family"])).build(_spec(spec), CPU)
    network = model.bundle_network
    network.eval()
    return network


def _spec(spec: Mapping[str, Any]) -> ModelSpec:
    return ModelSpec.from_json(json.dumps(dict(spec)))


def latent_items(spec: Mapping[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` latents of the run's own distribution (its family's ``sample_noise``);
    latent ``i`` depends only on ``(seed, i)``, as in ``gan-augment generate``."""
    if count < 1:
        raise InputError(f"num_samples must be a positive number, got {count}")
    model, run_spec = get_family(str(spec["family"])).model_class, _spec(spec)
    assert issubclass(model, NoiseGanModel)
    noise = pair_noise(lambda n, rng: model.latents(run_spec, n, rng), seed, 0, count)
    return [
        {"image": MetaTensor(noise[i], meta={"filename_or_obj": f"pair_{i:04d}"})}
        for i in range(count)
    ]


def file_items(dataset_dir: str, second: str | None = None) -> list[dict[str, Any]]:
    """The NIfTI files of ``dataset_dir`` (``second``: the name suffix of a companion file
    each one needs, e.g. ``_hole``), or a clear error when there are none."""
    folder = Path(dataset_dir)
    files = sorted(p for p in folder.glob("*.nii*") if not second or not _stem(p).endswith(second))
    if not files:
        raise InputError(
            f"{folder} holds no NIfTI files (*.nii, *.nii.gz): set dataset_dir to a folder "
            "of inputs (e.g. --dataset_dir /path/to/masks)"
        )
    items = []
    for path in files:
        item = {"file": str(path)}
        if second:
            partner = [p for p in folder.glob(f"{_stem(path)}{second}.nii*")]
            if not partner:
                raise InputError(f"{path.name} has no {_stem(path)}{second}.nii(.gz) beside it")
            item["second"] = str(partner[0])
        items.append(item)
    return items


def _stem(path: Path) -> str:
    return path.name.split(".nii")[0]


class _Step(MapTransform):
    def __init__(self, keys: KeysCollection, spec: Mapping[str, Any]) -> None:
        super().__init__(keys)
        self.spec = _spec(spec)


class EncodeMasksd(_Step):
    """Label maps → the generator's mask channels under ``output_key`` (labels checked: the
    run's classes only, 0/255 read as 0/1 with a notice), padded to at least one patch
    with background."""

    def __init__(self, keys: KeysCollection, spec: Mapping[str, Any], output_key: str) -> None:
        super().__init__(keys, spec)
        self.output_key = output_key

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        d = dict(data)
        for key in self.key_iterator(d):
            label = d[key]
            values = check_labels(np.asarray(label[0]), str(label.meta.get("filename_or_obj")))
            (values,) = consecutive_labels([values], "the mask")
            if values.max() >= self.spec.num_classes:
                raise InputError(
                    f"{label.meta.get('filename_or_obj')} holds label {int(values.max())}, but "
                    f"the run knows classes 0–{self.spec.num_classes - 1}"
                )
            values = _pad_to_patch(values, self.spec.image_size, 0)
            d[key] = MetaTensor(torch.from_numpy(values[None].astype(np.uint8)), meta=label.meta)
            channels = encode_masks(values[None], self.spec.num_classes)[0]
            d[self.output_key] = MetaTensor(torch.from_numpy(channels), meta=label.meta)
        return d


class NormaliseImagesd(_Step):
    """Images in source intensities → the run's [-1, 1] window, padded to at least one patch
    with the window's low end; ``holes`` (the name of a companion label map) appends a hole
    channel (1 inside), as inpainting takes it."""

    def __init__(
        self,
        keys: KeysCollection,
        spec: Mapping[str, Any],
        normaliser: Mapping[str, Any],
        holes: str | None = None,
        stripe_seed: int | None = None,
    ) -> None:
        super().__init__(keys, spec)
        self.normaliser = IntensityNormaliser.from_dict(dict(normaliser))
        self.holes, self.stripe_seed, self.count = holes, stripe_seed, 0

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        d = dict(data)
        for key in self.key_iterator(d):
            image = d[key]
            values = self.normaliser.forward(np.asarray(image[0]))
            channels = [_pad_to_patch(values, self.spec.image_size, -1.0)]
            if self.holes:
                hole = np.asarray(d[self.holes][0]) > 0
                channels.append(_pad_to_patch(hole.astype(np.float32), self.spec.image_size, 0))
            if self.stripe_seed is not None:  # class transformation: one stripe-noise channel
                rng = torch.Generator().manual_seed(
                    int(np.random.SeedSequence([self.stripe_seed, self.count]).generate_state(1)[0])
                )
                self.count += 1
                height, width = channels[0].shape[-2:]
                channels.append(stripe_noise(1, height, width, rng)[0, 0].numpy())
            d[key] = MetaTensor(torch.from_numpy(np.stack(channels)), meta=image.meta)
        return d


def _pad_to_patch(values: np.ndarray, size: int, fill: float) -> np.ndarray:
    """Pad at the end of each axis shorter than one patch (the inferer's window)."""
    pad = [(0, max(0, size - n)) for n in values.shape]
    return np.pad(values, pad, constant_values=fill)


class SourcePaird(Transform):
    """The evaluator's ``pred`` → a pair: ``image`` (source intensities) and ``label``
    (decoded as ``gan-augment generate`` decodes: strongest class above 0; or the given
    mask), as MetaTensors with the input file's geometry (a latent: the run's spacing) and
    the input's name.

    ``composite``: keep the input image outside the generated mask (class transformation);
    ``inside``: keep it outside the hole (inpainting)."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        normaliser: Mapping[str, Any],
        spacing: list[float],
        makes_image: bool = True,
        makes_mask: bool = True,
        composite: bool = False,
        inside_holes: bool = False,
    ) -> None:
        self.spec = _spec(spec)
        self.normaliser = IntensityNormaliser.from_dict(dict(normaliser))
        self.spacing = [float(s) for s in spacing]
        self.makes_image, self.makes_mask = makes_image, makes_mask
        self.composite, self.inside_holes = composite, inside_holes

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        d, channels = dict(data), self.spec.image_channels
        given = d["image"]  # what the network was given: a latent, or channels of a file
        from_file = given.ndim > 1
        pred = torch.as_tensor(d["pred"]).float().cpu()[None]
        if self.composite:
            pred = composite_tensor(torch.as_tensor(given).cpu()[None], pred, channels)
        if self.inside_holes:
            known, hole = torch.as_tensor(given).cpu()[None].split([channels, 1], 1)
            pred = torch.where(hole > 0, pred, known)
        name = _stem(Path(str(given.meta["filename_or_obj"])))
        affine = given.affine if from_file else torch.from_numpy(self._affine())
        meta = {"affine": affine, "filename_or_obj": name, "original_channel_dim": "no_channel"}
        out: dict[Hashable, Any] = {}
        if self.makes_image:
            image = self.normaliser.inverse(pred[0, :channels].numpy())
            out["image"] = MetaTensor(torch.from_numpy(image), meta=dict(meta))
        if self.makes_mask:
            mask = decode_masks(pred[:, channels if self.makes_image else 0 :])
            out["label"] = MetaTensor(torch.from_numpy(mask), meta=dict(meta))
        elif "label" in d and d["label"] is not None:  # the given mask: the pair's other half
            out["label"] = MetaTensor(torch.as_tensor(d["label"]).cpu(), meta=dict(meta))
        return out

    def _affine(self) -> np.ndarray:
        return np.diag([*self.spacing, *[1.0] * (4 - len(self.spacing))])


def write_provenance(output_dir: str, bundle_root: str, provenance: Mapping[str, Any]) -> None:
    """``provenance.json`` beside the files a bundle run wrote: which bundle, run and
    checkpoint drew them (the record ``gan-augment generate`` writes)."""
    files = sorted(p.name for p in Path(output_dir).glob("*.nii*"))
    record = dict(provenance) | {"bundle": str(Path(bundle_root).resolve()), "files": files}
    write_json(Path(output_dir) / "provenance.json", record)
