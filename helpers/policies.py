"""Parameterised policies with analytic scores.

Every policy here is a small stateless object that knows its shape; the parameters θ
are passed to each call, so an algorithm can hold many θ at once. All methods are
vectorised: θ may carry leading batch axes (one θ per run) that broadcast against
the leading axes of the inputs ``x`` and actions ``a``.

Discrete policies share one interface:

``probs(theta, x)``            π(·|s, θ) for every action, shape (..., A)
``log_prob(theta, x, a)``      ln π(a|s, θ), shape (...)
``grad_log_prob(theta, x, a)`` ∇_θ ln π(a|s, θ), the *score*, shape (..., d)
``sample(theta, x, rng)``      actions drawn from π(·|s, θ), shape (...)
``table(theta, inputs)``       the table ``pi[s, a]`` for a tabular problem
``grad_log_table(theta, inputs)``  the scores of every action in every state, (S, A, d)

Everything is computed in log space (log-sigmoid, log-sum-exp), so θ with entries
of ±1e3 gives finite values and no overflow warning.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from helpers._validate import check_positive_int, check_theta

LOG_SIGMA_BOUND = 10.0
"""The Gaussian policy's learned log σ is clipped to [-10, 10] (σ in [4.5e-5, 2.2e4])."""


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The stable :math:`\ln \sigma(z) = -\ln(1 + e^{-z})`."""
    return -np.logaddexp(0.0, -np.asarray(z, dtype=float))


def sigmoid(z: np.ndarray) -> np.ndarray:
    r"""The logistic function :math:`\sigma(z) = 1 / (1 + e^{-z})`, without overflow."""
    return np.exp(log_sigmoid(z))


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""The stable :math:`\ln \mathrm{softmax}(z)_a = z_a - \ln \sum_b e^{z_b}` (log-sum-exp)."""
    z = np.asarray(z, dtype=float)
    z_max = np.max(z, axis=axis, keepdims=True)
    return z - z_max - np.log(np.sum(np.exp(z - z_max), axis=axis, keepdims=True))


