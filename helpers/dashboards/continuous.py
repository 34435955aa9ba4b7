r"""Notebook 05's dashboards and figures: a Gaussian policy for continuous actions.

**A Gaussian policy on the continuous demand problem**
(:class:`helpers.envs.ContinuousDemandEnv`, reward :math:`-(a - p)^2`). With
:math:`\mu(s) = \theta p` and a fixed σ, the objective is exact and simple,

.. math:: J(\theta, \sigma) = -c\,(\theta - 1)^2 - T\sigma^2, \qquad
          c = \sum_{t=0}^{T-1} \mathbb{E}[p_t^2], \qquad
          \frac{\partial J}{\partial \theta} = -2c\,(\theta - 1),

(:func:`mean_objective`, :func:`mean_slope`); :func:`gaussian_score_derivation`
derives the score in SymPy; :func:`reinforce_gaussian` trains many runs at once;
the ``exploration`` dashboard has sliders for σ and α, and
:func:`exploration_small_multiples` draws it for a few settings with the shared
noise panel once. :func:`learned_sigma_runs` learns σ too.

Reusing a batch, PPO and CartPole are notebook 06's (:mod:`helpers.dashboards.beyond`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    NullFormatter,
    NullLocator,
    ScalarFormatter,
)

from helpers._validate import check_positive_int, check_step_size
from helpers.envs import ContinuousDemandEnv
from helpers.plotting import (
    EXACT_COLOR,
    OKABE_ITO,
    PALETTE,
    mean_and_band,
    subplots,
)
from helpers.policies import GaussianPolicy
from helpers.reinforce import reinforce_estimates
from helpers.widgets import Dashboard, log_slider

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


# --- the continuous demand problem -----------------------------------------------------------------


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


# --- the score, derived in SymPy --------------------------------------------------------------------


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


# --- REINFORCE with a Gaussian policy ---------------------------------------------------------------


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


def draw_learned_sigma(runs: GaussianRuns, axes: list[Axes]) -> None:
    r"""Runs that learn μ and σ: the mean's slope and offset, σ at each p, and the gap to J*."""
    ax_mu, ax_sigma, ax_J = axes
    episodes = np.arange(runs.n_episodes + 1)
    lines = ((runs.theta[:, :, 0], r"slope $\theta_1$ of $\mu = \theta_1 p + \theta_2$", PALETTE[0]),
             (runs.theta[:, :, 1], r"offset $\theta_2$", PALETTE[1]))
    for values, label, color in lines:
        _, low, high = mean_and_band(values, "quartiles")
        ax_mu.fill_between(episodes, low, high, color=color, alpha=0.2, linewidth=0)
        ax_mu.plot(episodes, np.median(values, axis=0), color=color, label=label)
    ax_mu.axhline(1.0, color=EXACT_COLOR, linestyle="--", linewidth=1.0, label=r"best: $\mu = p$")
    ax_mu.axhline(0.0, color=EXACT_COLOR, linestyle="--", linewidth=1.0)
    ax_mu.set_xlabel("season k")
    ax_mu.set_ylabel("parameter value")
    ax_mu.set_title("The mean learns to order p")
    ax_mu.legend(loc="center right", fontsize=8)

    policy = GaussianPolicy(2, sigma=None)
    mean, std = gaussian_mean_and_std(policy, runs.theta, constant=True)
    sigma_median = np.median(std, axis=0)  # (n_episodes + 1, 4)
    _, low, high = mean_and_band(std[:, :, 3], "quartiles")
    ax_sigma.fill_between(episodes, low, high, color=PALETTE[0], alpha=0.2, linewidth=0,
                          label="middle half of the runs, p = +2")
    for i, p in enumerate(continuous_demand().p):
        ax_sigma.plot(episodes, sigma_median[:, i], color=PALETTE[0], linewidth=1.0 if p != 2 else 2.0,
                      alpha=0.5 if p != 2 else 1.0)
    ax_sigma.plot([], [], color=PALETTE[0], linewidth=1.0, alpha=0.5,
                  label="median at p = −2, −1, +1, +2")
    ax_sigma.set_yscale("log")
    ax_sigma.yaxis.set_major_formatter(ScalarFormatter())
    ax_sigma.yaxis.set_minor_formatter(NullFormatter())
    ax_sigma.set_yticks([0.2, 0.3, 0.5, 0.7, 1.0])
    ax_sigma.set_xlabel("season k")
    ax_sigma.set_ylabel(r"$\sigma(p) = e^{\theta_3 p + \theta_4}$ (log scale)")
    ax_sigma.set_title(r"Exploration $\sigma$ shrinks, the same at every p")
    ax_sigma.legend(loc="upper right", fontsize=8)

    env = continuous_demand().env
    parts = ((-runs.J, r"total $J^* - J = -J$", PALETTE[0], "-"),
             (-env.objective(mean, 0.0), r"mean's error $\sum_t \mathbb{E}[(\mu - p)^2]$", PALETTE[2], "--"),
             (-env.objective(env.demand_changes, std), r"exploration $\sum_t \mathbb{E}[\sigma^2]$",
              PALETTE[1], "--"))
    for values, label, color, linestyle in parts:
        ax_J.plot(episodes, np.median(values, axis=0), color=color, linestyle=linestyle, label=label)
    ax_J.set_yscale("log")
    ax_J.set_ylim(1e-3, 20)
    ax_J.set_xlabel("season k")
    ax_J.set_ylabel(r"$-J(\theta_k)$, median over runs (log scale)")
    ax_J.set_title("What is left: mostly the cost of exploring")
    ax_J.legend(loc="upper right", fontsize=8)


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


