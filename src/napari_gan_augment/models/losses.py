"""Losses MONAI does not provide (MONAI has no Wasserstein critic loss or gradient penalty).

The BCE losses are not MONAI's ``PatchAdversarialLoss(criterion="bce")``: that applies a
sigmoid and then ``BCELoss``, whose log is clamped for confident logits (a logit of 40
scores 100, not 40; the logits form here stays exact) and which refuses to run under CUDA
autocast; its ``"hinge"`` passes logits through tanh first, a
bounded loss unlike the published hinge FastGAN uses.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from ..parallel import draw_sharded
from ..updates import Updates
from .diffaugment import DiffAugment


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
    scale: float = 1.0,
) -> torch.Tensor:
    """WGAN-GP penalty ``E[(‖∇ₓ D(x̂)‖₂ − 1)²]`` on random interpolates (Gulrajani et al. 2017).

    Args:
        critic: maps a batch to one score per sample.
        real: real batch ``(N, C, ...)``.
        fake: generated batch of the same shape (detached here).
        generator: random generator for the interpolation weights (reproducibility).
        scale: the critic's fp16 loss scale: the scores are differentiated scaled by it (so
            small gradients do not flush to zero in fp16) and the gradients unscaled after.

    Returns:
        A scalar tensor that keeps its graph, so it can be added to the critic loss.
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)
    alpha = draw_sharded(  # several processes: each its share of one global draw
        lambda n: torch.rand(
            (n, *shape[1:]), device=real.device, dtype=real.dtype, generator=generator
        ),
        shape[0],
    )
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(scores.sum() * scale, mixed, create_graph=True)
    grads = grads / scale
    return ((grads.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def r1_penalty(scores: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """R1 ``E[‖∇ₓ D(x)‖²]`` at real inputs (Mescheder et al. 2018); ``inputs`` must have
    required gradients before ``scores`` were computed from them. Keeps its graph."""
    (grads,) = torch.autograd.grad(scores.sum(), inputs, create_graph=True)
    return grads.flatten(1).pow(2).sum(1).mean()


def wasserstein_critic_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """The critic minimises ``D(fake) − D(real)`` (an estimate of −W₁)."""
    return fake_scores.mean() - real_scores.mean()


def wasserstein_generator_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """The generator minimises ``−D(fake)``."""
    return -fake_scores.mean()


def wgan_gp_update(
    critic: nn.Module,
    optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
    real: torch.Tensor,
    generate: Callable[[], torch.Tensor],
    critic_steps: int,
    gp_weight: float,
    rng: torch.Generator,
    augment: DiffAugment,
    update: Updates,
) -> dict[str, float]:
    """``critic_steps`` WGAN-GP critic updates on ``real``, then one generator update.

    Args:
        critic: scores a batch (one value per sample).
        optimizers: (critic optimiser, generator optimiser).
        real: the real batch the critic compares against.
        generate: draws a fake batch with gradients to the generator.
        critic_steps, gp_weight: n_critic and λ of Gulrajani et al. (2017).
        rng: for the interpolation weights of the penalty.
        augment: applied to every batch the critic sees (the penalty's interpolates are
            between augmented batches).
        update: runs each optimiser update (loss scaling, averaging over ranks).
    """
    critic_opt, gen_opt = optimizers
    for _ in range(critic_steps):
        with torch.no_grad():
            fake = augment(generate())
        seen = augment(real)
        real_scores, fake_scores = critic(seen), critic(fake)
        augment.observe(real_scores, fake_scores)
        wasserstein = wasserstein_critic_loss(real_scores, fake_scores)
        penalty = gradient_penalty(critic, seen, fake, rng, update.scale(critic_opt))
        critic_loss = wasserstein + gp_weight * penalty
        update(critic_opt, critic_loss)
    gen_loss = wasserstein_generator_loss(critic(augment(generate())))
    update(gen_opt, gen_loss)
    return {
        "loss_generator": float(gen_loss.detach()),
        "loss_critic": float(critic_loss.detach()),
        "wasserstein_distance": float(-wasserstein.detach()),
        "gradient_penalty": float(penalty.detach()),
    }


def bce_discriminator_update(
    discriminator: nn.Module,
    optimizer: torch.optim.Optimizer,
    real: torch.Tensor,
    fake: torch.Tensor,
    augment: DiffAugment,
    update: Updates,
) -> torch.Tensor:
    """One DCGAN discriminator update (BCE on logits: real → 1, fake → 0) on augmented
    inputs; returns its loss."""
    real_logits = discriminator(augment(real))
    fake_logits = discriminator(augment(fake.detach()))
    augment.observe(real_logits, fake_logits)
    loss = F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    update(optimizer, loss)
    return loss.detach()


def bce_generator_loss(
    discriminator: nn.Module, fake: torch.Tensor, augment: DiffAugment
) -> torch.Tensor:
    """The non-saturating DCGAN generator loss: (augmented) fakes should be called real."""
    logits = discriminator(augment(fake))
    return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