def categorical_sample(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one index per row of ``probs`` (shape (..., A)) by inverting the cumulative sum."""
    cumulative = np.cumsum(probs, axis=-1)
    u = rng.random(cumulative.shape[:-1])[..., None] * cumulative[..., -1:]
    return np.minimum((u >= cumulative).sum(axis=-1), probs.shape[-1] - 1)


def state_features(x: np.ndarray, n_features: int) -> np.ndarray:
    """``x`` as floats of shape (..., n_features); with one feature a missing trailing axis is added."""
    x = np.asarray(x, dtype=float)
    if n_features == 1 and (x.ndim == 0 or x.shape[-1] != 1):
        x = x[..., None]
    if x.shape[-1] != n_features:
        raise ValueError(f"x must have {n_features} features on its last axis, got shape {x.shape}")
    return x


def _check_actions(a: np.ndarray, n_actions: int) -> np.ndarray:
    a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.integer) or np.any((a < 0) | (a >= n_actions)):
        raise ValueError(f"a must hold integer actions in 0..{n_actions - 1}, got {a!r}")
    return a


class DiscretePolicy(Protocol):
    """What the solvers and REINFORCE need of a policy over a finite set of actions."""

    n_actions: int
    n_params: int

    def probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        """π(·|s, θ), shape (..., A)."""

    def grad_log_prob(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        """∇ln π(a|s, θ), shape (..., d)."""

    def table(self, theta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The table ``pi[s, a]``."""

    def grad_log_table(self, theta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The scores ``[s, a, :]`` of every state and action."""

    def preference_features(self, x: np.ndarray) -> np.ndarray:
        """The features x(s, a) of the linear preferences θᵀx(s, a) that π is the softmax of."""


class _DiscretePolicy:
    """Shared methods of the discrete policies (they define ``log_probs`` and ``grad_log_probs``)."""

    n_actions: int
    n_params: int

    def log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def grad_log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""The action probabilities :math:`\pi(a|s, \theta)` for every action, shape (..., A)."""
        return np.exp(self.log_probs(theta, x))

    def log_prob(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        r""":math:`\ln \pi(a|s, \theta)` of the given actions, shape (...)."""
        a = _check_actions(a, self.n_actions)
        log_probs = self.log_probs(theta, x)
        a = np.broadcast_to(a, log_probs.shape[:-1])
        return np.take_along_axis(log_probs, a[..., None], axis=-1)[..., 0]

    def grad_log_prob(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        r"""The score :math:`\nabla_\theta \ln \pi(a|s, \theta)` of the given actions, shape (..., d)."""
        a = _check_actions(a, self.n_actions)
        scores = self.grad_log_probs(theta, x)
        a = np.broadcast_to(a, scores.shape[:-2])
        return np.take_along_axis(scores, a[..., None, None], axis=-2)[..., 0, :]

    def sample(self, theta: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        r"""Actions drawn from :math:`\pi(\cdot|s, \theta)`, one per leading index, shape (...)."""
        return categorical_sample(self.probs(theta, x), rng)

    def table(self, theta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The policy table ``pi[s, a]`` for a tabular problem whose states have these inputs."""
        pi = self.probs(theta, inputs)
        if pi.ndim != 2:
            raise ValueError(
                "table needs one θ and inputs with one entry per state; "
                f"got a table of shape {pi.shape}"
            )
        return pi

    def grad_log_table(self, theta: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        r"""The scores ``[s, a, :]`` = :math:`\nabla \ln \pi(a|s, \theta)` for every state and action."""
        return self.grad_log_probs(theta, inputs)


class SigmoidPolicy(_DiscretePolicy):
    r"""Two actions chosen by a logistic model: :math:`\pi(1|s, \theta) = \sigma(\theta^\top x(s))`.

    In the demand problem action 1 is MORE and x(s) is the change in demand p,
    so :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`.

    Parameters
    ----------
    n_features : int
        The length d of x(s) and θ. With ``n_features=1`` the inputs may omit the
        trailing feature axis: ``x`` of shape (...) is read as (..., 1).

    Notes
    -----
    The score has a closed form,

    .. math:: \nabla_\theta \ln \pi(a|s, \theta) = \big(a - \sigma(\theta^\top x)\big)\, x,

    and :math:`\ln \pi(1|s) = \ln\sigma(z)`, :math:`\ln \pi(0|s) = \ln\sigma(-z)` are
    evaluated as log-sigmoids.
    """

    n_actions = 2

    def __init__(self, n_features: int = 1) -> None:
        self.n_params = check_positive_int("n_features", n_features)

    def __repr__(self) -> str:
        return f"SigmoidPolicy(n_features={self.n_params})"

    def _features(self, x: np.ndarray) -> np.ndarray:
        return state_features(x, self.n_params)

    def logit(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""The preference :math:`z = \theta^\top x(s)` of action 1, shape (...)."""
        theta = check_theta("theta", theta, self.n_params)
        return np.sum(theta * self._features(x), axis=-1)

    def log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r""":math:`[\ln \sigma(-z), \ln \sigma(z)]`, the log-probabilities of actions 0 and 1."""
        z = self.logit(theta, x)
        return np.stack([log_sigmoid(-z), log_sigmoid(z)], axis=-1)

    def grad_log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""Scores of both actions: :math:`(a - \sigma(z))\, x` for a = 0, 1; shape (..., 2, d)."""
        x = self._features(x)
        p1 = sigmoid(self.logit(theta, x))[..., None]
        return np.stack([-p1 * x, (1.0 - p1) * x], axis=-2)

    def preference_features(self, x: np.ndarray) -> np.ndarray:
        r"""The same policy as a softmax over :math:`\theta^\top x(s, a)`: x(s, 0) = 0, x(s, 1) = x(s).

        :math:`e^{z} / (e^{0} + e^{z}) = \sigma(z)`; shape (..., 2, d).
        """
        x = self._features(x)
        return np.stack([np.zeros_like(x), x], axis=-2)


class SoftmaxLinearPolicy(_DiscretePolicy):
    r"""Softmax over linear action preferences (Sutton & Barto eq. 13.2 and 13.3).

    .. math:: h(s, a, \theta) = \theta^\top x(s, a), \qquad
              \pi(a|s, \theta) = \frac{e^{h(s, a, \theta)}}{\sum_b e^{h(s, b, \theta)}}.

    Parameters
    ----------
    n_actions : int
        The number of actions A.
    n_features : int
        The length d of x(s, a) and θ. Inputs ``x`` have shape (..., A, d).

    Notes
    -----
    The score is the feature of the chosen action minus its average under π
    (Sutton & Barto eq. 13.9):

    .. math:: \nabla_\theta \ln \pi(a|s, \theta) = x(s, a) - \sum_b \pi(b|s, \theta)\, x(s, b).

    See :func:`left_down_right_features` for the seed's three actions with θ of
    length 2.
    """

    def __init__(self, n_actions: int, n_features: int) -> None:
        self.n_actions = check_positive_int("n_actions", n_actions)
        if self.n_actions < 2:
            raise ValueError(f"n_actions must be at least 2, got {n_actions!r}")
        self.n_params = check_positive_int("n_features", n_features)

    def __repr__(self) -> str:
        return f"SoftmaxLinearPolicy(n_actions={self.n_actions}, n_features={self.n_params})"

    def _features(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.ndim < 2 or x.shape[-2:] != (self.n_actions, self.n_params):
            raise ValueError(
                f"x must have shape (..., {self.n_actions}, {self.n_params}) "
                f"(actions, features), got {x.shape}"
            )
        return x

    def preferences(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""The action preferences :math:`h(s, a, \theta) = \theta^\top x(s, a)`, shape (..., A)."""
        theta = check_theta("theta", theta, self.n_params)
        return np.sum(self._features(x) * theta[..., None, :], axis=-1)

    def log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r""":math:`\ln \pi(a|s, \theta) = h(s, a) - \ln \sum_b e^{h(s, b)}` for every action."""
        return log_softmax(self.preferences(theta, x))

    def grad_log_probs(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""Scores of every action, :math:`x(s, a) - \sum_b \pi(b|s) x(s, b)`; shape (..., A, d)."""
        x = self._features(x)
        pi = self.probs(theta, x)
        mean_feature = np.sum(pi[..., None] * x, axis=-2, keepdims=True)
        return x - mean_feature

    def preference_features(self, x: np.ndarray) -> np.ndarray:
        """The features x(s, a) themselves, checked: shape (..., A, d)."""
        return self._features(x)


def left_down_right_features(phi: np.ndarray) -> np.ndarray:
    r"""Features x(s, a) for the seed's three actions (left, down, right) from state features φ(s).

    Left's preference is :math:`\theta_L^\top \phi(s)`, right's is :math:`\theta_R^\top \phi(s)`,
    and down's is fixed at 0, so θ = (θ_L, θ_R) has two entries per state feature and
    the parameterisation is identifiable (adding a constant to every preference
    would not change π, so one preference is pinned). With a single feature θ has
    length 2, as in the seed.

    Parameters
    ----------
    phi : ndarray, shape (..., k)
        State features.

    Returns
    -------
    ndarray, shape (..., 3, 2k)
        ``x[..., 0, :] = [φ, 0]`` (left), ``x[..., 1, :] = 0`` (down), ``x[..., 2, :] = [0, φ]`` (right).
    """
    phi = np.asarray(phi, dtype=float)
    if phi.ndim == 0:
        raise ValueError("phi must have a trailing feature axis, shape (..., k)")
    zeros = np.zeros_like(phi)
    left = np.concatenate([phi, zeros], axis=-1)
    right = np.concatenate([zeros, phi], axis=-1)
    down = np.zeros_like(left)
    return np.stack([left, down, right], axis=-2)


class GaussianPolicy:
    r"""A Gaussian policy over a real action (Sutton & Barto section 13.7).

    .. math:: \pi(a|s, \theta) = \frac{1}{\sigma(s)\sqrt{2\pi}}
              \exp\!\Big(-\frac{(a - \mu(s))^2}{2\sigma(s)^2}\Big), \qquad
              \mu(s) = \theta_\mu^\top x(s).

    Parameters
    ----------
    n_features : int
        The length d of x(s). Inputs ``x`` have shape (..., d).
    sigma : float or None
        A fixed standard deviation σ > 0, so θ = θ_μ has d entries; or ``None`` to
        learn it as :math:`\sigma(s) = \exp(\theta_\sigma^\top x(s))`, so
        θ = (θ_μ, θ_σ) has 2d entries.

    Notes
    -----
    The scores are

    .. math:: \nabla_{\theta_\mu} \ln \pi = \frac{a - \mu(s)}{\sigma(s)^2}\, x(s), \qquad
              \nabla_{\theta_\sigma} \ln \pi = \Big(\frac{(a - \mu(s))^2}{\sigma(s)^2} - 1\Big) x(s).

    A learned log σ is clipped to ±``LOG_SIGMA_BOUND`` (10) so that extreme θ
    cannot overflow; beyond the clip the σ-part of the score is 0, which is the
    gradient of the clipped density.
    """

    def __init__(self, n_features: int = 1, sigma: float | None = 1.0) -> None:
        self.n_features = check_positive_int("n_features", n_features)
        if sigma is not None and (not np.isfinite(sigma) or sigma <= 0):
            raise ValueError(f"sigma must be a finite number > 0 or None (learned), got {sigma!r}")
        self.sigma = None if sigma is None else float(sigma)
        self.n_params = self.n_features if sigma is not None else 2 * self.n_features

    def __repr__(self) -> str:
        return f"GaussianPolicy(n_features={self.n_features}, sigma={self.sigma})"

    def _features(self, x: np.ndarray) -> np.ndarray:
        return state_features(x, self.n_features)

    def _split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        theta = check_theta("theta", theta, self.n_params)
        if self.sigma is not None:
            return theta, None
        return theta[..., : self.n_features], theta[..., self.n_features :]

    def mean(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""The mean :math:`\mu(s) = \theta_\mu^\top x(s)`, shape (...)."""
        theta_mu, _ = self._split(theta)
        return np.sum(theta_mu * self._features(x), axis=-1)

    def log_std(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r""":math:`\ln \sigma(s)`, fixed or :math:`\mathrm{clip}(\theta_\sigma^\top x(s), \pm 10)`."""
        theta = check_theta("theta", theta, self.n_params)
        _, theta_sigma = self._split(theta)
        x = self._features(x)
        if theta_sigma is None:
            return np.full(np.broadcast_shapes(theta.shape[:-1], x.shape[:-1]), np.log(self.sigma))
        return np.clip(np.sum(theta_sigma * x, axis=-1), -LOG_SIGMA_BOUND, LOG_SIGMA_BOUND)

    def std(self, theta: np.ndarray, x: np.ndarray) -> np.ndarray:
        r"""The standard deviation :math:`\sigma(s)`, shape (...)."""
        return np.exp(self.log_std(theta, x))

    def log_prob(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        r""":math:`\ln \pi(a|s, \theta) = -\tfrac12 ((a - \mu)/\sigma)^2 - \ln \sigma - \tfrac12 \ln 2\pi`."""
        log_sigma = self.log_std(theta, x)
        z = (np.asarray(a, dtype=float) - self.mean(theta, x)) * np.exp(-log_sigma)
        return -0.5 * z**2 - log_sigma - 0.5 * np.log(2 * np.pi)

    def density(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        r"""The density :math:`\pi(a|s, \theta)`, shape (...)."""
        return np.exp(self.log_prob(theta, x, a))

    def grad_log_prob(self, theta: np.ndarray, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        r"""The score :math:`\nabla_\theta \ln \pi(a|s, \theta)`, shape (..., n_params)."""
        x = self._features(x)
        _, theta_sigma = self._split(theta)
        log_sigma = self.log_std(theta, x)
        inv_sigma = np.exp(-log_sigma)
        z = (np.asarray(a, dtype=float) - self.mean(theta, x)) * inv_sigma
        grad_mu = (z * inv_sigma)[..., None] * x
        if theta_sigma is None:
            return grad_mu
        raw = np.sum(theta_sigma * x, axis=-1)
        inside = (np.abs(raw) < LOG_SIGMA_BOUND)[..., None]
        grad_sigma = np.where(inside, (z**2 - 1.0)[..., None] * x, 0.0)
        grad_mu, grad_sigma = np.broadcast_arrays(grad_mu, grad_sigma)
        return np.concatenate([grad_mu, grad_sigma], axis=-1)

    def sample(self, theta: np.ndarray, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        r"""Actions :math:`a = \mu(s) + \sigma(s)\,\varepsilon`, :math:`\varepsilon \sim N(0, 1)`."""
        mu = self.mean(theta, x)
        sigma = self.std(theta, x)
        mu, sigma = np.broadcast_arrays(mu, sigma)
        return mu + sigma * rng.standard_normal(mu.shape)
