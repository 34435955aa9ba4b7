r"""Notebook 01's experiments: the exact gradient beside its Monte-Carlo estimate.

On the demand problem (:class:`helpers.envs.DemandEnv`, horizon 2, the policy
:math:`\pi(\mathrm{MORE}|p,\theta) = \sigma(\theta p)`):

- the exact :math:`J(\theta)` and :math:`dJ/d\theta` (:func:`objective_curve`, :func:`exact_values`;
  :func:`helpers.mdp.objective`, :func:`helpers.mdp.exact_gradient`);
- M single-episode estimates
  :math:`\hat g^m = \sum_{t=0}^{T-1} \partial_\theta \ln \pi(a_t^m|s_t^m,\theta)\, R(\tau^m)`,
  or weighted by the reward-to-go :math:`G_t` (same mean; a smaller spread for |θ| below
  about 2.8, about the same beyond), with their running mean and standard error
  (:func:`gradient_cloud`). The estimates for a θ come from a generator seeded by a fixed
  number and θ rounded to 1e-3, so they are the same every time;
- the tree of the horizon-2 problem's trajectories with their probabilities and returns
  (:func:`trajectory_tree`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from helpers.experiments.demand import demand_problem
from helpers.mdp import exact_gradient, objective
from helpers.policies import SigmoidPolicy
from helpers.reinforce import reinforce_estimates, sample_episodes
from helpers.stats import running_mean

HORIZON = 2
"""The demand season of notebook 01: two weeks, 64 trajectories."""


N_EPISODES = 200
"""M, the number of single-episode estimates drawn per θ."""


ESTIMATE_SEED = 1992
"""Fixed part of the seed of the estimates (Williams, 1992); θ is the other part."""


THETA_MIN, THETA_MAX = -3.0, 3.0
"""The θ range of the J curve, and of the dashboard's slider."""


THETA_LIMIT = 100.0
"""|θ| allowed by :func:`gradient_cloud` (the seed needs θ·1000 as a bounded integer)."""


WEIGHTS = {"total": "R(τ)", "to_go": "Gₜ"}
"""The estimator's weight: the total reward R(τ) (trajectory form) or the reward-to-go G_t."""


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
def gradient_estimates(theta: float, weight: str = "total", n_episodes: int = N_EPISODES,
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


def validated_theta(theta: float) -> float:
    """θ as a float rounded to 1e-6, or a ValueError unless it is finite with |θ| ≤ ``THETA_LIMIT``."""
    theta = float(theta)
    if not np.isfinite(theta) or abs(theta) > THETA_LIMIT:
        raise ValueError(f"theta must be a finite number in [-{THETA_LIMIT:g}, {THETA_LIMIT:g}], "
                         f"got {theta!r}")
    return round(theta, 6)


def _check_weight(weight: str) -> str:
    if weight not in WEIGHTS:
        raise ValueError(f"weight must be one of {', '.join(map(repr, WEIGHTS))}; got {weight!r}")
    return weight


def gradient_cloud(theta: float = 1.0, weight: str = "total") -> GradientCloud:
    r"""The exact J and dJ/dθ at θ and M single-episode estimates (pure; cached pieces).

    Parameters
    ----------
    theta : float
        The policy parameter, |θ| ≤ 100.
    weight : {"total", "to_go"}
        Weight each score by R(τ) or by the reward-to-go G_t.
    """
    theta = validated_theta(theta)
    weight = _check_weight(weight)
    thetas, values = objective_curve()
    J, gradient = exact_values(theta)
    return GradientCloud(theta, weight, thetas, values, J, gradient,
                         gradient_estimates(theta, weight))


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

    theta = validated_theta(theta)
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
