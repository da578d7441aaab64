"""npe2 sample data: File ▸ Open Sample ▸ GAN Augment ▸ MNI152 brain."""

from __future__ import annotations

from typing import Any

from ..data.sample import SAMPLE_CLASSES, load_sample


def mni152_brain_sample() -> list[tuple[Any, dict[str, Any], str]]:
    """The 2 mm MNI ICBM152 2009a T1 with grey (1) / white (2) matter labels."""
    image, mask = load_sample()
    notice = "MNI ICBM152 2009a, (C) 1993-2009 Louis Collins, MNI, McGill University"
    common = {"scale": image.spacing, "translate": image.origin}
    return [
        (image.data, {"name": "MNI152 T1", "metadata": {"copyright": notice}, **common}, "image"),
        (
            mask.data.astype("uint8"),
            {"name": "MNI152 tissue", "metadata": {"classes": SAMPLE_CLASSES}, **common},
            "labels",
        ),
    ]
