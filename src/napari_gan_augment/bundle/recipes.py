"""What a bundle of each kind takes, makes and how its ``inference.json`` draws.

One recipe per :class:`~napari_gan_augment.models.Kind` (as quality checks have one sampler
per kind): a family of an existing kind needs nothing here. A recipe describes the bundle's
single network input (always named ``image``, so MONAI's ``verify_net_in_out`` checks it,
even when it is a latent or a mask) and output (``pred``), and gives the config items that
differ by kind: the data items, their preprocessing, the inferer and the output step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..models import Kind
from ..models.base import ModelSpec

INFERENCE = "napari_gan_augment.bundle.inference"
#: the name inference.json imports it as (MONAI binds ``import a.b`` to the name "a.b")
STEPS = "bundle_steps"
FILES_NOTE = (
    "NIfTI files in dataset_dir (at the run's pixel spacing; larger ones are drawn by sliding "
    "window)"
)
LATENT = "standard-normal latent (the training distribution)"


def _tensor(channels: int, shape: list[int], value_range: list[float], **extra: Any) -> dict:
    return {
        "type": "image",
        "format": "magnitude",
        "num_channels": channels,
        "spatial_shape": shape,
        "dtype": "float32",
        "value_range": value_range,
        "is_patch_data": bool(shape),
        **extra,
    }


@dataclass(frozen=True)
class Recipe:
    """Kind-specific parts of a bundle. ``task`` and ``makes`` go into metadata.json and the
    README; ``takes`` says what ``dataset_dir`` must hold (``None``: it draws latents)."""

    task: str
    makes: str
    takes: str | None

    def input(self, spec: ModelSpec) -> dict:
        return _tensor(
            self.input_channels(spec), list(spec.spatial_shape), [-1, 1],
            channel_def={"0": self.takes or "latent"},
        )  # fmt: skip

    def input_channels(self, spec: ModelSpec) -> int:
        return spec.image_channels

    def output(self, spec: ModelSpec) -> dict:
        return _tensor(spec.pair_channels, list(spec.spatial_shape), [-1, 1],
                       channel_def={"0": self.makes})  # fmt: skip

    def data(self) -> str:
        return f"$[{{'image': item['file']}} for item in {STEPS}.file_items(@dataset_dir)]"

    def preprocessing(self) -> list[dict]:
        return [_load("image"), _step("NormaliseImagesd", keys="image", normaliser="@normaliser")]

    def inferer(self, spec: ModelSpec) -> dict:
        """Sliding windows of the training patch: inputs of any size at the run's spacing
        (one window when they are that size, which is then exactly the direct output)."""
        return {
            "_target_": "SlidingWindowInferer",
            "roi_size": list(spec.spatial_shape),
            "sw_batch_size": 4,
            "overlap": 0.5,
            "mode": "gaussian",
        }

    def output_step(self) -> dict:
        return _source_pair()


def _load(key: str, dtype: str | None = "$numpy.float32") -> dict:
    return {"_target_": "LoadImaged", "keys": key, "ensure_channel_first": True, "dtype": dtype,
            "image_only": True}  # fmt: skip


def _step(name: str, **args: Any) -> dict:
    return {"_target_": f"{INFERENCE}.{name}", "spec": "@spec", **args}


def _source_pair(**args: Any) -> dict:
    return _step("SourcePaird", normaliser="@normaliser", spacing="@spacing", **args)


class NoiseRecipe(Recipe):
    def input(self, spec: ModelSpec) -> dict:
        return _tensor(int(spec.options["latent_dim"]), [], [-4, 4],
                       channel_def={"0": LATENT})  # fmt: skip

    def output(self, spec: ModelSpec) -> dict:
        channels = spec.pair_channels if self.makes_image else spec.num_classes - 1
        return _tensor(channels, list(spec.spatial_shape), [-1, 1],
                       channel_def={"0": self.makes})  # fmt: skip

    @property
    def makes_image(self) -> bool:
        return "image" in self.makes

    def data(self) -> str:
        return f"${STEPS}.latent_items(@spec, @num_samples, @seed)"

    def preprocessing(self) -> list[dict]:
        return []

    def inferer(self, spec: ModelSpec) -> dict:
        return {"_target_": "SimpleInferer"}

    def output_step(self) -> dict:
        return _source_pair(makes_image=self.makes_image)


class MaskRecipe(Recipe):
    def input_channels(self, spec: ModelSpec) -> int:
        return spec.condition_channels

    def output(self, spec: ModelSpec) -> dict:
        return _tensor(spec.image_channels, list(spec.spatial_shape), [-1, 1],
                       channel_def={"0": self.makes})  # fmt: skip

    def preprocessing(self) -> list[dict]:
        return [_load("label", dtype=None), _step("EncodeMasksd", keys="label", output_key="image")]

    def data(self) -> str:
        return f"$[{{'label': item['file']}} for item in {STEPS}.file_items(@dataset_dir)]"

    def output_step(self) -> dict:
        return _source_pair(makes_mask=False)


class ClassTransformRecipe(Recipe):
    def input_channels(self, spec: ModelSpec) -> int:
        return spec.image_channels + 1  # the stripe-noise channel

    def preprocessing(self) -> list[dict]:
        return [_load("image"),
                _step("NormaliseImagesd", keys="image", normaliser="@normaliser",
                      stripe_seed="@seed")]  # fmt: skip

    def output_step(self) -> dict:
        return _source_pair(composite=True)


class TranslationRecipe(Recipe):
    def output(self, spec: ModelSpec) -> dict:
        return _tensor(spec.image_channels, list(spec.spatial_shape), [-1, 1],
                       channel_def={"0": self.makes})  # fmt: skip

    def output_step(self) -> dict:
        return _source_pair(makes_mask=False)


class InpaintRecipe(TranslationRecipe):
    def input_channels(self, spec: ModelSpec) -> int:
        return spec.image_channels + 1  # the hole

    def data(self) -> str:
        return (f"$[{{'image': item['file'], 'hole': item['second']}} "
                f"for item in {STEPS}.file_items(@dataset_dir, '_hole')]")  # fmt: skip

    def preprocessing(self) -> list[dict]:
        normalise = _step("NormaliseImagesd", keys="image", normaliser="@normaliser", holes="hole")
        return [_load("image"), _load("hole", dtype=None), normalise]

    def output_step(self) -> dict:
        return _source_pair(makes_mask=False, inside_holes=True)


RECIPES: dict[Kind, Recipe] = {
    Kind.PAIRS: NoiseRecipe(
        "Draw synthetic image–mask pairs from noise", "image + mask channels (a pair)", None
    ),
    Kind.MASKS: NoiseRecipe(
        "Draw synthetic masks from noise (a mask source for a mask → image model)",
        "mask channels",
        None,
    ),  # fmt: skip
    Kind.MASK_TO_IMAGE: MaskRecipe(
        "Draw the image for a given mask", "image", f"label maps: {FILES_NOTE}"
    ),
    Kind.CLASS_TRANSFORM: ClassTransformRecipe(
        "Add the object class to object-free images (image + mask out)",
        "image + mask channels (a pair)",
        f"object-free images: {FILES_NOTE}",
    ),  # fmt: skip
    Kind.IMAGE_TRANSLATION: TranslationRecipe(
        "Translate object-free images to images with the object class",
        "image",
        f"object-free images: {FILES_NOTE}",
    ),  # fmt: skip
    Kind.INPAINTING: InpaintRecipe(
        "Fill holes in images",
        "image",
        f"images, each with a <name>_hole.nii.gz label map of its hole: {FILES_NOTE}",
    ),  # fmt: skip
}


def recipe_for(kind: Kind) -> Recipe:
    return RECIPES[kind]
