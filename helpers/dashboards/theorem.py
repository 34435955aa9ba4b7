r"""Notebook 01's dashboard: from the exact gradient to its Monte-Carlo estimate.

On the demand problem (:class:`helpers.envs.DemandEnv`, horizon 2, the policy
:math:`\pi(\mathrm{MORE}|p,\theta) = \sigma(\theta p)`), the θ slider shows

- left: the exact :math:`J(\theta)` and its tangent at θ, whose slope is the exact
  :math:`dJ/d\theta` (:func:`helpers.mdp.objective`, :func:`helpers.mdp.exact_gradient`);
- right: M single-episode estimates
  :math:`\hat g^m = \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t^m|s_t^m,\theta)\, R(\tau^m)`
  as a cloud of dots, their running mean
  :math:`\frac1m \sum_{i \le m} \hat g^i` with a ±2 standard-error band, and the exact
  value as a dashed line: the estimates are noisy and right on average.

A dropdown switches the weight from :math:`R(\tau)` to the reward-to-go
:math:`G_t` (same mean; a smaller spread for |θ| below about 2.8, about the same
beyond). The estimates for a given θ come from a
generator seeded by a fixed number and θ rounded to 1e-3, so the figure for a θ
is the same every time it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes

from helpers.dashboards.demand import demand_problem
from helpers.mdp import exact_gradient, objective
from helpers.plotting import EXACT_COLOR, OKABE_ITO, running_mean
from helpers.policies import SigmoidPolicy
from helpers.reinforce import reinforce_estimates, sample_episodes
from helpers.widgets import Dashboard, dropdown, slider

HORIZON = 2
"""The demand season of notebook 01: two weeks, 64 trajectories."""

N_EPISODES = 200
"""M, the number of single-episode estimates drawn per θ."""

ESTIMATE_SEED = 1992
"""Fixed part of the seed of the estimates (Williams, 1992); θ is the other part."""

THETA_MIN, THETA_MAX, THETA_STEP = -3.0, 3.0, 0.1
THETA_LIMIT = 100.0
"""|θ| allowed by :func:`compute` (the seed needs θ·1000 as a bounded integer)."""

WEIGHTS = {"total": "R(τ)", "to_go": "Gₜ"}
"""The estimator's weight: the total reward R(τ) (trajectory form) or the reward-to-go G_t."""

ESTIMATE_YLIM = (-2.5, 9.5)
r"""Fixed y-range of the estimates, the same for every θ so that spreads can be compared.

For T = 2 every single-episode estimate lies in [-2, 16] (|∂ ln π| ≤ |p| ≤ 2 per step,
R(τ) ≤ 4); the rare ones above the range are drawn as triangles on its upper edge and
counted in the legend.
"""

POLICY = SigmoidPolicy()


@lru_cache(maxsize=4)
def objective_curve(horizon: int = HORIZON, n_points: int = 121) -> tuple[np.ndarray, np.ndarray]:
    r"""θ on [-3, 3] and the exact :math:`J(\theta)` there, cached (read-only arrays)."""
    problem = demand_problem(horizon)
    mdp, inputs = problem.mdp, problem.inputs
    thetas = np.linspace(THETA_MIN, THETA_MAX, n_points)
    values = np.array([objective(mdp, POLICY, np.array([t]), inputs) for t in thetas])
    for array in (thetas, values):
        array.setflags(write=False)
    return thetas, values


@lru_cache(maxsize=512)
def exact_values(theta: float, horizon: int = HORIZON) -> tuple[float, float]:
    r"""The exact :math:`J(\theta)` and :math:`dJ/d\theta` of the demand problem."""
    problem = demand_problem(horizon)
    mdp, inputs = problem.mdp, problem.inputs
    theta_vector = np.array([theta])
    return (objective(mdp, POLICY, theta_vector, inputs),
            float(exact_gradient(mdp, POLICY, theta_vector, inputs)[0]))


def estimate_rng(theta: float, seed: int = ESTIMATE_SEED) -> np.random.Generator:
    """The generator of the estimates at θ: seeded by ``seed`` and round(1000 θ)."""
    return np.random.default_rng([seed, round(1000 * theta) + round(1000 * THETA_LIMIT)])


