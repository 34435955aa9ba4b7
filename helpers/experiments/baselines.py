r"""Notebook 04's experiments: baselines for REINFORCE (Sutton & Barto, section 13.4).

A baseline b(s) that does not depend on the action leaves the expected update
unchanged, because :math:`\mathbb{E}_{A\sim\pi}[\nabla \ln \pi(A|s, \theta)] = 0`
(notebook 01's lemma), and can shrink its variance a lot. This module

- compares the variance of the per-episode estimate
  :math:`\hat g^m = \sum_t \gamma^t (G_t - b(S_t)) \nabla \ln \pi(A_t|S_t, \theta)`
  under five baselines (:func:`baseline_estimates`, :func:`total_variance`);
- gives the minimum-variance constant baseline (:func:`min_variance_constant`),
  :math:`b^* = \mathbb{E}[X \cdot Z] / \mathbb{E}[\|Z\|^2]` with
  :math:`X = \sum_t \gamma^t G_t \nabla \ln \pi_t` and :math:`Z = \sum_t \gamma^t \nabla \ln \pi_t`;
- runs the experiments of notebook 04 with the collection's one REINFORCE engine,
  :func:`helpers.reinforce.reinforce`: learning with each baseline on the grid
  (:func:`grid_reinforce`), and Sutton & Barto's short corridor, Figures 13.1 and 13.2
  (:func:`short_corridor_reinforce`, :func:`figure_13_1_runs`, :func:`figure_13_2_runs`);
- measures what a reward shift does (:func:`reward_shift_variances`), the corridor's
  step sizes (:func:`corridor_step_size_grid`, :func:`corridor_step_sizes`) and its
  runaway runs (:func:`corridor_runaways`);
- holds the learning dashboard's runs: every step size of every baseline trained once
  (:func:`all_step_sizes`) and looked up per setting (:func:`learning_curves`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from helpers._validate import check_choice, check_positive_int
from helpers.envs import (
    SHORT_CORRIDOR_BEST_P,
    DemandEnv,
    ShortCorridor,
    WindyHighway,
    short_corridor_value,
)
from helpers.mdp import TabularMDP, action_values, exact_gradient, stacked_bellman, state_values
from helpers.policies import DiscretePolicy, SigmoidPolicy, SoftmaxLinearPolicy, sigmoid
from helpers.reinforce import (
    EpisodeBatch,
    leave_one_out_mean_baseline,
    per_run_step_sizes,
    reinforce,
    reinforce_estimates,
    returns_to_go,
    sample_episodes,
)

BASELINE_NAMES = ("none", "mean", "learned", "exact", "min-variance")
"""The baselines of the variance study, in table order."""


BOOK_THETA0 = np.array([-1.47, 1.47])
"""Sutton & Barto's initial θ for the short corridor: π(right) = σ(-2.94) ≈ 0.05."""


J_STAR = float(short_corridor_value(SHORT_CORRIDOR_BEST_P))
"""The short corridor's best value, -(6 + 4√2) ≈ -11.657."""


FIGURE_13_1_ALPHAS = (2.0**-12, 2.0**-13, 2.0**-14)


FIGURE_13_2 = {"alpha_theta": 2.0**-9, "alpha_w": 2.0**-6, "alpha_plain": 2.0**-13}


# --------------------------------------------------------------------------- problems

@dataclass(frozen=True)
class Problem:
    """A tabular problem with its policy, inputs and the θ at which variances are measured."""

    name: str
    mdp: TabularMDP
    policy: DiscretePolicy
    inputs: np.ndarray
    theta: np.ndarray


@cache
def demand_problem() -> Problem:
    """The demand problem (π(MORE|p) = σ(θp)) at θ = 0.5."""
    env = DemandEnv()
    return Problem("demand", env.tabular(), SigmoidPolicy(), env.policy_inputs(), np.array([0.5]))


@cache
def grid_problem(reward_shift: float = 0.0) -> Problem:
    """The windy highway with offset features, at θ = (0.5, -0.5); ``reward_shift`` adds c to every reward."""
    env = WindyHighway(reward_shift=reward_shift)
    return Problem("grid", env.tabular(), SoftmaxLinearPolicy(3, 2), env.policy_inputs("offset"),
                   np.array([0.5, -0.5]))


# --------------------------------------------------------------------------- variance study

