"""The downstream networks of the experiments and the fit loop they share.

Segmentation networks and losses live in ``segmentation/networks.py`` (guided generator
training uses them too); classification: MONAI ``DenseNet121`` from scratch. The fit loop
is ours because it must follow one seeded batch stream per arm (fixed sets, on-the-fly
mixing) and report per-epoch curves; MONAI's ``SupervisedTrainer`` would need an Ignite
engine and data loaders for the same.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from monai.inferers import SlidingWindowInferer
from monai.networks.nets import DenseNet121
from monai.transforms import KeepLargestConnectedComponent

from ..errors import GanAugmentError
from ..updates import Updates

Batches = Iterator[tuple[np.ndarray, np.ndarray]]


def classification_network(classes: int = 2) -> torch.nn.Module:
    return DenseNet121(spatial_dims=2, in_channels=1, out_channels=classes)


@dataclass
class FitResult:
    best_epoch: int
    curve: list[dict[str, float]] = field(default_factory=list)


def fit(
    network: torch.nn.Module,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    batches: Batches,
    steps_per_epoch: int,
    validation: tuple[np.ndarray, np.ndarray],
    epochs: int,
    patience: int,
    learning_rate: float,
    device: torch.device,
    update: Updates | None = None,
) -> Generator[dict[str, float], None, FitResult]:
    """Adam with early stopping on the validation loss; ends holding the best weights.

    Yields ``{"epoch", "train_loss", "val_loss"}`` after each epoch (so callers can show
    progress and stop between epochs) and returns the :class:`FitResult`. ``update`` runs
    each optimiser update (fp16 loss scaling for a network in fp16)."""
    update = update or Updates()
    optimiser = torch.optim.Adam(network.parameters(), lr=learning_rate)
    val_x = torch.from_numpy(validation[0]).to(device)
    val_y = torch.from_numpy(validation[1]).to(device)
    result = FitResult(best_epoch=0)
    best_loss, best_state, waited = float("inf"), None, 0
    for epoch in range(epochs):
        network.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            inputs, targets = next(batches)
            loss = loss_fn(
                network(torch.from_numpy(inputs).to(device)), torch.from_numpy(targets).to(device)
            )
            update(optimiser, loss)
            total += float(loss.detach())
        network.eval()
        with torch.no_grad():
            val_loss = float(loss_fn(network(val_x), val_y))
        point = {"epoch": epoch, "train_loss": total / steps_per_epoch, "val_loss": val_loss}
        result.curve.append(point)
        yield point
        if val_loss < best_loss:
            best_loss, result.best_epoch, waited = val_loss, epoch, 0
            best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
        else:
            waited += 1
            if waited >= patience:
                break
    if best_state is None:  # every validation loss was NaN: no epoch to keep
        raise GanAugmentError(
            f"the network's validation loss was not a number in all {len(result.curve)} "
            f"epochs (last training loss {result.curve[-1]['train_loss']:.3g}): nothing to "
            "keep; lower the learning rate, run in fp32 (precision: fp32), or check the training "
            "pairs (masks all background?)"
        )
    network.load_state_dict(best_state)
    network.eval()
    return result


def predict_labels(
    network: torch.nn.Module,
    images: np.ndarray,
    device: torch.device,
    largest_component: bool = False,
    batch_size: int = 32,
) -> np.ndarray:
    """``(N, 1, S, S)`` images → ``(N, S, S)`` int labels (argmax), optionally keeping only
    the largest connected component of each foreground class (MONAI's transform)."""
    parts = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            chunk = torch.from_numpy(images[start : start + batch_size]).to(device)
            parts.append(network(chunk).argmax(1).cpu())
    labels = torch.cat(parts)
    if largest_component:
        labels = torch.stack([_largest_components(label) for label in labels])
    return labels.numpy().astype(np.int64)


def predict_volume(
    network: torch.nn.Module,
    volume: np.ndarray,
    patch: int,
    device: torch.device,
    largest_component: bool = False,
) -> np.ndarray:
    """A normalised ``(Z, Y, X)`` volume → int labels of the same shape, drawn patch by patch
    (MONAI ``SlidingWindowInferer``, Gaussian-blended overlaps: a network trained on patches
    sees patches, and the whole volume stays in host memory)."""
    window = SlidingWindowInferer(
        roi_size=(patch,) * 3,
        sw_batch_size=4,
        overlap=0.25,
        mode="gaussian",
        sw_device=device,
        device=torch.device("cpu"),
    )
    with torch.no_grad():
        logits = window(torch.from_numpy(volume[None, None].astype(np.float32)), network)
    assert isinstance(logits, torch.Tensor)  # one output head
    labels = logits[0].argmax(0)
    if largest_component:
        labels = _largest_components(labels)
    return labels.numpy().astype(np.int64)


def _largest_components(labels: torch.Tensor) -> torch.Tensor:
    """Each foreground class's largest connected component (MONAI's transform)."""
    classes = [int(c) for c in torch.unique(labels) if c > 0]
    if not classes:
        return labels
    keep = KeepLargestConnectedComponent(applied_labels=classes, independent=True)
    return torch.as_tensor(keep(labels[None]))[0]