@lru_cache(maxsize=512)
def single_episode_estimates(theta: float, weight: str = "total", n_episodes: int = N_EPISODES,
                             horizon: int = HORIZON, seed: int = ESTIMATE_SEED) -> np.ndarray:
    r"""M single-episode estimates of :math:`dJ/d\theta` at θ, shape (M,), read-only.

    .. math:: \hat g^m = \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t^m|s_t^m, \theta)\, R(\tau^m)
              \quad\text{or, with ``weight="to_go"``,}\quad
              \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t^m|s_t^m, \theta)\, G_t^m.

    Episodes come from :func:`helpers.reinforce.sample_episodes` (batched) with the
    generator :func:`estimate_rng`; the same arguments always give the same estimates.
    """
    problem = demand_problem(horizon)
    mdp, inputs = problem.mdp, problem.inputs
    theta_vector = np.array([theta])
    batch = sample_episodes(mdp, POLICY, theta_vector, inputs, n_episodes, estimate_rng(theta, seed))
    estimates = reinforce_estimates(POLICY, theta_vector, inputs, batch,
                                    reward_to_go=weight == "to_go")[:, 0]
    estimates.setflags(write=False)
    return estimates


@dataclass(frozen=True)
class GradientCloud:
    r"""What the dashboard shows for one θ.

    Attributes
    ----------
    theta : float
    weight : str
        ``"total"`` (R(τ)) or ``"to_go"`` (G_t).
    theta_grid, objective_grid : ndarray
        The curve :math:`J(\theta)`.
    objective : float
        :math:`J(\theta)` at the slider's θ.
    gradient : float
        The exact :math:`dJ/d\theta` there.
    estimates : ndarray, shape (M,)
        Single-episode estimates :math:`\hat g^m`.
    """

    theta: float
    weight: str
    theta_grid: np.ndarray
    objective_grid: np.ndarray
    objective: float
    gradient: float
    estimates: np.ndarray

    @property
    def mean(self) -> float:
        r"""The Monte-Carlo estimate :math:`\frac1M \sum_m \hat g^m`."""
        return float(self.estimates.mean())

    @property
    def standard_error(self) -> float:
        r"""Its standard error :math:`s / \sqrt M` (s the sample standard deviation)."""
        return float(self.estimates.std(ddof=1) / np.sqrt(self.estimates.size))

    @property
    def band_covers_exact(self) -> bool:
        r"""Whether :math:`\frac1M\sum_m \hat g^m \pm 2` standard errors contains the exact slope."""
        return abs(self.mean - self.gradient) <= 2 * self.standard_error

    def running_mean(self) -> np.ndarray:
        r""":math:`\frac1m \sum_{i \le m} \hat g^i` for m = 1..M."""
        return running_mean(self.estimates)[0]

    def running_standard_error(self) -> np.ndarray:
        r"""The standard error of each running mean, :math:`s_m / \sqrt m` (0 for m = 1)."""
        return running_mean(self.estimates)[1]


def _check_theta(theta: float) -> float:
    theta = float(theta)
    if not np.isfinite(theta) or abs(theta) > THETA_LIMIT:
        raise ValueError(f"theta must be a finite number in [-{THETA_LIMIT:g}, {THETA_LIMIT:g}], "
                         f"got {theta!r}")
    return round(theta, 6)


def _check_weight(weight: str) -> str:
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {', '.join(map(repr, WEIGHTS))}; got {weight!r}")
    return weight


def compute(theta: float = 1.0, weight: str = "total") -> GradientCloud:
    r"""The exact J and dJ/dθ at θ and M single-episode estimates (pure; cached pieces).

    Parameters
    ----------
    theta : float
        The policy parameter, |θ| ≤ 100.
    weight : {"total", "to_go"}
        Weight each score by R(τ) or by the reward-to-go G_t.
    """
    theta = _check_theta(theta)
    weight = _check_weight(weight)
    thetas, values = objective_curve()
    J, gradient = exact_values(theta)
    return GradientCloud(theta, weight, thetas, values, J, gradient,
                         single_episode_estimates(theta, weight))


def draw(data: GradientCloud, axes: list[Axes]) -> list[Artist]:
    """Left: J(θ) and its tangent at θ. Right: the estimates, their running mean and the exact slope.

    Labels are plain Unicode, not mathtext: each new figure starts with an empty mathtext
    cache, so every ``$...$`` would be parsed again on every slider move. Returns the
    artists that move with θ (:func:`draw_moving`).
    """
    left, right = axes
    left.plot(data.theta_grid, data.objective_grid, color=EXACT_COLOR, label="J(θ)")
    low, high = data.objective_grid.min(), data.objective_grid.max()
    pad = 0.15 * (high - low)
    left.set_ylim(low - pad, high + pad)
    left.set_xlim(data.theta_grid[0], data.theta_grid[-1])
    # fixed ticks: the tick locator's search is a noticeable part of each redraw
    left.set_xticks(np.arange(np.ceil(data.theta_grid[0]), data.theta_grid[-1] + 0.5))
    left.set_yticks(np.arange(np.ceil(low), np.floor(high) + 0.5))
    left.set_xlabel("policy parameter θ")
    left.set_ylabel("J(θ), expected total reward")
    left.set_title("Tangent at θ: estimated slope vs exact")

    right.set_ylim(*ESTIMATE_YLIM)
    right.set_xlim(0, data.estimates.size + 1)
    right.set_xticks(np.linspace(0, data.estimates.size, 5))
    right.set_yticks(np.arange(-2, ESTIMATE_YLIM[1], 2))
    right.set_xlabel("episode m")
    right.set_ylabel("ĝᵐ, one episode's estimate of dJ/dθ")
    return draw_moving(data, axes)


