r"""Notebook 05's dashboards and figures: continuous actions, reusing a batch, and CartPole.

Three parts, in the notebook's order.

**A Gaussian policy on the continuous demand problem**
(:class:`helpers.envs.ContinuousDemandEnv`, reward :math:`-(a - p)^2`). With
:math:`\mu(s) = \theta p` and a fixed σ, the objective is exact and simple,

.. math:: J(\theta, \sigma) = -c\,(\theta - 1)^2 - T\sigma^2, \qquad
          c = \sum_{t=0}^{T-1} \mathbb{E}[p_t^2], \qquad
          \frac{\partial J}{\partial \theta} = -2c\,(\theta - 1),

(:func:`mean_objective`, :func:`mean_slope`); :func:`gaussian_score_derivation`
derives the score in SymPy; :func:`reinforce_gaussian` trains many runs at once;
the ``exploration`` dashboard has sliders for σ and α.

**Reusing a batch on the grid** (:class:`helpers.envs.WindyHighway`): the bias of
naive reuse against the exact gradient (:func:`reuse_bias`), learning runs of the
four ways to spend a batch (:func:`reuse_runs`), and the ``clipped`` dashboard:
PPO's clipped objective as the ratio varies.

**CartPole**: the learning curve of :func:`helpers.cartpole.train_cartpole`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
    ScalarFormatter,
)

from helpers._validate import check_positive_int, check_step_size
from helpers.envs import ContinuousDemandEnv, WindyHighway
from helpers.mdp import TabularMDP, exact_gradient
from helpers.plotting import (
    EXACT_COLOR,
    OKABE_ITO,
    PALETTE,
    compared_line_style,
    exact_line,
    mean_and_band,
    smooth,
)
from helpers.policies import GaussianPolicy, SoftmaxLinearPolicy
from helpers.reinforce import reinforce_estimates, sample_episodes
from helpers.surrogate import (
    METHODS,
    ReuseHistory,
    clipped_objective,
    clipped_objective_slope,
    importance_weighted_estimates,
    naive_reuse_estimates,
    objectives,
    steps_to_reach,
    train_with_reuse,
)
from helpers.widgets import Dashboard, log_slider, slider

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
METHOD_LABELS = {
    "reinforce": "REINFORCE: one update per batch",
    "naive": "naive reuse",
    "importance": "importance-weighted reuse",
    "clipped": "PPO's clipped ratio",
}
METHOD_COLORS = dict(zip(METHODS, (PALETTE[0], PALETTE[3], PALETTE[2], PALETTE[1]), strict=True))


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


def draw_noise_curves(curves: tuple[NoiseCurve, ...], ax: Axes, sigma: float | None = None) -> None:
    r"""Noise-to-signal :math:`\mathrm{std}(\hat g^m)/|\partial J/\partial\theta|` against σ, one line per θ.

    With ``sigma``, a dot marks each curve at that σ.
    """
    colors = (PALETTE[0], PALETTE[2], PALETTE[4])
    for curve, color in zip(curves, colors, strict=False):
        ratio = curve.std / abs(curve.slope)
        ax.plot(curve.sigmas, ratio, color=color)
        best = int(np.argmin(ratio))
        ax.plot(curve.sigmas[best], ratio[best], "v", color=color, markersize=6)
        # a short label under each curve's ▼, where no other curve and no slider dot (they sit on the
        # curves) come near: cheaper to redraw than a legend
        ax.text(curve.sigmas[best], ratio[best] / 1.1, f"θ = {curve.theta:g}", ha="center", va="top",
                fontsize=8, color=color)
        if sigma is not None:
            at = float(np.exp(np.interp(np.log(sigma), np.log(curve.sigmas), np.log(ratio))))
            ax.plot(sigma, at, "o", color=color, markersize=7, markeredgecolor="white", zorder=3)
    if sigma is not None:
        ax.axvline(sigma, color="grey", linewidth=0.8, linestyle=":")
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


def draw_exploration(view: ExplorationView, axes: list[Axes]) -> None:
    """Left: noise-to-signal against σ; right: exact J(θ_k) of the runs and the cost of exploring."""
    ax_noise, ax_J = axes
    draw_noise_curves(view.noise, ax_noise, view.sigma)
    runs = view.runs
    episodes = np.arange(runs.n_episodes + 1)
    segments = np.stack(np.broadcast_arrays(episodes[None, :], runs.J), axis=-1)
    colors = np.where(runs.diverged, OKABE_ITO["vermillion"], PALETTE[0])
    ax_J.add_collection(LineCollection(segments, colors=colors, linewidths=0.6, alpha=0.35))
    median = np.median(runs.J, axis=0)
    ax_J.plot(episodes, median, color=EXACT_COLOR, linewidth=2.0, label=f"median of {runs.n_runs} runs")
    ceiling = float(mean_objective(1.0, view.sigma))
    ax_J.axhline(ceiling, color=PALETTE[1], linestyle="--", linewidth=1.4,
                 label=f"best with this σ: −Tσ² = {ceiling:.2f}")

    ax_J.set_xlim(0, runs.n_episodes)
    ax_J.set_ylim(*J_LIMITS)  # a diverging run leaves through the bottom
    ax_J.set_xticks([0, 50, 100, 150])
    ax_J.set_yticks([-15, -12, -9, -6, -3, 0])
    ax_J.set_xlabel("season k")
    ax_J.set_ylabel("exact J(θ, σ) after season k")
    # the count of diverged runs (vermillion, leaving through the bottom) goes in the title: no extra text
    n_diverged = int(runs.diverged.sum())
    runs_word = "run" if n_diverged == 1 else "runs"
    ax_J.set_title(f"Final median J = {median[-1]:.2f}; {n_diverged} {runs_word} diverged")
    ax_J.legend(loc="center right", fontsize=8)


def exploration_dashboard(sigma: float = 0.5, alpha: float = 0.01) -> Dashboard:
    """Sliders for σ (0.03 to 3) and α (0.001 to 0.3), both logarithmic."""
    return Dashboard(
        compute=exploration_view,
        draw=draw_exploration,
        controls={"sigma": log_slider("σ", sigma, -1.5, 0.5, step=0.125),
                  "alpha": log_slider("α", alpha, -3.0, -0.5, step=0.25)},
        state=lambda sigma, alpha: f"σ = {sigma:.3g}, α = {alpha:.3g}",
        n_panels=2,
        panel_size=(4.7, 3.5),
    )


# --- reusing a batch on the grid ---------------------------------------------------------------------


@dataclass(frozen=True)
class GridProblem:
    """The windy highway with the softmax-linear policy on the lane-offset feature."""

    env: WindyHighway
    mdp: TabularMDP
    policy: SoftmaxLinearPolicy
    inputs: np.ndarray
    J_sup: float

    def objective(self, theta: np.ndarray) -> np.ndarray:
        """The exact J for any array of θ (shape (..., 2))."""
        return objectives(self.mdp, self.policy, theta, self.inputs)


@lru_cache(maxsize=1)
def grid_problem() -> GridProblem:
    r"""``WindyHighway()`` with ``SoftmaxLinearPolicy(3, 2)`` on ``policy_inputs("offset")`` (cached).

    ``J_sup`` is the supremum of J: every one of the ``n_rows - 1`` steps pays at
    most the best lane reward, and a policy that keeps to the two middle lanes
    earns exactly that; this policy class approaches it as θ grows.
    """
    env = WindyHighway()
    mdp = env.tabular()
    inputs = env.policy_inputs("offset")
    inputs.setflags(write=False)
    J_sup = float((env.n_rows - 1) * env.lane_rewards.max() + env.reward_shift)
    return GridProblem(env, mdp, SoftmaxLinearPolicy(3, 2), inputs, J_sup)


@dataclass(frozen=True)
class ReuseBias:
    r"""Estimates of :math:`\nabla J(\theta)` from one batch played by θ_old, as θ moves away.

    Attributes
    ----------
    theta_old : ndarray, shape (2,)
    direction : ndarray, shape (2,)
        The unit vector along which θ moves (the exact gradient's direction at θ_old).
    distances : ndarray, shape (k,)
        :math:`\|\theta - \theta_\text{old}\|`.
    exact : ndarray, shape (k, 2)
    naive, importance : ndarray, shape (k, 2)
        Means over the batch of the naive and importance-weighted estimates.
    naive_se, importance_se : ndarray, shape (k, 2)
        Their standard errors :math:`s/\sqrt{n}`.
    n_episodes : int
    """

    theta_old: np.ndarray
    direction: np.ndarray
    distances: np.ndarray
    exact: np.ndarray
    naive: np.ndarray
    naive_se: np.ndarray
    importance: np.ndarray
    importance_se: np.ndarray
    n_episodes: int


@lru_cache(maxsize=4)
def reuse_bias(n_episodes: int = 5000, seed: int = 0, max_distance: float = 3.0) -> ReuseBias:
    """Naive and importance-weighted estimates from one batch at θ_old = 0, against the exact gradient."""
    problem = grid_problem()
    theta_old = np.zeros(2)
    g = exact_gradient(problem.mdp, problem.policy, theta_old, problem.inputs)
    direction = g / np.linalg.norm(g)
    batch = sample_episodes(problem.mdp, problem.policy, theta_old, problem.inputs,
                            check_positive_int("n_episodes", n_episodes), np.random.default_rng(seed))
    distances = np.linspace(0.0, max_distance, 25)
    rows = []
    for distance in distances:
        theta = theta_old + distance * direction
        naive = naive_reuse_estimates(problem.policy, theta, problem.inputs, batch)
        weighted = importance_weighted_estimates(problem.policy, theta, theta_old, problem.inputs, batch)
        rows.append((exact_gradient(problem.mdp, problem.policy, theta, problem.inputs),
                     naive.mean(axis=0), naive.std(axis=0, ddof=1) / np.sqrt(n_episodes),
                     weighted.mean(axis=0), weighted.std(axis=0, ddof=1) / np.sqrt(n_episodes)))
    exact, naive, naive_se, importance, importance_se = (np.array(column)
                                                         for column in zip(*rows, strict=True))
    return ReuseBias(theta_old, direction, distances, exact, naive, naive_se, importance, importance_se,
                     n_episodes)


def draw_reuse_bias(bias: ReuseBias, axes: list[Axes]) -> None:
    """One panel per component of θ: the exact gradient, naive reuse and importance weighting (±2 SE)."""
    names = (r"$\partial J/\partial\theta_1$ (left's weight)",
             r"$\partial J/\partial\theta_2$ (right's weight)")
    titles = ("Naive reuse drifts, importance weighting stays", "The same for the right's weight")
    for i, (ax, name, title) in enumerate(zip(axes, names, titles, strict=True)):
        ax.plot(bias.distances, bias.exact[:, i], color=EXACT_COLOR, linestyle="--",
                label=r"exact $\nabla J(\theta)$")
        for label, mean, se, color in (
                ("naive reuse", bias.naive, bias.naive_se, METHOD_COLORS["naive"]),
                ("importance-weighted", bias.importance, bias.importance_se, METHOD_COLORS["importance"])):
            ax.fill_between(bias.distances, mean[:, i] - 2 * se[:, i], mean[:, i] + 2 * se[:, i],
                            color=color, alpha=0.25, linewidth=0)
            ax.plot(bias.distances, mean[:, i], color=color, label=f"{label} (±2 SE)")
        ax.axhline(0.0, color="grey", linewidth=0.8, linestyle=":")
        ax.set_xlabel(r"distance moved $\|\theta - \theta_\mathrm{old}\|$")
        ax.set_ylabel(name)
        ax.set_title(title)
    axes[0].legend(loc="upper left")


@dataclass(frozen=True)
class ReuseRuns:
    r"""Learning runs with one way of spending a batch, and when each got close to the optimum.

    Attributes
    ----------
    history : ReuseHistory
    alpha : float
    J : ndarray, shape (n_runs, n_batches + 1)
        The exact J after each batch.
    target : float
    steps_to_target : ndarray, shape (n_runs,)
        Environment steps played before J first reached ``target`` (NaN if never).
    """

    history: ReuseHistory
    alpha: float
    J: np.ndarray
    target: float
    steps_to_target: np.ndarray

    @property
    def label(self) -> str:
        """The method, its updates per batch and α, for legends and tables."""
        k = "" if self.history.method == "reinforce" else f", K = {self.history.n_reuse}"
        return f"{METHOD_LABELS[self.history.method]}{k}, α = {self.alpha:g}"

    @property
    def n_reached(self) -> int:
        """How many runs reached the target."""
        return int(np.isfinite(self.steps_to_target).sum())

    @property
    def median_steps(self) -> float:
        """The median steps to the target over all runs (a run that never reached it counts as infinite)."""
        steps = np.where(np.isfinite(self.steps_to_target), self.steps_to_target, np.inf)
        return float(np.median(steps))


GRID_TARGET = 5.5
"""'Close to the optimum' on the grid: J within 0.5 of its supremum 6."""


@lru_cache(maxsize=32)
def reuse_runs(method: str, alpha: float, n_reuse: int = 4, *, n_runs: int = 30, n_batches: int = 200,
               batch_size: int = 10, epsilon: float = 0.2, seed: int = 1,
               target: float = GRID_TARGET) -> ReuseRuns:
    """Runs of :func:`helpers.surrogate.train_with_reuse` on the grid from θ = 0 (cached)."""
    problem = grid_problem()
    history = train_with_reuse(problem.mdp, problem.policy, np.zeros(2), problem.inputs, alpha, n_batches,
                               batch_size, np.random.default_rng(seed), method=method, n_reuse=n_reuse,
                               epsilon=epsilon, n_runs=n_runs)
    J = problem.objective(history.theta)
    return ReuseRuns(history, float(alpha), J, float(target), steps_to_reach(history, J, target))


def draw_reuse_runs(runs: list[ReuseRuns], ax: Axes, title: str = "Exact J against the data played") -> None:
    """The median exact J against environment steps (log scale), the middle half of the runs shaded.

    Each method has its own colour, dashes and marker; a second REINFORCE entry (another
    α) shares its colour, has no band and is drawn thicker.
    """
    problem = grid_problem()
    seen_reinforce = False
    for index, run in enumerate(runs):
        color = METHOD_COLORS[run.history.method]
        steps = np.median(run.history.steps, axis=0)
        _, low, high = mean_and_band(run.J, "quartiles")
        second_reinforce = run.history.method == "reinforce" and seen_reinforce
        seen_reinforce |= run.history.method == "reinforce"
        if not second_reinforce:
            ax.fill_between(steps[1:], low[1:], high[1:], color=color, alpha=0.12, linewidth=0)
        ax.plot(steps[1:], np.median(run.J, axis=0)[1:], color=color,
                **compared_line_style(index, steps.size - 1), linewidth=2.2 if second_reinforce else 1.8,
                label=f"{run.label} ({run.n_reached}/{len(run.J)} reach {run.target:g})")
    exact_line(ax, problem.J_sup, rf"supremum $J^* = {problem.J_sup:.0f}$")
    ax.axhline(runs[0].target, color="grey", linewidth=0.8, linestyle=":")
    ax.text(0.01, runs[0].target + 0.06, f"target J = {runs[0].target:g}", transform=ax.get_yaxis_transform(),
            ha="left", va="bottom", fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.set_xlabel("environment steps played (log scale)")
    ax.set_ylabel(r"exact $J(\theta)$: median, middle half of runs shaded")
    ax.set_ylim(-0.5, 6.3)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)


# --- the clipped objective -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClippedView:
    r"""PPO's clipped objective of one step as its ratio varies.

    Attributes
    ----------
    ratio, advantage, epsilon : float
    r_grid : ndarray
    clipped, unclipped : ndarray
        :math:`L^\text{CLIP}(r)` and :math:`r\hat A` over ``r_grid``.
    slope_grid : ndarray
        :math:`\partial L^\text{CLIP}/\partial r` over ``r_grid``.
    value, slope : float
        :math:`L^\text{CLIP}` and its slope at ``ratio``.
    """

    ratio: float
    advantage: float
    epsilon: float
    r_grid: np.ndarray
    clipped: np.ndarray
    unclipped: np.ndarray
    slope_grid: np.ndarray
    value: float
    slope: float


R_LIMITS = (0.0, 2.0)
R_TICKS = (0.0, 0.5, 1.0, 1.5, 2.0)


def clipped_view(ratio: float, advantage: float, epsilon: float = 0.2) -> ClippedView:
    """The clipped dashboard's data: the objective and its slope over r, and their values at ``ratio``."""
    r_grid = np.linspace(*R_LIMITS, 401)
    return ClippedView(float(ratio), float(advantage), float(epsilon), r_grid,
                       clipped_objective(r_grid, advantage, epsilon), r_grid * advantage,
                       clipped_objective_slope(r_grid, advantage, epsilon),
                       float(clipped_objective(ratio, advantage, epsilon)),
                       float(clipped_objective_slope(ratio, advantage, epsilon)))


def draw_clipped(view: ClippedView, axes: list[Axes]) -> None:
    """Left: L^CLIP and r·Â against r, the clip range shaded; right: the slope ∂L/∂r."""
    ax_L, ax_slope = axes
    low, high = 1 - view.epsilon, 1 + view.epsilon
    for ax in axes:
        ax.axvspan(low, high, color=OKABE_ITO["yellow"], alpha=0.25, linewidth=0)
        ax.axvline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax_L.plot(view.r_grid, view.unclipped, color="grey", linestyle="--", linewidth=1.2,
              label="unclipped r·Â")
    ax_L.plot(view.r_grid, view.clipped, color=PALETTE[0], linewidth=2.2,
              label="min(r·Â, clip(r, 1 − ε, 1 + ε)·Â)")
    ax_L.plot(view.ratio, view.value, "o", color=PALETTE[1], markersize=8, zorder=3)
    ax_L.set_xlim(*R_LIMITS)
    bound = 2.1 * max(abs(view.advantage), 0.1)
    ax_L.set_ylim(-bound, bound)
    for ax in axes:  # few tick labels: text is most of the time a redraw takes
        ax.set_xticks(R_TICKS)
        ax.yaxis.set_major_locator(MaxNLocator(5))
    ax_L.set_xlabel("ratio r = π(a|s, θ) / π(a|s, θ_old)")
    ax_L.set_ylabel(r"objective for this step")
    ax_L.set_title(f"Clipped objective at r = {view.ratio:.2f}: {view.value:+.2f}")
    ax_L.legend(loc="upper left" if view.advantage >= 0 else "lower left", fontsize=8)

    ax_slope.plot(view.r_grid, view.slope_grid, color=PALETTE[0], linewidth=2.2)
    ax_slope.plot(view.ratio, view.slope, "o", color=PALETTE[1], markersize=8, zorder=3)
    ax_slope.axhline(0.0, color="grey", linewidth=0.8)
    ax_slope.set_xlim(*R_LIMITS)
    ax_slope.set_ylim(-bound / 2, bound / 2)
    ax_slope.set_xlabel("ratio r")
    ax_slope.set_ylabel("slope ∂L/∂r of the clipped objective")
    state = "clipped: no gradient" if view.slope == 0 and view.advantage != 0 else "the step still counts"
    ax_slope.set_title(f"Slope at r = {view.ratio:.2f}: {view.slope:+.2f} ({state})")
    ax_slope.text(1.0, 0.56, f"clip range\n[{low:.2f}, {high:.2f}]", transform=ax_slope.get_xaxis_transform(),
                  ha="center", va="bottom", fontsize=8)


def clipped_dashboard(ratio: float = 1.3, advantage: float = 1.0, epsilon: float = 0.2) -> Dashboard:
    """Sliders for the ratio r, the advantage Â and the clip range ε."""
    return Dashboard(
        compute=clipped_view,
        draw=draw_clipped,
        controls={"ratio": slider("ratio r", ratio, 0.0, 2.0, 0.05),
                  "advantage": slider("advantage Â", advantage, -2.0, 2.0, 0.25),
                  "epsilon": slider("clip ε", epsilon, 0.05, 0.5, 0.05)},
        state=lambda ratio, advantage, epsilon: f"r = {ratio:.2f}, Â = {advantage:+.2f}, ε = {epsilon:.2f}",
        n_panels=2,
        panel_size=(4.6, 3.4),
    )


# --- CartPole -------------------------------------------------------------------------------------------


def draw_cartpole_curve(returns: np.ndarray, running: np.ndarray, solved_at: int | None, ax: Axes, *,
                        threshold: float = 475.0, window: int = 10) -> None:
    """Episode returns, their 10-episode moving average, the running average of the rule and the bar."""
    returns = np.asarray(returns, dtype=float)
    episodes = np.arange(1, returns.size + 1)
    ax.plot(episodes, returns, color=PALETTE[5], linewidth=0.8, alpha=0.8, label="return of each episode")
    ax.plot(episodes, smooth(returns, window), color=PALETTE[0], label=f"mean of the last {window}")
    ax.plot(episodes, running, color=PALETTE[1], linewidth=2.2,
            label="running = 0.95·running + 0.05·return")
    ax.axhline(threshold, color=EXACT_COLOR, linestyle="--", linewidth=1.2,
               label=f"solved: running ≥ {threshold:g}")
    if solved_at is not None:
        ax.axvline(solved_at, color=EXACT_COLOR, linewidth=0.8, linestyle=":")
        ax.annotate(f"solved after {solved_at} episodes", (solved_at, threshold), textcoords="offset points",
                    xytext=(-6, -28), ha="right", fontsize=9)
    ax.set_xlim(1, returns.size)
    ax.set_ylim(0, 520)
    ax.set_xlabel("episode")
    ax.set_ylabel("return (steps balanced, at most 500)")
    ax.set_title("CartPole-v1: REINFORCE with a learned baseline")
    ax.legend(loc="center right", fontsize=8)


def dashboards() -> dict[str, Dashboard]:
    """The notebook's dashboards, for the slider benchmark and the tests."""
    return {"exploration": exploration_dashboard(), "clipped": clipped_dashboard()}

