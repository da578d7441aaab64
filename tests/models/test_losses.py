from __future__ import annotations

import torch

from napari_gan_augment.models.losses import (
    gradient_penalty,
    wasserstein_critic_loss,
    wasserstein_generator_loss,
)


def _linear_critic(weight: torch.Tensor):
    return lambda x: (x.flatten(1) * weight.flatten()).sum(dim=1)


def test_penalty_is_zero_for_a_1_lipschitz_linear_critic() -> None:
    weight = torch.randn(2, 4, 4)
    weight /= weight.norm()
    real, fake = torch.randn(8, 2, 4, 4), torch.randn(8, 2, 4, 4)
    assert gradient_penalty(_linear_critic(weight), real, fake).item() < 1e-10


def test_penalty_of_a_critic_with_gradient_norm_3_is_4() -> None:
    weight = torch.randn(1, 5, 5)
    weight *= 3 / weight.norm()
    real, fake = torch.randn(4, 1, 5, 5), torch.randn(4, 1, 5, 5)
    assert abs(gradient_penalty(_linear_critic(weight), real, fake).item() - 4.0) < 1e-4


def test_penalty_backpropagates_into_the_critic() -> None:
    critic = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)
    )
    penalty = gradient_penalty(critic, torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4))
    penalty.backward()
    weights = [p for name, p in critic.named_parameters() if name.endswith("weight")]
    assert all(w.grad is not None and torch.isfinite(w.grad).all() for w in weights)
    assert all(w.grad.abs().sum() > 0 for w in weights)


def test_penalty_interpolation_is_seeded() -> None:
    critic = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 1), torch.nn.Softplus())
    real, fake = torch.randn(4, 1, 4, 4), torch.randn(4, 1, 4, 4)
    first = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(3))
    second = gradient_penalty(critic, real, fake, torch.Generator().manual_seed(3))
    assert first.item() == second.item()


def test_wasserstein_signs() -> None:
    real, fake = torch.tensor([2.0, 4.0]), torch.tensor([1.0, -1.0])
    assert wasserstein_critic_loss(real, fake).item() == -3.0
    assert wasserstein_generator_loss(fake).item() == 0.0


def test_r1_of_a_linear_discriminator_is_its_squared_weight_norm() -> None:
    from napari_gan_augment.models.losses import r1_penalty

    linear = torch.nn.Linear(6, 1)
    inputs = torch.randn(5, 6, requires_grad=True)
    penalty = r1_penalty(linear(inputs), inputs)
    assert torch.allclose(penalty, linear.weight.pow(2).sum())
    penalty.backward()  # it keeps its graph: the discriminator learns from it
    assert linear.weight.grad is not None and linear.weight.grad.abs().sum() > 0
