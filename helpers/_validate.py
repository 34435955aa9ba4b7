"""Argument checks shared by the helpers: each raises a ``ValueError`` that names the argument."""

from __future__ import annotations

import numpy as np


def check_step_size(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite step size > 0, else raise ``ValueError``."""
    value = float(value)
    if not np.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def check_discount(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a discount factor in [0, 1], else raise ``ValueError``."""
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return value


def check_positive_int(name: str, value: int) -> int:
    """Return ``value`` if it is an integer >= 1, else raise ``ValueError``."""
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def check_theta(name: str, theta: np.ndarray | float, n_params: int) -> np.ndarray:
    """Return ``theta`` as a float array whose last axis has length ``n_params``.

    Leading axes are allowed (one θ per run, for batched learning).
    """
    theta = np.asarray(theta, dtype=float)
    if theta.ndim == 0:
        theta = theta.reshape(1)
    if theta.shape[-1] != n_params:
        raise ValueError(
            f"{name} must have {n_params} entries on its last axis, got shape {theta.shape}"
        )
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"{name} must be finite, got {theta!r}")
    return theta