def draw_moving(data: GradientCloud, axes: list[Axes]) -> list[Artist]:
    """What moves with θ and the weight: tangents, estimates, running mean, titles and legends."""
    left, right = axes
    estimate_color, mean_color = OKABE_ITO["sky"], OKABE_ITO["vermillion"]
    span = np.linspace(data.theta - 1.0, data.theta + 1.0, 2)
    moving = left.plot(span, data.objective + data.mean * (span - data.theta), color=mean_color,
                       linewidth=1.4, label=f"estimated slope {data.mean:.3f}")
    moving += left.plot(span, data.objective + data.gradient * (span - data.theta), color=EXACT_COLOR,
                        linestyle="--", linewidth=1.2, label=f"exact slope {data.gradient:.3f}")
    moving += left.plot([data.theta], [data.objective], "o", color=EXACT_COLOR, markersize=5)
    moving.append(left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, columnspacing=1.0))

    m = np.arange(1, data.estimates.size + 1)
    running, se = data.running_mean(), data.running_standard_error()
    top = ESTIMATE_YLIM[1]
    above = data.estimates > top
    moving += right.plot(m[~above], data.estimates[~above], "o", color=estimate_color, markersize=3,
                         alpha=0.6, label="ĝᵐ, one per episode")
    if above.any():
        moving += right.plot(m[above], np.full(above.sum(), top - 0.25), "^", color=estimate_color,
                             markersize=5, clip_on=False,
                             label=f"{above.sum()} above {top:g} (largest {data.estimates.max():.1f})")
    moving.append(right.fill_between(m[1:], (running - 2 * se)[1:], (running + 2 * se)[1:],
                                     color=mean_color, alpha=0.25, linewidth=0))
    moving += right.plot(m, running, color=mean_color, label="running mean ± 2 SE")
    moving.append(right.axhline(data.gradient, color=EXACT_COLOR, linestyle="--", linewidth=1.2, zorder=3,
                                label=f"exact dJ/dθ = {data.gradient:.3f}"))
    verdict = "covers" if data.band_covers_exact else "misses"
    moving.append(right.set_title(f"{data.estimates.size} estimates, weight {WEIGHTS[data.weight]}: mean "
                                  f"{data.mean:.2f} ± {2 * data.standard_error:.2f}\n{verdict} the exact "
                                  f"{data.gradient:.2f}"))
    moving.append(right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2))
    return moving


def state(theta: float, weight: str = "total") -> str:
    """The state line printed above the figure, e.g. ``θ = 1.00, weight R(τ)``."""
    name = "R(τ)" if weight == "total" else "G_t"
    return f"θ = {theta:.2f}, weight {name}"


def gradient_cloud_dashboard(theta: float = 1.0) -> Dashboard:
    """The θ slider of step 7: J(θ), the exact slope and a cloud of single-episode estimates."""
    theta = _check_theta(theta)
    return Dashboard(
        compute=compute,
        draw=draw,
        moving=draw_moving,
        controls={
            "theta": slider("θ", theta, THETA_MIN, THETA_MAX, THETA_STEP),
            "weight": dropdown("weight", [("R(τ), whole episode", "total"),
                                          ("G_t, reward-to-go", "to_go")], "total"),
        },
        state=state,
        n_panels=2,
        panel_size=(4.9, 4.0),
    )


def dashboards() -> dict[str, Dashboard]:
    """The dashboards of notebook 01, for the latency benchmark."""
    return {"gradient_cloud": gradient_cloud_dashboard()}


@dataclass(frozen=True)
class TrajectoryTree:
    r"""The :math:`(4 \cdot 2)^2 = 64` trajectories of a two-week season at one θ, as a tree.

    Attributes
    ----------
    theta : float
    demand, actions : ndarray of int, shape (64, 2)
        :math:`p_0, p_1` and :math:`a_0, a_1` (0 = LESS, 1 = MORE) of each leaf, in tree order.
    probability : ndarray, shape (64,)
        :math:`\pi_\theta(\tau)`; they sum to 1.
    total_reward : ndarray, shape (64,)
        :math:`R(\tau) = r_1 + r_2`.
    """

    theta: float
    demand: np.ndarray
    actions: np.ndarray
    probability: np.ndarray
    total_reward: np.ndarray

    @property
    def objective(self) -> float:
        r""":math:`J(\theta) = \sum_\tau \pi_\theta(\tau) R(\tau)`."""
        return float(np.sum(self.probability * self.total_reward))