def score_sums(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray, batch: EpisodeBatch,
               gamma: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    r"""The two sums that make up one episode's estimate with a constant baseline b: ĝᵐ = X - b Z.

    .. math:: X = \sum_t \gamma^t G_t \nabla \ln \pi(A_t|S_t, \theta), \qquad
              Z = \sum_t \gamma^t \nabla \ln \pi(A_t|S_t, \theta).

    Returns
    -------
    X, Z : ndarray, shape (N, d)
    """
    X = reinforce_estimates(policy, theta, inputs, batch, gamma)
    Z = X - reinforce_estimates(policy, theta, inputs, batch, gamma, baseline=1.0)
    return X, Z


def min_variance_constant(policy: DiscretePolicy, theta: np.ndarray, inputs: np.ndarray,
                          batch: EpisodeBatch, gamma: float = 1.0) -> float:
    r"""The constant b that minimises the variance of ĝᵐ = X - b Z, estimated from ``batch``.

    Since :math:`\mathbb{E}[Z] = 0`, :math:`\mathbb{E}[\hat g^m] = \nabla J` for every b, so the
    total variance :math:`\mathbb{E}\|X - bZ\|^2 - \|\nabla J\|^2` is a parabola in b with
    its minimum where
    :math:`\frac{d}{db}\mathbb{E}\|X - bZ\|^2 = -2\mathbb{E}[X\cdot Z] + 2b\,\mathbb{E}\|Z\|^2 = 0`:

    .. math:: b^* = \frac{\mathbb{E}[X \cdot Z]}{\mathbb{E}[\|Z\|^2]}.

    Estimate it from a batch that is independent of the one it is used on, so the
    estimate stays unbiased.
    """
    X, Z = score_sums(policy, theta, inputs, batch, gamma)
    denominator = float(np.sum(Z * Z))
    if denominator == 0.0:
        raise ValueError("batch must contain an episode with a non-zero score (Z ≠ 0)")
    return float(np.sum(X * Z)) / denominator


def fit_state_values(mdp: TabularMDP, batch: EpisodeBatch) -> np.ndarray:
    r"""A learned :math:`\hat v(s, w) = w_s` (one weight per state) from a batch of episodes.

    The gradient Monte-Carlo update :math:`w_s \leftarrow w_s + \alpha^w (G_t - w_s)` with
    the sample-average step size :math:`\alpha^w = 1/n(s)` (n(s) the visits to s so far)
    leaves :math:`w_s` equal to the mean of the :math:`G_t` observed in s; that is what
    this returns (0 for states the batch never visits).
    """
    G = returns_to_go(batch.rewards, mdp.gamma)
    totals = np.bincount(batch.states[batch.mask], weights=G[batch.mask], minlength=mdp.n_states)
    counts = np.bincount(batch.states[batch.mask], minlength=mdp.n_states)
    return np.where(counts > 0, totals / np.maximum(counts, 1), 0.0)


def baseline_estimates(problem: Problem, n_episodes: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    r"""Per-episode estimates ĝᵐ under each baseline of :data:`BASELINE_NAMES`, on the same episodes.

    The learned :math:`\hat v` and the constant :math:`b^*` are fitted on a second,
    independent batch of ``n_episodes`` episodes; the mean-return baseline leaves the
    episode's own returns out. So every estimate is unbiased for :math:`\nabla J(\theta)`.

    Returns
    -------
    dict of str to ndarray of shape (n_episodes, d)
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    if n_episodes < 2:
        raise ValueError(f"n_episodes must be at least 2 (the mean baseline leaves one out), "
                         f"got {n_episodes}")
    mdp, policy, inputs, theta = problem.mdp, problem.policy, problem.inputs, problem.theta
    batch = sample_episodes(mdp, policy, theta, inputs, n_episodes, rng)
    fit = sample_episodes(mdp, policy, theta, inputs, n_episodes, rng)
    v_exact = state_values(mdp, policy.table(theta, inputs))
    baselines = {
        "none": None,
        "mean": leave_one_out_mean_baseline(batch, mdp.gamma),
        "learned": fit_state_values(mdp, fit),
        "exact": v_exact,
        "min-variance": min_variance_constant(policy, theta, inputs, fit, mdp.gamma),
    }
    return {name: reinforce_estimates(policy, theta, inputs, batch, mdp.gamma, b)
            for name, b in baselines.items()}


def total_variance(estimates: np.ndarray) -> tuple[float, float]:
    r"""Total variance :math:`\operatorname{tr}\operatorname{Cov}[\hat g^m]` and its standard error.

    With :math:`Y_n = \|\hat g^n - \hat g\|^2` (:math:`\hat g` the mean of the :math:`\hat g^n`),
    the estimate is
    :math:`\frac{1}{N-1}\sum_n Y_n` and its standard error :math:`\operatorname{sd}(Y)/\sqrt N`.

    Parameters
    ----------
    estimates : ndarray, shape (N, d), N ≥ 2
    """
    estimates = _check_estimates("estimates", estimates)
    n = len(estimates)
    y = np.sum((estimates - estimates.mean(axis=0)) ** 2, axis=1)
    return float(y.sum() / (n - 1)), float(y.std(ddof=1) / np.sqrt(n))


def variance_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    r"""Total variance of ``a`` minus that of ``b``, estimated on the same episodes, and its standard error.

    Pairing the squared deviations episode by episode,
    :math:`D_n = \|a_n - \bar a\|^2 - \|b_n - \bar b\|^2`, removes most of the noise
    that two separate estimates would carry; the standard error is
    :math:`\operatorname{sd}(D)/\sqrt N`.
    """
    a, b = _check_estimates("a", a), _check_estimates("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    n = len(a)
    d = np.sum((a - a.mean(axis=0)) ** 2, axis=1) - np.sum((b - b.mean(axis=0)) ** 2, axis=1)
    return float(d.sum() / (n - 1)), float(d.std(ddof=1) / np.sqrt(n))


def _check_estimates(name: str, estimates: np.ndarray) -> np.ndarray:
    estimates = np.asarray(estimates, dtype=float)
    if estimates.ndim != 2 or len(estimates) < 2:
        raise ValueError(f"{name} must have shape (N, d) with N ≥ 2, got {estimates.shape}")
    return estimates


@cache
def variance_estimates(problem_name: str, n_episodes: int = 4000, seed: int = 4) -> dict[str, np.ndarray]:
    """:func:`baseline_estimates` for ``"demand"`` or ``"grid"`` at its θ, cached by its arguments."""
    check_choice("problem_name", problem_name, ("demand", "grid"))
    problem = demand_problem() if problem_name == "demand" else grid_problem()
    return baseline_estimates(problem, n_episodes, np.random.default_rng(seed))


def variance_table(problem_name: str, n_episodes: int = 4000, seed: int = 4) -> dict[str, tuple]:
    """Mean estimate, total variance and its standard error for each baseline, and the exact ∇J.

    Returns a dict of baseline name to (mean estimate, total variance, standard error),
    plus ``"exact gradient"``.
    """
    estimates = variance_estimates(problem_name, n_episodes, seed)
    problem = demand_problem() if problem_name == "demand" else grid_problem()
    table: dict[str, tuple] = {name: (g.mean(axis=0), *total_variance(g)) for name, g in estimates.items()}
    table["exact gradient"] = (exact_gradient(problem.mdp, problem.policy, problem.theta, problem.inputs),)
    return table


def state_min_variance_baseline(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    r"""The exact one-step minimum-variance state baseline and :math:`v_\pi(s)`, state by state.

    For one state and one step, :math:`\mathbb{E}[(G - b)^2 \|\nabla \ln \pi(A|s)\|^2 \mid s]` is a
    parabola in b with its minimum at

    .. math:: b^*(s) = \frac{\sum_a \pi(a|s)\, q_\pi(s, a)\, \|\nabla \ln \pi(a|s)\|^2}
                            {\sum_a \pi(a|s)\, \|\nabla \ln \pi(a|s)\|^2},

    the action values weighted by the squared size of the score, where
    :math:`v_\pi(s) = \sum_a \pi(a|s)\, q_\pi(s, a)` weights them by π alone. It ignores the
    cross terms between the steps of an episode, so it explains, not replaces, a measurement.

    Returns
    -------
    b_star, v : ndarray, shape (n_states,)
        NaN in b_star where every score is zero (terminal states).
    """
    pi = problem.policy.table(problem.theta, problem.inputs)
    q = action_values(problem.mdp, pi)
    squared = np.sum(problem.policy.grad_log_probs(problem.theta, problem.inputs) ** 2, axis=-1)
    weight = np.sum(pi * squared, axis=1)
    b_star = np.full(weight.shape, np.nan)
    np.divide(np.sum(pi * q * squared, axis=1), weight, out=b_star, where=weight > 0)
    return b_star, state_values(problem.mdp, pi)


def reward_shift_variances(shifts: tuple[float, ...], n_episodes: int,
                           rng: np.random.Generator) -> dict[str, np.ndarray]:
    r"""The grid with every reward shifted by c: exact ∇J, and the total variance with and without v_π.

    Every episode on the grid lasts exactly ``n_rows - 1`` steps, so the shift adds
    the same :math:`c(T - t)` to every :math:`G_t` whatever the actions: the
    gradient is unchanged, the variance without a baseline is not.

    Returns
    -------
    dict with ``"shift"``, ``"exact gradient"`` (len(shifts), d), ``"none"`` and
    ``"exact"`` (len(shifts), 2): total variance and its standard error.
    """
    n_episodes = check_positive_int("n_episodes", n_episodes)
    gradients, none, exact = [], [], []
    for c in shifts:
        problem = grid_problem(float(c))
        mdp, policy, inputs, theta = problem.mdp, problem.policy, problem.inputs, problem.theta
        gradients.append(exact_gradient(mdp, policy, theta, inputs))
        batch = sample_episodes(mdp, policy, theta, inputs, n_episodes, rng)
        none.append(total_variance(reinforce_estimates(policy, theta, inputs, batch, mdp.gamma)))
        v = state_values(mdp, policy.table(theta, inputs))
        exact.append(total_variance(reinforce_estimates(policy, theta, inputs, batch, mdp.gamma, v)))
    return {"shift": np.asarray(shifts, float), "exact gradient": np.array(gradients),
            "none": np.array(none), "exact": np.array(exact)}


# --------------------------------------------------------------------------- learning on the grid

GRID_BASELINES = ("none", "mean", "learned", "exact")


def grid_reinforce(baseline: str, alpha_theta: float | np.ndarray, alpha_w: float | np.ndarray,
                   n_episodes: int, n_runs: int, rng: np.random.Generator, *, reward_shift: float = 0.0,
                   theta0: np.ndarray | None = None, eval_every: int = 10) -> np.ndarray:
    r"""Learning curves of per-step REINFORCE with a baseline on the grid, scored by the exact J.

    Trains with :func:`helpers.reinforce.reinforce` (Sutton & Barto's pseudocode, all
    runs in one call): after each episode, for t = 0, …, T-1,

    .. math:: \delta = G_t - b(S_t), \quad w \leftarrow w + \alpha^w \delta \nabla \hat v(S_t, w), \quad
              \theta \leftarrow \theta + \alpha^\theta \gamma^t \delta \nabla \ln \pi(A_t|S_t, \theta),

    with b = 0 (``"none"``), the mean of all :math:`G_t` of the run's earlier episodes
    (``"mean"``), :math:`\hat v(s, w) = w_s` (``"learned"``, the only one that uses α^w),
    or the exact :math:`v_\pi(s)` at the θ the episode was played with (``"exact"``).

    Parameters
    ----------
    alpha_theta, alpha_w : float or ndarray of shape (n_runs,)
    reward_shift : float
        c added to every reward; the curves report J of the *unshifted* problem.

    Returns
    -------
    ndarray, shape (n_runs, n_episodes // eval_every + 1)
        The exact J(θ) of each run before training and every ``eval_every`` episodes.
    """
    check_choice("baseline", baseline, GRID_BASELINES)
    n_episodes = check_positive_int("n_episodes", n_episodes)
    n_runs = check_positive_int("n_runs", n_runs)
    eval_every = check_positive_int("eval_every", eval_every)
    per_run_step_sizes("alpha_w", alpha_w, n_runs)
    problem, plain = grid_problem(float(reward_shift)), grid_problem(0.0)
    theta0 = np.zeros(2) if theta0 is None else np.asarray(theta0, float)
    history = reinforce(problem.mdp, problem.policy, theta0, problem.inputs, alpha_theta, n_episodes, rng,
                        n_runs=n_runs, baseline=baseline,
                        alpha_w=alpha_w if baseline == "learned" else None)
    thetas = history.theta[:, ::eval_every]
    pi = problem.policy.probs(thetas.reshape(-1, 1, 2), problem.inputs[None])
    return stacked_bellman(plain.mdp, pi).objective(plain.mdp).reshape(thetas.shape[:2])


def final_j_by_baseline(alpha_theta: float, alpha_w: float, *, n_runs: int = 1000, n_episodes: int = 100,
                        reward_shift: float = 10.0, seed: int = 5) -> dict[str, np.ndarray]:
    """J of the unshifted grid after ``n_episodes`` episodes, one value per run, for every baseline.

    :func:`grid_reinforce` for each of :data:`GRID_BASELINES` with the same step sizes,
    each from ``numpy.random.default_rng(seed)``. Final returns are heavy-tailed (a few
    runs fall far), so comparing their means needs many runs: 1000 by default.

    Returns
    -------
    dict of str to ndarray of shape (n_runs,)
    """
    return {baseline: grid_reinforce(baseline, alpha_theta, alpha_w, n_episodes, n_runs,
                                     np.random.default_rng(seed), reward_shift=reward_shift,
                                     eval_every=n_episodes)[:, -1]
            for baseline in GRID_BASELINES}


# --------------------------------------------------------------------------- the short corridor

@dataclass(frozen=True)
class CorridorRuns:
    """What :func:`short_corridor_reinforce` records for ``n_runs`` runs.

    Attributes
    ----------
    returns : ndarray, shape (n_runs, n_episodes)
        G_0 of every episode; NaN from the episode at which a run was stopped on.
    p : ndarray, shape (n_runs, n_episodes + 1)
        π(right) before each episode; NaN after a stop.
    stopped : ndarray of int, shape (n_runs,)
        The episode at which the run was stopped (an episode reached ``max_steps``
        steps without reaching the goal), or -1.
    p_at_stop : ndarray, shape (n_runs,)
        π(right) of the episode that was cut (NaN for runs never stopped).
    alpha, alpha_w : ndarray, shape (n_runs,)
        The step sizes (α^w is NaN without a baseline).
    max_steps : int
    """

    returns: np.ndarray
    p: np.ndarray
    stopped: np.ndarray
    p_at_stop: np.ndarray
    alpha: np.ndarray
    alpha_w: np.ndarray
    max_steps: int

    @property
    def n_runaways(self) -> int:
        """How many runs were stopped by an episode of ``max_steps`` steps."""
        return int(np.sum(self.stopped >= 0))


def short_corridor_reinforce(alpha: float | np.ndarray, n_episodes: int, n_runs: int,
                             rng: np.random.Generator, *, alpha_w: float | np.ndarray | None = None,
                             theta0: np.ndarray = BOOK_THETA0, max_steps: int = 1000) -> CorridorRuns:
    r"""REINFORCE (with baseline :math:`\hat v(s, w) = w` if ``alpha_w`` is given) on the short corridor.

    Sutton & Barto's per-step updates, after each episode, for t = 0, …, T-1 (γ = 1):

    .. math:: \delta = G_t - w, \quad w \leftarrow w + \alpha^w \delta, \quad
              \theta \leftarrow \theta + \alpha \delta \nabla \ln \pi(A_t|\theta),

    with :math:`G_t = -(T - t)` (-1 on every step, including the last), the book's
    features x(right) = (1, 0), x(left) = (0, 1) in every cell, so
    π(right) = σ(θ₁ - θ₂), and a one-feature value function (the cells look alike).
    Trained by :func:`helpers.reinforce.reinforce`, all runs in one call.

    A run whose episode reaches ``max_steps`` steps without reaching the goal is
    stopped there (the book has no cap; such a run has p near 0 or 1, where
    J(p) → -∞): its later returns are NaN and it is counted in
    :attr:`CorridorRuns.n_runaways`.

    Parameters
    ----------
    alpha, alpha_w : float or ndarray of shape (n_runs,)
        Step sizes; one per run lets a whole figure run in one call.
    theta0 : ndarray, shape (2,)
        Initial θ (the book's (-1.47, 1.47) by default).
    """
    n_runs = check_positive_int("n_runs", n_runs)
    theta0 = np.asarray(theta0, dtype=float)
    if theta0.shape != (2,) or not np.all(np.isfinite(theta0)):
        raise ValueError(f"theta0 must be 2 finite numbers (θ_right, θ_left), got {theta0!r}")
    env = ShortCorridor()
    learned = alpha_w is not None
    history = reinforce(env.tabular(), SoftmaxLinearPolicy(2, 2), theta0, env.policy_inputs(), alpha,
                        n_episodes, rng, n_runs=n_runs, baseline="learned" if learned else "none",
                        alpha_w=alpha_w, value_features=np.ones((env.n_states, 1)), max_steps=max_steps,
                        on_truncation="stop")
    h = history.theta[..., 0] - history.theta[..., 1]  # NaN after a stop
    p = np.full(h.shape, np.nan)
    p[np.isfinite(h)] = sigmoid(h[np.isfinite(h)])  # π(right) = σ(θ₁ - θ₂)
    cut = history.truncated.any(axis=1)
    stopped = np.where(cut, history.truncated.argmax(axis=1), -1)
    returns = history.returns.copy()
    returns[cut, stopped[cut]] = np.nan
    p_at_stop = np.full(n_runs, np.nan)
    p_at_stop[cut] = p[cut, stopped[cut]]
    a_w = per_run_step_sizes("alpha_w", alpha_w, n_runs) if learned else np.full(n_runs, np.nan)
    return CorridorRuns(returns, p, stopped, p_at_stop, per_run_step_sizes("alpha", alpha, n_runs),
                        a_w, max_steps)


def figure_13_1_runs(rng: np.random.Generator, n_runs: int = 100, n_episodes: int = 1000,
                max_steps: int = 1000) -> dict[float, CorridorRuns]:
    """Figure 13.1: REINFORCE with α = 2^-12, 2^-13, 2^-14, all 3 × ``n_runs`` runs in one call."""
    n_runs = check_positive_int("n_runs", n_runs)
    alphas = np.repeat(FIGURE_13_1_ALPHAS, n_runs)
    runs = short_corridor_reinforce(alphas, n_episodes, alphas.size, rng, max_steps=max_steps)
    return {a: _select(runs, slice(i * n_runs, (i + 1) * n_runs)) for i, a in enumerate(FIGURE_13_1_ALPHAS)}


def figure_13_2_runs(rng: np.random.Generator, n_runs: int = 100, n_episodes: int = 1000,
                max_steps: int = 1000) -> dict[str, CorridorRuns]:
    """Figure 13.2: with baseline α^θ = 2^-9, α^w = 2^-6, against REINFORCE α = 2^-13."""
    n_runs = check_positive_int("n_runs", n_runs)
    with_baseline = short_corridor_reinforce(FIGURE_13_2["alpha_theta"], n_episodes, n_runs, rng,
                                             alpha_w=FIGURE_13_2["alpha_w"], max_steps=max_steps)
    plain = short_corridor_reinforce(FIGURE_13_2["alpha_plain"], n_episodes, n_runs, rng,
                                     max_steps=max_steps)
    return {"baseline": with_baseline, "plain": plain}


def _select(runs: CorridorRuns, rows: slice) -> CorridorRuns:
    return CorridorRuns(runs.returns[rows], runs.p[rows], runs.stopped[rows], runs.p_at_stop[rows],
                        runs.alpha[rows], runs.alpha_w[rows], runs.max_steps)


def corridor_curve(runs: CorridorRuns) -> tuple[np.ndarray, np.ndarray]:
    """Mean G_0 per episode over the runs that are still running, and its standard error."""
    r = runs.returns
    n = np.sum(np.isfinite(r), axis=0)
    mean = np.nanmean(r, axis=0)
    se = np.nanstd(r, axis=0, ddof=1) / np.sqrt(np.maximum(n, 1))
    return mean, se


def expected_return_curve(runs: CorridorRuns) -> np.ndarray:
    r"""Mean over the runs still going of the exact :math:`J(p_k)` of the policy that played episode k.

    Each term is at most :math:`J^* = J(p^*)`, so the curve never rises above the optimum.
    A p that rounds to 0 or 1 counts as :math:`J = -\infty`.
    """
    p = runs.p[:, :-1]
    inside = (p > 0) & (p < 1)
    j = np.full(p.shape, np.nan)
    j[inside] = short_corridor_value(p[inside])
    j[np.isfinite(p) & ~inside] = -np.inf
    count = np.sum(~np.isnan(j), axis=0)
    total = np.sum(np.where(np.isnan(j), 0.0, j), axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def corridor_step_size_grid(alphas_theta: tuple[float, ...], alphas_w: tuple[float, ...], n_runs: int,
                            n_episodes: int,
                            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Learning speed of REINFORCE with baseline on the short corridor for every (α^θ, α^w), in one call.

    Returns
    -------
    mean_reward : ndarray, shape (len(alphas_w), len(alphas_theta))
        The reward per episode averaged over the ``n_episodes`` episodes and the runs
        (a run that was stopped counts with the episodes it played).
    stopped : ndarray of int, same shape
        How many of the ``n_runs`` runs were stopped by an episode of 1000 steps.
    standard_error : ndarray, same shape
        The standard error of ``mean_reward`` over the runs (sd of the per-run means / √n_runs).
    """
    n_runs = check_positive_int("n_runs", n_runs)
    a_t, a_w = np.meshgrid(np.asarray(alphas_theta, float), np.asarray(alphas_w, float))
    runs = short_corridor_reinforce(np.repeat(a_t.ravel(), n_runs), n_episodes, a_t.size * n_runs, rng,
                                    alpha_w=np.repeat(a_w.ravel(), n_runs))
    per_run = np.nanmean(runs.returns, axis=1).reshape(a_t.size, n_runs)
    mean_reward = per_run.mean(axis=1).reshape(a_t.shape)
    standard_error = (per_run.std(axis=1, ddof=1) / np.sqrt(n_runs) if n_runs > 1
                      else np.full(a_t.size, np.nan)).reshape(a_t.shape)
    stopped = (runs.stopped >= 0).reshape(a_t.size, n_runs).sum(axis=1).reshape(a_t.shape)
    return mean_reward, stopped, standard_error


CORRIDOR_THETA_EXPONENTS = tuple(range(-12, -5))
"""The α^θ = 2^k of the short corridor's step-size grid (notebook 04's heat map)."""

CORRIDOR_W_EXPONENTS = tuple(range(-9, -2))
"""The α^w = 2^k of the short corridor's step-size grid."""


@dataclass(frozen=True)
class CorridorStepSizes:
    """The short corridor's learning speed over the grid of (α^θ, α^w), from :func:`corridor_step_size_grid`.

    ``mean_reward`` and ``stopped`` have shape (len(w_exponents), len(theta_exponents)).
    """

    mean_reward: np.ndarray
    stopped: np.ndarray
    theta_exponents: tuple[int, ...]
    w_exponents: tuple[int, ...]
    n_runs: int
    n_episodes: int


@cache
def corridor_step_sizes(n_runs: int = 20, n_episodes: int = 200, seed: int = 77) -> CorridorStepSizes:
    """REINFORCE with baseline on the short corridor at every α^θ = 2^k, α^w = 2^j of the grid (cached)."""
    mean_reward, stopped, _ = corridor_step_size_grid(
        tuple(2.0 ** np.array(CORRIDOR_THETA_EXPONENTS)), tuple(2.0 ** np.array(CORRIDOR_W_EXPONENTS)),
        n_runs, n_episodes, np.random.default_rng(seed))
    return CorridorStepSizes(mean_reward, stopped, CORRIDOR_THETA_EXPONENTS, CORRIDOR_W_EXPONENTS, n_runs,
                             n_episodes)


def corridor_runaways(rng: np.random.Generator, n_runs: int = 1000,
                      n_episodes: int = 100) -> dict[str, CorridorRuns]:
    """How often runs run away: Figure 13.1's three step sizes and Figure 13.2's learned baseline.

    ``n_runs`` runs of ``n_episodes`` episodes per setting (runs run away early, while
    episodes are long), keyed ``"2^-12"``, ``"2^-13"``, ``"2^-14"`` (REINFORCE with that α)
    and ``"baseline"`` (α^θ = 2^-9, α^w = 2^-6). :attr:`CorridorRuns.n_runaways` counts the
    stopped runs and :attr:`CorridorRuns.p_at_stop` says which way each went.
    """
    plain = figure_13_1_runs(rng, n_runs, n_episodes)
    runs = {f"2^{int(np.log2(alpha))}": r for alpha, r in plain.items()}
    runs["baseline"] = short_corridor_reinforce(FIGURE_13_2["alpha_theta"], n_episodes, n_runs, rng,
                                                alpha_w=FIGURE_13_2["alpha_w"])
    return runs


# --------------------------------------------------------------------------- the learning dashboard's runs

REWARD_SHIFT = 10.0
"""c added to every reward of the grid in the dashboard (notebook 04's reward-shift experiment)."""


THETA_EXPONENTS = tuple(range(-9, -3))
"""α^θ = 2^k for these k."""


W_EXPONENTS = tuple(range(-6, 0))
"""α^w = 2^k for these k (used by the learned baseline only)."""


N_RUNS = 20


N_EPISODES = 100


EVAL_EVERY = 5


SEED = 404


@cache
def all_step_sizes(baseline: str) -> np.ndarray:
    """J curves for every (α^w, α^θ) of the grid: shape (len(W), len(THETA), N_RUNS, n_points).

    Baselines other than ``"learned"`` ignore α^w: they are trained once and repeated.
    """
    check_choice("baseline", baseline, GRID_BASELINES)
    exps_w = W_EXPONENTS if baseline == "learned" else W_EXPONENTS[:1]
    a_w, a_t = np.meshgrid(2.0 ** np.array(exps_w), 2.0 ** np.array(THETA_EXPONENTS), indexing="ij")
    curves = grid_reinforce(baseline, np.repeat(a_t.ravel(), N_RUNS), np.repeat(a_w.ravel(), N_RUNS),
                            N_EPISODES, a_t.size * N_RUNS, np.random.default_rng(SEED),
                            reward_shift=REWARD_SHIFT, eval_every=EVAL_EVERY)
    curves = curves.reshape(len(exps_w), len(THETA_EXPONENTS), N_RUNS, -1)
    if baseline != "learned":
        curves = np.repeat(curves, len(W_EXPONENTS), axis=0)
    return curves


def snap_exponent(value: float, exponents: tuple[int, ...], name: str) -> int:
    """The position of the power of 2 nearest to ``value`` among ``2**exponents``."""
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return int(np.argmin(np.abs(np.log2(value) - np.array(exponents))))


@dataclass(frozen=True)
class LearningCurves:
    """What the learning dashboard shows for one baseline and step sizes (all runs cached).

    Attributes
    ----------
    baseline : str
    episodes : ndarray, shape (n_points,)
        The episodes after which J was evaluated (every ``EVAL_EVERY``, from 0).
    curves : ndarray, shape (N_RUNS, n_points)
        The exact J(θ) of the unshifted grid along every run.
    reference : ndarray, shape (N_RUNS, n_points)
        The same for the runs without a baseline at the same step sizes.
    alphas_theta : ndarray
        Every α^θ of the grid, 2^k for k in ``THETA_EXPONENTS``.
    alpha_theta : float
        The α^θ of the grid nearest to the one asked for.
    final : dict of str to ndarray
        Per baseline, the mean over runs of the final J at every α^θ (same α^w).
    """

    baseline: str
    episodes: np.ndarray
    curves: np.ndarray
    reference: np.ndarray
    alphas_theta: np.ndarray
    alpha_theta: float
    final: dict[str, np.ndarray]

    @property
    def final_j(self) -> np.ndarray:
        """J(θ) after the last episode, one value per run (shape (N_RUNS,))."""
        return self.curves[:, -1].copy()


def learning_curves(baseline: str, alpha_theta: float, alpha_w: float) -> LearningCurves:
    """Learning curves for one setting, the no-baseline reference, and final J against α^θ per baseline.

    Step sizes snap to the nearest power of 2 of the grid; ``alpha_w`` matters for the
    learned baseline only.
    """
    check_choice("baseline", baseline, GRID_BASELINES)
    i_t = snap_exponent(alpha_theta, THETA_EXPONENTS, "alpha_theta")
    i_w = snap_exponent(alpha_w, W_EXPONENTS, "alpha_w")
    final = {b: all_step_sizes(b)[i_w, :, :, -1].mean(axis=1) for b in GRID_BASELINES}
    return LearningCurves(baseline, np.arange(0, N_EPISODES + 1, EVAL_EVERY),
                          all_step_sizes(baseline)[i_w, i_t], all_step_sizes("none")[i_w, i_t],
                          2.0 ** np.array(THETA_EXPONENTS), 2.0 ** THETA_EXPONENTS[i_t], final)