J_LIMITS = (-16.0, 0.5)
"""The J axis of the exploration dashboard: from below the runs with σ = 2 (ceiling −12) to above J* = 0."""
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


NOISE_COLORS = (PALETTE[0], PALETTE[2], PALETTE[4])
"""The colours of the noise curves, one per θ of ``NOISE_THETAS``."""


def draw_noise_curves(curves: tuple[NoiseCurve, ...], ax: Axes, sigma: float | None = None) -> None:
    r"""Noise-to-signal :math:`\mathrm{std}(\hat g^m)/|\partial J/\partial\theta|` against σ, one line per θ.

    With ``sigma``, a dot marks each curve at that σ (:func:`sigma_marks`).
    """
    for curve, color in zip(curves, NOISE_COLORS, strict=False):
        ratio = curve.std / abs(curve.slope)
        ax.plot(curve.sigmas, ratio, color=color)
        best = int(np.argmin(ratio))
        ax.plot(curve.sigmas[best], ratio[best], "v", color=color, markersize=6)
        # a short label under each curve's ▼, where no other curve and no slider dot (they sit on the
        # curves) come near: cheaper to redraw than a legend
        ax.text(curve.sigmas[best], ratio[best] / 1.1, f"θ = {curve.theta:g}", ha="center", va="top",
                fontsize=8, color=color)
    ax.set_xscale("log")
    ax.set_yscale("log")
    # fixed, plain tick labels and no minor ticks: a redraw's time is mostly spent on text
    for axis, ticks in ((ax.xaxis, (0.03, 0.1, 0.3, 1.0, 3.0)), (ax.yaxis, (1, 2, 5, 10, 20, 50))):
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FixedFormatter([f"{tick:g}" for tick in ticks]))
        axis.set_minor_locator(NullLocator())
    ax.set_xlabel("exploration σ (hundreds of units)")
    ax.set_ylabel("std(ĝᵐ) / |∂J/∂θ|")
    ax.set_ylim(1, 60)
    ax.set_title("Noise of one season's ĝᵐ; ▼ least noisy σ")
    if sigma is not None:
        sigma_marks(curves, ax, sigma)


def sigma_marks(curves: tuple[NoiseCurve, ...], ax: Axes, sigma: float) -> list[Artist]:
    """A dot on each noise curve at σ and a dotted line through them; returns the artists."""
    marks: list[Artist] = []
    for curve, color in zip(curves, NOISE_COLORS, strict=False):
        ratio = curve.std / abs(curve.slope)
        at = float(np.exp(np.interp(np.log(sigma), np.log(curve.sigmas), np.log(ratio))))
        marks += ax.plot(sigma, at, "o", color=color, markersize=7, markeredgecolor="white", zorder=3)
    marks.append(ax.axvline(sigma, color="grey", linewidth=0.8, linestyle=":"))
    return marks


def draw_exploration(view: ExplorationView, axes: list[Axes]) -> list[Artist]:
    """Left: noise-to-signal against σ; right: exact J(θ_k) of the runs and the cost of exploring.

    Returns the artists that move with σ and α (:func:`exploration_moving`).
    """
    ax_noise, ax_J = axes
    draw_noise_curves(view.noise, ax_noise)
    _runs_frame(view, ax_J)
    return exploration_moving(view, axes)


def exploration_moving(view: ExplorationView, axes: list[Axes]) -> list[Artist]:
    """What moves with σ and α: the marks at σ on the noise curves, and the learning runs."""
    ax_noise, ax_J = axes
    return sigma_marks(view.noise, ax_noise, view.sigma) + _runs_moving(view, ax_J)


def draw_exploration_runs(view: ExplorationView, ax_J: Axes) -> None:
    """The exact J(θ_k, σ) of every run (diverged ones in vermillion), their median and the ceiling −Tσ²."""
    _runs_frame(view, ax_J)
    _runs_moving(view, ax_J)


def _runs_frame(view: ExplorationView, ax_J: Axes) -> None:
    ax_J.set_xlim(0, view.runs.n_episodes)
    ax_J.set_ylim(*J_LIMITS)  # a diverging run leaves through the bottom
    ax_J.set_xticks([0, 50, 100, 150])
    ax_J.set_yticks([-15, -12, -9, -6, -3, 0])
    ax_J.set_xlabel("season k")
    ax_J.set_ylabel("exact J(θ, σ) after season k")


