r"""Notebook 05's experiments: a Gaussian policy for continuous actions.

On the continuous demand problem (:class:`helpers.envs.ContinuousDemandEnv`, reward
:math:`-(a - p)^2`), with :math:`\mu(s) = \theta p` and a fixed σ, the objective is
exact and simple,

.. math:: J(\theta, \sigma) = -c\,(\theta - 1)^2 - T\sigma^2, \qquad
          c = \sum_{t=0}^{T-1} \mathbb{E}[p_t^2], \qquad
          \frac{\partial J}{\partial \theta} = -2c\,(\theta - 1),

(:func:`mean_objective`, :func:`mean_slope`); :func:`gaussian_score_derivation`
derives the score in SymPy; :func:`reinforce_gaussian` trains many runs at once;
:func:`gradient_noise` measures the estimate's noise against σ, :func:`exploration_view`
gathers it with the learning runs at one (σ, α) (:func:`fixed_sigma_runs`) for the
dashboard, and :func:`learned_sigma_runs` learns σ too (:func:`learned_sigma` splits what
is left of −J).

Reusing a batch, PPO and CartPole are notebook 06's (:mod:`helpers.experiments.beyond`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp

from helpers._validate import check_positive_int, check_step_size
from helpers.envs import ContinuousDemandEnv
from helpers.policies import GaussianPolicy
from helpers.reinforce import reinforce_estimates

HORIZON = 3
"""Weeks in a season of the continuous demand problem."""


THETA_BOUND = 50.0
"""A Gaussian learning run whose |θ| exceeds this is stopped and counted as diverged."""


N_RUNS = 100
"""Independent runs behind each learning curve of the exploration dashboard."""


N_EPISODES = 150
"""Episodes per run in the exploration dashboard."""


SIGMA_GRID = np.geomspace(0.03, 3.0, 41)
"""The σ values of the gradient-noise curve."""


def _canonical(value: float, name: str) -> float:
    """A positive slider value rounded to 6 significant digits, so that float noise hits the caches."""
    value = check_step_size(name, value)
    return float(f"{value:.6g}")


# --- the continuous demand problem ----------------------------------------------------------------

@dataclass(frozen=True)
class ContinuousDemand:
    r"""The continuous demand problem and the constants of its exact objective.

    Attributes
    ----------
    env : ContinuousDemandEnv
    p : ndarray, shape (4,)
        The four demand changes.
    weights : ndarray, shape (4,)
        :math:`\sum_t \Pr(p_t = p_i)`, expected visits of each demand change in a season.
    c : float
        :math:`\sum_t \mathbb{E}[p_t^2] = \sum_i w_i p_i^2`, the curvature of J in θ.
    """

    env: ContinuousDemandEnv
    p: np.ndarray
    weights: np.ndarray
    c: float

    @property
    def horizon(self) -> int:
        """T, the number of orders in a season."""
        return self.env.horizon


@lru_cache(maxsize=4)
def continuous_demand(horizon: int = HORIZON) -> ContinuousDemand:
    """The continuous demand problem of ``horizon`` weeks (cached).

    Raises
    ------
    ValueError
        If ``horizon`` is not an integer >= 1.
    """
    env = ContinuousDemandEnv(horizon=check_positive_int("horizon", horizon))
    p = env.demand_changes.copy()
    weights = env.week_distribution().sum(axis=0)
    for array in (p, weights):
        array.setflags(write=False)
    return ContinuousDemand(env, p, weights, float(weights @ p**2))


def mean_objective(theta: float | np.ndarray, sigma: float | np.ndarray,
                   horizon: int = HORIZON) -> np.ndarray:
    r"""The exact :math:`J(\theta, \sigma) = -c(\theta - 1)^2 - T\sigma^2` of μ(s) = θp with a fixed σ.

    Evaluated by :meth:`ContinuousDemandEnv.objective`; θ and σ broadcast.
    """
    problem = continuous_demand(horizon)
    theta = np.asarray(theta, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    if np.any(sigma < 0) or not np.all(np.isfinite(sigma)):
        raise ValueError(f"sigma must be finite and >= 0, got {sigma!r}")
    return problem.env.objective(theta[..., None] * problem.p, sigma[..., None])


def mean_slope(theta: float | np.ndarray, horizon: int = HORIZON) -> np.ndarray:
    r"""The exact :math:`\partial J / \partial \theta = -2c(\theta - 1)` (it does not depend on σ)."""
    return 2.0 * continuous_demand(horizon).c * (1.0 - np.asarray(theta, dtype=float))


def gaussian_mean_and_std(policy: GaussianPolicy, theta: np.ndarray, constant: bool,
                          horizon: int = HORIZON) -> tuple[np.ndarray, np.ndarray]:
    """μ and σ of ``policy`` at each of the four demand changes, shapes (..., 4)."""
    problem = continuous_demand(horizon)
    x = np.column_stack([problem.p, np.ones_like(problem.p)]) if constant else problem.p
    theta = np.asarray(theta, dtype=float)[..., None, :]
    return policy.mean(theta, x), policy.std(theta, x)


def gaussian_objective(policy: GaussianPolicy, theta: np.ndarray, constant: bool,
                       horizon: int = HORIZON) -> np.ndarray:
    """The exact J of a Gaussian policy on the continuous demand problem, for any array of θ."""
    mean, std = gaussian_mean_and_std(policy, theta, constant, horizon)
    return continuous_demand(horizon).env.objective(mean, std)


# --- the score, derived in SymPy ------------------------------------------------------------------

@dataclass(frozen=True)
class GaussianScoreDerivation:
    r"""The Gaussian policy's log-density and its two scores, derived by SymPy.

    Attributes
    ----------
    a, mu, sigma, x, theta_mu, theta_sigma : sympy.Symbol
        The action, the mean, the standard deviation, the feature and the two parameters.
    log_density : sympy.Expr
        :math:`\ln \pi(a|s) = -\frac{(a - \mu)^2}{2\sigma^2} - \ln\sigma - \frac12 \ln 2\pi`.
    score_mu : sympy.Expr
        :math:`\partial \ln \pi / \partial \theta_\mu` for μ = θ_μ x, written in μ and σ.
    score_sigma : sympy.Expr
        :math:`\partial \ln \pi / \partial \theta_\sigma` for σ = exp(θ_σ x), written in μ and σ.
    expected_scores : tuple of sympy.Expr
        :math:`\int \pi(a|s)\, \text{score}\, da` for both scores: the lemma says 0.
    """

    a: sp.Symbol
    mu: sp.Symbol
    sigma: sp.Symbol
    x: sp.Symbol
    theta_mu: sp.Symbol
    theta_sigma: sp.Symbol
    log_density: sp.Expr
    score_mu: sp.Expr
    score_sigma: sp.Expr
    expected_scores: tuple[sp.Expr, sp.Expr]


@lru_cache(maxsize=1)
def gaussian_score_derivation() -> GaussianScoreDerivation:
    r"""Differentiate :math:`\ln N(a; \mu, \sigma^2)` with SymPy, as notebook 01 does for the sigmoid.

    With :math:`\mu = \theta_\mu x` and :math:`\sigma = e^{\theta_\sigma x}`:

    .. math:: \frac{\partial \ln \pi}{\partial \theta_\mu} = \frac{(a - \mu)\,x}{\sigma^2}, \qquad
              \frac{\partial \ln \pi}{\partial \theta_\sigma} = \Big(\frac{(a - \mu)^2}{\sigma^2} - 1\Big) x.

    Each derivative is taken with μ (or σ) written in θ, then written back in μ
    and σ; both scores integrate to 0 against the density.
    """
    a, mu, x = sp.symbols("a mu x", real=True)
    theta_mu, theta_sigma = sp.symbols("theta_mu theta_sigma", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    log_density = -(a - mu) ** 2 / (2 * sigma**2) - sp.log(sigma) - sp.log(2 * sp.pi) / 2
    score_mu = sp.factor(sp.diff(log_density.subs(mu, theta_mu * x), theta_mu).subs(theta_mu, mu / x))
    by_theta_sigma = sp.diff(log_density.subs(sigma, sp.exp(theta_sigma * x)), theta_sigma)
    derived = by_theta_sigma.subs(theta_sigma, sp.log(sigma) / x)
    score_sigma = x * ((a - mu) ** 2 / sigma**2 - 1)
    if sp.simplify(derived - score_sigma) != 0:  # the tidy form must be what SymPy derived
        raise ArithmeticError(f"unexpected score of theta_sigma: {derived}")
    density = sp.exp(log_density)
    expected = tuple(sp.simplify(sp.integrate(density * score, (a, -sp.oo, sp.oo)))
                     for score in (score_mu, score_sigma))
    return GaussianScoreDerivation(a, mu, sigma, x, theta_mu, theta_sigma, log_density, score_mu,
                                   score_sigma, expected)


# --- REINFORCE with a Gaussian policy -------------------------------------------------------------

@dataclass(frozen=True)
class GaussianRuns:
    r"""Independent REINFORCE runs of a Gaussian policy on the continuous demand problem.

    Attributes
    ----------
    theta : ndarray, shape (n_runs, n_episodes + 1, d)
        θ before the first episode and after each (frozen after a divergence).
    J : ndarray, shape (n_runs, n_episodes + 1)
        The exact J of every θ.
    diverged : ndarray of bool, shape (n_runs,)
        Runs stopped because |θ| passed :data:`THETA_BOUND`.
    """

    theta: np.ndarray
    J: np.ndarray
    diverged: np.ndarray

    @property
    def n_runs(self) -> int:
        """The number of runs."""
        return self.theta.shape[0]

    @property
    def n_episodes(self) -> int:
        """The number of episodes per run."""
        return self.theta.shape[1] - 1


def reinforce_gaussian(policy: GaussianPolicy, theta0: np.ndarray, alpha: float, n_episodes: int,
                       rng: np.random.Generator, *, n_runs: int = 1, constant: bool = False,
                       horizon: int = HORIZON, bound: float = THETA_BOUND) -> GaussianRuns:
    r"""REINFORCE on the continuous demand problem, one update per episode, many runs at once.

    .. math:: \theta \leftarrow \theta + \alpha \sum_{t=0}^{T-1} G_t\, \nabla \ln \pi(A_t|S_t, \theta),
              \qquad A_t \sim N\big(\mu(S_t), \sigma(S_t)^2\big).

    A run whose θ leaves the box :math:`|\theta_i| \le` ``bound`` keeps its last θ
    inside the box and is marked as diverged (its steps were too large).

    Parameters
    ----------
    policy : GaussianPolicy
        On x(s) = p, or on x(s) = (p, 1) with ``constant``.
    theta0 : ndarray, shape (d,)
    alpha : float
        The step size α > 0.
    n_episodes, n_runs : int
    rng : numpy.random.Generator
    constant : bool
    horizon : int
    bound : float
    """
    alpha = check_step_size("alpha", alpha)
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    bound = check_step_size("bound", bound)
    theta0 = np.asarray(theta0, dtype=float)
    if theta0.shape != (policy.n_params,):
        raise ValueError(f"theta0 must have shape ({policy.n_params},), got {theta0.shape}")
    env = continuous_demand(horizon).env
    inputs = env.policy_inputs(constant)
    theta = np.tile(theta0, (n_runs, 1))
    thetas = np.empty((n_runs, n_episodes + 1, policy.n_params))
    thetas[:, 0] = theta
    diverged = np.zeros(n_runs, dtype=bool)
    seasons = env.sample_states(n_episodes * n_runs, rng).reshape(n_episodes, n_runs, -1)
    for k in range(n_episodes):
        states = seasons[k]  # the demand does not depend on the orders: drawn in advance
        orders = policy.sample(theta[:, None, :], inputs[states], rng)
        batch = env.batch_from_orders(states, orders)
        step = alpha * reinforce_estimates(policy, theta, inputs, batch)
        new = theta + step
        out = ~np.all(np.abs(new) <= bound, axis=1)
        diverged |= out
        theta = np.where(diverged[:, None], theta, new)
        thetas[:, k + 1] = theta
    return GaussianRuns(thetas, gaussian_objective(policy, thetas, constant, horizon), diverged)


@lru_cache(maxsize=128)
def _fixed_sigma_runs(sigma: float, alpha: float, n_runs: int, n_episodes: int, seed: int) -> GaussianRuns:
    runs = reinforce_gaussian(GaussianPolicy(1, sigma=sigma), np.zeros(1), alpha, n_episodes,
                              np.random.default_rng(seed), n_runs=n_runs)
    for array in (runs.theta, runs.J, runs.diverged):
        array.setflags(write=False)
    return runs


def fixed_sigma_runs(sigma: float, alpha: float, *, n_runs: int = N_RUNS, n_episodes: int = N_EPISODES,
                     seed: int = 0) -> GaussianRuns:
    r"""REINFORCE runs of μ(s) = θp from θ = 0 with a fixed σ (cached per setting).

    Raises
    ------
    ValueError
        If σ or α is not a finite number > 0, or a count is not an integer >= 1.
    """
    return _fixed_sigma_runs(_canonical(sigma, "sigma"), _canonical(alpha, "alpha"),
                             check_positive_int("n_runs", n_runs),
                             check_positive_int("n_episodes", n_episodes), int(seed))


@lru_cache(maxsize=8)
def learned_sigma_runs(alpha: float = 0.001, n_runs: int = 200, n_episodes: int = 600,
                       seed: int = 0) -> GaussianRuns:
    r"""REINFORCE runs learning μ(s) = θ₁p + θ₂ and σ(s) = exp(θ₃p + θ₄), from μ = 0, σ = 1 (cached)."""
    return reinforce_gaussian(GaussianPolicy(2, sigma=None), np.zeros(4), alpha, n_episodes,
                              np.random.default_rng(seed), n_runs=n_runs, constant=True)


@dataclass(frozen=True)
class LearnedSigma:
    r"""What runs that learn σ too have learned, per run and season.

    Attributes
    ----------
    sigma : ndarray, shape (n_runs, n_episodes + 1, 4)
        :math:`\sigma(p) = e^{\theta_3 p + \theta_4}` at each demand change p of the problem.
    mean_error : ndarray, shape (n_runs, n_episodes + 1)
        The mean's share of :math:`-J`, :math:`\sum_t \mathbb{E}[(\mu(p_t) - p_t)^2]`.
    exploration : ndarray, shape (n_runs, n_episodes + 1)
        The exploration's share, :math:`\sum_t \mathbb{E}[\sigma(p_t)^2]`; the two add up to :math:`-J`.
    """

    sigma: np.ndarray
    mean_error: np.ndarray
    exploration: np.ndarray


def learned_sigma(runs: GaussianRuns) -> LearnedSigma:
    r"""Split :math:`-J = \sum_t \mathbb{E}[(\mu - p)^2] + \sum_t \mathbb{E}[\sigma^2]` of learned-σ runs.

    ``runs`` come from :func:`learned_sigma_runs` (four parameters: the mean's and σ's).
    """
    if runs.theta.shape[-1] != 4:
        raise ValueError(f"runs must learn sigma too (4 parameters per run), got {runs.theta.shape[-1]}")
    mean, std = gaussian_mean_and_std(GaussianPolicy(2, sigma=None), runs.theta, constant=True)
    env = continuous_demand().env
    return LearnedSigma(std, -env.objective(mean, 0.0), -env.objective(env.demand_changes, std))


@dataclass(frozen=True)
class NoiseCurve:
    r"""How noisy one episode's gradient estimate is, as a function of σ.

    Attributes
    ----------
    theta : float
        The θ at which the estimates are taken.
    sigmas : ndarray
    std : ndarray
        The standard deviation of one season's
        :math:`\hat g^m = \sum_t G_t \nabla_\theta \ln \pi(A_t|S_t)` over
        ``n_episodes`` seasons, for each σ.
    slope : float
        The exact :math:`\partial J / \partial\theta` (the same for every σ).
    n_episodes : int
    """

    theta: float
    sigmas: np.ndarray
    std: np.ndarray
    slope: float
    n_episodes: int

    @property
    def quietest_sigma(self) -> float:
        """The σ of the grid with the least noisy estimate."""
        return float(self.sigmas[np.argmin(self.std)])

    @property
    def noise_to_signal(self) -> np.ndarray:
        r""":math:`\mathrm{std}(\hat g^m) / |\partial J/\partial\theta|` at each σ of ``sigmas``."""
        return self.std / abs(self.slope)

    def noise_to_signal_at(self, sigma: float) -> float:
        """The noise-to-signal ratio at ``sigma``, interpolated linearly in log σ and log ratio."""
        return float(np.exp(np.interp(np.log(sigma), np.log(self.sigmas), np.log(self.noise_to_signal))))


@lru_cache(maxsize=8)
def gradient_noise(theta: float = 0.0, n_episodes: int = 4000, seed: int = 0) -> NoiseCurve:
    r"""The spread of one season's estimate of :math:`\partial J/\partial\theta` at θ, for each σ of the grid.

    Small σ: the score :math:`(a - \mu)p/\sigma^2` is large, a noise of order 1/σ.
    Large σ: the rewards themselves scatter, a noise of order σ. In between lies
    the σ whose estimates are quietest.
    """
    if not np.isfinite(theta):
        raise ValueError(f"theta must be finite, got {theta!r}")
    env = continuous_demand().env
    inputs = env.policy_inputs()
    theta_vector = np.array([float(theta)])
    std = np.empty(SIGMA_GRID.size)
    for i, sigma in enumerate(SIGMA_GRID):
        policy = GaussianPolicy(1, sigma=float(sigma))
        # the same seed for every σ: the same demand paths and the same ε in a = μ + σε,
        # so the curve is smooth in σ (common random numbers)
        batch = env.sample_episodes(policy, theta_vector, n_episodes, np.random.default_rng(seed))
        std[i] = reinforce_estimates(policy, theta_vector, inputs, batch)[:, 0].std(ddof=1)
    std.setflags(write=False)
    return NoiseCurve(float(theta), SIGMA_GRID, std, float(mean_slope(theta)), n_episodes)


NOISE_THETAS = (0.0, 0.5, 0.9)
"""The θ's of the noise curves: the start, halfway, and near the best μ = p."""


@dataclass(frozen=True)
class ExplorationView:
    """What the σ and α dashboard shows: noise curves at a few θ and the learning runs for (σ, α)."""

    sigma: float
    alpha: float
    noise: tuple[NoiseCurve, ...]
    runs: GaussianRuns


def exploration_view(sigma: float, alpha: float) -> ExplorationView:
    """The exploration dashboard's data for one (σ, α)."""
    return ExplorationView(float(sigma), float(alpha), tuple(gradient_noise(theta) for theta in NOISE_THETAS),
                           fixed_sigma_runs(sigma, alpha))
