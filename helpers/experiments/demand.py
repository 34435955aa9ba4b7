r"""Notebook 02's experiments: REINFORCE on the demand problem.

The problem is :class:`helpers.envs.DemandEnv`: each week a manager sees p, the
change in demand, and orders MORE or LESS with probability
:math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`.

Because the orders never change the demand, the expected visits
:math:`\eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s)` do not depend on θ, and the
objective and its slope are weighted sums of the immediate expected reward,

.. math:: J(\theta) = \sum_s \eta_\gamma(s) \sum_a \pi(a|s, \theta) R(s, a), \qquad
          \frac{dJ}{d\theta} = \sum_s \eta_\gamma(s) \sum_a \frac{\partial \pi(a|s, \theta)}{\partial\theta}
          R(s, a),

which :func:`exact_objective` and :func:`exact_slope` evaluate for many θ at
once (the tests check them against :func:`helpers.mdp.objective` and
:func:`helpers.mdp.exact_gradient`). Also here: the policy at θ on J (:func:`policy_view`),
learning runs for a step size (:func:`learning_runs`), single-episode estimates
(:func:`single_episode_estimates`), one update worked by hand (:func:`episode_update`,
:func:`update_effect`) and the softmax against ε-greedy (:func:`smoothness_comparison`).
Everything that does not depend on a slider, and every set of learning runs, is cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from helpers._validate import check_discount, check_positive_int, check_step_size
from helpers.envs import DemandEnv
from helpers.mdp import TabularMDP, exact_gradient, objective, visit_counts
from helpers.policies import SigmoidPolicy, categorical_sample, sigmoid
from helpers.reinforce import EpisodeBatch, reinforce, reinforce_estimates, returns_to_go, sample_episodes
from helpers.stats import running_mean

LESS, MORE = DemandEnv.LESS, DemandEnv.MORE


THETA0 = 0.0
"""Every learning run starts at θ = 0: MORE and LESS equally likely whatever p."""


N_RUNS = 100
"""Independent runs behind each learning curve of the step-size dashboard."""


N_EPISODES = 200
"""Episodes per learning run in the step-size dashboard."""


N_ESTIMATES = 2000
"""Single-episode estimates behind each histogram of the estimates dashboard."""


# --- the problem and its exact quantities ---------------------------------------------------------

@dataclass(frozen=True)
class DemandProblem:
    r"""The demand problem with everything the exact solvers and REINFORCE need.

    Attributes
    ----------
    env : DemandEnv
    mdp : TabularMDP
        ``env.tabular()``.
    policy : SigmoidPolicy
        :math:`\pi(\mathrm{MORE}|p, \theta) = \sigma(\theta p)`, one parameter.
    inputs : ndarray, shape (S,)
        The change in demand p of every state (``env.policy_inputs()``).
    visits : ndarray, shape (S,)
        :math:`\eta_\gamma(s) = \sum_t \gamma^t \Pr(S_t = s)`, the same for every θ.
    """

    env: DemandEnv
    mdp: TabularMDP
    policy: SigmoidPolicy
    inputs: np.ndarray
    visits: np.ndarray


@lru_cache(maxsize=8)
def demand_problem(horizon: int = 3, gamma: float = 1.0) -> DemandProblem:
    """The demand problem of ``horizon`` weeks with discount γ (cached: build it once).

    Raises
    ------
    ValueError
        If ``horizon`` is not an integer >= 1 or γ is outside [0, 1].
    """
    horizon = check_positive_int("horizon", horizon)
    gamma = check_discount("gamma", gamma)
    env = DemandEnv(horizon=horizon, gamma=gamma)
    mdp = env.tabular()
    # The orders never change the demand: P[s, LESS] == P[s, MORE], so the visits
    # are the same under every policy; compute them under the uniform one.
    if not np.array_equal(mdp.P[:, LESS], mdp.P[:, MORE]):
        raise ValueError("the demand chain must not depend on the order")
    uniform = np.full((mdp.n_states, mdp.n_actions), 0.5)
    visits = visit_counts(mdp, uniform, discounted=True)
    inputs = env.policy_inputs()
    for array in (inputs, visits):
        array.setflags(write=False)
    return DemandProblem(env, mdp, SigmoidPolicy(), inputs, visits)


def _theta_array(theta: float | np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, dtype=float)
    if not np.all(np.isfinite(theta)):
        raise ValueError(f"theta must be finite, got {theta!r}")
    return theta


def exact_objective(theta: float | np.ndarray, horizon: int = 3, gamma: float = 1.0) -> np.ndarray:
    r"""The exact :math:`J(\theta)` for any array of θ, vectorised.

    .. math:: J(\theta) = \sum_s \eta_\gamma(s) \big[\sigma(\theta p_s) R(s, \mathrm{MORE})
              + \big(1 - \sigma(\theta p_s)\big) R(s, \mathrm{LESS})\big]

    Exact because the visits :math:`\eta_\gamma` do not depend on θ here.

    Parameters
    ----------
    theta : float or ndarray
        Any shape; the result has the same shape.
    horizon : int
    gamma : float
    """
    problem = demand_problem(horizon, gamma)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    R = problem.mdp.R
    return np.sum(problem.visits * (more * R[:, MORE] + (1.0 - more) * R[:, LESS]), axis=-1)


def exact_slope(theta: float | np.ndarray, horizon: int = 3, gamma: float = 1.0) -> np.ndarray:
    r"""The exact :math:`dJ/d\theta` for any array of θ, vectorised.

    .. math:: \frac{dJ}{d\theta} = \sum_s \eta_\gamma(s)\, \sigma(\theta p_s)
              \big(1 - \sigma(\theta p_s)\big)\, p_s \big[R(s, \mathrm{MORE}) - R(s, \mathrm{LESS})\big],

    since :math:`\partial\pi(\mathrm{MORE}|p)/\partial\theta = \sigma(1 - \sigma)\,p =
    -\partial\pi(\mathrm{LESS}|p)/\partial\theta`.
    """
    problem = demand_problem(horizon, gamma)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    R = problem.mdp.R
    return np.sum(problem.visits * more * (1.0 - more) * problem.inputs * (R[:, MORE] - R[:, LESS]),
                  axis=-1)


def best_return(horizon: int = 3, gamma: float = 1.0) -> float:
    r"""The supremum of J: follow the demand every week, :math:`J^* = \sum_s \eta_\gamma(s) \max_a R(s, a)`.

    It is approached as θ → +∞ and never reached by a finite θ.
    """
    problem = demand_problem(horizon, gamma)
    return float(problem.visits @ problem.mdp.R.max(axis=1))


# --- dashboard 1: the policy and where θ sits on J ------------------------------------------------

@dataclass(frozen=True)
class PolicyView:
    r"""What the θ dashboard shows for one θ.

    Attributes
    ----------
    theta : float
    p_grid, pi_more : ndarray
        The policy curve :math:`\sigma(\theta p)` over a fine grid of p.
    demand_changes, pi_at_changes : ndarray, shape (4,)
        The four demand changes and :math:`\pi(\mathrm{MORE}|p, \theta)` at each.
    theta_grid, J_grid : ndarray
        The exact :math:`J` over a grid of θ.
    J, slope : float
        The exact :math:`J(\theta)` and :math:`dJ/d\theta` (from :mod:`helpers.mdp`).
    J_best : float
        The supremum of J.
    """

    theta: float
    p_grid: np.ndarray
    pi_more: np.ndarray
    demand_changes: np.ndarray
    pi_at_changes: np.ndarray
    theta_grid: np.ndarray
    J_grid: np.ndarray
    J: float
    slope: float
    J_best: float


THETA_LIMITS = (-6.0, 6.0)


@lru_cache(maxsize=4)
def _objective_curve(horizon: int, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    theta_grid = np.linspace(*THETA_LIMITS, 241)
    J_grid = exact_objective(theta_grid, horizon, gamma)
    for array in (theta_grid, J_grid):
        array.setflags(write=False)
    return theta_grid, J_grid


def policy_view(theta: float, horizon: int = 3, gamma: float = 1.0) -> PolicyView:
    r"""The θ dashboard's data: the policy curve and the exact J and dJ/dθ at θ.

    J and dJ/dθ at θ come from :func:`helpers.mdp.objective` and
    :func:`helpers.mdp.exact_gradient` (a linear solve and the policy gradient theorem).
    """
    theta = float(_theta_array(theta))
    problem = demand_problem(horizon, gamma)
    p_grid = np.linspace(-2.5, 2.5, 201)
    changes = problem.env.demand_changes
    theta_grid, J_grid = _objective_curve(horizon, gamma)
    theta_vector = np.array([theta])
    return PolicyView(
        theta=theta,
        p_grid=p_grid,
        pi_more=problem.policy.probs(theta_vector, p_grid)[:, MORE],
        demand_changes=changes,
        pi_at_changes=problem.policy.probs(theta_vector, changes)[:, MORE],
        theta_grid=theta_grid,
        J_grid=J_grid,
        J=objective(problem.mdp, problem.policy, theta_vector, problem.inputs),
        slope=float(exact_gradient(problem.mdp, problem.policy, theta_vector, problem.inputs)[0]),
        J_best=best_return(horizon, gamma),
    )


# --- dashboard 2: the step size -------------------------------------------------------------------

@dataclass(frozen=True)
class LearningRuns:
    r"""Many REINFORCE runs with one step size, and the exact J along each run.

    Attributes
    ----------
    alpha : float
    theta : ndarray, shape (n_runs, n_episodes + 1)
        θ before the first episode and after each.
    J : ndarray, shape (n_runs, n_episodes + 1)
        The exact :math:`J(\theta_k)` of each run after k episodes.
    J_best : float
    """

    alpha: float
    theta: np.ndarray
    J: np.ndarray
    J_best: float

    @property
    def n_runs(self) -> int:
        """The number of independent runs."""
        return self.theta.shape[0]

    @property
    def n_episodes(self) -> int:
        """The number of episodes per run."""
        return self.theta.shape[1] - 1

    @property
    def wrong_way(self) -> np.ndarray:
        """Runs that end with θ < 0, on the side of the policy that orders against demand."""
        return self.theta[:, -1] < 0


def _canonical_alpha(alpha: float) -> float:
    """α rounded to 6 significant digits, so that a slider's float noise hits the cache."""
    alpha = check_step_size("alpha", alpha)
    return float(f"{alpha:.6g}")


