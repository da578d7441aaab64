"""A training run → a MONAI bundle that MONAI's own tools verify, export and run.

Layout (MONAI model zoo's)::

    configs/metadata.json    valid against MONAI's meta schema; inputs.image → outputs.pred
    configs/inference.json   draws N pairs (or images for masks in dataset_dir) as NIfTI
    models/model.pt          the trained generator's state dict
    models/model.ts          the same module as TorchScript (runs without this package)
    docs/README.md, LICENSE, changelog

The bundle is written beside its destination and renamed into place (or zipped) only when
whole; an existing destination is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import monai
import nibabel
import numpy as np
import torch
from monai.data import save_net_with_metadata

from .. import __version__
from ..atomic import write_json, write_text
from ..errors import InputError
from ..models.registry import get_family
from ..synthesis.generate import LoadedGenerator, load_generator
from ..synthesis.writing import generator_provenance
from ..training.checkpoint import load_checkpoint
from .reading import OURS
from .readme import license_text, readme_text
from .recipes import INFERENCE, STEPS, recipe_for

SCHEMA = (
    "https://github.com/Project-MONAI/MONAI-extra-test-data/releases/download/0.8.1/"
    "meta_schema_20240725.json"
)
BUNDLE_VERSION = "0.1.0"


def export_bundle(
    run_dir: str | Path,
    out: str | Path,
    checkpoint: str = "last.pt",
    as_zip: bool = False,
    evidence: Sequence[str | Path] = (),
    num_samples: int = 16,
) -> Path:
    """Write the bundle of ``run_dir``'s ``checkpoint`` to ``out`` (a new folder, or
    ``out`` + ``.zip``); ``evidence``: experiment or quality-check folders measured on this
    run, whose numbers go into ``eval_metrics``. Returns the written path."""
    generator = load_generator(run_dir, checkpoint, device="cpu", precision="fp32")
    spec = generator.spec
    if spec.context_slices:
        raise InputError(
            f"{run_dir} draws each slice with {spec.context_slices} neighbouring mask slices; "
            "bundles take single masks, so export a run trained without slice context"
        )
    out = Path(out)
    target = out.with_name(f"{out.name.removesuffix('.zip')}.zip") if as_zip else out
    if target.exists():
        raise InputError(f"{target} already exists; choose a new name (nothing was written)")
    metrics = _evidence(generator, evidence)
    part = target.parent / f".{target.name}.folder.part"
    shutil.rmtree(part, ignore_errors=True)
    try:
        _write(part, generator, metrics, num_samples)
        if as_zip:
            _zip(part, target, target.stem)
        else:
            os.replace(part, target)
    finally:
        shutil.rmtree(part, ignore_errors=True)
    return target


def _write(root: Path, generator: LoadedGenerator, metrics: dict, num_samples: int) -> None:
    network = generator.model.bundle_network.cpu().eval()
    for folder in ("models", "configs", "docs"):
        (root / folder).mkdir(parents=True)
    torch.save(network.state_dict(), root / "models" / "model.pt")
    scripted, how = _torchscript(network, generator)
    model_sha = hashlib.sha256((root / "models" / "model.pt").read_bytes()).hexdigest()
    metadata = _metadata(generator, metrics, model_sha, how)
    inference = _inference(generator, metadata, num_samples)
    write_json(root / "configs" / "metadata.json", metadata)
    write_json(root / "configs" / "inference.json", inference)
    # with metadata.json inside, as ckpt_export writes it and monai.bundle.load reads it
    save_net_with_metadata(
        scripted, str(root / "models" / "model.ts"), meta_values=metadata,
        more_extra_files={"inference.json": json.dumps(inference).encode()},
    )  # fmt: skip
    write_text(root / "docs" / "README.md", readme_text(metadata))
    write_text(root / "LICENSE", license_text(metadata))
    write_text(root / "changelog", f"{BUNDLE_VERSION}: {metadata['changelog'][BUNDLE_VERSION]}\n")


def _torchscript(network: torch.nn.Module, generator: LoadedGenerator) -> tuple[Any, str]:
    """Scripted when TorchScript can compile the module, else traced on an input of the
    bundle's shape (the same method ``ckpt_export`` is told to use)."""
    try:
        return torch.jit.script(network), "script"
    except Exception:  # noqa: BLE001 - any compile failure: fall back to tracing
        example = _example_input(generator)
        with torch.no_grad():
            return torch.jit.trace(network, example), "trace"


