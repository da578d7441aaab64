"""The texts a bundle carries: ``docs/README.md`` and ``LICENSE``."""

from __future__ import annotations

import json
from typing import Any

from ..data.sample import sample_path

USE = """## Use

```bash
pip install "monai[fire]" napari-gan-augment   # the versions in configs/metadata.json
python -m monai.bundle run --config_file configs/inference.json --bundle_root . \\
    {extra}--output_dir ./synthetic
```

Each output is a NIfTI file (`*_image.nii.gz`, `*_mask.nii.gz`) with the geometry of its
input (drawn from noise: the run's voxel spacing); `provenance.json` beside them names this
bundle, the run and its checkpoint (SHA-256). In napari-gan-augment, the Synthesize widget and
`gan-augment generate --run-dir THIS_BUNDLE` read the bundle directly.

`models/model.ts` is the same network as TorchScript ({torchscript}d): it loads with
`torch.jit.load` alone, without napari-gan-augment; it maps `image` to `pred` as described
below, values in [-1, 1] (intensity window in metadata.json, `{ours}.normaliser`).
"""


def readme_text(metadata: dict[str, Any]) -> str:
    ours = metadata["napari_gan_augment"]
    io = metadata["network_data_format"]
    takes = metadata["image_classes"]
    extra = "--num_samples 16 --seed 0 " if "latent" in takes else "--dataset_dir /path/to/inputs "
    spec = ours["spec"]
    return "\n".join(
        [
            f"# {metadata['task']}",
            "",
            metadata["description"],
            "",
            f"- **Makes**: {metadata['pred_classes']}; labels {metadata['label_classes']}.",
            f"- **Takes**: {takes}.",
            f"- **Data it learned from**: {metadata['data_source']}.",
            f"- **Paper**: {metadata['references'][0]}.",
            f"- **Intended use**: {metadata['intended_use']}",
            f"- **Network**: input `image` {json.dumps(io['inputs']['image']['spatial_shape'])} × "
            f"{io['inputs']['image']['num_channels']} channels → `pred` "
            f"{json.dumps(io['outputs']['pred']['spatial_shape'])} × "
            f"{io['outputs']['pred']['num_channels']} channels; {spec['image_size']} px "
            f"{spec['spatial_dims']}D patches, voxel spacing {ours['spacing']}.",
            "",
            USE.format(extra=extra, torchscript=ours["torchscript"], ours="napari_gan_augment"),
            "## Evaluation",
            "",
            _evaluation(metadata["eval_metrics"]),
            "",
            "## Limitations",
            "",
            "- A GAN trained on few images draws from what it saw: check the synthetic pairs "
            "(napari-gan-augment's quality check: near-copies, mask fidelity) before training on "
            "them, and measure any gain against real data only (the Evaluate widget).",
            "- Inputs must be at the run's voxel spacing and intensity range; other scanners, "
            "contrasts or resolutions are out of distribution.",
            "- Synthetic images are not patient data and must not be used for diagnosis.",
            "",
        ]
    )


def _evaluation(metrics: dict[str, Any]) -> str:
    if not metrics:
        return ("None recorded with this export: run an experiment or a quality check on the "
                "run and export again with `--evidence FOLDER`.")  # fmt: skip
    return "\n".join(f"- `{name}`: see `eval_metrics` in configs/metadata.json" for name in metrics)


def license_text(metadata: dict[str, Any]) -> str:
    text = (
        "The weights in models/ were trained by the person who exported this bundle, on the "
        "data named in configs/metadata.json (data_source); they decide the terms under which "
        "it is shared and must hold the rights to share a model of that data. Replace this "
        "file with those terms before publishing the bundle.\n\nThe configs were written by "
        "napari-gan-augment (BSD-3-Clause).\n"
    )
    if "MNI ICBM152" in metadata["data_source"]:
        text += "\nThe training data's notice:\n\n" + sample_path("NOTICE.txt").read_text()
    return text