@lru_cache(maxsize=64)
def _learning_runs(alpha: float, n_runs: int, n_episodes: int, seed: int, horizon: int,
                   theta0: float) -> LearningRuns:
    problem = demand_problem(horizon)
    history = reinforce(problem.mdp, problem.policy, np.array([theta0]), problem.inputs, alpha,
                        n_episodes, np.random.default_rng(seed), n_runs=n_runs)
    theta = history.theta[:, :, 0]
    J = exact_objective(theta, horizon)
    for array in (theta, J):
        array.setflags(write=False)
    return LearningRuns(alpha, theta, J, best_return(horizon))


def learning_runs(alpha: float, *, n_runs: int = N_RUNS, n_episodes: int = N_EPISODES, seed: int = 0,
                  horizon: int = 3, theta0: float = THETA0) -> LearningRuns:
    r"""``n_runs`` independent REINFORCE runs with step size α, batched; cached per setting.

    Each run plays ``n_episodes`` episodes from θ = ``theta0`` with Sutton & Barto's
    per-step update :math:`\theta \leftarrow \theta + \alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`
    (:func:`helpers.reinforce.reinforce`). The generator is seeded with ``seed`` for
    every α, so all step sizes see the same random numbers where they can.

    Raises
    ------
    ValueError
        If α is not a finite number > 0, or a count is not an integer >= 1.
    """
    return _learning_runs(_canonical_alpha(alpha), check_positive_int("n_runs", n_runs),
                          check_positive_int("n_episodes", n_episodes), int(seed),
                          check_positive_int("horizon", horizon), float(_theta_array(theta0)))


