"""Keras 3's training arithmetic in torch: its Adam, RMSprop and clipped cross-entropy (the torch twin, C1/C2).

By hand: torch's own Adam and RMSprop put epsilon elsewhere, so their steps differ from Keras's.
Keras 3 (keras/src/backend/torch/optimizers/torch_adam.py, torch_rmsprop.py), per step t = 1, 2, ...:

    Adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  α = lr·√(1−β2ᵗ)/(1−β1ᵗ);  w ← w − α·m / (√v + ε)
    RMSprop:  v ← ρ·v + (1−ρ)·g²;  w ← w − lr·g / √(v + ε)

Torch's Adam divides the bias-corrected m̂ by √v̂ + ε (ε applied after the correction), and torch's
RMSprop divides by √v + ε. The legacy tf.keras optimizers the author ran (TF 2.x, `decay=1e-4`) made
the same updates (ResourceApplyAdam, ResourceApplyRMSProp). Keras evaluates its learning-rate schedule at
the iteration count *before* the step's increment, so step t (1-based) uses lr0 / (1 + decay·(t−1)):
torch's LambdaLR stepped after each optimizer step gives exactly that (`optimizers.make_optimizer`).

The loss too: Keras's cross-entropy on a softmax output clips the probabilities to [ε, 1−ε] before the
log, so a sample whose true-class probability is below 1e-7 (it happens after RMSprop's first, large
step) or above 1−1e-7 contributes no gradient; torch's cross-entropy on logits always does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch.nn import functional as F

KERAS_EPSILON = 1e-7  # Keras' default epsilon for Adam and RMSprop
KERAS_BETAS = (0.9, 0.999)  # Keras Adam's beta_1, beta_2
KERAS_RHO = 0.9  # Keras RMSprop's average decay (torch calls it alpha, default 0.99)


class KerasAdam(torch.optim.Adam):
    """Adam as Keras 3 applies it: epsilon added to the uncorrected √v, bias correction folded into the step.

    torch's fused Adam computes w ← w − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε′); with ε′ = ε/√(1−β2ᵗ) that is
    exactly Keras's update, so each step sets ε′ for its t and lets the fused kernel run (on Dutta's CNN
    1.0 ms a step, as torch's own fused Adam; a hand-written foreach loop took 3.7 ms).
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = KERAS_BETAS,
        eps: float = KERAS_EPSILON,
    ) -> None:
        _check(lr=lr, eps=eps)
        super().__init__(params, lr=lr, betas=betas, eps=eps, fused=True)
        for group in self.param_groups:
            group["keras_eps"], group["keras_step"] = eps, 0

    @torch.no_grad()
    def step(self, closure=None):
        """One Keras Adam update of every parameter that has a gradient."""
        for group in self.param_groups:
            group["keras_step"] += 1
            group["eps"] = group["keras_eps"] / math.sqrt(1 - group["betas"][1] ** group["keras_step"])
        return super().step(closure)


class KerasRMSprop(torch.optim.Optimizer):
    """RMSprop as Keras 3 applies it (no momentum, not centered): the step divides by √(v + ε)."""

    def __init__(self, params: Iterable, lr: float = 1e-3, rho: float = KERAS_RHO, eps: float = KERAS_EPSILON) -> None:
        _check(lr=lr, eps=eps)
        if not 0.0 <= rho < 1.0:
            raise ValueError(f"rho={rho!r} must be in [0, 1) (Keras' default is {KERAS_RHO}).")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        """One Keras RMSprop update of every parameter that has a gradient."""
        loss = None if closure is None else _with_grad(closure)
        for group in self.param_groups:
            rho = group["rho"]
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                if not self.state[p]:
                    self.state[p] = {"step": 0, "v": torch.zeros_like(p, memory_format=torch.preserve_format)}
                self.state[p]["step"] += 1
            grads = [p.grad for p in params]
            vs = [self.state[p]["v"] for p in params]
            torch._foreach_mul_(vs, rho)
            torch._foreach_addcmul_(vs, grads, grads, value=1 - rho)
            denominators = torch._foreach_add(vs, group["eps"])
            torch._foreach_sqrt_(denominators)
            torch._foreach_addcdiv_(params, grads, denominators, value=-group["lr"])
        return loss


def keras_cross_entropy(logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Keras's (sparse) categorical cross-entropy of softmax(logits): probabilities clipped to [ε, 1−ε], then −log."""
    probs = torch.softmax(logits, dim=1)
    probs = probs / probs.sum(dim=1, keepdim=True)  # as Keras renormalises a softmax output
    log_probs = torch.log(torch.clip(probs, KERAS_EPSILON, 1.0 - KERAS_EPSILON))
    return F.nll_loss(log_probs, target, reduction=reduction)


def _with_grad(closure):
    with torch.enable_grad():
        return closure()


def _check(*, lr: float, eps: float) -> None:
    if not lr > 0:
        raise ValueError(f"lr={lr!r} must be > 0 (the seed used 1e-3).")
    if not eps > 0:
        raise ValueError(f"eps={eps!r} must be > 0 (Keras' default is {KERAS_EPSILON}).")


def legacy_decay_ignored() -> tuple[bool, str]:
    """C11: whether Keras 3 ignores the author's `Adam(learning_rate=1e-3, decay=1e-4)`, and Keras's own words.

    Returns (ignored, evidence): the warning Keras gives and the learning rate the optimizer holds.
    """
    import warnings

    from mnist_helpers.core.env import keras_on_torch

    keras_on_torch()  # torch, or a clear error naming KERAS_BACKEND (not "No module named 'jax'")
    import keras

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = keras.optimizers.Adam(learning_rate=1e-3, decay=1e-4)
    said = [str(w.message) for w in caught if "decay" in str(w.message)]
    lr = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    ignored = bool(said) and "decay" not in {k for k, v in optimizer.get_config().items() if v}
    return ignored, f"Keras {keras.__version__}: {said[0] if said else 'no warning'}; learning rate stays {lr:g}"