@lru_cache(maxsize=8)
def trajectory_tree(theta: float = 1.0) -> TrajectoryTree:
    r"""Every trajectory of the two-week demand problem with its probability and return, at θ (cached).

    The numbers come from :func:`helpers.symbolic.demand_trajectory_table` (DemandEnv's chain), sorted
    as a tree: by :math:`p_0`, then :math:`a_0`, :math:`p_1`, :math:`a_1`.
    """
    from helpers import symbolic

    theta = _check_theta(theta)
    trajectories = symbolic.demand_trajectories(horizon=2)
    rows = symbolic.demand_trajectory_table(trajectories, theta)
    def tree_order(k: int) -> tuple[int, int, int, int]:
        tau = trajectories[k]
        return (tau.demand[0], tau.actions[0], tau.demand[1], tau.actions[1])

    order = sorted(range(len(trajectories)), key=tree_order)
    return TrajectoryTree(theta, np.array([trajectories[k].demand for k in order]),
                          np.array([trajectories[k].actions for k in order]),
                          np.array([rows[k]["probability"] for k in order]),
                          np.array([rows[k]["total_reward"] for k in order]))


def draw_trajectory_tree(tree: TrajectoryTree, ax: Axes,
                         highlight: tuple[int, int, int, int] | None = None) -> None:
    r"""The tree of a two-week season: p₀, a₀, p₁, a₁ from top to bottom, one leaf per trajectory.

    An edge's width is the probability of reaching its node, so the wide paths are the likely
    seasons; each leaf's colour (and the sign of its marker: ▲ for R(τ) > 0, ▼ for R(τ) < 0, ● for 0)
    is the season's total reward. J(θ) is the probability-weighted sum of the leaves. ``highlight``
    = (p₀, a₀, p₁, a₁) draws that trajectory's path in orange.
    """
    n = len(tree.probability)
    leaf_x = np.arange(n, dtype=float)

    def prefix(k: int, depth: int) -> tuple:
        parts = (tree.demand[k, 0], tree.actions[k, 0], tree.demand[k, 1], tree.actions[k, 1])
        return tuple(int(v) for v in parts[:depth])

    for depth in range(4, 0, -1):
        groups: dict[tuple, list[int]] = {}
        for k in range(n):
            groups.setdefault(prefix(k, depth), []).append(k)
        for node, members in groups.items():
            parent = [k for k in range(n) if prefix(k, depth - 1) == node[:-1]]
            x_child, x_parent = leaf_x[members].mean(), leaf_x[parent].mean()
            weight = tree.probability[members].sum()
            ax.plot([x_parent, x_child], [-(depth - 1), -depth], color=EXACT_COLOR,
                    linewidth=0.3 + 9.0 * weight, solid_capstyle="round", zorder=1)
            if highlight is not None and node == tuple(highlight[:depth]):
                ax.plot([x_parent, x_child], [-(depth - 1), -depth], color=OKABE_ITO["orange"],
                        linewidth=2.2, zorder=3)
            if depth == 1:
                ax.text(x_child, -0.55, f"p₀ = {node[0]:+d}", ha="center", va="center", fontsize=8,
                        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "none"})
            if depth == 2 and node[0] == int(tree.demand[0, 0]):
                ax.text(x_child, -2.0, "MORE " if node[1] == 1 else " LESS",
                        ha="left" if node[1] else "right", va="bottom", fontsize=7)
    colors = np.where(tree.total_reward > 0, OKABE_ITO["blue"],
                      np.where(tree.total_reward < 0, OKABE_ITO["vermillion"], "grey"))
    markers = np.where(tree.total_reward > 0, "^", np.where(tree.total_reward < 0, "v", "o"))
    for k in range(n):
        ax.scatter(leaf_x[k], -4.25, s=12 + 900 * tree.probability[k], color=colors[k], marker=markers[k],
                   zorder=2)
    ax.set_yticks([0, -1, -2, -3, -4],
                  ["start", "p₀ ~ ρ", "a₀ ~ π(·|p₀, θ)", "p₁ ~ P(p₀ → ·)", "a₁ ~ π(·|p₁, θ)"])
    ax.set_xticks([])
    ax.set_ylim(-4.7, 0.3)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"The 64 two-week seasons at θ = {tree.theta:g}: "
                 f"J(θ) = Σ π_θ(τ) R(τ) = {tree.objective:.3f}")
    ax.text(0.5, -0.04, "edge width: probability of the branch; leaves: ▲ R(τ) > 0, ▼ R(τ) < 0, ● R(τ) = 0, "
            "size π_θ(τ)" + ("; orange: the trajectory printed above" if highlight is not None else ""),
            transform=ax.transAxes, ha="center", va="top", fontsize=8)