def _example_input(generator: LoadedGenerator) -> torch.Tensor:
    spec = generator.spec
    description = recipe_for(generator.model.kind).input(spec)
    return torch.rand(1, description["num_channels"], *description["spatial_shape"])


def _metadata(
    generator: LoadedGenerator, metrics: dict, model_sha: str, torchscript: str
) -> dict[str, Any]:
    spec, kind = generator.spec, generator.model.kind
    recipe, info = recipe_for(kind), get_family(spec.family)
    config = json.loads(load_checkpoint(generator.checkpoint).get("config", "{}"))
    data = config.get("data", {})
    classes = ", ".join(f"{c}: class {c}" for c in range(1, spec.num_classes))
    return {
        "schema": SCHEMA,
        "version": BUNDLE_VERSION,
        "changelog": {
            BUNDLE_VERSION: f"exported from {spec.family} run at step {generator.step} "
            f"({date.today().isoformat()})"
        },
        "monai_version": monai.__version__,
        "pytorch_version": torch.__version__.split("+")[0],
        "numpy_version": np.__version__,
        "required_packages_version": {
            "napari-gan-augment": __version__,
            "nibabel": nibabel.__version__,
        },
        "task": f"{recipe.task} ({spec.spatial_dims}D, {spec.family})",
        "description": f"{info.summary}. Trained with napari-gan-augment {__version__} for "
        f"{generator.step} steps at {spec.image_size} px; it makes {recipe.makes}.",
        "authors": "the person who trained the run (exported by napari-gan-augment)",
        "copyright": "the person who trained the run; see LICENSE",
        "data_source": _data_source(data),
        "data_type": "nibabel",
        "image_classes": recipe.takes or "latent vector (no image input)",
        "label_classes": f"0: background, {classes}",
        "pred_classes": recipe.makes,
        "eval_metrics": metrics,
        "intended_use": "Synthetic training data for segmentation research (data augmentation); "
        "not for diagnosis. Evaluate any use on real held-out data.",
        "references": [info.reference],
        "network_data_format": {
            "inputs": {"image": recipe.input(spec)},
            "outputs": {"pred": recipe.output(spec)},
        },
        OURS: {
            "family": spec.family,
            "kind": str(kind),
            "spec": json.loads(spec.to_json()),
            "normaliser": generator.normaliser.to_dict(),
            "spacing": list(generator.spacing),
            "step": generator.step,
            "slice_axis": generator.metadata.get("slice_axis"),
            "model_sha256": model_sha,
            "torchscript": torchscript,
            "training_config": config,
            "provenance": generator_provenance(generator, None, "bundle"),
        },
    }


def _data_source(data: dict[str, Any]) -> str:
    if data.get("source") == "sample":
        return "the MNI ICBM152 2009a sample bundled with napari-gan-augment (see LICENSE)"
    paths = [str(data[k]) for k in ("path", "mask_path") if data.get(k)]
    where = ", ".join(paths) or "napari layers"
    return f"the trainer's own data ({data.get('source', 'layers')}: {where})"


