"""Notebook 06's experiments: one update per batch, reuse, PPO's clipped ratio, CartPole.

**Reusing a batch on the grid** (:class:`helpers.envs.WindyHighway` with the
softmax-linear policy of notebook 03): the bias of naive reuse against the exact
gradient (:func:`reuse_bias`), learning runs of the four ways to spend a batch
(:func:`reuse_runs`, with the runs stranded on the plateau), PPO's clipped objective
of one step as its ratio varies (:func:`clipped_view`), the PPO paper's Figure 2
computed exactly (:func:`figure2_line`) and J after the first batch (:func:`first_batch_J`).

**CartPole**: many seeds trained with :func:`helpers.cartpole.train_cartpole_seeds`
(:func:`cartpole_seeds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from helpers import cartpole
from helpers._validate import check_positive_int
from helpers.envs import WindyHighway
from helpers.mdp import TabularMDP, exact_gradient
from helpers.policies import SoftmaxLinearPolicy
from helpers.reinforce import sample_episodes
from helpers.surrogate import (
    ReuseHistory,
    SurrogateLine,
    clipped_objective,
    clipped_objective_slope,
    importance_weighted_estimates,
    naive_reuse_estimates,
    objectives,
    steps_to_reach,
    surrogate_line,
    train_with_reuse,
)

METHOD_LABELS = {
    "reinforce": "REINFORCE: one update per batch",
    "naive": "naive reuse",
    "importance": "importance-weighted reuse",
    "clipped": "PPO's clipped ratio",
}


EPSILON = 0.2
"""PPO's clip range ε, as in the paper."""


PLATEAU_J = 4.5
"""A run that ends below this J with almost no gradient left is stranded on the plateau (J ≈ 4.29)."""


PLATEAU_GRADIENT = 0.01
"""'Almost no gradient': the exact |∇J| below this."""


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
    def stranded(self) -> np.ndarray:
        """Runs that end below J = 4.5 with |∇J| < 0.01: stranded on the plateau, not merely slow."""
        problem = grid_problem()
        low = np.flatnonzero(self.J[:, -1] < PLATEAU_J)
        flat = [run for run in low if np.linalg.norm(exact_gradient(
            problem.mdp, problem.policy, self.history.theta[run, -1], problem.inputs)) < PLATEAU_GRADIENT]
        return np.isin(np.arange(len(self.J)), flat)

    @property
    def n_stranded(self) -> int:
        """How many runs are stranded on the plateau at the end."""
        return int(self.stranded.sum())

    def reached_within(self, steps: float) -> int:
        """How many runs reached the target within ``steps`` environment steps."""
        return int(np.sum(self.steps_to_target <= steps))

    @property
    def median_steps(self) -> float:
        """The median steps to the target over all runs (a run that never reached it counts as infinite)."""
        steps = np.where(np.isfinite(self.steps_to_target), self.steps_to_target, np.inf)
        return float(np.median(steps))


GRID_TARGET = 5.5
"""'Close to the optimum' on the grid: J within 0.5 of its supremum 6."""


@lru_cache(maxsize=32)
def reuse_runs(method: str, alpha: float, n_reuse: int = 4, *, n_runs: int = 200, n_batches: int = 100,
               batch_size: int = 10, epsilon: float = EPSILON, seed: int = 1,
               target: float = GRID_TARGET) -> ReuseRuns:
    """Runs of :func:`helpers.surrogate.train_with_reuse` on the grid from θ = 0 (cached)."""
    problem = grid_problem()
    history = train_with_reuse(problem.mdp, problem.policy, np.zeros(2), problem.inputs, alpha, n_batches,
                               batch_size, np.random.default_rng(seed), method=method, n_reuse=n_reuse,
                               epsilon=epsilon, n_runs=n_runs)
    J = problem.objective(history.theta)
    return ReuseRuns(history, float(alpha), J, float(target), steps_to_reach(history, J, target))


# --- the clipped objective ------------------------------------------------------------------------

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


def clipped_view(ratio: float, advantage: float, epsilon: float = 0.2) -> ClippedView:
    """The clipped dashboard's data: the objective and its slope over r, and their values at ``ratio``."""
    r_grid = np.linspace(*R_LIMITS, 401)
    return ClippedView(float(ratio), float(advantage), float(epsilon), r_grid,
                       clipped_objective(r_grid, advantage, epsilon), r_grid * advantage,
                       clipped_objective_slope(r_grid, advantage, epsilon),
                       float(clipped_objective(ratio, advantage, epsilon)),
                       float(clipped_objective_slope(ratio, advantage, epsilon)))


# --- the PPO paper's Figure 2, exactly ------------------------------------------------------------

@lru_cache(maxsize=4)
def figure2_line(direction: tuple[float, ...] | None = None, max_distance: float = 6.0, n_points: int = 601,
                 epsilon: float = EPSILON) -> SurrogateLine:
    """J, L^CPI and L^CLIP exactly, from θ_old = 0 along ``direction`` (cached).

    The PPO paper's Figure 2 interpolates between θ_old and the parameter after one
    update: pass that update as ``direction``. Without it, the exact gradient's direction.
    """
    problem = grid_problem()
    theta_old = np.zeros(2)
    if direction is None:
        direction = tuple(exact_gradient(problem.mdp, problem.policy, theta_old, problem.inputs))
    return surrogate_line(problem.mdp, problem.policy, problem.inputs, theta_old, np.array(direction),
                          np.linspace(0.0, max_distance, check_positive_int("n_points", n_points)), epsilon)


# --- several updates per batch: diagnostics -------------------------------------------------------

@lru_cache(maxsize=8)
def first_batch_J(n_reuse: int, alpha: float = 3.0, n_runs: int = 200, seed: int = 2) -> np.ndarray:
    """The exact J after the first batch of PPO's clipped updates (K = ``n_reuse``), one per run (cached).

    Every K plays the same first batches (the same seed); K = 1 is one REINFORCE step.
    """
    problem = grid_problem()
    method = "reinforce" if n_reuse == 1 else "clipped"
    history = train_with_reuse(problem.mdp, problem.policy, np.zeros(2), problem.inputs, alpha, 1, 10,
                               np.random.default_rng(seed), method=method, n_reuse=n_reuse, epsilon=EPSILON,
                               n_runs=n_runs)
    J = problem.objective(history.theta[:, 1])
    J.setflags(write=False)
    return J


# --- CartPole over seeds --------------------------------------------------------------------------

NEW_SEEDS = tuple(range(100, 110))
"""CartPole seeds that played no part in choosing the features and step sizes."""


SHOWN_TUNING_SEEDS = tuple(range(3))
"""Some of the seeds the features and step sizes were chosen on (0 to 29)."""


@lru_cache(maxsize=2)
def cartpole_seeds(seeds: tuple[int, ...] = SHOWN_TUNING_SEEDS + NEW_SEEDS,
                   max_episodes: int = 400) -> tuple[cartpole.CartPoleHistory, ...]:
    """One CartPole run per seed, trained until Gymnasium's rule is met (cached)."""
    return tuple(cartpole.train_cartpole_seeds(list(seeds), stop="gymnasium", max_episodes=max_episodes))