def _runs_moving(view: ExplorationView, ax_J: Axes) -> list[Artist]:
    runs = view.runs
    episodes = np.arange(runs.n_episodes + 1)
    segments = np.stack(np.broadcast_arrays(episodes[None, :], runs.J), axis=-1)
    colors = np.where(runs.diverged, OKABE_ITO["vermillion"], PALETTE[0])
    moving: list[Artist] = [ax_J.add_collection(LineCollection(segments, colors=colors, linewidths=0.6,
                                                               alpha=0.35))]
    median = np.median(runs.J, axis=0)
    moving += ax_J.plot(episodes, median, color=EXACT_COLOR, linewidth=2.0,
                        label=f"median of {runs.n_runs} runs")
    ceiling = float(mean_objective(1.0, view.sigma))
    moving.append(ax_J.axhline(ceiling, color=PALETTE[1], linestyle="--", linewidth=1.4,
                               label=f"best with this σ: −Tσ² = {ceiling:.2f}"))
    # the count of diverged runs (vermillion, leaving through the bottom) goes in the title: no extra text
    n_diverged = int(runs.diverged.sum())
    moving.append(ax_J.set_title(exploration_title(float(median[-1]), n_diverged, runs.n_runs)))
    if median[-1] < J_LIMITS[0]:  # the median itself leaves the axes: show where
        leaves = int(np.argmax(median < J_LIMITS[0]))
        moving.append(ax_J.annotate("the median leaves\nthe axes here", (leaves, J_LIMITS[0]),
                                    xytext=(25, J_LIMITS[0] + 3),
                                    arrowprops={"arrowstyle": "->", "color": EXACT_COLOR}, fontsize=8))
    moving.append(ax_J.legend(loc="center right", fontsize=8))
    return moving


def exploration_title(final_median: float, n_diverged: int, n_runs: int) -> str:
    """The runs panel's title: the final median J, said to lie off the axes when it is below them."""
    where = f"{final_median:.2f}" if final_median >= J_LIMITS[0] else f"{final_median:.0f} (off the axes)"
    return f"{n_diverged} of {n_runs} runs diverged\nmedian J at the end: {where}"


def exploration_small_multiples(settings: list[dict[str, float]]) -> Figure:
    """The exploration dashboard for a few (σ, α) side by side, its shared left panel drawn once.

    The noise curves do not depend on the setting: one panel shows them with a dot for
    each setting's σ, then one panel of learning runs per setting, titled with its state line.
    """
    if not settings:
        raise ValueError("settings must hold at least one setting")
    board = exploration_dashboard()
    views = [exploration_view(**{**board.values(), **setting}) for setting in settings]
    fig, axes = subplots(len(views) + 1, panel_size=(3.9, 3.5))
    ax_noise = axes[0, 0]
    draw_noise_curves(views[0].noise, ax_noise)
    for view in views:
        for curve in view.noise:
            ratio = curve.std / abs(curve.slope)
            at = float(np.exp(np.interp(np.log(view.sigma), np.log(curve.sigmas), np.log(ratio))))
            ax_noise.plot(view.sigma, at, "o", color="grey", markersize=6, markeredgecolor="white", zorder=3)
        ax_noise.axvline(view.sigma, color="grey", linewidth=0.8, linestyle=":")
        ax_noise.text(view.sigma, 55, f"σ = {view.sigma:g}", rotation=90, ha="right", va="top",
                      fontsize=8, color="grey")
    ax_noise.set_title("Noise of ĝᵐ; ▼ least noisy σ")
    for view, ax in zip(views, axes[0, 1:], strict=True):
        draw_exploration_runs(view, ax)
        ax.set_title(f"{board.state(sigma=view.sigma, alpha=view.alpha)}: {ax.get_title()}", fontsize=9)
    return fig


def _grid_through(value: float, low: float, high: float, step: float) -> tuple[float, float]:
    """Exponent limits near ``low`` and ``high`` whose grid of ``step`` passes through log10(value).

    A slider's front end snaps its value to the grid min + k·step and sends it back, so a
    start value off the grid (σ = 0.5 on a grid from 10^-1.5) would start the view elsewhere.
    """
    exponent = float(np.log10(check_step_size("value", value)))
    return (exponent - round((exponent - low) / step) * step,
            exponent + round((high - exponent) / step) * step)


def exploration_dashboard(sigma: float = 0.5, alpha: float = 0.01) -> Dashboard:
    """Sliders for σ (0.03 to 3) and α (0.001 to 0.3), both logarithmic."""
    return Dashboard(
        compute=exploration_view,
        draw=draw_exploration,
        moving=exploration_moving,
        controls={"sigma": log_slider("σ", sigma, *_grid_through(sigma, -1.5, 0.5, 0.125), step=0.125),
                  "alpha": log_slider("α", alpha, *_grid_through(alpha, -3.0, -0.5, 0.25), step=0.25)},
        state=lambda sigma, alpha: f"σ = {sigma:.3g}, α = {alpha:.3g}",
        n_panels=2,
        panel_size=(4.7, 3.5),
    )


def dashboards() -> dict[str, Dashboard]:
    """The notebook's dashboards, for the slider benchmark and the tests."""
    return {"exploration": exploration_dashboard()}