# --- dashboard 3: single-episode estimates --------------------------------------------------------

@dataclass(frozen=True)
class EstimatesView:
    r"""Single-episode REINFORCE estimates at one θ and the exact gradient.

    Attributes
    ----------
    theta : float
    estimates : ndarray, shape (M,)
        :math:`\hat g^m = \sum_t \gamma^t G_t^m \nabla \ln \pi(A_t^m|S_t^m, \theta)`, one per
        episode m = 1, ..., M.
    exact : float
        The exact :math:`dJ/d\theta`.
    against_demand : ndarray of bool, shape (M,)
        Whether episode m took at least one order against demand (MORE at a fall or
        LESS at a rise).
    """

    theta: float
    estimates: np.ndarray
    exact: float
    against_demand: np.ndarray

    @property
    def mean(self) -> float:
        r"""The average of the M estimates, :math:`\hat g = \frac1M \sum_m \hat g^m`."""
        return float(self.estimates.mean())

    @property
    def standard_error(self) -> float:
        r"""The standard error of the mean, :math:`s / \sqrt M`."""
        return float(self.estimates.std(ddof=1) / np.sqrt(self.estimates.size))

    def running_mean(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""The average of the first M estimates and its standard error, for M = 2, 3, ...

        Returns
        -------
        M, mean, standard_error : ndarray, each shape (n - 1,)
            :math:`\hat g_M = \frac1M \sum_{m \le M} \hat g^m` and :math:`s_M / \sqrt M`, with
            :math:`s_M` the sample standard deviation of the first M estimates.
        """
        mean, standard_error = running_mean(self.estimates)
        M = np.arange(1, self.estimates.size + 1, dtype=float)
        return M[1:], mean[1:], standard_error[1:]

    def shape_summary(self) -> str:
        r"""What the histogram shows, in a few words (the estimates panel's title).

        "most ĝᵐ ≈ 0, a few large kicks" when at least 3/4 of the estimates lie within
        ±0.5 of 0 and the largest is more than 5 standard deviations out; "every ĝᵐ > 0"
        when none is negative; otherwise the share that points the wrong way
        (:math:`\hat g^m < 0`, while :math:`dJ/d\theta > 0`).
        """
        values = self.estimates
        near_zero = float(np.mean(np.abs(values) < 0.5))
        spread = values.std(ddof=1)
        if near_zero >= 0.75 and np.abs(values).max() > 5 * spread:
            return f"{near_zero:.0%} of ĝᵐ ≈ 0 (|ĝᵐ| < 0.5), a few large kicks"
        if values.min() >= 0:
            return f"every ĝᵐ > 0, from {values.min():.2f} to {values.max():.1f}"
        return f"{np.mean(values < 0):.0%} of ĝᵐ point the wrong way (ĝᵐ < 0)"


@lru_cache(maxsize=64)
def _estimates(theta: float, n_episodes: int, seed: int, horizon: int) -> EstimatesView:
    problem = demand_problem(horizon)
    theta_vector = np.array([theta])
    batch = sample_episodes(problem.mdp, problem.policy, theta_vector, problem.inputs, n_episodes,
                            np.random.default_rng(seed))
    estimates = reinforce_estimates(problem.policy, theta_vector, problem.inputs, batch,
                                    problem.mdp.gamma)[:, 0]
    p = problem.inputs[batch.states]
    against = batch.mask & np.where(batch.actions == MORE, p < 0, p > 0)
    against_demand = against.any(axis=1)
    for array in (estimates, against_demand):
        array.setflags(write=False)
    exact = float(exact_gradient(problem.mdp, problem.policy, theta_vector, problem.inputs)[0])
    return EstimatesView(theta, estimates, exact, against_demand)


def single_episode_estimates(theta: float, *, n_episodes: int = N_ESTIMATES, seed: int = 0,
                             horizon: int = 3) -> EstimatesView:
    r"""``n_episodes`` = M single-episode REINFORCE estimates of :math:`dJ/d\theta` at θ (cached).

    .. math:: \hat g^m = \sum_{t=0}^{T-1} \gamma^t G_t^m\, \nabla \ln \pi(A_t^m|S_t^m, \theta),
              \qquad \mathbb{E}[\hat g^m] = \frac{dJ}{d\theta},

    all scored at the same θ; their average is :math:`\hat g = \frac1M \sum_m \hat g^m`.

    Raises
    ------
    ValueError
        If θ is not finite or a count is not an integer >= 1.
    """
    theta = float(f"{float(_theta_array(theta)):.6g}")
    return _estimates(theta, check_positive_int("n_episodes", n_episodes), int(seed),
                      check_positive_int("horizon", horizon))


# --- one episode's update, step by step -----------------------------------------------------------

@dataclass(frozen=True)
class UpdateStep:
    r"""One step of Sutton & Barto's per-step REINFORCE update within an episode.

    Attributes
    ----------
    t : int
    p : float
        The change in demand in :math:`S_t`.
    action : int
        :math:`A_t` (0 = LESS, 1 = MORE).
    reward : float
        :math:`R_{t+1}`.
    G : float
        The return :math:`G_t = \sum_{k=t+1}^{T} \gamma^{k-t-1} R_k`.
    theta_before : float
        The θ at which step t is scored.
    prob : float
        :math:`\pi(A_t|S_t, \theta)` at that θ.
    score : float
        :math:`\nabla \ln \pi(A_t|S_t, \theta) = (A_t - \sigma(\theta p))\, p`.
    step : float
        :math:`\alpha \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta)`.
    theta_after : float
    """

    t: int
    p: float
    action: int
    reward: float
    G: float
    theta_before: float
    prob: float
    score: float
    step: float
    theta_after: float


def _check_episode_arrays(p: np.ndarray, actions: np.ndarray, rewards: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    actions = np.asarray(actions)
    rewards = np.asarray(rewards, dtype=float)
    if p.ndim != 1 or actions.shape != p.shape or rewards.shape != p.shape:
        raise ValueError("p, actions and rewards must be 1-D arrays of one common length T; got shapes "
                         f"{p.shape}, {actions.shape}, {rewards.shape}")
    if not np.all(np.isin(actions, (LESS, MORE))):
        raise ValueError(f"actions must hold 0 (LESS) or 1 (MORE), got {actions!r}")
    return p, actions.astype(int), rewards


def episode_update(theta: float, p: np.ndarray, actions: np.ndarray, rewards: np.ndarray,
                   alpha: float, gamma: float = 1.0) -> list[UpdateStep]:
    r"""Sutton & Barto's REINFORCE update for one episode, one row per step.

    For t = 0, 1, ..., T-1, with the score taken at the current θ:

    .. math:: \theta \leftarrow \theta + \alpha \gamma^t G_t\, \big(A_t - \sigma(\theta p_t)\big)\, p_t.

    Parameters
    ----------
    theta : float
        θ before the episode.
    p, actions, rewards : array_like, shape (T,)
        :math:`p_t` (the change in demand in :math:`S_t`), :math:`A_t` and :math:`R_{t+1}`.
    alpha : float
        The step size α > 0.
    gamma : float
        The discount γ in [0, 1].

    Raises
    ------
    ValueError
        On arrays of different lengths, actions other than 0 and 1, α <= 0 or γ outside [0, 1].
    """
    theta = float(_theta_array(theta))
    alpha = check_step_size("alpha", alpha)
    gamma = check_discount("gamma", gamma)
    p, actions, rewards = _check_episode_arrays(p, actions, rewards)
    G = returns_to_go(rewards, gamma)
    rows = []
    for t in range(len(p)):
        more = float(sigmoid(theta * p[t]))
        score = (actions[t] - more) * p[t]
        step = alpha * gamma**t * G[t] * score
        rows.append(UpdateStep(t, float(p[t]), int(actions[t]), float(rewards[t]), float(G[t]), theta,
                               more if actions[t] == MORE else 1.0 - more, float(score), float(step),
                               theta + step))
        theta = theta + step
    return rows


@dataclass(frozen=True)
class UpdateEffect:
    r"""π(·|p) before and after one REINFORCE step on one action, for several returns G_t.

    Attributes
    ----------
    theta, p, alpha : float
        θ before the step, the state's change in demand, the step size.
    action : int
        The action A_t whose score is used (MORE = 1, LESS = 0).
    returns : tuple of float
        The G_t of each case.
    before : ndarray, shape (2,)
        [π(LESS|p), π(MORE|p)] at θ.
    after : ndarray, shape (len(returns), 2)
        The same after :math:`\theta \leftarrow \theta + \alpha G_t \nabla \ln \pi(A_t|p, \theta)`.
    theta_after : ndarray, shape (len(returns),)
    """

    theta: float
    p: float
    alpha: float
    action: int
    returns: tuple[float, ...]
    before: np.ndarray
    after: np.ndarray
    theta_after: np.ndarray


def update_effect(theta: float = 0.5, p: float = 1.0, action: int = MORE,
                  returns: tuple[float, ...] = (2.0, -2.0), alpha: float = 0.5) -> UpdateEffect:
    r"""What one REINFORCE step does to π(·|p): the taken action's probability moves with the sign of G_t.

    .. math:: 	heta' = 	heta + lpha\, G_t\, ig(A_t - \sigma(	heta p)ig)\, p, \qquad
              \pi(	ext{MORE}|p, 	heta') = \sigma(	heta' p).

    Raises
    ------
    ValueError
        If θ, p or a return is not finite, the action is not 0 or 1, or α <= 0.
    """
    theta = float(_theta_array(theta))
    alpha = check_step_size("alpha", alpha)
    values = np.asarray([p, *returns], dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"p and returns must be finite numbers, got p={p!r}, returns={returns!r}")
    if action not in (LESS, MORE):
        raise ValueError(f"action must be {LESS} (LESS) or {MORE} (MORE), got {action!r}")
    G = np.asarray(returns, dtype=float)
    score = (action - float(sigmoid(theta * p))) * p
    theta_after = theta + alpha * G * score
    more_after = sigmoid(theta_after * p)
    more_before = float(sigmoid(theta * p))
    return UpdateEffect(theta, float(p), alpha, int(action), tuple(float(g) for g in G),
                        np.array([1.0 - more_before, more_before]),
                        np.column_stack([1.0 - more_after, more_after]), theta_after)


def episode_arrays(batch: EpisodeBatch, index: int = 0, horizon: int = 3
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (p_t, A_t, R_{t+1}) of episode ``index`` of a batch of demand episodes, as three arrays.

    Raises
    ------
    ValueError
        If ``index`` is not the index of an episode in the batch.
    """
    if not 0 <= index < len(batch):
        raise ValueError(f"index must be in 0..{len(batch) - 1}, got {index!r}")
    inputs = demand_problem(horizon).inputs
    steps = batch.mask[index]
    return (inputs[batch.states[index, steps]], batch.actions[index, steps].copy(),
            batch.rewards[index, steps].copy())


def immediate_terms(theta: float | np.ndarray, horizon: int = 3) -> np.ndarray:
    r"""Every :math:`R(s, a)\, \nabla \ln \pi(a|s, \theta)`, shape (..., S, 2).

    The part of a REINFORCE step that comes from the reward of the step itself.
    For the demand problem it is never negative, so it always raises θ: a rewarded
    order (one that follows demand) is made more likely and a penalised one less
    likely, and for the policy σ(θp) both mean raising θ.
    """
    problem = demand_problem(horizon)
    theta = _theta_array(theta)
    more = sigmoid(theta[..., None] * problem.inputs)
    scores = np.stack([(0.0 - more) * problem.inputs, (1.0 - more) * problem.inputs], axis=-1)
    return problem.mdp.R[~problem.mdp.terminal] * scores[..., ~problem.mdp.terminal, :]


# --- smooth probabilities against ε-greedy jumps --------------------------------------------------

@dataclass(frozen=True)
class SmoothnessComparison:
    r"""π(MORE|p) during learning, for REINFORCE and for ε-greedy Monte Carlo control.

    Attributes
    ----------
    demand_changes : ndarray, shape (4,)
    pi_reinforce : ndarray, shape (n_runs, n_episodes + 1, 4)
        :math:`\sigma(\theta_k p)` after k episodes of REINFORCE.
    pi_greedy : ndarray, shape (n_runs, n_episodes + 1, 4)
        The ε-greedy :math:`\pi(\mathrm{MORE}|p)` from the estimates :math:`\hat q(p, a)` after k episodes.
    advantage : ndarray, shape (n_runs, n_episodes + 1, 4)
        :math:`\hat q(p, \mathrm{MORE}) - \hat q(p, \mathrm{LESS})`, the number the argmax looks at.
    theta : ndarray, shape (n_runs, n_episodes + 1)
        REINFORCE's θ_k.
    epsilon : float
    """

    demand_changes: np.ndarray
    pi_reinforce: np.ndarray
    pi_greedy: np.ndarray
    advantage: np.ndarray
    theta: np.ndarray
    epsilon: float

    def largest_change(self) -> tuple[np.ndarray, np.ndarray]:
        """The largest change of π(MORE|p) in one episode, per run: (REINFORCE, ε-greedy)."""
        def per_run(pi: np.ndarray) -> np.ndarray:
            return np.abs(np.diff(pi, axis=1)).max(axis=(1, 2))
        return per_run(self.pi_reinforce), per_run(self.pi_greedy)


def epsilon_greedy_more(advantage: np.ndarray, epsilon: float) -> np.ndarray:
    r"""The ε-greedy :math:`\pi(\mathrm{MORE}|p)` from the estimated advantage of MORE.

    The advantage is :math:`\hat q(p, \mathrm{MORE}) - \hat q(p, \mathrm{LESS})`, and

    .. math:: \pi(\mathrm{MORE}|p) = (1 - \varepsilon)\, \mathbb{1}[\hat q(p, \mathrm{MORE})
              > \hat q(p, \mathrm{LESS})] + \varepsilon / 2,

    with ties split evenly (π = 1/2).
    """
    if not 0.0 <= epsilon <= 1.0:
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon!r}")
    greedy = np.where(np.asarray(advantage) > 0, 1.0, np.where(np.asarray(advantage) < 0, 0.0, 0.5))
    return (1.0 - epsilon) * greedy + epsilon / 2


def smoothness_comparison(n_episodes: int, rng: np.random.Generator, *, alpha: float = 0.1,
                          epsilon: float = 0.1, n_runs: int = 1, horizon: int = 3) -> SmoothnessComparison:
    r"""Learn the demand problem twice, ``n_runs`` times each, and record π(MORE|p) after every episode.

    REINFORCE: :func:`helpers.reinforce.reinforce` from θ = 0 with step size α.
    ε-greedy Monte Carlo control: action values :math:`\hat q(p, a)`, the sample
    average of every return :math:`G_t` that followed order a at demand change p
    (every visit, all weeks pooled, like the sigmoid policy which also sees only p);
    actions ε-greedy in :math:`\hat q`; estimates start at 0.

    Raises
    ------
    ValueError
        On counts that are not integers >= 1, α <= 0 or ε outside [0, 1].
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    epsilon_greedy_more(0.0, epsilon)  # validates epsilon
    problem = demand_problem(horizon)
    mdp, inputs = problem.mdp, problem.inputs
    changes = problem.env.demand_changes
    history = reinforce(mdp, problem.policy, np.array([0.0]), inputs, alpha, n_episodes, rng,
                        n_runs=n_runs)
    theta = history.theta[:, :, 0]
    pi_reinforce = sigmoid(theta[..., None] * changes)

    n_p = len(changes)
    p_index = np.arange(mdp.n_states) % n_p  # the demand change of each state (the end maps to 0, unused)
    total = np.zeros((n_runs, n_p, 2))
    count = np.zeros((n_runs, n_p, 2))
    advantage = np.zeros((n_runs, n_episodes + 1, n_p))
    cumulative_P = np.cumsum(mdp.P, axis=2)
    runs = np.arange(n_runs)
    for k in range(n_episodes):
        q_hat = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        advantage[:, k] = q_hat[..., MORE] - q_hat[..., LESS]
        pi_more = epsilon_greedy_more(advantage[:, k], epsilon)
        state = categorical_sample(np.broadcast_to(mdp.d0, (n_runs, mdp.n_states)), rng)
        visited, taken, rewards = [], [], []
        while not mdp.terminal[state[0]]:  # every episode lasts exactly `horizon` weeks
            more = pi_more[runs, p_index[state]]
            action = (rng.random(n_runs) < more).astype(int)
            visited.append(p_index[state])
            taken.append(action)
            rewards.append(mdp.R[state, action])
            u = rng.random(n_runs)[:, None]
            state = np.minimum((u >= cumulative_P[state, action]).sum(axis=1), mdp.n_states - 1)
        G = returns_to_go(np.stack(rewards, axis=1), mdp.gamma)
        for t, (p_t, a_t) in enumerate(zip(visited, taken, strict=True)):
            np.add.at(total, (runs, p_t, a_t), G[:, t])
            np.add.at(count, (runs, p_t, a_t), 1.0)
    q_hat = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    advantage[:, -1] = q_hat[..., MORE] - q_hat[..., LESS]
    return SmoothnessComparison(changes, pi_reinforce, epsilon_greedy_more(advantage, epsilon), advantage,
                                theta, float(epsilon))


def first_flip(data: SmoothnessComparison, run: int = 0) -> tuple[int, int] | None:
    r"""The first ε-greedy flip of run ``run``: (k, i) where π(MORE|p_i) moves by ±(1 − ε) in episode k + 1.

    A flip is the greedy action changing from one order to the other after one
    episode, so that π(MORE|p) jumps between ε/2 and 1 − ε/2. None if the run has no flip.
    """
    if not 0 <= run < data.pi_greedy.shape[0]:
        raise ValueError(f"run must be in 0..{data.pi_greedy.shape[0] - 1}, got {run!r}")
    jumps = np.abs(np.diff(data.pi_greedy[run], axis=0))
    ks, indices = np.nonzero(np.isclose(jumps, 1.0 - data.epsilon) & (jumps > 0))
    if len(ks) == 0:
        return None
    return int(ks[0]), int(indices[0])