def _inference(generator: LoadedGenerator, metadata: dict, num_samples: int) -> dict[str, Any]:
    spec, recipe = generator.spec, recipe_for(generator.model.kind)
    ours = metadata[OURS]
    source_dtype = np.dtype(generator.normaliser.dtype).name
    config: dict[str, Any] = {
        "imports": [
            "$import glob",
            "$import numpy",
            "$import torch",
            f"$import {INFERENCE} as {STEPS}",
        ],
        "bundle_root": ".",
        "device": "$torch.device('cuda' if torch.cuda.is_available() else 'cpu')",
        "output_dir": "$@bundle_root + '/eval'",
        "seed": 0,
        "spec": ours["spec"],
        "normaliser": ours["normaliser"],
        "spacing": ours["spacing"],
        "provenance": ours["provenance"] | {"bundle_version": BUNDLE_VERSION},
        "network_def": {"_target_": f"{INFERENCE}.trained_network", "spec": "@spec"},
        "network": "$@network_def.to(@device)",
    }
    if recipe.takes is None:
        config["num_samples"] = num_samples
    else:
        config["dataset_dir"] = "$@bundle_root + '/inputs'"
    saves = [_save("image", f"$numpy.{source_dtype}"), _save("label", "$numpy.uint8", "mask")]
    config |= {
        "data": recipe.data(),
        "preprocessing": {"_target_": "Compose", "transforms": recipe.preprocessing()},
        "dataset": {"_target_": "Dataset", "data": "@data", "transform": "@preprocessing"},
        "dataloader": {"_target_": "DataLoader", "dataset": "@dataset", "batch_size": 1,
                       "shuffle": False, "num_workers": 0},  # fmt: skip
        "inferer": recipe.inferer(spec),
        "postprocessing": {"_target_": "Compose", "transforms": [recipe.output_step(), *saves]},
        "handlers": [{"_target_": "CheckpointLoader", "load_path":
                      "$@bundle_root + '/models/model.pt'", "load_dict": {"model": "@network"},
                      "map_location": "@device"}],  # fmt: skip
        "evaluator": {"_target_": "SupervisedEvaluator", "device": "@device",
                      "val_data_loader": "@dataloader", "network": "@network",
                      "inferer": "@inferer", "postprocessing": "@postprocessing",
                      "val_handlers": "@handlers"},  # fmt: skip
        "run": ["$@evaluator.run()",
                f"${STEPS}.write_provenance(@output_dir, @bundle_root, @provenance)"],
    }  # fmt: skip
    return config


def _save(key: str, dtype: str, postfix: str | None = None) -> dict[str, Any]:
    return {"_target_": "SaveImaged", "keys": key, "output_dir": "@output_dir",
            "output_postfix": postfix or key, "output_ext": ".nii.gz", "output_dtype": dtype,
            "resample": False, "separate_folder": False, "print_log": False,
            "allow_missing_keys": True}  # fmt: skip


def _evidence(generator: LoadedGenerator, folders: Sequence[str | Path]) -> dict[str, Any]:
    """Numbers of experiments (``summary.json``) and quality checks (``quality.json``) that
    measured this run; a folder that names another run is refused, not quietly included."""
    run = generator.metadata["run_dir"]
    metrics: dict[str, Any] = {}
    for folder in map(Path, folders):
        found = [folder / n for n in ("summary.json", "quality.json") if (folder / n).is_file()]
        if not found:
            raise InputError(f"{folder} holds no summary.json or quality.json: not an experiment "
                             "or quality-check folder")  # fmt: skip
        record_text = "".join(p.read_text() for p in folder.glob("*.json"))
        record_text += "".join(p.read_text() for p in folder.glob("*.yaml"))
        if run not in record_text and generator.metadata["checkpoint_sha256"] not in record_text:
            raise InputError(f"{folder} did not measure the run {run}; give only experiments or "
                             "quality checks made with it")  # fmt: skip
        metrics[f"{found[0].stem}:{folder.name}"] = json.loads(found[0].read_text())
    return metrics


def _zip(folder: Path, target: Path, name: str) -> None:
    """A zip holding the bundle folder ``name/`` (how the model zoo ships bundles)."""
    part = target.parent / f".{target.name}.part"
    with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path(name) / path.relative_to(folder))
    os.replace(part, target)
