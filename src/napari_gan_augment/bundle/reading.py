"""A bundle (folder or zip) read back as a generator, without running any of its configs.

Ours carry everything needed in ``configs/metadata.json`` (the run's spec, intensity window,
spacing): the network is rebuilt from the family and ``models/model.pt`` is loaded with
``weights_only``. A bundle from elsewhere is *foreign*: its configs hold Python expressions
that run on load, so it is never opened here; ``run_foreign_bundle`` runs it through MONAI
only when the user says they trust it, after a warning.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import platformdirs
import torch

from ..data.normalise import IntensityNormaliser
from ..devices import resolve_device
from ..errors import CheckpointError, InputError
from ..models.base import ModelSpec
from ..models.registry import get_family
from ..precision import resolve_precision
from ..synthesis.loaded import LoadedGenerator

METADATA = Path("configs") / "metadata.json"
OURS = "napari_gan_augment"


class ForeignBundleWarning(UserWarning):
    """A bundle not exported by napari-gan-augment is about to run its config expressions."""


def is_bundle(path: str | Path) -> bool:
    """A folder with ``configs/metadata.json``, or a zip holding one."""
    path = Path(path)
    if path.is_dir():
        return (path / METADATA).is_file()
    return path.is_file() and zipfile.is_zipfile(path)


def bundle_folder(path: str | Path) -> Path:
    """The bundle's folder; a zip is unpacked once into the user cache (keyed by its
    SHA-256, so a changed zip is unpacked anew; members outside the folder are refused)."""
    path = Path(path)
    if path.is_dir():
        return path
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    target = Path(platformdirs.user_cache_dir("napari-gan-augment")) / "bundles" / digest
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        roots = {n.split("/")[0] for n in names}
        if any(n.startswith("/") or ".." in Path(n).parts for n in names) or len(roots) != 1:
            raise InputError(f"{path} is not a bundle zip (one folder with configs/metadata.json)")
        folder = target / roots.pop()
        if not (folder / METADATA).is_file():
            archive.extractall(target)
    if not (folder / METADATA).is_file():
        raise InputError(f"{path} holds no configs/metadata.json: not a MONAI bundle")
    return folder


def bundle_metadata(path: str | Path) -> dict[str, Any]:
    folder = bundle_folder(path)
    try:
        return dict(json.loads((folder / METADATA).read_text()))
    except (OSError, ValueError) as exc:
        raise InputError(f"{folder / METADATA} cannot be read as JSON ({exc})") from exc


def is_ours(metadata: dict[str, Any]) -> bool:
    return OURS in metadata


def foreign_message(path: str | Path) -> str:
    return (
        f"{path} is a MONAI bundle that napari-gan-augment did not export: its configs run "
        "Python expressions when loaded, so it is not opened automatically. Read its "
        "configs/inference.json, then run it with MONAI (python -m monai.bundle run "
        "--config_file configs/inference.json --bundle_root BUNDLE), or pass --trust-bundle "
        "to gan-augment generate"
    )


def synthesis_home(source: str | Path) -> Path:
    """Where draws from ``source`` go: a run's ``synthesized/`` folder, or for a bundle
    (never written into) a ``<name>-synthesized/`` folder beside it."""
    source = Path(source)
    if is_bundle(source):
        return source.parent / f"{source.name.removesuffix('.zip')}-synthesized"
    return source / "synthesized"


def spatial_dims_of(source: str | Path) -> int:
    """2 or 3: what a run (its config) or one of our bundles (its spec) draws."""
    if is_bundle(source):
        metadata = bundle_metadata(source)
        if not is_ours(metadata):
            raise InputError(foreign_message(source))
        return int(metadata[OURS]["spec"]["spatial_dims"])
    from ..training import RunDirectory

    return RunDirectory(source).load_config().spatial_dims


def read_bundle(path: str | Path, device: str = "auto", precision: str = "auto") -> LoadedGenerator:
    """A :class:`~napari_gan_augment.synthesis.loaded.LoadedGenerator` from one of our
    bundles (folder or zip); a foreign bundle is refused with what to do instead."""
    folder = bundle_folder(path)
    metadata = bundle_metadata(folder)
    if not is_ours(metadata):
        raise InputError(foreign_message(path))
    ours = metadata[OURS]
    weights = folder / "models" / "model.pt"
    if not weights.is_file():
        raise CheckpointError(f"{folder} has no models/model.pt: the bundle is incomplete")
    sha = hashlib.sha256(weights.read_bytes()).hexdigest()
    if sha != ours["model_sha256"]:
        raise CheckpointError(
            f"{weights} is not the file this bundle was exported with (SHA-256 differs): "
            "it was changed or damaged; export the bundle again"
        )
    spec = ModelSpec.from_json(json.dumps(ours["spec"]))
    torch_device = resolve_device(device)
    model = get_family(spec.family).build(spec, torch_device)
    state = torch.load(weights, map_location=torch_device, weights_only=True)
    model.bundle_network.load_state_dict(state)
    chosen = resolve_precision(precision, torch_device, measure=False)
    chosen.apply(model.bundle_network)
    model.eval()
    provenance = ours["provenance"]
    record = {
        "family": spec.family,
        "run_dir": provenance["run"],
        "checkpoint": str(weights.resolve()),
        "checkpoint_sha256": provenance["checkpoint_sha256"],
        "step": int(ours["step"]),
        "precision": chosen.name,
        "bundle": str(Path(path).resolve()),
    }
    if ours.get("slice_axis") is not None:
        record["slice_axis"] = ours["slice_axis"]
    normaliser = IntensityNormaliser.from_dict(ours["normaliser"])
    spacing = tuple(float(s) for s in ours["spacing"])
    return LoadedGenerator(model, normaliser, spacing, int(ours["step"]), weights, record)  # type: ignore[arg-type]


def run_foreign_bundle(path: str | Path, out: str | Path, **overrides: Any) -> None:
    """Run a foreign bundle's ``configs/inference.json`` with MONAI, writing to ``out``,
    after a :class:`ForeignBundleWarning` (its expressions run with the user's rights)."""
    from monai.bundle import run

    folder = bundle_folder(path)
    warnings.warn(
        f"running the configs of {path}, which napari-gan-augment did not export: their "
        "Python expressions run with your rights",
        ForeignBundleWarning,
        stacklevel=2,
    )
    run(
        config_file=str(folder / "configs" / "inference.json"),
        meta_file=str(folder / METADATA),
        bundle_root=str(folder),
        output_dir=str(out),
        **overrides,
    )
